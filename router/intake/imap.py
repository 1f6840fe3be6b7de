"""IMAP intake for `serve`: one poller per configured account, each in its own thread.

imapclient is blocking, and an IDLE waits for minutes: each account gets a
dedicated thread (not the event loop's shared executor, whose few threads
the SMTP intake and the pipeline workers need), so a slow or dead server
holds up nothing but its own account.  The event loop only starts, replaces
and stops the pollers; a stored batch wakes the pipeline through
``on_stored``, called back on the loop's thread (and is counted through
``on_count``, for the daemon's metrics).

What a poller does with a message, and why in that order, is in
:mod:`router.intake.imap_session`.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from router.config.model import ImapAccount
from router.intake.imap_session import AccountPoller

log = logging.getLogger("router.intake.imap")


@dataclass
class _Running:
    account: ImapAccount
    stop: threading.Event
    thread: threading.Thread
    done: asyncio.Future[None]


class ImapPollers:
    """The daemon's IMAP pollers, kept in step with the config's `imap:` list."""

    def __init__(self, engine: Engine, on_stored: Callable[[], None],
                 on_count: Callable[[int], None] | None = None) -> None:
        self._engine = engine
        self._on_stored = on_stored
        self._on_count = on_count
        self._running: dict[str, _Running] = {}
        # imapclient says "Connection closed" at INFO on every disconnect; our
        # own events already tell the operator what happened.
        logging.getLogger("imapclient").setLevel(logging.WARNING)

    def apply(self, accounts: Iterable[ImapAccount]) -> None:
        """Start pollers for new accounts; restart changed ones, stop removed ones.

        Called at start and on SIGHUP, on the event loop.  An unchanged
        account keeps its session (and its IDLE) across a reload.
        """
        wanted = {a.name: a for a in accounts}
        leaving: dict[str, threading.Thread] = {}
        for name, running in list(self._running.items()):
            if wanted.get(name) != running.account:
                running.stop.set()  # its thread finishes its batch and logs out on its own
                leaving[name] = running.thread
                del self._running[name]
                log.info(f"IMAP account {name} stopped by a reload",
                         extra={"event": "imap_account_stopped", "account": name})
        for name, account in wanted.items():
            if name not in self._running:
                self._running[name] = self._start(account, after=leaving.get(name))

    def _start(self, account: ImapAccount, after: threading.Thread | None = None) -> _Running:
        """A poller thread; with `after`, it first waits for the account's old
        poller to end, so two sessions never drain the same folder at once."""
        loop = asyncio.get_running_loop()
        stop = threading.Event()
        done: asyncio.Future[None] = loop.create_future()

        def stored(count: int) -> None:
            loop.call_soon_threadsafe(self._on_stored)
            if self._on_count is not None:
                loop.call_soon_threadsafe(self._on_count, count)

        def finished() -> None:
            if not done.done():
                done.set_result(None)

        poller = AccountPoller(account, self._engine, on_stored=stored, stop=stop)

        def main() -> None:
            try:
                if after is not None:
                    after.join()
                poller.run()
            finally:
                try:
                    loop.call_soon_threadsafe(finished)
                except RuntimeError:  # the loop is already closed: nobody waits
                    pass

        # A daemon thread: a server that hangs past the grace period must not
        # keep the process alive after SIGTERM.
        thread = threading.Thread(target=main, name=f"imap-{account.name}", daemon=True)
        thread.start()
        return _Running(account, stop, thread, done)

    async def close(self, timeout: float) -> None:
        """Stop every poller; wait (bounded) for them to finish their batch and LOGOUT."""
        running = list(self._running.values())
        self._running.clear()
        for item in running:
            item.stop.set()
        if not running:
            return
        _, pending = await asyncio.wait([item.done for item in running], timeout=timeout)
        for item in running:
            if item.done in pending:
                log.warning(f"IMAP account {item.account.name} did not stop in time",
                            extra={"event": "imap_stop_timeout", "account": item.account.name})
