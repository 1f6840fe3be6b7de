"""`ingest`: archived mail through the whole pipeline, at its own arrival time.

Library-level tests call `ingest()` on each database engine; the command
line tests run `python -m router ingest` on a temporary config whose
database and maildir outbox live in tmp_path.
"""

from __future__ import annotations

import mailbox
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from router.cli.ingest_cmd import IngestSummary, ingest
from router.config import Config, load_config
from router.intake.archive import Unreadable
from router.orders import import_report
from router.store import decisions, outgoing, received
from router.store.arrivals import store_received
from tests.cli_run import cli as router_cli
from tests.helpers import REPO
from tests.pipeline.test_process import ORDERS, forward

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
FORWARD_DATE = datetime(2026, 11, 3, 8, 12, tzinfo=UTC)  # forward()'s Date: header


def received_at(raw: bytes, when: str) -> bytes:
    """`raw` as the seller's mail server delivered it: trace and envelope on top."""
    return (f"Return-Path: <service@musterhandel.de>\r\n"
            f"Delivered-To: csba-de2de@amazon.de\r\n"
            f"Received: from mail.musterhandel.de by mx.amazon.de; {when}\r\n").encode() + raw


def plain(n: int, *, message_id: str | None = None) -> bytes:
    mid = f"Message-ID: {message_id}\r\n" if message_id else ""
    return (f"From: kunde{n}@example.com\r\nTo: csba-de2de@amazon.de\r\n{mid}"
            f"Subject: Frage {n}\r\n\r\nHallo {n}\r\n").encode()


# --------------------------------------------------------------------------
# Library level, on SQLite and PostgreSQL.


@pytest.fixture
def config() -> Config:
    return load_config(REPO / "config" / "router.yaml", env={})


@pytest.fixture
def world(engine: Engine, tmp_path: Path) -> Engine:
    report = tmp_path / "orders.txt"
    report.write_text(ORDERS, encoding="utf-8")
    import_report(engine, "A1MUSTERHANDEL", report, on_error=pytest.fail)
    return engine


def run_ingest(engine: Engine, config: Config, *paths: Path) -> tuple[IngestSummary,
                                                                      list[Unreadable]]:
    failures: list[Unreadable] = []
    summary = ingest(engine, config, paths, deliver=False, now=NOW,
                     on_unreadable=failures.append)
    return summary, failures


def rows(engine: Engine, table: sa.Table) -> list[sa.Row]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(table).order_by(table.c.id)))


def test_stores_at_arrival_time_with_envelope_and_decides(world: Engine, config: Config,
                                                          tmp_path: Path) -> None:
    eml = tmp_path / "inquiry.eml"
    eml.write_bytes(received_at(forward("302-1234567-1234567"),
                                "Tue, 3 Nov 2026 09:15:00 +0100"))
    summary, failures = run_ingest(world, config, eml)
    assert failures == []
    assert (summary.read, summary.stored, summary.skipped) == (1, 1, 0)
    assert summary.states == {"done": 1} and summary.delivery is None
    (row,) = rows(world, received)
    assert (row.channel, row.channel_ref) == ("ingest", str(eml))
    assert row.arrived_at == datetime(2026, 11, 3, 8, 15, tzinfo=UTC)
    assert (row.mail_from, row.rcpt_tos) == ("service@musterhandel.de",
                                             ["csba-de2de@amazon.de"])
    assert row.message_id == "<fwd-1@musterhandel.de>"
    (decision,) = rows(world, decisions)
    assert (decision.category, decision.action) == ("post_sale_seller_fulfilled", "forward")
    (mail,) = rows(world, outgoing)
    assert mail.kind == "forward" and mail.state == "pending"


def test_stored_oldest_first_so_a_follow_up_finds_its_contact(
        world: Engine, config: Config, tmp_path: Path) -> None:
    first = received_at(forward("302-1234567-1234567"), "Tue, 3 Nov 2026 09:15:00 +0100")
    second = received_at(
        forward("302-1234567-1234567", message_id="<fwd-2@musterhandel.de>",
                text="Und noch etwas zu Bestellung 302-1234567-1234567: das Paket ist "
                     "immer noch nicht da, bitte schnell antworten."),
        "Tue, 3 Nov 2026 15:00:00 +0100")
    box = mailbox.mbox(tmp_path / "archive.mbox")
    box.add(second)  # the archive lists the later one first
    box.add(first)
    box.close()
    summary, _ = run_ingest(world, config, tmp_path / "archive.mbox")
    assert summary.stored == 2 and summary.states == {"done": 2}
    older, newer = rows(world, received)
    assert older.channel_ref.endswith("#2") and newer.channel_ref.endswith("#1")
    one, two = rows(world, decisions)
    assert one.category == "post_sale_seller_fulfilled"
    assert two.category == "follow_up" and two.contact_id == one.contact_id


