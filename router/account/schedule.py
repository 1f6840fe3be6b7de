"""The monthly statement run inside `serve`: an apscheduler cron job plus a catch-up.

When.  A cron job on day 1 of every month at ``billing.statements.hour`` /
``minute`` in ``billing.statements.timezone`` (default 06:00 Europe/Berlin)
sends the statements of the month just ended: the run on 2026-11-01 06:00
Europe/Berlin (05:00 UTC) bills 2026-10 (see router.account.statements).
Billing months are UTC, so a run whose local time on the 1st is still the
last day in UTC (e.g. 00:30 Europe/Berlin, or 06:00 Asia/Shanghai) is
moved to 00:00:30 UTC of the 1st instead of billing the month before.

Missed runs.  At start a one-off catch-up job sends every missing statement
of the last ended month (`catch_up`; the `statements` table tells what was
sent), so a process that was down on the 1st sends them when it comes back.
A run that is late while the process lives (suspended machine, busy loop)
still runs within ``MISFIRE_GRACE``, coalesced to one.  A run that fails
(database unreachable) is retried after ``RETRY_AFTER``.  Every run is
idempotent -- the unique statements row decides -- so a restart on the 1st
or a second `serve` on the same database sends nothing twice.

The database and matplotlib work runs in a thread (``asyncio.to_thread``):
the event loop keeps serving SMTP sessions meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.engine import Engine

from router.account.months import Month
from router.account.statements import count, has_ended, last_ended_month, send_month
from router.config.model import Config
from router.store import utcnow

log = logging.getLogger("router.account.schedule")

DEFAULT_HOUR = 6
DEFAULT_MINUTE = 0
DEFAULT_TIMEZONE = "Europe/Berlin"
#: Any run inside the month bills the right month, so lateness is harmless.
MISFIRE_GRACE = timedelta(days=27)
RETRY_AFTER = timedelta(hours=1)
#: After 00:00 UTC of the 1st, for a local hour that is still the old UTC month.
UTC_MONTH_MARGIN = timedelta(seconds=30)

JOB_ID = "statements"
CATCH_UP_ID = "statements-catch-up"
RETRY_ID = "statements-retry"


@dataclass(frozen=True)
class StatementTimes:
    """When the monthly run fires; read from the optional ``billing.statements``."""

    enabled: bool = True
    hour: int = DEFAULT_HOUR
    minute: int = DEFAULT_MINUTE
    timezone: str = DEFAULT_TIMEZONE

    @classmethod
    def of(cls, config: Config) -> StatementTimes:
        """The config's values where it has them (a model or a mapping), else defaults."""
        section = getattr(config.billing, "statements", None)

        def get(name: str, default: Any) -> Any:
            if section is None:
                return default
            if isinstance(section, Mapping):
                value = section.get(name, default)
            else:
                value = getattr(section, name, default)
            return default if value is None else value

        times = cls(bool(get("enabled", True)), int(get("hour", DEFAULT_HOUR)),
                    int(get("minute", DEFAULT_MINUTE)), str(get("timezone", DEFAULT_TIMEZONE)))
        if not (0 <= times.hour <= 23 and 0 <= times.minute <= 59):
            raise ValueError(f"billing.statements: bad time {times.hour}:{times.minute:02d}")
        times.zone()  # an unknown zone fails here, at start, not on the 1st
        return times

    def zone(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"billing.statements: unknown timezone {self.timezone!r}") from None


def monthly_trigger(times: StatementTimes) -> CronTrigger:
    """Day 1 of each month at the configured local time."""
    return CronTrigger(day=1, hour=times.hour, minute=times.minute, timezone=times.zone())


def catch_up(engine: Engine, config: Config, now: datetime) -> dict[str, int]:
    """Send what is missing of the last ended month (UTC); counts per outcome.

    The same work as the monthly run: it is safe at any time, because the
    statements already recorded are skipped.
    """
    return run_statements(engine, config, last_ended_month(now), now, reason="catch_up")


def in_service_before(engine: Engine, moment: datetime) -> bool:
    """Whether the router has any mail that arrived before `moment` (live or ingested)."""
    import sqlalchemy as sa

    from router.store import received

    with engine.connect() as conn:
        first = conn.execute(sa.select(sa.func.min(received.c.arrived_at))).scalar()
    return first is not None and first < moment


def run_statements(engine: Engine, config: Config, month: Month, now: datetime, *,
                   reason: str) -> dict[str, int]:
    """Send the month's missing statements and log one line of counts."""
    counts = count(send_month(engine, config, month, now=now))
    log.info("statements for %s: %d sent, %d already sent, %d skipped (no notify address),"
             " %d failed", month, counts["queued"], counts["already"], counts["no_address"],
             counts["failed"],
             extra={"event": "statements", "reason": reason, "month": str(month),
                    "sent": counts["queued"], "already": counts["already"],
                    "skipped": counts["no_address"], "failed": counts["failed"],
                    "not_enrolled": counts["not_enrolled"]})
    return counts


