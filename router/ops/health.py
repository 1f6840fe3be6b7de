"""Readiness: the database answers, SMTP accepts, the pipeline processes run.

The checks run every `CHECK_SECONDS` on the daemon's loop and `/readyz`
answers from their last result, so a probe never waits for the database.
The database check opens a fresh connection each time (no pool): a server
that went away is noticed at the next check instead of hiding behind a
pooled connection, and one that came back is used at once.  A check gets
`DATABASE_SECONDS` to answer; a check still hanging is waited for again, not
started twice.  So an outage shows within `CHECK_SECONDS + DATABASE_SECONDS`
(10 s; the contract allows 15) and a recovery within `CHECK_SECONDS` plus a
connection (the contract allows 30).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from router.aio import first_of
from router.store import received
from router.store.engine import describe

log = logging.getLogger("router.ops")

CHECK_SECONDS = 5.0
DATABASE_SECONDS = 5.0
#: A reason is one line of at most this many characters.
REASON_LENGTH = 200


def probe_engine(engine: Engine) -> Engine:
    """An engine on the same database that connects afresh for every check."""
    connect_args: dict[str, Any] = {}
    if engine.dialect.name == "postgresql":
        connect_args["connect_timeout"] = int(DATABASE_SECONDS)
    return sa.create_engine(engine.url, poolclass=NullPool, connect_args=connect_args)


def ping(engine: Engine) -> None:
    """Read from the router's own table: the database is there and ours (blocking)."""
    with engine.connect() as conn:
        conn.execute(sa.select(sa.func.max(received.c.id))).scalar()


class Health:
    """The last result of each check, and the loop that renews them."""

    def __init__(self, probe: Engine, *, smtp_serving: Callable[[], bool],
                 workers: Callable[[], tuple[int, int]] | None) -> None:
        """`probe` is a `probe_engine`; `workers` gives (running, expected) pipeline
        processes, None when this daemon runs none."""
        self._probe_engine = probe
        self._smtp_serving = smtp_serving
        self._workers = workers
        self._database: str | None = "the database has not been checked yet"
        self._probe: asyncio.Future[None] | None = None
        self._stopping = False
        self._checked = False  # a first check that succeeds is no "again"

    async def run(self, stop: asyncio.Event) -> None:
        """Check until `stop`; from then on the daemon is not ready (it is stopping)."""
        try:
            while not stop.is_set():
                await self.check_database()
                await first_of(stop, timeout=CHECK_SECONDS)
        finally:
            self._stopping = True

    async def check_database(self) -> None:
        if self._probe is None or self._probe.done():
            self._probe = asyncio.ensure_future(asyncio.to_thread(ping, self._probe_engine))
            self._probe.add_done_callback(retrieved)
        before = self._database
        try:
            await asyncio.wait_for(asyncio.shield(self._probe), DATABASE_SECONDS)
        except TimeoutError:
            self._database = f"the database did not answer within {DATABASE_SECONDS:.0f} s"
        except exc.DBAPIError as error:
            self._database = f"the database does not answer: {describe(error)}"
        except Exception as error:  # anything else the driver raises
            self._database = f"the database check failed: {type(error).__name__}: {error}"
        else:
            self._database = None
        # One line when the database goes away, one when it is back.
        failing, was_failing = self._database is not None, self._checked and before is not None
        if failing and not was_failing:
            log.warning(f"not ready: {_line(self._database or '')}",
                        extra={"event": "database_unavailable"})
        elif was_failing and not failing:
            log.info("the database answers again", extra={"event": "database_back"})
        self._checked = True

    def checks(self) -> dict[str, bool]:
        """Each check's state, for the metrics."""
        found = {"database": self._database is None, "smtp": self._smtp_serving()}
        if self._workers is not None:
            running, expected = self._workers()
            found["workers"] = running == expected
        return found

    def reason(self) -> str | None:
        """Why the daemon is not ready, in one line; None when it is."""
        if self._stopping:
            return "stopping"
        if self._database is not None:
            return _line(self._database)
        if not self._smtp_serving():
            return "SMTP is not accepting connections"
        if self._workers is not None:
            running, expected = self._workers()
            if running < expected:
                return f"{expected - running} of {expected} pipeline processes not running"
        return None

    def close(self) -> None:
        """Forget a check still hanging (the daemon is ending)."""
        if self._probe is not None and not self._probe.done():
            with contextlib.suppress(Exception):
                self._probe.cancel()


def retrieved(future: asyncio.Future[Any]) -> None:
    """Mark a shielded check's outcome as seen (it may end after its waiter gave up)."""
    if not future.cancelled():
        future.exception()


def _line(text: str) -> str:
    one = " ".join(text.split())
    return one if len(one) <= REASON_LENGTH else one[:REASON_LENGTH - 3] + "..."
