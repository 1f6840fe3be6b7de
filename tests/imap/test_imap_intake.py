"""IMAP intake end to end: a real `serve` polling a real, private Dovecot.

Each test appends mail the way a mail system would (IMAP APPEND), lets the
whole daemon (intake, pipeline, delivery) work, and judges by what Dovecot
holds afterwards and by the outgoing mail in the router's database.
"""

from __future__ import annotations

import signal
import smtplib
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from router.intake.imap_state import Mark, save_mark
from router.store import open_engine, upgrade
from tests.imap.conftest import USERS
from tests.imap.dovecot import Dovecot
from tests.imap.harness import (
    account_yaml,
    acted,
    decisions,
    marks,
    received,
    records,
    rows,
    wait_for,
)
from tests.intake.routerproc import Router
from tests.pipeline.test_process import forward

Start = Callable[..., Router]
IN_SCOPE = "302-1234567-1234567"  # seller-fulfilled: a forward to the CSBA team
FBA = "302-7654321-7654321"  # Amazon-fulfilled: a notice to the seller
# Tests about intake alone skip the pipeline: what is stored once is acted on
# once (the pipeline's own tests), and they run faster.
INTAKE_ONLY: dict[str, object] = {"args": ("--intake-only",), "orders": False}


def mail(order: str, tag: str) -> bytes:
    return forward(order, message_id=f"<{tag}@musterhandel.de>")


def test_appended_mail_is_acted_on_once_and_moved_with_flags_untouched(
        dovecot: Dovecot, daemon: Start) -> None:
    when = datetime(2026, 11, 3, 8, 30, tzinfo=UTC)
    with dovecot.client("csba") as imap:
        imap.append("INBOX", mail(IN_SCOPE, "unread"), msg_time=when)
        imap.append("INBOX", mail(FBA, "read"), flags=(b"\\Seen", b"\\Flagged"))
    router = daemon([account_yaml(dovecot, "csba")])

    wait_for(router, "sent", count=2)
    assert dovecot.messages("csba", "INBOX") == {}
    processed = {m[b"BODY[]"]: set(m[b"FLAGS"]) - {b"\\Recent"}  # type: ignore[arg-type]
                 for m in dovecot.messages("csba", "Processed").values()}
    # BODY.PEEK[]: the unread message is still unread after the move; the
    # other keeps exactly the flags it had.
    assert processed == {mail(IN_SCOPE, "unread"): set(),
                         mail(FBA, "read"): {b"\\Seen", b"\\Flagged"}}
    assert acted(router) == {"<unread@musterhandel.de>": 1, "<read@musterhandel.de>": 1}
    stored = {r.message_id: r for r in rows(router, received)}
    unread = stored["<unread@musterhandel.de>"]
    assert unread.channel == "imap" and unread.mail_from is None
    account, uidvalidity, uid = unread.channel_ref.split(":")
    assert account == "csba" and int(uidvalidity) > 0 and uid == "1"
    assert unread.arrived_at == when  # INTERNALDATE, not the time of polling
    assert unread.raw == mail(IN_SCOPE, "unread")

    router.signal(signal.SIGTERM)  # the session ends with LOGOUT
    assert router.wait() == 0
    assert records(router, "imap_logout", lambda r: r["account"] == "csba")
    assert "Logged out" in dovecot.log()


def test_idle_takes_new_mail_without_waiting_for_the_poll(
        dovecot: Dovecot, daemon: Start) -> None:
    dovecot.append("csba", mail(IN_SCOPE, "first"))
    router = daemon([account_yaml(dovecot, "csba", poll_interval="1h", idle=True)],
                    **INTAKE_ONLY)
    assert wait_for(router, "imap_connected")[0]["idle"] is True
    wait_for(router, "imap_moved")  # drained: the poller now sits in IDLE

    dovecot.append("csba", mail(FBA, "while-idle"))
    wait_for(router, "received", lambda r: r["message_id"] == "<while-idle@musterhandel.de>")
    wait_for(router, "imap_moved", count=2)
    assert dovecot.messages("csba", "INBOX") == {}


