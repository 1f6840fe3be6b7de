"""Deciding one message takes bounded time: `instance.decide_timeout`.

Python cannot interrupt a thread, and a CPU-bound regular expression (an
admin's `subject_regex` with nested quantifiers, a parser's quadratic path
on hostile input) does not even return to the interpreter until it is
done: the only way to stop it is to end its process.  So a pipeline
process tells `serve`, its parent, which message it is deciding, over a
pipe of its own (`Reporter`): its lease owner name once, then a line when
deciding (or composing the mail for) a message starts, ``d<ID>``, and one
when it is over, ``-``.  The parent's `Watchdog` times each; past the
timeout it kills the process.  Once the process is gone, the parent marks
that message failed with the reason and gives its batch-mates back
(`claims.abandon`), and starts a new process at once, which decides them.

The clock is the parent's, from when it reads the line: a parent busy for
a moment only gives the message a little longer.  A parent killed outright
(SIGKILL) watches nothing, and a process stuck in C code never reads the
end of file that tells it to stop: so the process also arms an alarm of its
own while it decides (`backstop`, well past the parent's limit), whose
default action, SIGALRM's, ends it without needing the interpreter.  It
never outlives its parent by more than that.  Writing to the database
is not timed (it waits for locks, not for the message).  The pipe is
written blocking: the parent always reads it, and a line costs far less
than deciding a message.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager

log = logging.getLogger("router.pipeline")

#: Told the id of the message whose deciding (or composing) starts, and None
#: when it is over.
Watch = Callable[[int | None], None]

_OWNER, _DECIDING, _IDLE = b"o", b"d", b"-"

#: Added to twice `decide_timeout` for a process's own alarm (`backstop`).
BACKSTOP_EXTRA_SECONDS = 10.0


@contextmanager
def watching(watch: Watch | None, received_id: int) -> Iterator[None]:
    """Report `received_id` to `watch` for the time of the block."""
    if watch is None:
        yield
        return
    watch(received_id)
    try:
        yield
    finally:
        watch(None)


class Reporter:
    """The pipeline process's side: what it is deciding, written to the parent's pipe."""

    def __init__(self, fd: int, owner: str, timeout: Callable[[], float] | None = None) -> None:
        self._fd = fd
        self._timeout = timeout  # the process's decide_timeout, for its own alarm
        self._write(_OWNER + owner.encode() + b"\n")

    def __call__(self, received_id: int | None) -> None:
        if received_id is None:
            self._write(_IDLE + b"\n")
            self._alarm(0)
        else:
            if self._timeout is not None:
                self._alarm(backstop(self._timeout()))
            self._write(_DECIDING + str(received_id).encode() + b"\n")

    def _alarm(self, seconds: float) -> None:
        if self._timeout is not None:
            signal.setitimer(signal.ITIMER_REAL, seconds)  # 0: disarmed

    def _write(self, line: bytes) -> None:
        try:
            os.write(self._fd, line)  # under PIPE_BUF: written whole, never interleaved
        except OSError:
            pass  # the parent is gone; the other pipe's end of file stops this process

    def close(self) -> None:
        os.close(self._fd)


class Watchdog:
    """The parent's side for one pipeline process: kill it when a message overruns.

    `timeout` is read when a message starts (a reload applies to the next
    one); `kill` ends the process.  After the process is gone, `overdue`
    holds the message it was killed for, `limit` the timeout it overran and
    `owner` the name its leases carry.
    """

    def __init__(self, fd: int, kill: Callable[[], None], timeout: Callable[[], float]) -> None:
        self.owner: str | None = None
        self.deciding: int | None = None
        self.overdue: int | None = None
        self.limit = 0.0
        self._fd: int | None = fd
        self._kill = kill
        self._timeout = timeout
        self._buffer = b""
        self._timer: asyncio.TimerHandle | None = None
        self._loop = asyncio.get_running_loop()
        os.set_blocking(fd, False)
        self._loop.add_reader(fd, self._read)

    def _read(self) -> None:
        """Take in every line the process has written so far."""
        while self._fd is not None:
            try:
                data = os.read(self._fd, 1 << 16)
            except BlockingIOError:
                return
            except OSError:
                data = b""
            if not data:  # the process is gone
                self.close()
                return
            *lines, self._buffer = (self._buffer + data).split(b"\n")
            for line in lines:
                self._line(line)

    def _line(self, line: bytes) -> None:
        kind, rest = line[:1], line[1:]
        if kind == _OWNER:
            self.owner = rest.decode(errors="replace")
        elif kind == _DECIDING and rest.isdigit():
            self._cancel()
            self.deciding = int(rest)
            self._timer = self._loop.call_later(self._timeout(), self._expired, self.deciding)
        elif kind == _IDLE:
            self._cancel()
            self.deciding = None

    def _expired(self, received_id: int) -> None:
        self._read()  # what the process wrote before the deadline counts
        if self.deciding != received_id or self.overdue is not None:
            return
        self.overdue, self.limit = received_id, self._timeout()
        log.error(f"deciding message {received_id} took longer than {seconds(self.limit)}; "
                  "its pipeline process is replaced",
                  extra={"event": "decide_timeout", "id": received_id, "owner": self.owner,
                         "timeout": self.limit})
        self._kill()

    def _cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def close(self) -> None:
        self._cancel()
        if self._fd is not None:
            self._loop.remove_reader(self._fd)
            os.close(self._fd)
            self._fd = None


def backstop(timeout: float) -> float:
    """When a process stuck on one message ends itself: twice the parent's limit, and more."""
    return 2 * timeout + BACKSTOP_EXTRA_SECONDS


def seconds(value: float) -> str:
    """A timeout as the config spells it: 30s, 1.5s."""
    return f"{value:g}s"
