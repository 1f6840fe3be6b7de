"""A bound on bytes of DATA in flight (issue 12: 10 x 20 MB cost intake ~560 MB).

The budget and the DATA reader on their own (a real asyncio StreamReader fed
bytes), then against a real `serve` whose commits are held back by the
test holding the database's write lock, so accepted messages keep their
share of the budget while later ones arrive.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from router.intake.data import (
    REPLY_LINE_TOO_LONG,
    REPLY_NO_ROOM,
    REPLY_TOO_BIG,
    DataBudget,
    DataRead,
    Progress,
    read_data,
)
from tests.intake.rawsmtp import RawSMTP
from tests.intake.routerproc import WAIT, Router
from tests.intake.test_store_isolation import write_lock

DE = "csba-de2de@amazon.de"
SELLER = "service@musterhandel.de"


# --- the budget ------------------------------------------------------------------


def test_budget_refuses_new_data_once_used_up() -> None:
    budget = DataBudget(1000, message_size=400)
    assert budget.per_peer == 500  # half for one address (at least one whole message)
    a = budget.open("192.0.2.1")
    assert a is not None
    a.used = 500
    assert a.grow() and budget.used >= 500
    assert budget.open("192.0.2.1") is None  # the address's share is used up
    b = budget.open("192.0.2.2")
    assert b is not None
    b.used = 500
    assert b.grow()
    assert budget.open("192.0.2.3") is None  # and now the whole budget
    a.release()
    assert budget.open("192.0.2.3") is not None
    b.release()
    assert budget.used == 0


def test_a_grant_cannot_grow_past_the_room_left() -> None:
    budget = DataBudget(1000, message_size=1000)
    grant = budget.open(None)
    assert grant is not None
    grant.used = 1000
    assert grant.grow()
    grant.used = 1001
    assert not grant.grow()
    assert budget.used == 1000  # nothing reserved beyond the limit


def read(data: bytes, *, budget: int = 10_000, max_size: int = 5_000) -> tuple[DataRead, bytes]:
    """read_data over a stream holding `data`; also what is left unread after it."""
    async def main() -> tuple[DataRead, bytes]:
        reader = asyncio.StreamReader(limit=1001)
        reader.feed_data(data)
        reader.feed_eof()
        grant = DataBudget(budget, max_size).open(None)
        assert grant is not None
        result = await read_data(reader, grant, max_size=max_size, line_limit=1001,
                                 progress=Progress())
        assert grant.held == 0 or result.refusal is None
        return result, await reader.read()
    return asyncio.run(main())


def test_data_is_unstuffed_up_to_the_lone_dot() -> None:
    result, rest = read(b"Subject: x\r\n\r\n..dot\r\nbare\nLF. \r\n.\r\nQUIT\r\n")
    assert result == DataRead(b"Subject: x\r\n\r\n.dot\r\nbare\nLF. \r\n", None)
    assert rest == b"QUIT\r\n"


def test_past_a_limit_the_rest_is_read_and_dropped() -> None:
    body = b"x" * 998 + b"\r\n"
    assert read(body * 6 + b".\r\nNOOP\r\n") == (DataRead(None, REPLY_TOO_BIG), b"NOOP\r\n")
    assert read(body * 6 + b".\r\nNOOP\r\n", budget=4_000, max_size=10_000) == (
        DataRead(None, REPLY_NO_ROOM), b"NOOP\r\n")
    long_line = b"y" * 3000 + b"\r\n"
    assert read(long_line + b".\r\nNOOP\r\n") == (DataRead(None, REPLY_LINE_TOO_LONG),
                                                 b"NOOP\r\n")
    # A dot that ends an over-long line does not end the data.
    assert read(b"z" * 1500 + b".\r\nmore\r\n.\r\nRSET\r\n") == (
        DataRead(None, REPLY_LINE_TOO_LONG), b"RSET\r\n")


# --- against serve ----------------------------------------------------------------


def message(n: int, size: int = 9_000) -> bytes:
    lines = [f"Message-ID: <budget-{n}@musterhandel.de>", "Subject: big", ""]
    while sum(len(line) + 2 for line in lines) < size:
        lines.append("x" * 98)
    return "\r\n".join(lines).encode() + b"\r\n"


def test_data_past_the_budget_gets_452_at_once(start_router: Callable[..., Router]) -> None:
    # max_message_size 10,000 (tests/intake/routerproc.py): budget 30,000, 15,000 per address.
    router = start_router(extra={r"max_data_in_flight: null": "max_data_in_flight: 30000"})
    sent = threading.Semaphore(0)

    def send(n: int, source: str) -> tuple[int, str]:
        with RawSMTP(router.port, source=source) as client:
            client.greet()
            return client.message(SELLER, DE, message(n))

    def held(n: int, source: str) -> tuple[int, str]:
        """Sends its message, says so, then waits for the reply (after the commit)."""
        with RawSMTP(router.port, source=source) as client:
            client.greet()
            assert client.command(f"MAIL FROM:<{SELLER}>")[0] == 250
            assert client.command(f"RCPT TO:<{DE}>")[0] == 250
            assert client.command("DATA")[0] == 354
            client.send(message(n) + b".\r\n")
            sent.release()
            return client.reply()

    no_room = (452, "4.3.1 Insufficient system storage, try again later")
    with ThreadPoolExecutor(3) as pool:
        with write_lock(router.storage):  # accepted messages wait for their commit
            waiting = [pool.submit(held, 1, "127.0.0.1")]
            assert sent.acquire(timeout=WAIT)
            assert send(2, "127.0.0.1") == no_room  # over the address's share: at once
            waiting += [pool.submit(held, 3, "127.0.0.2"), pool.submit(held, 4, "127.0.0.3")]
            assert sent.acquire(timeout=WAIT) and sent.acquire(timeout=WAIT)
            assert send(5, "127.0.0.4") == no_room  # 36,000 > 30,000: over the whole budget
            assert router.count() == 0
        assert [future.result(WAIT)[0] for future in waiting] == [250, 250, 250]
    assert send(6, "127.0.0.1")[0] == 250  # given back after the commits
    assert router.count() == 4
