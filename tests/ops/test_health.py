"""The readiness checks in-process: which reason wins, and one log line per change."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from router.ops.health import Health, probe_engine


def health(engine: Engine, *, smtp: list[bool], workers: list[tuple[int, int]] | None
           ) -> Health:
    return Health(probe_engine(engine), smtp_serving=lambda: smtp[0],
                  workers=(lambda: workers[0]) if workers is not None else None)


def test_ready_only_when_every_check_passes_and_the_database_reason_comes_first(
        engine: Engine) -> None:
    smtp, workers = [True], [(2, 2)]
    checks = health(engine, smtp=smtp, workers=workers)
    assert checks.reason() == "the database has not been checked yet"
    asyncio.run(checks.check_database())
    assert checks.reason() is None
    assert checks.checks() == {"database": True, "smtp": True, "workers": True}
    workers[0] = (1, 2)
    assert checks.reason() == "1 of 2 pipeline processes not running"
    smtp[0] = False
    assert checks.reason() == "SMTP is not accepting connections"
    assert checks.checks() == {"database": True, "smtp": False, "workers": False}
    assert health(engine, smtp=[True], workers=None).checks() == {"database": False,
                                                                  "smtp": True}


def test_a_database_that_goes_away_and_comes_back_is_logged_once_each_way(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "router.db"
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE received (id INTEGER PRIMARY KEY)"))
    checks = health(engine, smtp=[True], workers=None)
    caplog.set_level(logging.INFO, logger="router.ops")

    async def run() -> list[str | None]:
        reasons = []
        await checks.check_database()
        reasons.append(checks.reason())
        path.rename(tmp_path / "elsewhere.db")  # the table is gone: the check fails
        for _ in range(2):
            await checks.check_database()
            reasons.append(checks.reason())
        (tmp_path / "elsewhere.db").rename(path)
        for _ in range(2):
            await checks.check_database()
            reasons.append(checks.reason())
        return reasons

    reasons = asyncio.run(run())
    assert reasons[0] is None and reasons[3:] == [None, None]
    assert reasons[1] == reasons[2]
    assert reasons[1] is not None and reasons[1].startswith("the database does not answer: ")
    assert "\n" not in reasons[1]
    events = [r.__dict__.get("event") for r in caplog.records]
    assert events == ["database_unavailable", "database_back"]
    engine.dispose()


def test_stopping_wins_once_the_loop_is_told_to_stop(engine: Engine) -> None:
    checks = health(engine, smtp=[True], workers=None)

    async def run() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(checks.run(stop))
        while checks.reason() is not None:
            await asyncio.sleep(0.01)
        stop.set()
        await asyncio.wait_for(task, 10)

    asyncio.run(run())
    assert checks.reason() == "stopping"