def build_scheduler(engine: Engine, get_config: Callable[[], Config], *,
                    wake_delivery: Callable[[], None] | None = None,
                    clock: Callable[[], datetime] = utcnow) -> AsyncIOScheduler:
    """A scheduler with the monthly job and a catch-up at start; not started.

    Start it inside the running event loop (``scheduler.start()``), stop it
    with ``scheduler.shutdown(wait=False)``.  ``get_config`` is read at each
    run, so a reloaded config applies (its time of day through `reschedule`).
    ``wake_delivery`` is called after mail was queued; ``clock`` is for tests.
    """
    scheduler = AsyncIOScheduler(timezone="UTC")
    times = StatementTimes.of(get_config())
    if not times.enabled:
        log.info("monthly statements are disabled (billing.statements.enabled)",
                 extra={"event": "statements_disabled"})
        return scheduler
    run = _Runner(engine, get_config, wake_delivery, clock, scheduler)
    scheduler.add_job(run.monthly, monthly_trigger(times), id=JOB_ID, name="monthly statements",
                      misfire_grace_time=int(MISFIRE_GRACE.total_seconds()), coalesce=True,
                      max_instances=1, replace_existing=True)
    scheduler.add_job(run.catch_up, "date", id=CATCH_UP_ID, name="statements catch-up",
                      misfire_grace_time=None, replace_existing=True)
    return scheduler


def reschedule(scheduler: AsyncIOScheduler, config: Config) -> None:
    """Apply a reloaded config's time of day to the monthly job (SIGHUP)."""
    if scheduler.get_job(JOB_ID) is None:
        return
    try:
        trigger = monthly_trigger(StatementTimes.of(config))
    except ValueError as exc:
        log.error("%s; the monthly statements keep their old time", exc,
                  extra={"event": "config_problem"})
        return
    scheduler.reschedule_job(JOB_ID, trigger=trigger)


class _Runner:
    """The jobs' bodies: one place for the engine, the clock and the wake-up."""

    def __init__(self, engine: Engine, get_config: Callable[[], Config],
                 wake_delivery: Callable[[], None] | None, clock: Callable[[], datetime],
                 scheduler: AsyncIOScheduler) -> None:
        self.engine, self.get_config, self.wake_delivery = engine, get_config, wake_delivery
        self.clock, self.scheduler = clock, scheduler

    async def monthly(self) -> None:
        """The run on the 1st: the month just ended in the configured zone."""
        config, now = self.get_config(), self.clock()
        local_day = now.astimezone(StatementTimes.of(config).zone()).date()
        month = Month.of(local_day).plus(-1)
        if not has_ended(month, now):
            # 00:30 in Berlin on the 1st is still the month's last day in UTC.
            at = month.plus(1).start + UTC_MONTH_MARGIN
            log.info("statements for %s wait until the month has ended in UTC (%s)", month,
                     at.isoformat(), extra={"event": "statements_deferred",
                                            "month": str(month), "run_at": at.isoformat()})
            self._later(at)
            return
        await self._run(month, now, "monthly")

    async def catch_up(self) -> None:
        now = self.clock()
        month = last_ended_month(now)
        if not await asyncio.to_thread(in_service_before, self.engine, month.plus(1).start):
            # A first deployment must not mail every seller a statement for
            # a month the router never saw: only runs it missed are caught up.
            log.info("no catch-up of %s statements: the router was not in service then",
                     month, extra={"event": "statements_skipped", "month": str(month)})
            return
        await self._run(month, now, "catch_up")

    async def _run(self, month: Month, now: datetime, reason: str) -> None:
        try:
            counts = await asyncio.to_thread(run_statements, self.engine, self.get_config(),
                                             month, now, reason=reason)
        except Exception:
            log.exception("statements for %s failed; trying again in %s", month, RETRY_AFTER,
                          extra={"event": "statements_failed", "month": str(month),
                                 "reason": reason})
            self._later(self.clock() + RETRY_AFTER)
            return
        if counts["queued"] and self.wake_delivery is not None:
            self.wake_delivery()

    def _later(self, at: datetime) -> None:
        """One extra run of the catch-up at ``at`` (a later one replaces it)."""
        self.scheduler.add_job(self.catch_up, "date", run_date=at, id=RETRY_ID,
                               name="statements retry", misfire_grace_time=None,
                               replace_existing=True)