def test_skips_what_is_already_handled_on_any_channel(world: Engine, config: Config,
                                                      tmp_path: Path) -> None:
    store_received(world, forward("302-1234567-1234567"), mail_from="service@musterhandel.de",
                   rcpt_tos=["csba-de2de@amazon.de"], channel="smtp", channel_ref="192.0.2.1",
                   arrived_at=FORWARD_DATE, message_id="<fwd-1@musterhandel.de>")
    (tmp_path / "a.eml").write_bytes(forward("302-1234567-1234567"))
    (tmp_path / "b.eml").write_bytes(plain(1))  # no Message-ID: recognised by its bytes
    summary, _ = run_ingest(world, config, tmp_path / "a.eml", tmp_path / "b.eml")
    assert (summary.read, summary.stored, summary.skipped) == (2, 1, 1)
    again, _ = run_ingest(world, config, tmp_path / "a.eml", tmp_path / "b.eml")
    assert (again.read, again.stored, again.skipped) == (2, 0, 2)
    assert [r.channel for r in rows(world, received)] == ["smtp", "ingest"]


def test_copies_inside_one_run_count_once_earliest_kept(world: Engine, config: Config,
                                                        tmp_path: Path) -> None:
    raw = forward("302-1234567-1234567")
    (tmp_path / "late.eml").write_bytes(received_at(raw, "Wed, 4 Nov 2026 10:00:00 +0000"))
    (tmp_path / "early.eml").write_bytes(received_at(raw, "Tue, 3 Nov 2026 10:00:00 +0000"))
    (tmp_path / "later.eml").write_bytes(received_at(raw, "Thu, 5 Nov 2026 10:00:00 +0000"))
    summary, _ = run_ingest(world, config, tmp_path / "late.eml", tmp_path / "early.eml",
                            tmp_path / "later.eml")
    assert (summary.read, summary.stored, summary.skipped) == (3, 1, 2)
    (row,) = rows(world, received)
    assert row.channel_ref == str(tmp_path / "early.eml")


def test_outside_x_csba_headers_are_removed(world: Engine, config: Config,
                                           tmp_path: Path) -> None:
    (tmp_path / "a.eml").write_bytes(b"X-CSBA-Category: post_sale_seller_fulfilled\r\n"
                                     + forward("302-1234567-1234567"))
    run_ingest(world, config, tmp_path / "a.eml")
    (row,) = rows(world, received)
    assert b"X-CSBA-" not in row.raw and row.raw == forward("302-1234567-1234567")


def test_unreadable_inputs_are_reported_and_the_rest_stored(
        world: Engine, config: Config, tmp_path: Path) -> None:
    (tmp_path / "good.eml").write_bytes(plain(1, message_id="<p1@example.com>"))
    (tmp_path / "junk.bin").write_bytes(b"\x89PNG\r\n\x1a\n")
    summary, failures = run_ingest(world, config, tmp_path / "nope.eml",
                                   tmp_path / "junk.bin", tmp_path / "good.eml")
    assert [f.ref for f in failures] == [str(tmp_path / "nope.eml"),
                                         str(tmp_path / "junk.bin")]
    assert (summary.read, summary.stored, summary.unreadable) == (1, 1, 2)


# --------------------------------------------------------------------------
# The command, as an operator runs it.


def make_config(tmp_path: Path) -> Path:
    text = (REPO / "config" / "router.yaml").read_text(encoding="utf-8")
    text = text.replace("sqlite:///./var/router.db", f"sqlite:///{tmp_path / 'router.db'}")
    text = text.replace("maildir://./var/outbox", f"maildir://{tmp_path / 'outbox'}")
    path = tmp_path / "router.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def cli(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return router_cli("--config", str(config), *args, cwd=REPO)


def outbox(tmp_path: Path) -> list[bytes]:
    new = tmp_path / "outbox" / "new"
    return [p.read_bytes() for p in sorted(new.iterdir())] if new.exists() else []


