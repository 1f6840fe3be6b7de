"""The daemon loops' small helpers."""

from __future__ import annotations

import asyncio
import gc
import time

from router.aio import Coalesced, first_of, settle_heap


def test_first_of_returns_on_an_event_or_the_timeout() -> None:
    async def main() -> tuple[float, float]:
        event = asyncio.Event()
        asyncio.get_running_loop().call_soon(event.set)
        began = time.monotonic()
        await first_of(None, event, timeout=60)  # None entries are ignored
        by_event = time.monotonic() - began
        began = time.monotonic()
        await first_of(asyncio.Event(), timeout=0.01)
        return by_event, time.monotonic() - began

    by_event, by_timeout = asyncio.run(main())
    assert by_event < 30 and by_timeout < 30


def test_settle_heap_leaves_what_exists_out_of_collections() -> None:
    before = gc.get_freeze_count()
    try:
        settle_heap()
        assert gc.get_freeze_count() > before
        garbage: list[object] = []
        garbage.append(garbage)  # a cycle made afterwards is still collected
        del garbage
        assert gc.collect() >= 1
    finally:
        gc.unfreeze()


def test_coalesced_runs_once_at_a_time_and_once_more_for_requests_meanwhile() -> None:
    async def main() -> list[str]:
        runs: list[str] = []
        started, gate = asyncio.Event(), asyncio.Event()

        async def job() -> None:
            runs.append("start")
            started.set()
            await gate.wait()
            runs.append("end")

        jobs = Coalesced(job)
        jobs.request()
        await started.wait()  # the first run waits at the gate
        jobs.request()
        jobs.request()  # three requests while it runs: one more run
        assert jobs.running and runs == ["start"]
        gate.set()
        await jobs.wait()
        return runs

    assert asyncio.run(main()) == ["start", "end", "start", "end"]


def test_coalesced_survives_a_failing_job() -> None:
    async def main() -> int:
        calls = 0

        async def job() -> None:
            nonlocal calls
            calls += 1
            raise RuntimeError("a bug")

        jobs = Coalesced(job)
        jobs.request()
        await jobs.wait()
        jobs.request()
        await jobs.wait()
        return calls

    assert asyncio.run(main()) == 2
