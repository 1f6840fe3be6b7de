"""The statement job in `serve`: when it fires, what it sends, the catch-up.

No test waits for real time: triggers are asked for their next fire time,
the jobs' bodies are awaited directly with a fixed clock, and the one test
that starts a scheduler uses the immediate catch-up job.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from router.account import schedule
from router.account.schedule import (
    CATCH_UP_ID,
    JOB_ID,
    MISFIRE_GRACE,
    RETRY_ID,
    StatementTimes,
    build_scheduler,
    catch_up,
    monthly_trigger,
)
from router.config.model import Config
from router.store import outgoing, statements
from tests.account.dbdata import SELLERS, fill_example
from tests.account.fixtures import config

BERLIN = ZoneInfo("Europe/Berlin")


def _with_times(cfg: Config, **times: Any) -> Config:
    """The config as `serve` will see it once `billing.statements` exists.

    (model_copy does not validate, so the not-yet-existing key gets through.)
    """
    return cfg.model_copy(update={"billing": cfg.billing.model_copy(update={"statements": times})})


def _counts(engine: Engine) -> tuple[int, int]:
    with engine.connect() as conn:
        return (conn.execute(sa.select(sa.func.count()).select_from(statements)).scalar_one(),
                conn.execute(sa.select(sa.func.count()).select_from(outgoing)).scalar_one())


# --------------------------------------------------------------------------
# When.


def test_default_is_the_first_at_six_in_berlin() -> None:
    trigger = monthly_trigger(StatementTimes.of(config(SELLERS)))
    fire = trigger.get_next_fire_time(None, datetime(2026, 10, 15, 12, tzinfo=UTC))
    assert fire == datetime(2026, 11, 1, 6, 0, tzinfo=BERLIN)
    assert fire.astimezone(UTC) == datetime(2026, 11, 1, 5, 0, tzinfo=UTC)  # CET
    summer = trigger.get_next_fire_time(None, datetime(2026, 3, 20, tzinfo=UTC))
    assert summer.astimezone(UTC) == datetime(2026, 4, 1, 4, 0, tzinfo=UTC)  # CEST
    # The fire time itself does not fire again: next is the month after.
    later = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
    assert later == datetime(2026, 12, 1, 6, 0, tzinfo=BERLIN)


def test_configured_hour_minute_and_zone() -> None:
    cfg = _with_times(config(SELLERS), hour=7, minute=30, timezone="America/New_York")
    times = StatementTimes.of(cfg)
    assert (times.hour, times.minute, times.timezone) == (7, 30, "America/New_York")
    fire = monthly_trigger(times).get_next_fire_time(None, datetime(2026, 11, 1, tzinfo=UTC))
    assert fire.astimezone(UTC) == datetime(2026, 11, 1, 12, 30, tzinfo=UTC)


def test_bad_times_are_refused_at_start() -> None:
    with pytest.raises(ValueError, match="unknown timezone"):
        StatementTimes.of(_with_times(config(SELLERS), timezone="Mars/Olympus"))
    with pytest.raises(ValueError, match="bad time"):
        StatementTimes.of(_with_times(config(SELLERS), hour=24))


def test_scheduler_has_the_monthly_job_and_a_catch_up(engine: Engine) -> None:
    scheduler = build_scheduler(engine, lambda: config(SELLERS))
    job = scheduler.get_job(JOB_ID)
    assert job is not None
    assert job.coalesce is True and job.max_instances == 1
    assert job.misfire_grace_time == MISFIRE_GRACE.total_seconds()
    assert str(job.trigger) == "cron[day='1', hour='6', minute='0']"
    assert job.trigger.timezone == BERLIN
    catch = scheduler.get_job(CATCH_UP_ID)
    assert catch is not None and catch.misfire_grace_time is None


def test_disabled_statements_add_no_jobs(engine: Engine) -> None:
    scheduler = build_scheduler(engine, lambda: _with_times(config(SELLERS), enabled=False))
    assert scheduler.get_jobs() == []


# --------------------------------------------------------------------------
# What.


def test_the_job_run_twice_queues_once(engine: Engine, tmp_path: Path) -> None:
    fill_example(engine, tmp_path)
    woken: list[int] = []
    scheduler = build_scheduler(engine, lambda: config(SELLERS),
                                wake_delivery=lambda: woken.append(1),
                                clock=lambda: datetime(2026, 11, 1, 5, 0, 3, tzinfo=UTC))
    job = scheduler.get_job(JOB_ID)
    assert job is not None
    asyncio.run(job.func())
    asyncio.run(job.func())  # a restart on the 1st, or a second serve
    with engine.connect() as conn:
        rows = conn.execute(sa.select(statements.c.seller_id, statements.c.month)
                            .order_by(statements.c.seller_id)).all()
    assert [tuple(r) for r in rows] == [("A1", "2026-10"), ("B2", "2026-10")]
    assert _counts(engine) == (2, 2)
    assert woken == [1]  # only the run that queued wakes delivery


def test_catch_up_after_downtime_sends_the_missed_month_once(engine: Engine,
                                                             tmp_path: Path) -> None:
    fill_example(engine, tmp_path)
    cfg = config(SELLERS)
    first = catch_up(engine, cfg, datetime(2026, 11, 3, 9, tzinfo=UTC))
    assert (first["queued"], first["already"], first["not_enrolled"]) == (2, 0, 1)
    with engine.connect() as conn:
        assert set(conn.execute(sa.select(statements.c.month)).scalars()) == {"2026-10"}
    again = catch_up(engine, cfg, datetime(2026, 11, 3, 9, 5, tzinfo=UTC))
    assert (again["queued"], again["already"]) == (0, 2)
    assert _counts(engine) == (2, 2)


def test_a_run_before_the_utc_month_ended_waits_for_it(engine: Engine, tmp_path: Path) -> None:
    fill_example(engine, tmp_path)
    # 00:30 on the 1st in Berlin is 23:30 UTC on October 31st.
    cfg = _with_times(config(SELLERS), hour=0, minute=30)
    scheduler = build_scheduler(engine, lambda: cfg,
                                clock=lambda: datetime(2026, 10, 31, 23, 30, tzinfo=UTC))
    job = scheduler.get_job(JOB_ID)
    assert job is not None
    asyncio.run(job.func())
    assert _counts(engine) == (0, 0)  # September is not billed instead
    retry = scheduler.get_job(RETRY_ID)
    assert retry is not None
    assert retry.trigger.run_date == datetime(2026, 11, 1, 0, 0, 30, tzinfo=UTC)


def test_a_failed_run_is_retried(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("database unreachable")

    monkeypatch.setattr(schedule, "run_statements", broken)
    now = datetime(2026, 11, 1, 5, tzinfo=UTC)
    scheduler = build_scheduler(engine, lambda: config(SELLERS), clock=lambda: now)
    job = scheduler.get_job(JOB_ID)
    assert job is not None
    asyncio.run(job.func())
    retry = scheduler.get_job(RETRY_ID)
    assert retry is not None and retry.trigger.run_date == now + schedule.RETRY_AFTER


def test_a_started_scheduler_catches_up_at_once(engine: Engine, tmp_path: Path) -> None:
    fill_example(engine, tmp_path)

    async def serve_briefly() -> list[Any]:
        woken = asyncio.Event()
        scheduler = build_scheduler(engine, lambda: config(SELLERS), wake_delivery=woken.set,
                                    clock=lambda: datetime(2026, 11, 3, 9, tzinfo=UTC))
        scheduler.start()
        try:
            await asyncio.wait_for(woken.wait(), 60)
            return scheduler.get_jobs()
        finally:
            scheduler.shutdown(wait=False)

    jobs = asyncio.run(serve_briefly())
    assert [j.id for j in jobs] == [JOB_ID]  # the catch-up ran and is gone
    assert _counts(engine) == (2, 2)



def test_a_first_start_does_not_mail_statements_for_a_month_never_served(
        engine: Engine) -> None:
    # No mail at all in the database: the router was not in service in
    # October, so its catch-up in November queues no October statements.
    from router.account.schedule import _Runner, in_service_before

    assert not in_service_before(engine, datetime(2026, 11, 1, tzinfo=UTC))
    scheduler = build_scheduler(engine, lambda: config(SELLERS))
    runner = _Runner(engine, lambda: config(SELLERS), None,
                     lambda: datetime(2026, 11, 3, 9, tzinfo=UTC), scheduler)
    asyncio.run(runner.catch_up())
    assert _counts(engine) == (0, 0)
