"""The watchdog's reading of a pipeline process's reports, over a real pipe."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys

from router.pipeline.watchdog import (
    BACKSTOP_EXTRA_SECONDS,
    Reporter,
    Watchdog,
    backstop,
    watching,
)

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



def test_a_process_stuck_in_c_code_ends_itself_with_no_parent_watching() -> None:
    """The backstop alarm: a regular expression that would run for ages, no watchdog."""
    stuck = (
        "import os, re\n"
        "from router.pipeline.watchdog import Reporter\n"
        "read, write = os.pipe()\n"
        "Reporter(write, 'host:1', lambda: 0.0)(5)  # decide_timeout 0: the backstop alone\n"
        "re.search('^(x+x+)+y$', 'x' * 40)\n"
    )
    done = subprocess.run([sys.executable, "-c", stuck], capture_output=True, timeout=120)
    assert done.returncode == -signal.SIGALRM, done.stderr
    assert backstop(0.0) == BACKSTOP_EXTRA_SECONDS
