"""The delivery loop: take due rows from the queue, hand them on, record the outcome.

What a transport's per-recipient answers mean for a row (sent, deferred,
dead), and how that is written and logged, is `delivery_outcomes`.

Blocking database calls run in worker threads; the event loop only waits on
the network.  A claimed batch is delivered, then its outcomes are recorded
in one commit: a Maildir batch of up to 64 rows costs one commit, not one
each; over SMTP a batch is one row, recorded as soon as the relay answered.
With a Maildir, the pipeline workers deliver the mail they queue
themselves (`Handoff`); the loop then only meets what they left.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import socket
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from router.act.delivery_outcomes import Attempt, OnAttempt, record_many
from router.act.queue import Queued, claim_due, next_due, renew
from router.act.transports import DeliveryResult, MaildirTransport, Transport, transport_for
from router.act.transports.base import Parcel, unique
from router.aio import first_of
from router.config import Config
from router.store import utcnow

if TYPE_CHECKING:
    from router.act.delivery_outcomes import DeliveryRow
    from router.act.queue import QueueRow

log = logging.getLogger("router.delivery")

#: How long a claimed row is ours.  A deliverer still at work renews the
#: lease every `RENEW_SECONDS` (a relay may take minutes: `DELIVERY_TIMEOUT`),
#: so a live one never loses a row mid-delivery, while the rows of one that
#: died are due again for the others after at most this long (the contract:
#: a killed instance's outgoing mail is taken over within 2 minutes).  Both
#: follow `instance.lease` (`leases`): these are its default's.
LEASE = timedelta(seconds=90)
RENEW_SECONDS = 30.0
#: The most one message's delivery may take (all recipients, all commands).
DELIVERY_TIMEOUT = 300.0
#: Rows claimed and delivered at once over SMTP: one.  A relay's 250 and
#: our record of it cannot be one atomic step; a process killed between
#: them sends that row again after its lease.  Delivering one row at a time
#: and recording it at once keeps that window to at most one message per
#: pipeline process (measured in tests/pipeline/test_crash_smtp.py); the
#: processes deliver side by side.
BATCH = 1
#: The same for a local Maildir, delivered as one batch: the claim, the
#: fsyncs (side by side), the directory fsync and the commit of the outcomes
#: are shared by all its rows.
MAILDIR_BATCH = 64
#: How long mail a pipeline worker queued for its own delivery (`Handoff`)
#: stays its own: if the worker dies between its commit and the delivery,
#: the delivery loop takes the rows after this (`instance.lease`; its default).
HANDOFF_LEASE = timedelta(seconds=60)
#: Longest idle sleep: rows queued by other processes (ingest, release, a
#: second instance) are found at the latest after this many seconds.
POLL_SECONDS = 30.0
#: Shortest idle sleep, so a row that is due but not claimable (another
#: process holds it for a moment) cannot make the loop spin.
MIN_IDLE_SECONDS = 0.5
#: Pause after a failed pass (database down) before the next one.
ERROR_BACKOFF_SECONDS = 30.0

ConfigSource = Config | Callable[[], Config]



@dataclass
class PassSummary:
    """What one delivery pass did, row by row."""

    sent: int = 0
    deferred: int = 0
    dead: int = 0

    @property
    def total(self) -> int:
        return self.sent + self.deferred + self.dead

    def __str__(self) -> str:
        return f"sent {self.sent}, deferred {self.deferred}, dead {self.dead}"


def default_owner() -> str:
    """Who claims rows, for the logs: host and process."""
    return f"{socket.gethostname()}:{os.getpid()}"


async def deliver_once(engine: Engine, config: Config, now: datetime) -> int:
    """One pass over the rows due at ``now``; how many rows it handled.

    The marks use ``now`` too, so tests step through retry schedules by
    passing later times instead of sleeping.
    """
    return (await deliver_pass(engine, config, now=now)).total


async def deliver_pass(
    engine: Engine,
    config: ConfigSource,
    *,
    now: datetime | None = None,
    owner: str | None = None,
    stop: asyncio.Event | None = None,
    on_attempt: OnAttempt | None = None,
) -> PassSummary:
    """Deliver due rows, batch after batch, until none is due (or ``stop`` is set).

    ``now`` fixes the clock (tests, `queue flush`): only rows due at ``now``
    are taken, so a row deferred during the pass is not tried again in it.
    Without it each claim and mark reads the current time (the daemon).
    """
    clock: Callable[[], datetime] = (lambda: now) if now is not None else utcnow
    owner = owner or default_owner()
    cfg = _current(config)
    transport = transport_for(cfg)
    batch = MAILDIR_BATCH if isinstance(transport, MaildirTransport) else BATCH
    lease, _renew = leases(cfg.instance.lease)
    summary = PassSummary()
    while stop is None or not stop.is_set():
        rows = await asyncio.to_thread(claim_due, engine, clock(), owner, lease, batch)
        if not rows:
            break
        outcomes = await _deliver_rows(engine, cfg, clock, transport, rows, on_attempt)
        for outcome in outcomes:
            if outcome in ("sent", "deferred", "dead"):
                setattr(summary, outcome, getattr(summary, outcome) + 1)
    return summary


async def run_delivery(
    engine: Engine,
    config: ConfigSource,
    *,
    stop: asyncio.Event,
    owner: str,
    wake: asyncio.Event | None = None,
    on_attempt: OnAttempt | None = None,
) -> None:
    """Deliver until ``stop`` is set; the daemon's delivery task.

    Sleeps until the next row falls due, ``wake`` is set (the pipeline just
    queued mail) or ``stop`` is set, never longer than POLL_SECONDS.  A batch
    in hand is finished before returning.  ``config`` may be a function
    returning the current config, so a SIGHUP reload applies to the next pass.
    """
    log.info("delivery started", extra={"event": "delivery_started", "owner": owner})
    while not stop.is_set():
        if wake is not None:
            wake.clear()  # before the pass: mail queued during it wakes us again
        try:
            await deliver_pass(engine, config, owner=owner, stop=stop, on_attempt=on_attempt)
            due = await asyncio.to_thread(next_due, engine)
        except Exception as exc:  # the loop must outlive a database outage
            log.error("delivery pass failed", exc_info=True,
                      extra={"event": "delivery_error", "error": f"{type(exc).__name__}: {exc}"})
            delay = ERROR_BACKOFF_SECONDS
        else:
            delay = POLL_SECONDS if due is None else (due - utcnow()).total_seconds()
            delay = min(max(delay, MIN_IDLE_SECONDS), POLL_SECONDS)
        await first_of(stop, wake, timeout=delay)
    log.info("delivery stopped", extra={"event": "delivery_stopped", "owner": owner})


def message_key(row: DeliveryRow) -> str:
    """Stable per queue row: the row id and a hash of its Message-ID.

    The hash keeps keys apart when a database is recreated and ids repeat.
    """
    digest = hashlib.sha256(row.message_id.encode("utf-8")).hexdigest()[:16]
    return f"{row.id}.{digest}"


async def _deliver_rows(engine: Engine, config: Config, clock: Callable[[], datetime],
                        transport: Transport, rows: list[QueueRow],
                        on_attempt: OnAttempt | None = None) -> list[str]:
    """Deliver the claimed rows, then record their outcomes in one go.

    A Maildir takes the whole batch at once; other transports get a row
    each, side by side (over SMTP the batch is a single row, recorded as
    soon as the relay answered).  The claim is renewed meanwhile.
    """
    async with _renewing(engine, rows, clock, *leases(config.instance.lease)):
        if isinstance(transport, MaildirTransport):
            return await asyncio.to_thread(_deliver_local, engine, config, clock, transport,
                                           rows, on_attempt)
        parcels = _parcels(rows)
        results = list(await asyncio.gather(
            *(_deliver_one(transport, row, parcel) for row, parcel in zip(rows, parcels,
                                                                          strict=True))))
    return await asyncio.to_thread(record_many, engine, config,
                                   _attempts(rows, parcels, results), clock(), on_attempt)


def leases(lease: timedelta) -> tuple[timedelta, float]:
    """The delivery lease and its renewal interval in seconds, for `instance.lease`.

    One and a half leases, renewed every half lease: a renewal can fail
    (the database away) for a whole lease before the claim runs out.  At
    the default (60s) they are `LEASE` and `RENEW_SECONDS`.
    """
    return lease * 3 / 2, lease.total_seconds() / 2


@contextlib.asynccontextmanager
async def _renewing(engine: Engine, rows: Sequence[QueueRow], clock: Callable[[], datetime],
                    lease: timedelta, every: float) -> AsyncIterator[None]:
    """Keep the claim on `rows` (`leases`) while the block runs."""
    done = asyncio.Event()
    task = asyncio.create_task(renew_claim(engine, [r.id for r in rows],
                                           rows[0].next_try_at, clock, done, every, lease))
    try:
        yield
    finally:
        done.set()
        await task  # a renewal in flight ends before the outcomes are recorded


async def renew_claim(engine: Engine, ids: list[int], held_until: datetime,
                      clock: Callable[[], datetime], done: asyncio.Event,
                      every: float = RENEW_SECONDS, lease: timedelta = LEASE) -> None:
    """Extend the claim on `ids` by `lease` every `every` seconds until `done`.

    A failed renewal is logged and tried again at the next turn: the lease
    only runs out (and another deliverer may send the row too) if the
    database stays away for longer than it.
    """
    while True:
        await first_of(done, timeout=every)
        if done.is_set():
            return
        until = clock() + lease
        try:
            await asyncio.to_thread(renew, engine, ids, held_until, until)
        except Exception as exc:
            log.warning("renewing a delivery's claim failed", extra={
                "event": "renew_failed", "outgoing_ids": ids,
                "error": f"{type(exc).__name__}: {exc}"})
        else:
            held_until = until


def _deliver_local(engine: Engine, config: Config, clock: Callable[[], datetime],
                   transport: MaildirTransport, rows: Sequence[DeliveryRow],
                   on_attempt: OnAttempt | None = None) -> list[str]:
    """Blocking: deliver a batch into the Maildir and record the outcomes."""
    parcels = _parcels(rows)
    try:
        results = transport.deliver_batch(parcels)
    except Exception as exc:  # a transport bug must not lose the rows: retry them
        log.error("transport failed", exc_info=True, extra={
            "event": "transport_error", "outgoing_ids": [r.id for r in rows]})
        results = [_internal_error(p.rcpt_tos, exc) for p in parcels]
    return record_many(engine, config, _attempts(rows, parcels, results), clock(), on_attempt)


def _parcels(rows: Sequence[DeliveryRow]) -> list[Parcel]:
    return [Parcel(row.mail_from, unique(row.rcpt_tos), row.raw, message_key(row))
            for row in rows]


def _attempts(rows: Sequence[DeliveryRow], parcels: list[Parcel],
              results: Sequence[DeliveryResult]) -> list[Attempt]:
    return [(row, list(parcel.rcpt_tos), result)
            for row, parcel, result in zip(rows, parcels, results, strict=True)]


class Handoff:
    """A pipeline worker delivers the mail it just queued, right after its commit.

    Only into a local Maildir, where a batch is written in milliseconds:
    the rows are queued already leased to the worker (`lease_until`), and
    after its commit the worker writes the files and records them sent
    (`deliver`) before it claims its next batch.  Left to the delivery loop,
    the same rows would be claimed again (one more write) and read back from
    the database, and a second thread of the process would compete with the
    worker for the interpreter lock: measured, that cost a fifth of the
    pipeline's CPU per message (the same held for a thread of the hand-off's
    own).  Over SMTP a relay may take seconds, so the delivery loop sends
    those, one row at a time.  Whatever is not delivered (the process died,
    the disk failed, a reload changed the transport meanwhile) is due again
    for the delivery loop when the lease ends.
    """

    def __init__(self, engine: Engine, config: ConfigSource,
                 on_attempt: OnAttempt | None = None) -> None:
        self._engine = engine
        self._config = config
        self._on_attempt = on_attempt

    def takes_mail(self) -> bool:
        """Whether the worker delivers what it queues (the transport is a Maildir)."""
        return isinstance(transport_for(_current(self._config)), MaildirTransport)

    def lease_until(self, now: datetime) -> datetime | None:
        """Until when mail queued `now` is the worker's to deliver; None: the loop's."""
        if not self.takes_mail():
            return None
        return now + _current(self._config).instance.lease

    def deliver(self, rows: Sequence[Queued]) -> None:
        """Blocking, never raises: a failure is logged and retried by the delivery loop."""
        if not rows:
            return
        config = _current(self._config)
        transport = transport_for(config)
        if not isinstance(transport, MaildirTransport):
            return  # the transport was changed by a reload: the loop delivers after the lease
        try:
            _deliver_local(self._engine, config, utcnow, transport, rows, self._on_attempt)
        except Exception:
            log.error("delivering handed-over mail failed; the delivery loop retries it",
                      exc_info=True, extra={"event": "delivery_error",
                                            "outgoing_ids": [r.id for r in rows]})


async def _deliver_one(transport: Transport, row: QueueRow, parcel: Parcel) -> DeliveryResult:
    try:
        async with asyncio.timeout(DELIVERY_TIMEOUT):
            return await transport.deliver(parcel.mail_from, parcel.rcpt_tos, parcel.raw,
                                           message_key=parcel.message_key)
    except TimeoutError:
        return DeliveryResult.all(
            parcel.rcpt_tos, "temporary", f"delivery took longer than {DELIVERY_TIMEOUT:.0f}s")
    except Exception as exc:  # a transport bug must not lose the row: retry it
        log.error("transport failed", exc_info=True,
                  extra={"event": "transport_error", "outgoing_id": row.id})
        return _internal_error(parcel.rcpt_tos, exc)


def _internal_error(recipients: Sequence[str], exc: Exception) -> DeliveryResult:
    return DeliveryResult.all(recipients, "temporary",
                              f"internal error: {type(exc).__name__}: {exc}")



def _current(config: ConfigSource) -> Config:
    return config if isinstance(config, Config) else config()


