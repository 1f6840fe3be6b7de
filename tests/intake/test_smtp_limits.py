"""Connection limits and timeouts against a real `serve`, over real sockets (issue 12).

1,500 idle connections from one peer were all accepted; at the descriptor
limit legitimate senders timed out and the log grew by ~2,000 lines a
second; a client sending NOOP every minute held a session forever.

Sources 127.0.0.2, 127.0.0.3 ... are other peers: Linux routes all of
127/8 to the loopback interface.
"""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Callable

import pytest

from tests.intake.rawsmtp import RawSMTP
from tests.intake.routerproc import WAIT, Router

DE = "csba-de2de@amazon.de"
SELLER = "service@musterhandel.de"
MESSAGE = b"Subject: hello\r\n\r\nbody\r\n"

Start = Callable[..., Router]


def limits(total: int = 500, per_ip: int = 50, idle: str = "5m", session: str = "30m"
           ) -> dict[str, str]:
    return {
        r"max_connections: 500": f"max_connections: {total}",
        r"max_connections_per_ip: 50": f"max_connections_per_ip: {per_ip}",
        r"idle_timeout: 5m": f"idle_timeout: {idle}",
        r"session_timeout: 30m": f"session_timeout: {session}",
    }


def refused(client: RawSMTP) -> str:
    """The 421 a refused connection gets, once the server has closed it."""
    code, text = client.reply()
    assert code == 421, text
    assert client.wait_closed() == b""
    return text


def greeted(client: RawSMTP) -> None:
    code, text = client.reply()
    assert code == 220, text


def quit_and_wait(client: RawSMTP) -> None:
    """QUIT, and wait for the server to close: by then it has counted the session out."""
    assert client.command("QUIT")[0] == 221
    client.wait_closed()
    client.close()


def test_past_the_limits_a_connection_gets_421(start_router: Start) -> None:
    router = start_router(extra=limits(total=5, per_ip=3))
    mine = [RawSMTP(router.port) for _ in range(3)]
    for client in mine:
        greeted(client)
    with RawSMTP(router.port) as fourth:
        assert refused(fourth) == "4.7.0 Too many connections from your address, try again later"
    others = [RawSMTP(router.port, source="127.0.0.2") for _ in range(2)]
    for client in others:
        greeted(client)
    with RawSMTP(router.port, source="127.0.0.3") as sixth:
        assert refused(sixth) == "4.7.0 Too many connections, try again later"
    # A session that ends makes room at once.
    quit_and_wait(mine.pop())
    with RawSMTP(router.port) as again:
        again.greet()
        assert again.message(SELLER, DE, MESSAGE)[0] == 250
    for client in mine + others:
        client.close()
    record = router.expect("connection_refused")
    assert record["peer"] == "127.0.0.1" and record["refused"] == 1


def test_a_flood_of_idle_connections_leaves_room_for_others(start_router: Start) -> None:
    router = start_router(extra=limits(total=60, per_ip=20))
    flood = [RawSMTP(router.port) for _ in range(300)]
    try:
        answers = [client.reply() for client in flood]
        assert sum(code == 220 for code, _ in answers) == 20
        assert sum(code == 421 for code, _ in answers) == 280
        for client, (code, _) in zip(flood, answers, strict=True):
            if code == 421:
                client.wait_closed()
        with RawSMTP(router.port, source="127.0.0.2") as legit:
            legit.greet()
            assert legit.message(SELLER, DE, MESSAGE)[0] == 250
    finally:
        for client in flood:
            client.close()
    # Refusals are logged once a minute with their count, not one line each.
    assert router.expect("connection_refused")["refused"] == 1
    assert len(router.records("connection_refused")) == 1


def test_a_silent_session_is_closed_with_421(start_router: Start) -> None:
    router = start_router(extra=limits(idle="1s"))
    with RawSMTP(router.port) as client:
        client.greet()
        began = time.monotonic()
        code, text = client.reply()  # nothing sent: the server speaks first
        assert (code, text) == (421, "4.4.2 Idle too long, closing connection")
        assert time.monotonic() - began >= 0.9
        client.wait_closed()


