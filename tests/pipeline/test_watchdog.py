"""The watchdog's reading of a pipeline process's reports, over a real pipe."""

from __future__ import annotations

import asyncio
import os

from router.pipeline.watchdog import Reporter, Watchdog, watching

TIMEOUT = 0.05  # seconds: what the test waits for is the kill, never this


def test_the_message_in_hand_at_the_deadline_is_the_one_blamed() -> None:
    async def main() -> tuple[int | None, str | None, float]:
        killed = asyncio.Event()
        read, write = os.pipe()
        dog = Watchdog(read, killed.set, lambda: TIMEOUT)
        report = Reporter(write, "host:123")
        with watching(report, 5):
            pass  # decided in time
        report(6)  # this one never ends
        await asyncio.wait_for(killed.wait(), 60)
        report.close()
        dog.close()
        return dog.overdue, dog.owner, dog.limit

    assert asyncio.run(main()) == (6, "host:123", TIMEOUT)

