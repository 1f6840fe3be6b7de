"""The whole daemon over real SMTP: forwards and notices arrive, held mail sends nothing."""

from __future__ import annotations

import email
import email.policy
import signal
import smtplib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from router.store import outgoing
from tests.cli_run import cli
from tests.intake.routerproc import Router, free_port, launch
from tests.pipeline.test_process import ORDERS, forward

SELLER = "service@musterhandel.de"
CSBA = "csba-de2de@amazon.de"


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[Router]:
    directory = tmp_path / "router"
    router = launch(directory, free_port(), args=())
    report = tmp_path / "orders.txt"
    report.write_text(ORDERS, encoding="utf-8")
    imported = cli("--config", str(router.config), "orders", "import",
                   "--seller", "A1MUSTERHANDEL", str(report))
    assert imported.returncode == 0, imported.stderr
    router.expect("listening")
    try:
        yield router
    finally:
        router.close()


def send(router: Router, raw: bytes, sender: str = SELLER) -> None:
    with smtplib.SMTP("127.0.0.1", router.port, timeout=30) as client:
        client.sendmail(sender, [CSBA], raw)


def delivered(router: Router) -> list[email.message.EmailMessage]:
    folder = router.config.parent / "outbox" / "new"
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
            for p in sorted(folder.iterdir())]


def test_forward_and_notice_are_delivered_once(daemon: Router) -> None:
    send(daemon, forward("302-1234567-1234567"))
    daemon.expect("sent", lambda r: r.get("kind") == "forward")
    send(daemon, forward("302-7654321-7654321", message_id="<fwd-fba@musterhandel.de>"))
    daemon.expect("sent", lambda r: r.get("kind") == "notice")
    mails = delivered(daemon)
    assert sorted(m["Delivered-To"] for m in mails) == [
        "csba-team-de@example.internal", SELLER]
    notice = next(m for m in mails if m["Delivered-To"] == SELLER)
    assert notice["Auto-Submitted"] == "auto-replied"
    assert notice["X-CSBA-Category"] == "amazon_fulfilled"
    text = notice.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Buyer-Seller" in text and "302-7654321-7654321" in notice["Subject"]
    forwarded = next(m for m in mails if m["Delivered-To"] != SELLER)
    assert forwarded["X-CSBA-Seller"] == "A1MUSTERHANDEL"
    assert forwarded["X-CSBA-Order"] == "302-1234567-1234567"


def test_held_and_dropped_mail_sends_nothing(daemon: Router) -> None:
    stranger = "shop@musterhandel.de.evil.com"
    send(daemon, forward("302-1234567-1234567", sender=stranger,
                         message_id="<stranger@evil>"), sender=stranger)
    held = daemon.expect("decided", lambda r: r.get("message_id") == "<stranger@evil>")
    assert (held["category"], held["state"]) == ("unknown_sender", "held")
    bounce = (b"From: MAILER-DAEMON@mx.example\r\nTo: " + CSBA.encode() +
              b"\r\nSubject: Undelivered Mail Returned to Sender\r\n"
              b"Message-ID: <dsn@mx>\r\n\r\nThis is the mail system.\r\n")
    send(daemon, bounce, sender="")
    dropped = daemon.expect("decided", lambda r: r.get("message_id") == "<dsn@mx>")
    assert (dropped["category"], dropped["action"]) == ("auto_generated", "drop")
    engine = daemon.db
    try:
        with engine.connect() as conn:
            # Outgoing mail is written in the same transaction as the decision.
            assert conn.scalar(sa.select(sa.func.count()).select_from(outgoing)) == 0
    finally:
        engine.dispose()


def test_sigterm_exits_0_after_work(daemon: Router) -> None:
    send(daemon, forward("302-1234567-1234567"))
    daemon.expect("sent", lambda r: r.get("kind") == "forward")
    daemon.signal(signal.SIGTERM)
    assert daemon.wait() == 0


def test_held_mail_acted_on_once_while_serve_runs(daemon: Router, tmp_path: Path) -> None:
    """`orders import` and `release --all` race over held mail; the daemon keeps running.

    Each held inquiry is taken by one of them (the other finds it not held),
    and the daemon never takes one they hold: one forward each in the outbox.
    """
    from tests.pipeline.conftest import csba_ids, order_id, orders_report, wait_until
    from tests.pipeline.walk import DONE, assert_accounted

    count = 8
    ids = [f"<held-{n}@musterhandel.de>" for n in range(count)]
    for n, message_id in enumerate(ids):
        send(daemon, forward(order_id(n), message_id=message_id))
    for message_id in ids:
        record = daemon.expect("decided", lambda r, m=message_id: r.get("message_id") == m)
        assert (record["category"], record["state"]) == ("order_unknown", "held")
    report = tmp_path / "later.txt"
    report.write_text(orders_report(count), encoding="utf-8")
    command = [sys.executable, "-m", "router", "--config", str(daemon.config)]
    racers = [subprocess.Popen([*command, "orders", "import", "--seller", "A1MUSTERHANDEL",
                                str(report)], stdout=subprocess.PIPE, text=True),
              subprocess.Popen([*command, "release", "--all"], stdout=subprocess.PIPE,
                               text=True)]
    outputs = [racer.communicate(timeout=120)[0] for racer in racers]
    assert [racer.returncode for racer in racers] == [0, 0], outputs
    outbox = daemon.config.parent / "outbox"
    wait_until(lambda: sum(csba_ids(outbox).values()) >= count, 60, "every forward delivered")
    assert csba_ids(outbox) == dict.fromkeys(ids, 1)
    engine = daemon.db
    try:
        places = assert_accounted(engine)
    finally:
        engine.dispose()
    assert sorted(places.values()) == [DONE] * count
    # Every message was acted on by exactly one of the two commands.
    acted = "".join(outputs).count("-> forward (forward queued)")
    assert acted == count, outputs
