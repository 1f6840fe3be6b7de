"""`serve` under systemd's notify protocol, with the test in systemd's place.

The test binds a unix datagram socket, starts `serve` with NOTIFY_SOCKET
pointing at it (and WATCHDOG_USEC), and reads what arrives: READY=1 once
SMTP listens, WATCHDOG=1 at half the interval, STOPPING=1 on SIGTERM.
"""

from __future__ import annotations

import os
import signal
import smtplib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from router.ops import systemd
from tests.intake.routerproc import config_text, free_port

WAIT = 60.0
WATCHDOG_USEC = 400_000  # pings every 0.2 s


@pytest.fixture
def notify_socket(tmp_path: Path) -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(tmp_path / "notify"))
    try:
        yield sock
    finally:
        sock.close()


def receive(sock: socket.socket, until: str, timeout: float = WAIT) -> list[str]:
    """Datagrams (split in lines) until one carries `until`."""
    deadline = time.monotonic() + timeout
    lines: list[str] = []
    while until not in lines:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"no {until} within {timeout}s; got {lines}")
        sock.settimeout(left)
        lines += sock.recv(4096).decode("utf-8").splitlines()
    return lines


def test_ready_watchdog_and_stopping_datagrams(tmp_path: Path,
                                               notify_socket: socket.socket) -> None:
    port = free_port()
    config = tmp_path / "router.yaml"
    config.write_text(config_text(tmp_path, port), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "CSBA_ROUTER_CONFIG"}
    env.update(NOTIFY_SOCKET=notify_socket.getsockname(), WATCHDOG_USEC=str(WATCHDOG_USEC))
    proc = subprocess.Popen(
        [sys.executable, "-m", "router", "--config", str(config), "serve"],
        cwd=tmp_path, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    try:
        first = receive(notify_socket, "READY=1")
        assert "WATCHDOG=1" not in first  # no ping before it is ready
        # READY=1 means SMTP accepts now.
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
            assert smtp.noop()[0] == 250
        for _ in range(3):  # the pings keep coming
            receive(notify_socket, "WATCHDOG=1")
        proc.send_signal(signal.SIGTERM)
        receive(notify_socket, "STOPPING=1")
        assert proc.wait(WAIT) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_no_pings_when_the_watchdog_is_meant_for_another_process(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WATCHDOG_USEC", "2000000")
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
    assert systemd.watchdog_seconds() == 1.0
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid() + 1))
    assert systemd.watchdog_seconds() is None
    monkeypatch.delenv("WATCHDOG_USEC")
    assert systemd.watchdog_seconds() is None


def test_notify_reaches_an_abstract_socket_and_is_silent_outside_systemd(
        monkeypatch: pytest.MonkeyPatch) -> None:
    name = f"csba-router-test-{os.getpid()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind("\0" + name)
        monkeypatch.setenv("NOTIFY_SOCKET", "@" + name)
        assert systemd.notify("READY=1", "STATUS=accepting mail")
        sock.settimeout(5)
        assert sock.recv(4096) == b"READY=1\nSTATUS=accepting mail"
    monkeypatch.delenv("NOTIFY_SOCKET")
    assert not systemd.notify("READY=1")
