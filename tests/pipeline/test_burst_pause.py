"""The pause a worker takes while a burst arrives ends when the burst does."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from router.pipeline import runner
from router.pipeline.claims import latest_arrival
from router.store import open_engine, upgrade
from tests.pipeline.test_claims import add


def test_latest_arrival_follows_the_newest_row(engine: Engine) -> None:
    assert latest_arrival(engine) == 0
    ids = add(engine, 3)
    assert latest_arrival(engine) == ids[-1]


def test_pause_ends_soon_after_arrivals_stop(engine: Engine,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    # A long longest pause: only the quiet rule can end it early.
    monkeypatch.setattr(runner, "BURST_PAUSE_SECONDS", 60.0)
    monkeypatch.setattr(runner, "QUIET_SECONDS", 0.05)
    monkeypatch.setattr(runner, "QUIET_ARRIVALS", 1)  # any arrival counts as the burst
    finished = threading.Event()
    last_stored: list[float] = []

    def burst() -> None:
        for _ in range(12):  # one message every 20 ms: never quiet for 50 ms
            add(engine, 1)
            last_stored.append(time.monotonic())
            finished.wait(0.02)

    async def main() -> float:
        sender = threading.Thread(target=burst)
        sender.start()
        try:
            await runner.burst_pause(engine, asyncio.Event())
            return time.monotonic()
        finally:
            await asyncio.to_thread(sender.join)

    ended = asyncio.run(main())
    assert ended > last_stored[-1]  # it waited for the whole burst
    assert ended - last_stored[-1] < 10  # and not for the longest pause


def test_a_slow_stream_is_no_burst(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Arrivals below the burst rate end the pause although they go on."""
    monkeypatch.setattr(runner, "BURST_PAUSE_SECONDS", 60.0)
    monkeypatch.setattr(runner, "QUIET_SECONDS", 0.1)
    monkeypatch.setattr(runner, "QUIET_ARRIVALS", 50)  # 500 a second
    stop_sending = threading.Event()

    def stream() -> None:
        while not stop_sending.is_set():
            add(engine, 1)
            stop_sending.wait(0.02)  # at most 50 a second

    async def main() -> None:
        sender = threading.Thread(target=stream)
        sender.start()
        try:
            began = time.monotonic()
            await runner.burst_pause(engine, asyncio.Event())
            assert time.monotonic() - began < 10  # not the longest pause
            assert sender.is_alive()  # ended while the stream goes on
        finally:
            stop_sending.set()
            await asyncio.to_thread(sender.join)

    asyncio.run(main())


def test_pause_has_a_limit_and_stop_ends_it(engine: Engine,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "BURST_PAUSE_SECONDS", 0.2)
    monkeypatch.setattr(runner, "QUIET_SECONDS", 0.05)
    monkeypatch.setattr(runner, "QUIET_ARRIVALS", 1)
    stop_sending = threading.Event()
    sent = 0

    def endless() -> None:
        nonlocal sent
        while not stop_sending.is_set():
            add(engine, 1)
            sent += 1
            stop_sending.wait(0.01)

    async def main() -> None:
        sender = threading.Thread(target=endless)
        sender.start()
        try:
            await runner.burst_pause(engine, asyncio.Event())
            assert not stop_sending.is_set() and sender.is_alive()  # the limit ended it
            stopped = asyncio.Event()
            stopped.set()
            await runner.burst_pause(engine, stopped)  # returns at once
        finally:
            stop_sending.set()
            await asyncio.to_thread(sender.join)

    asyncio.run(main())
    assert sent > 0


def test_a_quiet_end_forgets_the_burst(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                       ) -> None:
    """After the pause ended on quiet, the next batch needs no pause (nor a short claim).

    SQLite only: the write gate, which tells that intake was waited for, is
    SQLite's (on PostgreSQL intake is never busy for the pipeline).
    """
    from router.store.engine import _GATES, intake_busy

    engine = open_engine(f"sqlite:///{tmp_path / 'router.db'}")
    try:
        upgrade(engine)
        monkeypatch.setattr(runner, "QUIET_SECONDS", 0.01)
        _GATES[engine].gave_way_at = time.monotonic()  # our last write waited for intake
        assert intake_busy(engine, 60)
        asyncio.run(runner.burst_pause(engine, asyncio.Event()))
        assert not intake_busy(engine, 60)
    finally:
        engine.dispose()
