"""Reading DATA within a budget of bytes in flight, shared by all sessions.

Every byte of a message being received, or received and waiting for its
commit, is held in memory; without a bound, ten sessions sending 20 MB
each cost intake some 560 MB.  :class:`DataBudget` is that bound for the
whole intake: a DATA command is answered ``452 4.3.1`` when the budget (or
the sending address's share of it, half of it) is used up, and a
transfer that would overrun it is read to its end without being kept and
answered ``452 4.3.1`` too; the sender tries again later, as for any
temporary failure, and nothing is half stored.

:func:`read_data` reads one message's DATA (RFC 5321 4.5.2: lines end in
CRLF, a line of a single dot ends the data, a leading dot is removed) into
one buffer, as aiosmtpd's own reader would, with the budget, the message
size limit and the line length limit checked as it goes.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass

from router.config.model import Smtp

REPLY_NO_ROOM = "452 4.3.1 Insufficient system storage, try again later"
REPLY_TOO_BIG = "552 5.3.4 Message too big"
REPLY_LINE_TOO_LONG = "500 5.5.2 Line too long (RFC 5321 4.5.3.1.6)"

#: The budget when `smtp.max_data_in_flight` is not set: this many messages
#: of `smtp.max_message_size` (100 MB with the default 25 MB) ...
BUDGET_MESSAGES = 4
#: ... or this many bytes where the message size is unlimited (0).
BUDGET_UNLIMITED_SIZE = 100_000_000
#: Most bytes one session reserves from the budget at a time.
BLOCK = 64 * 1024


def data_budget(smtp: Smtp) -> int:
    """Bytes of DATA intake may hold at once; never less than one message of the largest size."""
    size = smtp.max_message_size
    configured = smtp.max_data_in_flight
    if configured is None:
        configured = BUDGET_MESSAGES * size if size else BUDGET_UNLIMITED_SIZE
    return max(configured, size)


class DataBudget:
    """Bytes of DATA in flight across all sessions, and per sending address."""

    def __init__(self, limit: int, message_size: int = 0) -> None:
        self.used = 0
        self._by_peer: Counter[str | None] = Counter()
        self.limit = limit
        self.per_peer = limit
        self._block = BLOCK
        self.resize(limit, message_size)

    def resize(self, limit: int, message_size: int = 0) -> None:
        """A new limit (after a reload); what is held stays held."""
        self.limit = limit
        # One address gets half, but always room for one message of the largest size.
        self.per_peer = min(limit, max(limit // 2, message_size))
        self._block = max(1, min(BLOCK, limit // 64))

    def room(self, key: str | None) -> int:
        return max(0, min(self.limit - self.used, self.per_peer - self._by_peer[key]))

    def open(self, key: str | None) -> DataGrant | None:
        """A grant for one DATA transfer from `key`; None when there is no room left."""
        if self.room(key) <= 0:
            return None
        return DataGrant(self, key)

    def _reserve(self, key: str | None, count: int) -> None:
        self.used += count
        self._by_peer[key] += count

    def _return(self, key: str | None, count: int) -> None:
        self.used -= count
        self._by_peer[key] -= count
        if not self._by_peer[key]:
            del self._by_peer[key]


class DataGrant:
    """One transfer's share of the budget, reserved a block at a time as bytes arrive."""

    def __init__(self, budget: DataBudget, key: str | None) -> None:
        self._budget = budget
        self._key = key
        self.used = 0  # bytes kept
        self.held = 0  # bytes reserved (at least `used`)

    def grow(self) -> bool:
        """Reserve for `used` bytes (and a block more, where there is room); False: no room."""
        need = self.used - self.held
        if need <= 0:
            return True
        room = self._budget.room(self._key)
        if need > room:
            return False
        grab = min(max(need, self._budget._block), room)
        self._budget._reserve(self._key, grab)
        self.held += grab
        return True

    def release(self) -> None:
        """Give everything back (the message is stored, refused or dropped)."""
        if self.held:
            self._budget._return(self._key, self.held)
        self.held = self.used = 0


@dataclass
class Progress:
    """When the client was last heard from during DATA (time.monotonic())."""

    heard: float = 0.0


@dataclass(frozen=True)
class DataRead:
    """The message (dot-unstuffed), or the reply that refuses it."""

    content: bytes | None
    refusal: str | None


async def read_data(reader: asyncio.StreamReader, grant: DataGrant, *,
                    max_size: int | None, line_limit: int, progress: Progress) -> DataRead:
    """Read up to the lone dot; keep the message while it fits every limit.

    Past a limit the rest is read and dropped, so the client's next command
    is read as a command; the first limit overrun decides the reply.
    """
    buffer = bytearray()
    refusal: str | None = None
    size = 0
    whole_line = True  # the last piece read ended a line
    while True:
        overrun = False
        try:
            line = await reader.readuntil(b"\r\n")
        except asyncio.LimitOverrunError as error:
            # A line longer than the reader's limit: take what is there, drop it.
            line = await reader.read(error.consumed)
            overrun = True
        progress.heard = time.monotonic()
        if whole_line and line == b".\r\n":
            break
        starts_line, whole_line = whole_line, line.endswith(b"\r\n")
        size += len(line)
        if refusal is not None:
            continue
        if overrun:
            refusal = REPLY_LINE_TOO_LONG
        elif max_size and size > max_size:
            refusal = REPLY_TOO_BIG
        elif len(line) > line_limit:
            refusal = REPLY_LINE_TOO_LONG
        else:
            buffer += line[1:] if starts_line and line[:1] == b"." else line
            grant.used = len(buffer)
            if grant.used <= grant.held or grant.grow():
                continue
            refusal = REPLY_NO_ROOM
        buffer = bytearray()
        grant.release()
    if refusal is not None:
        return DataRead(None, refusal)
    content = bytes(buffer)
    del buffer  # one copy at a time: the handler makes the stored one
    return DataRead(content, None)
