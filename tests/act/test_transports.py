"""Transports against real parts: a Maildir on disk, an aiosmtpd relay on loopback."""

from __future__ import annotations

import asyncio
import ctypes
import errno
import os
import socket
import sys
from pathlib import Path

import pytest

from router.act.transports import (
    DeliveryResult,
    MaildirTransport,
    SmtpTransport,
    maildir,
    transport_for,
)
from router.act.transports.base import Parcel
from router.config import Config
from tests.act.relay import Relay, running, self_signed_context

RAW = (b"From: csba-noreply@amazon.de\r\nTo: team@example.internal\r\n"
       b"Subject: Weiterleitung\r\nMessage-ID: <m1@test>\r\n\r\n"
       b"Hallo,\r\n.leading dot\r\nGr\xc3\xbc\xc3\x9fe\r\n")


def deliver(transport: object, rcpt_tos: list[str], raw: bytes = RAW,
            mail_from: str = "csba-noreply@amazon.de", key: str = "7.abc") -> DeliveryResult:
    return asyncio.run(transport.deliver(mail_from, rcpt_tos, raw,  # type: ignore[attr-defined]
                                         message_key=key))


def files(directory: Path, sub: str) -> list[Path]:
    return sorted((directory / sub).iterdir())


# --- maildir ---------------------------------------------------------------


def test_maildir_writes_one_file_per_recipient_with_envelope_on_top(tmp_path: Path) -> None:
    box = tmp_path / "outbox"
    result = deliver(MaildirTransport(box), ["a@example.org", "b@example.org"])
    assert result.delivered == ["a@example.org", "b@example.org"]
    written = files(box, "new")
    assert len(written) == 2
    assert files(box, "tmp") == [] and files(box, "cur") == []
    seen = set()
    for path in written:
        return_path, delivered_to, rest = path.read_bytes().split(b"\r\n", 2)
        assert return_path == b"Return-Path: <csba-noreply@amazon.de>"
        assert delivered_to.startswith(b"Delivered-To: ")
        seen.add(delivered_to.removeprefix(b"Delivered-To: ").decode())
        assert rest == RAW  # the message itself, byte for byte
    assert seen == {"a@example.org", "b@example.org"}


def test_maildir_keeps_the_messages_own_line_endings(tmp_path: Path) -> None:
    raw = b"Subject: lf\n\nbody\n"
    deliver(MaildirTransport(tmp_path), ["a@example.org"], raw=raw, mail_from="")
    (path,) = files(tmp_path, "new")
    assert path.read_bytes() == b"Return-Path: <>\nDelivered-To: a@example.org\n" + raw


def test_maildir_redelivery_replaces_the_same_file(tmp_path: Path) -> None:
    transport = MaildirTransport(tmp_path)
    deliver(transport, ["a@example.org"])
    (first,) = files(tmp_path, "new")
    deliver(transport, ["a@example.org"])  # the same queue row again, after a crash
    assert files(tmp_path, "new") == [first]
    assert files(tmp_path, "tmp") == []
    deliver(transport, ["a@example.org"], key="8.abc")  # another row is another file
    assert len(files(tmp_path, "new")) == 2


def test_maildir_does_not_rewrite_a_copy_a_reader_has_taken(tmp_path: Path) -> None:
    transport = MaildirTransport(tmp_path)
    deliver(transport, ["a@example.org"])
    (path,) = files(tmp_path, "new")
    path.rename(tmp_path / "cur" / f"{path.name}:2,S")  # what a mail reader does
    result = deliver(transport, ["a@example.org"])
    assert result.delivered == ["a@example.org"]
    assert files(tmp_path, "new") == []
    assert len(files(tmp_path, "cur")) == 1


def test_maildir_name_does_not_depend_on_recipient_position(tmp_path: Path) -> None:
    transport = MaildirTransport(tmp_path)
    deliver(transport, ["a@example.org", "b@example.org"])
    before = files(tmp_path, "new")
    deliver(transport, ["b@example.org"])  # the row after a partial delivery
    assert files(tmp_path, "new") == before