def db(tmp_path: Path, query: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(tmp_path / "router.db") as conn:
        return conn.execute(query).fetchall()


def test_forwarded_inquiry_ends_in_the_outbox_once(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    orders = tmp_path / "orders.txt"
    orders.write_text(ORDERS, encoding="utf-8")
    imported = cli(config, "orders", "import", "--seller", "A1MUSTERHANDEL", str(orders))
    assert imported.returncode == 0, imported.stderr
    eml = tmp_path / "inquiry.eml"
    eml.write_bytes(forward("302-1234567-1234567"))

    first = cli(config, "ingest", str(eml))
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines() == [
        "read 1, stored 1, skipped 0 (already handled), unreadable 0",
        "pipeline: done 1, held 0, failed 0",
        "delivery: sent 1, deferred 0, dead 0",
    ]
    assert first.stderr == ""  # no progress bar and no log lines off a terminal
    (sent,) = outbox(tmp_path)
    assert b"Delivered-To: csba-team-de@example.internal" in sent
    assert b"X-CSBA-Category: post_sale_seller_fulfilled" in sent
    assert b"X-CSBA-Message-Id: <fwd-1@musterhandel.de>" in sent
    ((channel, arrived_at),) = db(tmp_path, "select channel, arrived_at from received")
    assert channel == "ingest" and str(arrived_at).startswith("2026-11-03 08:12")

    second = cli(config, "ingest", str(eml))
    assert second.returncode == 0, second.stderr
    assert second.stdout.splitlines()[0] == (
        "read 1, stored 0, skipped 1 (already handled), unreadable 0")
    assert "delivery: sent 0, deferred 0, dead 0" in second.stdout
    assert len(outbox(tmp_path)) == 1
    assert db(tmp_path, "select count(*) from received") == [(1,)]


def test_eml_mbox_maildir_and_an_unreadable_file_exit_2(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    (tmp_path / "one.eml").write_bytes(plain(1, message_id="<p1@example.com>"))
    box = mailbox.mbox(tmp_path / "three.mbox")
    for n in (2, 3, 4):
        box.add(plain(n, message_id=f"<p{n}@example.com>"))
    box.close()
    maildir = mailbox.Maildir(tmp_path / "Maildir")
    maildir.add(plain(5, message_id="<p5@example.com>"))
    maildir.add(plain(6))

    result = cli(config, "ingest", str(tmp_path / "one.eml"), str(tmp_path / "missing.eml"),
                 str(tmp_path / "three.mbox"), str(tmp_path / "Maildir"), "--no-deliver")
    assert result.returncode == 2
    assert result.stderr == f"{tmp_path / 'missing.eml'}: no such file or directory\n"
    assert result.stdout.splitlines()[0] == (
        "read 6, stored 6, skipped 0 (already handled), unreadable 1")
    assert "Traceback" not in result.stderr
    refs = {str(r[0]) for r in db(tmp_path, "select channel_ref from received")}
    assert refs == {str(tmp_path / "one.eml"),
                    *(f"{tmp_path / 'three.mbox'}#{n}" for n in (1, 2, 3)),
                    *(f"{tmp_path / 'Maildir'}#{key}" for key in maildir.keys())}
    # Unknown senders: all held, nothing queued, the outbox untouched.
    assert db(tmp_path, "select state, count(*) from received group by state") == [("held", 6)]
    assert outbox(tmp_path) == []


def test_no_deliver_leaves_the_queue_to_serve(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    orders = tmp_path / "orders.txt"
    orders.write_text(ORDERS, encoding="utf-8")
    assert cli(config, "orders", "import", "--seller", "A1MUSTERHANDEL",
               str(orders)).returncode == 0
    (tmp_path / "a.eml").write_bytes(forward("302-1234567-1234567"))
    result = cli(config, "ingest", "--no-deliver", str(tmp_path / "a.eml"))
    assert result.returncode == 0, result.stderr
    assert "delivery: not run (--no-deliver), the queue is left to serve" in result.stdout
    assert db(tmp_path, "select kind, state from outgoing") == [("forward", "pending")]
    assert outbox(tmp_path) == []


def test_summary_names_messages_still_waiting() -> None:
    summary = IngestSummary(read=3, stored=3, states={"done": 2, "received": 1})
    assert summary.lines()[1:] == [
        "pipeline: done 2, held 0, failed 0, waiting 1",
        "delivery: not run (--no-deliver), the queue is left to serve"]