def test_polling_when_idle_is_off(dovecot: Dovecot, daemon: Start) -> None:
    router = daemon([account_yaml(dovecot, "csba", poll_interval="1s", idle=False)],
                    **INTAKE_ONLY)
    assert wait_for(router, "imap_connected")[0]["idle"] is False
    dovecot.append("csba", mail(IN_SCOPE, "polled"))
    wait_for(router, "imap_moved")
    assert len(dovecot.messages("csba", "Processed")) == 1


def test_stored_but_not_moved_is_moved_without_storing_again(
        dovecot: Dovecot, daemon: Start, tmp_path: Path) -> None:
    for tag in ("a", "b", "c"):
        dovecot.append("csba", mail(IN_SCOPE, tag))
    with dovecot.client("csba") as imap:
        uidvalidity = int(imap.select_folder("INBOX", readonly=True)[b"UIDVALIDITY"])
    # As a run that stopped after committing UIDs 1 and 2, before its MOVE, left it.
    directory = tmp_path / "after-crash"
    directory.mkdir()
    engine = open_engine(f"sqlite:///{directory / 'router.db'}")
    try:
        upgrade(engine)
        save_mark(engine, "csba", Mark(uidvalidity, 2))
    finally:
        engine.dispose()
    router = daemon([account_yaml(dovecot, "csba")], directory=directory, **INTAKE_ONLY)

    moved = wait_for(router, "imap_moved", count=2)
    assert sorted(m["count"] for m in moved) == [1, 2]
    assert [r.channel_ref.rsplit(":", 1)[1] for r in rows(router, received)] == ["3"]
    assert dovecot.messages("csba", "INBOX") == {}
    assert len(dovecot.messages("csba", "Processed")) == 3
    assert marks(router) == {"csba": (uidvalidity, 3)}


@pytest.mark.parametrize("uidplus", [True, False], ids=["uidplus", "plain"])
def test_a_server_without_move(certificate: tuple[Path, Path], daemon: Start,
                               uidplus: bool) -> None:
    """COPY, then \\Deleted; UID EXPUNGE of exactly those with UIDPLUS, else left flagged.

    Dovecot announces an older server's capabilities after login: without
    MOVE (and without UIDPLUS in the second case).
    """
    capability = "IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE IDLE"
    server = Dovecot(USERS, certificate=certificate,
                     capability=capability + (" UIDPLUS" if uidplus else ""))
    server.start()
    try:
        for tag in ("a", "b", "c"):
            server.append("csba", mail(IN_SCOPE, tag))
        router = daemon([account_yaml(server, "csba")], **INTAKE_ONLY)
        assert wait_for(router, "imap_connected")[0]["move"] is False
        wait_for(router, "imap_moved")
        assert len(server.messages("csba", "Processed")) == 3
        inbox = [set(m[b"FLAGS"])  # type: ignore[call-overload]
                 for m in server.messages("csba", "INBOX").values()]
        if uidplus:
            assert inbox == []  # our copies expunged by UID
        else:  # no way to expunge only ours: flagged, left for the mailbox's owner
            assert len(inbox) == 3 and all(b"\\Deleted" in flags for flags in inbox)

        server.append("csba", mail(FBA, "later"))  # the next drain stores nothing twice
        wait_for(router, "received", lambda r: r["message_id"] == "<later@musterhandel.de>")
        wait_for(router, "imap_moved", count=2)
        assert sorted(r.message_id for r in rows(router, received)) == sorted(
            f"<{tag}@musterhandel.de>" for tag in ("a", "b", "c", "later"))
        assert len(server.messages("csba", "Processed")) == 4
    finally:
        server.close()


