"""The `serve` process: shutdown, reload, a taken port, storage failures, TLS."""

from __future__ import annotations

import shutil
import signal
import smtplib
import socket
import sqlite3
import ssl
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.intake.routerproc import WAIT, Router, config_text, launch

DE = "csba-de2de@amazon.de"
FR = "csba-fr2de@amazon.de"
SELLER = "service@musterhandel.de"
MESSAGE = b"Subject: hello\r\n\r\nbody\r\n"

Start = Callable[..., Router]


def send(router: Router, rcpt: str = DE, **starttls: ssl.SSLContext) -> tuple[int, bytes]:
    with smtplib.SMTP("127.0.0.1", router.port, timeout=10) as client:
        client.ehlo("mx.musterhandel.de")
        if starttls:
            client.starttls(**starttls)
            client.ehlo("mx.musterhandel.de")
            assert not client.has_extn("auth")  # no logins are offered, even over TLS
        client.mail(SELLER)
        code, reply = client.rcpt(rcpt)
        if code != 250:
            return code, reply
        return client.data(MESSAGE)


def test_sigterm_finishes_message_in_hand_then_exits_0(start_router: Start) -> None:
    router = start_router()
    client = smtplib.SMTP("127.0.0.1", router.port, timeout=10)
    client.ehlo("mx.musterhandel.de")
    client.mail(SELLER)
    client.rcpt(DE)
    idle = smtplib.SMTP("127.0.0.1", router.port, timeout=10)
    idle.ehlo("idle.example")

    router.signal(signal.SIGTERM)
    assert router.expect("stopping")["sessions"] == 2
    # The idle session is told to go away; the busy one may finish its message.
    assert idle.getreply() == (421, b"4.3.2 Service shutting down, try again later")
    code, reply = client.data(MESSAGE)
    assert code == 250, reply
    assert client.getreply()[0] == 421
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", router.port), timeout=2).close()
    assert router.wait() == 0
    assert router.count() == 1
    assert '"event": "stopped"' in router.log
    client.close()
    idle.close()


def test_sighup_with_broken_config_keeps_the_old_one(start_router: Start) -> None:
    router = start_router()
    good = router.config.read_text()
    router.config.write_text(good.replace("max_recipients: 2", "max_recipients: none"))
    router.signal(signal.SIGHUP)
    problem = router.expect("config_problem")
    assert str(router.config) in problem["message"]
    assert "max_recipients" in problem["message"]
    router.expect("reload_failed")
    assert router.proc.poll() is None
    assert send(router)[0] == 250


def test_sighup_with_good_config_takes_effect(start_router: Start) -> None:
    router = start_router()
    assert send(router, FR)[0] == 550
    router.config.write_text(
        config_text(router.config.parent, router.port, regions={"fr2de": FR}))
    router.signal(signal.SIGHUP)
    assert FR in router.expect("reloaded")["addresses"]
    assert send(router, FR)[0] == 250
    assert send(router, DE)[0] == 250


def test_port_taken_is_one_line_and_exit_1(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        router = launch(tmp_path / "r", port)
        code = router.wait()
    assert code == 1
    errors = [line for line in router.lines if line.startswith("csba-router:")]
    assert errors == [f"csba-router: cannot listen on 127.0.0.1:{port}: Address already in use\n"]


def test_broken_config_at_start_is_exit_2(tmp_path: Path) -> None:
    config = tmp_path / "router.yaml"
    config.write_text("regions: {}\n")
    result = subprocess.run(
        [sys.executable, "-m", "router", "--config", str(config), "serve"],
        capture_output=True, text=True, timeout=WAIT,
    )
    assert result.returncode == 2
    assert result.stderr.startswith(f"{config}:1:")
    assert "Traceback" not in result.stderr


def test_storage_failure_is_451_and_recovers(start_router: Start) -> None:
    router = start_router()
    database = router.config.parent / "router.db"
    with sqlite3.connect(database) as db:
        db.execute("ALTER TABLE received RENAME TO received_away")
    assert send(router) == (451, b"4.3.0 Temporary storage failure, try again later")
    router.expect("store_failed")
    with sqlite3.connect(database) as db:
        db.execute("ALTER TABLE received_away RENAME TO received")
    assert send(router)[0] == 250


def test_a_slow_store_does_not_stall_other_sessions(start_router: Start) -> None:
    router = start_router()
    # Hold SQLite's write lock, so the first session's commit has to wait.
    lock = sqlite3.connect(router.config.parent / "router.db", isolation_level=None)
    lock.execute("BEGIN IMMEDIATE")
    with ThreadPoolExecutor(1) as pool:
        waiting = pool.submit(send, router)
        # Meanwhile another session is served at once, start to finish of SMTP.
        with smtplib.SMTP("127.0.0.1", router.port, timeout=5) as other:
            other.ehlo("other.example")
            assert other.mail(SELLER)[0] == 250
            assert other.rcpt(DE)[0] == 250
            assert other.noop()[0] == 250
        assert not waiting.done()  # still waiting for the lock: no 250 before the commit
        lock.execute("ROLLBACK")
        assert waiting.result(WAIT)[0] == 250
    lock.close()


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_starttls_when_a_certificate_is_configured(start_router: Start, tmp_path: Path) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=csba-router.example.internal", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=WAIT,
    )
    router = start_router(extra={"tls_cert: null": f"tls_cert: {cert}",
                                 "tls_key: null": f"tls_key: {key}"})
    context = ssl.create_default_context(cafile=str(cert))
    context.check_hostname = False
    code, reply = send(router, context=context)
    assert code == 250
    row = router.row(int(reply.rsplit(b" ", 1)[1]))
    assert b"with ESMTPS" in row.raw.split(b"\r\n\r\n", 1)[0]
    # Plain sessions still work: STARTTLS is offered, not required.
    assert send(router)[0] == 250