def test_maildir_relative_dir_is_relative_to_the_working_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = Config.model_validate({
        "outbound": {"transport": "maildir://./var/outbox"},
        "regions": {"de2de": {"address": "csba-de2de@amazon.de", "marketplace": "amazon.de",
                              "forward_to": "team@example.internal"}},
    })
    transport = transport_for(config)
    assert isinstance(transport, MaildirTransport)
    assert transport.directory == tmp_path / "var" / "outbox"
    deliver(transport, ["a@example.org"])
    assert len(files(tmp_path / "var" / "outbox", "new")) == 1


def test_maildir_that_cannot_be_written_is_a_temporary_failure(tmp_path: Path) -> None:
    blocker = tmp_path / "outbox"
    blocker.write_text("a file where the maildir should be")
    result = deliver(MaildirTransport(blocker), ["a@example.org"])
    assert result.temporary == ["a@example.org"]
    assert "maildir:" in result.errors()


def test_maildir_delivers_a_repeated_recipient_once(tmp_path: Path) -> None:
    result = deliver(MaildirTransport(tmp_path), ["a@example.org", "a@example.org"])
    assert result.delivered == ["a@example.org"]
    assert len(files(tmp_path, "new")) == 1


# --- smtp ------------------------------------------------------------------


def test_maildir_batch_is_made_durable_by_one_syncfs(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Linux: one syncfs(2) for the batch, no fsync per file (the directory's remains)."""
    assert maildir._syncfs is not None or sys.platform != "linux"
    calls: list[int] = []
    synced_paths: list[str] = []
    real_fsync = os.fsync

    def syncfs(fd: int) -> int:
        calls.append(fd)
        return 0

    def fsync(fd: int) -> None:
        synced_paths.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    transport = MaildirTransport(tmp_path)
    transport.deliver_batch([])  # makes tmp/, new/ and cur/ (fsyncing their parent)
    monkeypatch.setattr(maildir, "_syncfs", syncfs)
    monkeypatch.setattr(maildir.os, "fsync", fsync)
    parcels = [Parcel("csba@amazon.de", [f"r{n}@example.org"], RAW, f"{n}.k") for n in range(5)]
    results = transport.deliver_batch(parcels)
    assert [r.delivered for r in results] == [[f"r{n}@example.org"] for n in range(5)]
    assert len(calls) == 1
    assert synced_paths == [str(tmp_path / "new")]  # only the directory, for the renames
    assert len(files(tmp_path, "new")) == 5


def test_maildir_syncfs_failure_fails_the_batch_for_a_retry(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    def failing(fd: int) -> int:
        ctypes.set_errno(errno.EIO)
        return -1

    monkeypatch.setattr(maildir, "_syncfs", failing)
    parcels = [Parcel("csba@amazon.de", ["a@example.org"], RAW, f"{n}.k") for n in range(3)]
    results = MaildirTransport(tmp_path).deliver_batch(parcels)
    assert all(r.outcomes["a@example.org"].status == "temporary" for r in results)
    assert "Input/output error" in results[0].errors()
    assert files(tmp_path, "new") == [] and files(tmp_path, "tmp") == []


def test_maildir_without_syncfs_fsyncs_every_file(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[int] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        synced.append(fd)
        real_fsync(fd)

    transport = MaildirTransport(tmp_path)
    transport.deliver_batch([])  # makes tmp/, new/ and cur/
    monkeypatch.setattr(maildir, "_syncfs", None)
    monkeypatch.setattr(maildir.os, "fsync", fsync)
    parcels = [Parcel("csba@amazon.de", ["a@example.org"], RAW, f"{n}.k") for n in range(4)]
    results = transport.deliver_batch(parcels)
    assert all(r.delivered == ["a@example.org"] for r in results)
    assert len(synced) == 4 + 1  # each file, then the directory


def smtp(relay: Relay, timeout: float = 10.0) -> SmtpTransport:
    return SmtpTransport("127.0.0.1", relay.port, local_hostname="csba-router.test",
                         timeout=timeout)


def test_transport_for_smtp_url() -> None:
    def config(url: str) -> Config:
        return Config.model_validate({
            "instance": {"hostname": "csba-router.test"},
            "outbound": {"transport": url},
            "regions": {"de2de": {"address": "csba-de2de@amazon.de",
                                  "marketplace": "amazon.de",
                                  "forward_to": "team@example.internal"}},
        })

    with_port = transport_for(config("smtp://relay.example.internal:2526"))
    assert isinstance(with_port, SmtpTransport)
    assert (with_port.host, with_port.port, with_port.local_hostname) == (
        "relay.example.internal", 2526, "csba-router.test")
    default = transport_for(config("smtp://relay.example.internal"))
    assert isinstance(default, SmtpTransport) and default.port == 25


def test_smtp_hands_the_message_to_the_relay() -> None:
    with running(Relay()) as relay:
        result = deliver(smtp(relay), ["a@example.org", "b@example.org"])
    assert result.delivered == ["a@example.org", "b@example.org"]
    (got,) = relay.accepted
    assert got.mail_from == "csba-noreply@amazon.de"
    assert got.rcpt_tos == ["a@example.org", "b@example.org"]
    assert got.helo == "csba-router.test"
    assert got.data == RAW  # dot-stuffing undone by the relay: the same bytes


def test_smtp_null_sender() -> None:
    with running(Relay()) as relay:
        result = deliver(smtp(relay), ["seller@example.org"], mail_from="")
    assert result.delivered == ["seller@example.org"]
    assert relay.accepted[0].mail_from == "<>"


def test_smtp_outcome_per_recipient() -> None:
    relay = Relay(rcpt_replies={"gone@example.org": "550 5.1.1 no such user",
                                "busy@example.org": "451 4.2.1 mailbox busy"})
    with running(relay):
        result = deliver(smtp(relay), ["ok@example.org", "gone@example.org",
                                       "busy@example.org"])
    assert result.delivered == ["ok@example.org"]
    assert result.permanent == ["gone@example.org"]
    assert result.temporary == ["busy@example.org"]
    assert "550 5.1.1 no such user" in result.errors()
    assert [a.rcpt_tos for a in relay.accepted] == [["ok@example.org"]]


def test_smtp_data_reply_applies_to_every_accepted_recipient() -> None:
    relay = Relay(data_replies=["451 4.3.0 try later", "554 5.6.0 rejected"])
    with running(relay):
        temporary = deliver(smtp(relay), ["a@example.org", "b@example.org"])
        permanent = deliver(smtp(relay), ["a@example.org", "b@example.org"])
    assert temporary.temporary == ["a@example.org", "b@example.org"]
    assert permanent.permanent == ["a@example.org", "b@example.org"]
    assert relay.accepted == []


def test_smtp_connection_refused_is_temporary() -> None:
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    transport = SmtpTransport("127.0.0.1", port, local_hostname="csba-router.test")
    result = deliver(transport, ["a@example.org"])
    assert result.temporary == ["a@example.org"]
    assert f"cannot reach relay 127.0.0.1:{port}" in result.errors()


def test_smtp_silent_relay_times_out_as_temporary() -> None:
    with socket.socket() as server:  # accepts connections (backlog) but never greets
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        transport = SmtpTransport("127.0.0.1", server.getsockname()[1],
                                  local_hostname="csba-router.test", timeout=0.3)
        result = deliver(transport, ["a@example.org"])
    assert result.temporary == ["a@example.org"]


def test_smtp_uses_starttls_when_offered(tmp_path: Path) -> None:
    context = self_signed_context(tmp_path)
    if context is None:
        pytest.skip("needs the openssl command")
    with running(Relay(), tls_context=context) as relay:
        result = deliver(smtp(relay), ["a@example.org"])
    assert result.delivered == ["a@example.org"]
    (got,) = relay.accepted
    assert got.tls  # self-signed certificate accepted: opportunistic TLS
    assert got.helo == "csba-router.test"