def test_sighup_starts_and_stops_accounts(dovecot: Dovecot, daemon: Start) -> None:
    before = account_yaml(dovecot, "csba")
    router = daemon([before], **INTAKE_ONLY)
    wait_for(router, "imap_connected", lambda r: r["account"] == "csba")

    text = router.config.read_text(encoding="utf-8")
    router.config.write_text(text.replace(before, account_yaml(dovecot, "other")),
                             encoding="utf-8")
    router.signal(signal.SIGHUP)
    wait_for(router, "imap_logout", lambda r: r["account"] == "csba")
    wait_for(router, "imap_connected", lambda r: r["account"] == "other")
    dovecot.append("other", mail(IN_SCOPE, "after-reload"))
    wait_for(router, "imap_moved", lambda r: r["account"] == "other")


def test_dovecot_restart_under_serve(dovecot: Dovecot, daemon: Start) -> None:
    dovecot.append("csba", mail(IN_SCOPE, "before"))
    router = daemon([account_yaml(dovecot, "csba")], **INTAKE_ONLY)
    wait_for(router, "imap_moved")

    dovecot.stop()
    failed = wait_for(router, "imap_failed", lambda r: r["account"] == "csba")[0]
    assert failed["retry_in"] > 0 and failed["error"]
    dovecot.start()
    wait_for(router, "imap_connected", count=2)
    dovecot.append("csba", mail(FBA, "after"))

    wait_for(router, "imap_moved", count=2)
    # Each stored once: the pipeline acts once per stored row.
    assert [r.message_id for r in rows(router, received)] == [
        "<before@musterhandel.de>", "<after@musterhandel.de>"]
    assert dovecot.messages("csba", "INBOX") == {}
    assert len(dovecot.messages("csba", "Processed")) == 2


def test_new_uidvalidity_handles_nothing_twice(dovecot: Dovecot, daemon: Start) -> None:
    first = [mail(IN_SCOPE, "a"), mail(FBA, "b")]
    for raw in first:
        dovecot.append("csba", raw, folder="Inbound")
    router = daemon([account_yaml(dovecot, "csba", folder="Inbound")])
    wait_for(router, "sent", count=2)

    # The folder is deleted and made again (new UIDVALIDITY, UIDs from 1
    # again) with the same two messages restored, and one new one.
    with dovecot.client("csba") as imap:
        imap.delete_folder("Inbound")
        imap.create_folder("Inbound")
        for raw in [*first, mail(IN_SCOPE, "c")]:
            imap.append("Inbound", raw)
    changed = wait_for(router, "imap_uidvalidity_changed")[0]
    assert changed["old"] != changed["new"]

    wait_for(router, "decided", count=5)
    wait_for(router, "sent", count=3)
    assert acted(router) == {"<a@musterhandel.de>": 1, "<b@musterhandel.de>": 1,
                             "<c@musterhandel.de>": 1}
    duplicates = [d for d in rows(router, decisions) if d.rule == "duplicate"]
    assert len(duplicates) == 2
    assert dovecot.messages("csba", "Inbound") == {}
    assert len(dovecot.messages("csba", "Processed")) == 5  # nothing deleted


def test_wrong_password_is_reported_and_the_rest_keeps_working(
        dovecot: Dovecot, daemon: Start) -> None:
    dovecot.append("other", mail(IN_SCOPE, "other-account"))
    router = daemon([
        account_yaml(dovecot, "csba", name="broken", password="not-the-password"),
        account_yaml(dovecot, "other"),
    ], **INTAKE_ONLY)
    refused = wait_for(router, "imap_login_failed")[0]
    assert refused["account"] == "broken" and refused["level"] == "ERROR"
    assert "login as 'csba' refused" in refused["message"]
    assert "AUTHENTICATIONFAILED" in refused["error"]
    wait_for(router, "imap_login_failed", count=2)  # retried, with backoff

    # The other account drains, and SMTP intake answers as ever.
    wait_for(router, "imap_moved", lambda r: r["account"] == "other")
    with smtplib.SMTP("127.0.0.1", router.port, timeout=30) as client:
        refused_mail = client.sendmail("service@musterhandel.de", ["csba-de2de@amazon.de"],
                                       mail(FBA, "by-smtp"))
    assert refused_mail == {}
    assert sorted((r.channel, r.message_id) for r in rows(router, received)) == [
        ("imap", "<other-account@musterhandel.de>"), ("smtp", "<by-smtp@musterhandel.de>")]


