"""Cases under crashes: a power cut around the relay and around the reminder.

The whole daemon is SIGKILLed (every process where it stands) at a point
of the case's life, then started again; leases the dead processes held are
moved into the past (`expire_dead_leases`), as the passing of time would.
The relay and the due mail are written in the decision's transaction, so
whichever side of it the kill falls, the restarted daemon relays once and
queues one reminder and one overdue note.  A second kill right after the
reminder was delivered sends no second reminder: at most its delivery is
repeated into the same Maildir file, as for any mail (router/act/delivery).
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from router.store import cases, outgoing, utcnow
from tests.cases.smtpworld import (
    NOTIFY,
    SELLER,
    TEAM,
    case_config,
    case_row,
    forward_of,
    outbox,
    proven,
    query,
    send,
    team_reply,
)
from tests.intake.routerproc import Router, free_port
from tests.pipeline.conftest import (
    expire_dead_leases,
    inquiry,
    owners_of,
    prepare,
    start,
    wait_until,
)

WITHIN = "16s"
REMIND = "8s"
WAIT = 60.0


def crash(router: Router, url: str) -> None:
    """A power cut: every process of the daemon killed; its leases expire."""
    killed_at = utcnow()
    pids = router.kill_all()
    expire_dead_leases(url, owners_of(router, pids), killed_at)


@pytest.mark.parametrize("kill_at", ["stored", "decided"])
def test_a_kill_around_the_relay_loses_nothing_and_sends_nothing_twice(
        tmp_path: Path, daemons: list[Router], kill_at: str) -> None:
    port = free_port()
    config = prepare(tmp_path / "router", port, orders=1, extra=case_config(WITHIN, REMIND))
    url = f"sqlite:///{config.parent / 'router.db'}"
    box = config.parent / "outbox"
    first = start(config, port)
    daemons.append(first)
    asked = send(port, proven(SELLER, inquiry(0, run="crash")[1]), SELLER)
    wait_until(lambda: bool(forward_of(url, asked)), WAIT, "the forward")

    team = send(port, proven(TEAM, team_reply(forward_of(url, asked),
                                              "<team-crash@example.internal>")), TEAM)
    if kill_at == "decided":  # committed: relay and due mail queued, maybe not delivered
        first.expect("decided", lambda r: r.get("id") == team, timeout=WAIT)
    crash(first, url)

    second = start(config, port)
    daemons.append(second)
    wait_until(lambda: len(query(url, sa.select(cases))) == 1, WAIT, "the case written")
    row = case_row(url, team)
    wait_until(lambda: any(m.case == team for m in outbox(box)), WAIT, "the relay delivered")
    # The reminder goes out; right after its delivery the daemon dies again.
    second.expect("sent", lambda r: r.get("message_id") == row.reminder_message_id,
                  timeout=WAIT)
    crash(second, url)

    third = start(config, port)
    daemons.append(third)
    wait_until(lambda: any(m.message_id == row.overdue_message_id for m in outbox(box)), WAIT,
               "the overdue note")
    wait_until(lambda: _pending(url) == 0, WAIT, "nothing left to send")

    mail = [m for m in outbox(box) if m.case == team]
    assert Counter(m.message_id for m in mail) == Counter(
        {m.message_id: 1 for m in mail}), "a case mail twice"
    assert sorted(m.to for m in mail) == sorted([NOTIFY, NOTIFY, TEAM])
    kinds = query(url, sa.select(outgoing.c.message_id, outgoing.c.state).where(
        outgoing.c.kind == "case"))
    assert sorted(kinds) == sorted([(m.message_id, "sent") for m in mail])
    # One reminder row, one file: a delivery cut off between the file and its
    # record writes the same file again (stable names), never a second one.
    assert [m.message_id for m in mail].count(row.reminder_message_id) == 1
    assert case_row(url, team).due_at == row.due_at  # decided once: one due time
    assert row.due_at - row.asked_at == timedelta(seconds=16)


def _pending(url: str) -> int:
    return len(query(url, sa.select(outgoing.c.id).where(outgoing.c.state == "pending")))