def test_noop_every_moment_does_not_hold_a_session_forever(start_router: Start) -> None:
    router = start_router(extra=limits(idle="1s", session="3s"))
    with RawSMTP(router.port) as client:
        began = time.monotonic()
        client.greet()
        replies = []
        while time.monotonic() - began < 3 + WAIT:
            code, text = client.command("NOOP")  # the attack: NOOP well within idle_timeout
            replies.append(code)
            if code == 421:
                break
            time.sleep(0.3)  # the attacker's pace, not a synchronisation
        assert (code, text) == (421, "4.4.2 Session too long without mail, closing connection")
        assert time.monotonic() - began >= 2.9
        assert set(replies[:-1]) == {250}
        client.wait_closed()


def test_each_accepted_message_restarts_the_session_clock(start_router: Start) -> None:
    router = start_router(extra=limits(idle="5s", session="2s"))
    with RawSMTP(router.port) as client:
        client.greet()
        for _ in range(3):  # 3 x 1 s: longer than session_timeout, mail each time
            time.sleep(1.0)  # the client's pace
            assert client.message(SELLER, DE, MESSAGE)[0] == 250
        last = time.monotonic()
        assert client.reply() == (421, "4.4.2 Session too long without mail, closing connection")
        assert time.monotonic() - last >= 1.9


def test_slow_but_steady_data_is_not_idle(start_router: Start) -> None:
    router = start_router(extra=limits(idle="1s", session="30s"))
    with RawSMTP(router.port) as client:
        client.greet()
        assert client.command(f"MAIL FROM:<{SELLER}>")[0] == 250
        assert client.command(f"RCPT TO:<{DE}>")[0] == 250
        assert client.command("DATA")[0] == 354
        client.send(b"Subject: slow\r\n\r\n")
        for n in range(8):  # 8 x 0.4 s: three times idle_timeout, a line each 0.4 s
            time.sleep(0.4)  # a slow link's pace
            client.send(f"line {n}\r\n".encode())
        client.send(b".\r\n")
        assert client.reply()[0] == 250


def test_a_trickle_of_data_is_cut_by_the_session_timeout(start_router: Start) -> None:
    router = start_router(extra=limits(idle="1s", session="2s"))
    before = router.count()
    with RawSMTP(router.port) as client:
        client.greet()
        assert client.command(f"MAIL FROM:<{SELLER}>")[0] == 250
        assert client.command(f"RCPT TO:<{DE}>")[0] == 250
        assert client.command("DATA")[0] == 354
        began = time.monotonic()
        with pytest.raises(OSError):  # the server hangs up while we still send
            while time.monotonic() - began < 2 + WAIT:
                client.send(b"x\r\n")
                time.sleep(0.2)  # the attacker's pace
    assert time.monotonic() - began >= 1.9
    assert router.expect("session_timeout")["in_data"] is True
    assert router.count() == before


def test_running_out_of_descriptors_is_logged_once(start_router: Start) -> None:
    router = start_router(extra=limits(total=1000, per_ip=1000))
    pid = router.proc.pid
    spare = 12
    allowed = len(os.listdir(f"/proc/{pid}/fd")) + spare
    resource.prlimit(pid, resource.RLIMIT_NOFILE, (allowed, allowed))
    flood = [RawSMTP(router.port) for _ in range(spare + 40)]  # queued by the kernel
    try:
        first = router.expect("accept_failed")
        assert first["errno"] == "EMFILE"
    finally:
        for client in flood:
            client.close()
    # Descriptors free again: accepted within the second asyncio waits to retry.
    with RawSMTP(router.port) as legit:
        legit.greet()
        assert legit.message(SELLER, DE, MESSAGE)[0] == 250
    recovered = router.expect("accept_recovered")
    assert recovered["failed"] >= 1  # further failed tries, counted and not logged
    assert len(router.records("accept_failed")) == 1
    assert "out of system resource" not in router.log
