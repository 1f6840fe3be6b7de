"""Two `serve` daemons on one PostgreSQL database: a case's due mail goes out once.

Each daemon has its own port and its own Maildir, so a mail delivered by
both would show as two files.  The seller writes to one daemon, the team to
the other; both delivery loops see the reminder and the overdue note fall
due, and exactly one of them sends each, on time.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from router.store import decisions, outgoing
from tests.cases.smtpworld import (
    NOTIFY,
    SELLER,
    TEAM,
    case_config,
    case_mail,
    case_row,
    forward_of,
    proven,
    query,
    seller_answer,
    send,
    sent_at,
    team_reply,
)
from tests.intake.routerproc import Router, config_text, free_port
from tests.pipeline.conftest import (
    STORAGE_LINE,
    TRANSPORT_LINE,
    import_orders,
    inquiry,
    pipeline_processes,
    wait_pipeline_ready,
    wait_until,
)

pytestmark = pytest.mark.postgres

REMIND = timedelta(seconds=8)
WITHIN = timedelta(seconds=16)
PUNCTUAL = timedelta(seconds=5)
WAIT = 60.0


def write_config(directory: Path, port: int, url: str) -> Path:
    directory.mkdir(parents=True)
    config = directory / "router.yaml"
    config.write_text(config_text(directory, port, extra={
        **pipeline_processes(1), **case_config(f"{WITHIN.seconds}s", f"{REMIND.seconds}s"),
        STORAGE_LINE: f'url: "{url}"',
        TRANSPORT_LINE: f"transport: maildir://{directory / 'outbox'}",
    }), encoding="utf-8")
    return config


def test_two_daemons_send_a_cases_due_mail_once(tmp_path: Path, pg_url: str,
                                                daemons: list[Router]) -> None:
    ports = free_port(), free_port()
    configs = [write_config(tmp_path / name, port, pg_url)
               for name, port in zip("ab", ports, strict=True)]
    boxes = tuple(c.parent / "outbox" for c in configs)
    for config, port in zip(configs, ports, strict=True):
        daemons.append(Router(config, port, args=(), storage=pg_url))
    import_orders(configs[0], 2)
    for router in daemons:
        wait_pipeline_ready(router, WAIT)

    def relayed(case_id: int, count: int) -> None:
        wait_until(lambda: len(case_mail(boxes, case_id)) >= count, WAIT,
                   f"{count} mail(s) of case {case_id}")

    opened = []
    for n in range(2):
        inquiry_id = send(ports[0], proven(SELLER, inquiry(n, run="pg-case")[1]), SELLER)
        wait_until(lambda i=inquiry_id: bool(forward_of(pg_url, i)), WAIT, "the forward")
        case_id = send(ports[1], proven(TEAM, team_reply(forward_of(pg_url, inquiry_id),
                                                          f"<team-{n}@example.internal>")), TEAM)
        relayed(case_id, 1)
        opened.append(case_id)
    unanswered, answered = opened
    answer = send(ports[0], proven(SELLER, seller_answer(
        answered, "<pg-answer@musterhandel.de>", "Nummer: 1Z999")), SELLER)
    relayed(answered, 2)
    assert query(pg_url, sa.select(decisions.c.category).where(
        decisions.c.received_id == answer)) == [("case_reply",)]

    row = case_row(pg_url, unanswered)
    relayed(unanswered, 3)  # relay, reminder, overdue note
    wait_until(lambda: sent_at(pg_url, row.overdue_message_id) is not None, WAIT,
               "the overdue note recorded sent")
    mail = case_mail(boxes, unanswered)
    assert sorted(m.message_id for m in mail) == sorted(
        {m.message_id for m in mail}), "a case mail delivered by both daemons"
    assert sorted(m.to for m in mail) == sorted([NOTIFY, NOTIFY, TEAM])
    reminded = sent_at(pg_url, row.reminder_message_id)
    noted = sent_at(pg_url, row.overdue_message_id)
    assert row.asked_at + REMIND <= reminded <= row.asked_at + REMIND + PUNCTUAL
    assert row.due_at <= noted <= row.due_at + PUNCTUAL
    sends = [r for router in daemons for r in router.records("sent")
             if r.get("message_id") in (row.reminder_message_id, row.overdue_message_id)]
    assert len(sends) == 2, sends

    # The answered case's due mail left the queue: never sent by either daemon.
    done = case_row(pg_url, answered)
    assert done.state == "answered"
    assert query(pg_url, sa.select(outgoing.c.id).where(outgoing.c.message_id.in_(
        [done.reminder_message_id, done.overdue_message_id]))) == []
    assert len(case_mail(boxes, answered)) == 2
