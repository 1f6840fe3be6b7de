"""Small asyncio helpers shared by the daemon's loops."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger("router")


async def first_of(*events: asyncio.Event | None, timeout: float | None = None) -> None:
    """Return when any of `events` is set, or after `timeout` seconds.

    The loops sleep this way so that `stop` or a wake-up ends the sleep at
    once; None entries are ignored (an optional wake event).
    """
    waiters = [asyncio.ensure_future(event.wait()) for event in events if event is not None]
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


def settle_heap() -> None:
    """Tell the garbage collector that what exists now lives as long as the process.

    For a daemon once it has started: its modules, config and language models
    are never garbage, and leaving them out of the collections (`gc.freeze`)
    spares scanning them again and again while mail flows (about 3 % of the
    pipeline's CPU per message).  Later garbage is collected as usual.
    """
    gc.collect()
    gc.freeze()


class Coalesced:
    """An async job run on request, never twice at once.

    A request while it runs is remembered and runs it once more when it
    ends (so the last request always sees the latest state, e.g. of a config
    file edited during a reload); more requests meanwhile count as one.
    """

    def __init__(self, job: Callable[[], Awaitable[None]]) -> None:
        self._job = job
        self._task: asyncio.Task[None] | None = None
        self._again = False

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def request(self) -> None:
        """Start the job, or have it run again after the current run."""
        if self.running:
            self._again = True
            return
        self._task = asyncio.get_running_loop().create_task(self._runs())

    async def _runs(self) -> None:
        while True:
            self._again = False
            try:
                await self._job()
            except Exception:  # a bug in the job: logged, and the next request tries again
                log.error("a background job failed", exc_info=True,
                          extra={"event": "job_failed"})
            if not self._again:
                return

    async def wait(self) -> None:
        """Until the job (and a run requested meanwhile) has ended."""
        if self._task is not None:
            await asyncio.shield(self._task)
