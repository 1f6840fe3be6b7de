"""The worker loop `serve` runs: claim waiting messages, process, repeat.

Work is found in the database, not in memory: a new message wakes the loop
at once (intake calls `wake`), and a poll every few seconds catches what
another process stored or what a dead worker's expired lease released.
Blocking database and classification work runs in threads.

A worker claims `BATCH` messages at a time with a short lease and processes
them together (`process_batch`: one write transaction for the batch, and
each message on its own again when that fails).  Small batches and a short
lease bound what a killed worker leaves waiting: at most `BATCH` messages,
for at most the lease (`instance.lease`, `LEASE` by default).  A lease only
has to outlast one batch (well under a second; a batch that overruns it is
refused at its write, which checks the lease, and processed again by
whoever took it over).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy.engine import Engine

from router import states
from router.act.templates import NoticeTemplates
from router.aio import first_of
from router.config import Config
from router.decide.decision import Decision
from router.pipeline.claims import LeaseLost, claim, latest_arrival, record_failure
from router.pipeline.process import Deliverer, process, process_batch
from router.pipeline.watchdog import Watch
from router.store import utcnow
from router.store.engine import intake_busy, intake_went_quiet

log = logging.getLogger("router.pipeline")

#: `instance.lease` by default.
LEASE = timedelta(seconds=60)
#: Messages claimed, decided and written together.
BATCH = 50
#: The same while intake is busy: a burst leaves the pipeline short turns.
BURST_BATCH = 25
POLL_SECONDS = 5.0
#: Longest pause between batches while intake is busy (SQLite: see `intake_busy`).
BURST_PAUSE_SECONDS = 0.5
#: A burst is over when fewer than `QUIET_ARRIVALS` messages were stored in
#: the last `QUIET_SECONDS` (under 100 a second: a steady stream that intake
#: and the pipeline serve side by side).
QUIET_SECONDS = 0.1
QUIET_ARRIVALS = 10

#: Told each decision a worker committed (the daemon counts them for its metrics).
OnDecided = Callable[[Decision], None]


async def run_workers(engine: Engine, get_config: Callable[[], Config],
                      get_templates: Callable[[], NoticeTemplates], *,
                      owner: str, stop: asyncio.Event, wake: asyncio.Event,
                      on_acted: Callable[[], None] | None = None,
                      deliverer: Deliverer | None = None,
                      on_decided: OnDecided | None = None,
                      poll_seconds: float = POLL_SECONDS,
                      watch: Watch | None = None) -> None:
    """Process messages until `stop` is set; finish the one in hand first.

    `deliverer` delivers each batch's mail right after its commit
    (`router.act.delivery.Handoff`); `on_acted` is called after each batch,
    `on_decided` with each committed decision (the daemon's metrics);
    `watch` is told which message is being decided (see `process.Watch`).
    """
    while not stop.is_set():
        wake.clear()
        limit = BATCH
        if intake_busy(engine, BURST_PAUSE_SECONDS):
            await burst_pause(engine, stop)
            limit = BURST_BATCH
        try:
            ids = await asyncio.to_thread(claim, engine, owner, utcnow(),
                                          get_config().instance.lease, limit)
        except Exception:
            log.error("claiming messages failed", exc_info=True, extra={"event": "claim_failed"})
            ids = []
        if ids:
            # The batch in hand is finished even when `stop` is set meanwhile.
            await asyncio.to_thread(process_batch_safely, engine, get_config(), ids, owner,
                                    get_templates(), deliverer, watch, on_decided)
        if ids:
            if on_acted is not None:
                on_acted()
            continue
        await first_of(stop, wake, timeout=poll_seconds)


async def burst_pause(engine: Engine, stop: asyncio.Event) -> None:
    """Leave the CPU and the database to the SMTP sessions while a burst lasts.

    A burst is arriving (our last write waited for intake's): what is stored
    is safe and is decided when the burst eases.  The pause ends as soon as
    arrivals slow down below `QUIET_ARRIVALS` per `QUIET_SECONDS` (the burst
    is over: no more pauses until a write has to wait for intake again), and after
    `BURST_PAUSE_SECONDS` at the latest, so a steady stream is still decided
    batch by batch between pauses.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + BURST_PAUSE_SECONDS
    try:
        newest = await asyncio.to_thread(latest_arrival, engine)
        while not stop.is_set():
            left = deadline - loop.time()
            if left <= 0:
                return
            await first_of(stop, timeout=min(QUIET_SECONDS, left))
            seen, newest = newest, await asyncio.to_thread(latest_arrival, engine)
            if newest - seen < QUIET_ARRIVALS and loop.time() < deadline:
                intake_went_quiet(engine)  # the burst is over
                return
    except Exception:  # a failed read ends the pause; claiming reports the error
        log.debug("reading the newest arrival failed", exc_info=True)


def process_safely(engine: Engine, config: Config, received_id: int, owner: str,
                   templates: NoticeTemplates, force_category: str | None = None,
                   deliverer: Deliverer | None = None, watch: Watch | None = None,
                   on_decided: OnDecided | None = None) -> str:
    """Process one message; an error is recorded on it, never raised."""
    try:
        outcome = process(engine, config, received_id, owner, templates,
                          force_category=force_category, deliverer=deliverer, watch=watch)
    except LeaseLost as exc:
        log.warning(str(exc), extra={"event": "lease_lost", "id": received_id})
        return "lost"
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        log.error("processing failed", exc_info=True,
                  extra={"event": "process_failed", "id": received_id, "error": error})
        try:
            return record_failure(engine, received_id, owner, error)
        except Exception:
            log.error("recording the failure failed", exc_info=True,
                      extra={"event": "process_failed", "id": received_id})
            return states.WAITING
    if on_decided is not None:
        on_decided(outcome.decision)
    return outcome.state


def process_batch_safely(engine: Engine, config: Config, ids: list[int], owner: str,
                         templates: NoticeTemplates, deliverer: Deliverer | None = None,
                         watch: Watch | None = None,
                         on_decided: OnDecided | None = None) -> dict[int, str]:
    """Process claimed messages together; errors are recorded per message, never raised."""
    try:
        outcomes, left = process_batch(engine, config, ids, owner, templates, deliverer,
                                       watch)
    except Exception:  # a bug or an outage outside any one message: try each alone
        log.warning("batch processing failed; processing one by one", exc_info=True,
                    extra={"event": "batch_retry", "ids": ids})
        outcomes, left = {}, list(ids)
    if on_decided is not None:
        for outcome in outcomes.values():
            on_decided(outcome.decision)
    state_of = {received_id: outcome.state for received_id, outcome in outcomes.items()}
    for received_id in left:
        if received_id not in state_of:
            state_of[received_id] = process_safely(engine, config, received_id, owner,
                                                   templates, deliverer=deliverer, watch=watch,
                                                   on_decided=on_decided)
    return state_of


def drain(engine: Engine, config: Config, templates: NoticeTemplates, *,
          owner: str) -> dict[str, int]:
    """Process every waiting message now (ingest, release, tests); counts by state."""
    counts: dict[str, int] = {}
    while ids := claim(engine, owner, utcnow(), config.instance.lease, BATCH):
        for state in process_batch_safely(engine, config, ids, owner, templates).values():
            counts[state] = counts.get(state, 0) + 1
    return counts