def test_same_message_by_smtp_and_imap_is_acted_on_once(
        dovecot: Dovecot, daemon: Start) -> None:
    router = daemon([account_yaml(dovecot, "csba")])
    wait_for(router, "imap_connected")
    raw = mail(IN_SCOPE, "twice")
    with smtplib.SMTP("127.0.0.1", router.port, timeout=30) as client:
        client.sendmail("service@musterhandel.de", ["csba-de2de@amazon.de"], raw)
    wait_for(router, "sent")
    dovecot.append("csba", raw)

    second = wait_for(router, "decided", count=2)[1]
    assert second["rule"] == "duplicate"
    assert sorted(r.channel for r in rows(router, received)) == ["imap", "smtp"]
    assert acted(router) == {"<twice@musterhandel.de>": 1}
    assert len(dovecot.messages("csba", "Processed")) == 1


@pytest.mark.parametrize("security", ["tls", "starttls"])
def test_tls_and_starttls(dovecot: Dovecot, daemon: Start, security: str,
                          monkeypatch: pytest.MonkeyPatch) -> None:
    # The router verifies the server's certificate; an admin trusts a private
    # CA through the system store, which SSL_CERT_FILE stands in for here.
    assert dovecot.cert is not None
    monkeypatch.setenv("SSL_CERT_FILE", str(dovecot.cert))
    dovecot.append("csba", mail(IN_SCOPE, security))
    router = daemon([account_yaml(dovecot, "csba", security=security)], **INTAKE_ONLY)
    assert wait_for(router, "imap_connected")[0]["security"] == security
    wait_for(router, "imap_moved")
    assert "TLS" in dovecot.log()


def test_untrusted_certificate_is_refused(dovecot: Dovecot, daemon: Start) -> None:
    router = daemon([account_yaml(dovecot, "csba", security="tls")], **INTAKE_ONLY)
    failed = wait_for(router, "imap_failed")[0]
    assert "certificate not trusted: self-signed certificate" in failed["error"]
    assert not records(router, "imap_connected")


def test_a_message_that_cannot_be_fetched_is_skipped_then_retried(
        dovecot: Dovecot, daemon: Start) -> None:
    for tag in ("ok-1", "broken", "ok-2"):
        dovecot.append("csba", mail(IN_SCOPE if tag != "broken" else FBA, tag))
    files = dovecot.maildir_files("csba")
    broken = next(p for p in files if b"<broken@" in p.read_bytes())
    broken.chmod(0)  # Dovecot (as the mail user) can no longer read it
    router = daemon([account_yaml(dovecot, "csba", poll_interval="1s", idle=False)],
                    **INTAKE_ONLY)

    skipped = wait_for(router, "imap_fetch_failed")[0]
    assert skipped["uid"] == 2 and skipped["account"] == "csba"
    # The others were not held up (each moved on its own as a suspect).
    wait_for(router, "received", lambda r: r["message_id"] == "<ok-2@musterhandel.de>")
    wait_for(router, "imap_moved", count=2)
    assert {r.message_id for r in rows(router, received)} == {
        "<ok-1@musterhandel.de>", "<ok-2@musterhandel.de>"}

    # Repaired (Dovecot may have moved the file from new/ to cur/ meanwhile):
    # the next poll takes it.
    key = broken.name.split(":")[0]
    next(p for p in dovecot.maildir_files("csba") if p.name.startswith(key)).chmod(0o600)
    wait_for(router, "received", lambda r: r["message_id"] == "<broken@musterhandel.de>")
    wait_for(router, "imap_moved", count=3)
    assert len(rows(router, received)) == 3
    assert dovecot.messages("csba", "INBOX") == {}
