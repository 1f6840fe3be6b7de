"""What a killed instance held is due for the others within 2 minutes (the contract).

Time is passed to the claims as `now`, so the bounds are checked on the
real queries without waiting minutes; the two-daemon crash test
(test_crash_postgres.py) waits for real leases once (`instance.lease`
set short there).  The leases follow `instance.lease`: its default gives
the constants checked here, and no value the config accepts breaks the
contract.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.engine import Engine

from router.act import delivery
from router.act.queue import claim_due, enqueue, enqueue_many, mark_deferred, next_due
from router.config.model import Instance
from router.pipeline import runner
from router.pipeline.claims import claim
from router.store import begin_write, outgoing, received

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
TAKEOVER = timedelta(minutes=2)
TICK = timedelta(microseconds=1)


def store(engine: Engine, n: int) -> list[int]:
    with engine.begin() as conn:
        return [conn.execute(received.insert().values(
            message_id=f"<m{i}@t>", sha256="x", raw=b"x", size=1, mail_from="a@b",
            rcpt_tos=["c@d"], channel="smtp", arrived_at=T0, state="received",
            attempts=0, created_at=T0)).inserted_primary_key[0] for i in range(n)]


def queue(engine: Engine, n: int = 1) -> int:
    with engine.begin() as conn:
        return enqueue(conn, kind="forward", message_id=f"<out-{n}@t>", mail_from="x@t",
                       rcpt_tos=["team@t"], raw=b"Subject: x\r\n\r\nx\r\n", received_id=None,
                       now=T0)


def next_try(engine: Engine, row_id: int) -> datetime:
    with engine.connect() as conn:
        return conn.execute(sa.select(outgoing.c.next_try_at).where(
            outgoing.c.id == row_id)).scalar_one()


def test_a_dead_workers_messages_are_claimed_by_another_within_two_minutes(
        engine: Engine) -> None:
    ids = store(engine, 3)
    assert claim(engine, "dead", T0, runner.LEASE) == ids
    assert claim(engine, "live", T0 + runner.LEASE - TICK, runner.LEASE) == []
    assert claim(engine, "live", T0 + runner.LEASE + TICK, runner.LEASE) == ids
    # A live worker polls at least every POLL_SECONDS: it finds them in time.
    assert runner.LEASE + timedelta(seconds=runner.POLL_SECONDS) <= TAKEOVER


def test_a_dead_deliverers_mail_is_due_for_another_within_two_minutes(engine: Engine) -> None:
    row_id = queue(engine)
    (held,) = claim_due(engine, T0, "dead", delivery.LEASE, 1)
    assert held.id == row_id
    assert claim_due(engine, T0 + delivery.LEASE - TICK, "live", delivery.LEASE, 1) == []
    # The live delivery loop sleeps until the next row falls due, not longer.
    assert next_due(engine) == T0 + delivery.LEASE
    (taken,) = claim_due(engine, T0 + delivery.LEASE, "live", delivery.LEASE, 1)
    assert taken.id == row_id
    assert delivery.LEASE + timedelta(seconds=delivery.MIN_IDLE_SECONDS) <= TAKEOVER
    # A relay may take longer than a lease: a live deliverer renews it in time.
    assert timedelta(seconds=delivery.RENEW_SECONDS) < delivery.LEASE / 2


def test_mail_a_dead_worker_queued_for_itself_is_due_within_two_minutes(
        engine: Engine) -> None:
    with begin_write(engine) as conn:
        (mine,) = enqueue_many(conn, [dict(
            kind="forward", message_id="<own@t>", mail_from="x@t", rcpt_tos=["team@t"],
            raw=b"x", received_id=None)], T0, lease_until=T0 + delivery.HANDOFF_LEASE)
    assert claim_due(engine, T0 + delivery.HANDOFF_LEASE - TICK, "live", delivery.LEASE,
                     1) == []
    assert [r.id for r in claim_due(engine, T0 + delivery.HANDOFF_LEASE, "live",
                                    delivery.LEASE, 1)] == [mine.id]
    assert delivery.HANDOFF_LEASE <= TAKEOVER


def test_a_live_deliverer_keeps_its_claim_and_only_its_claim(engine: Engine) -> None:
    """Renewal extends the lease in hand; a row taken over or recorded is left alone."""
    ours, lost, recorded = queue(engine, 1), queue(engine, 2), queue(engine, 3)
    now = datetime.now(UTC)
    rows = claim_due(engine, now, "live", delivery.LEASE, 3)
    assert sorted(r.id for r in rows) == [ours, lost, recorded]
    held_until = rows[0].next_try_at
    # Meanwhile `lost` was taken over by another (its lease ran out) and
    # `recorded` was deferred by the outcome of an attempt.
    with engine.begin() as conn:
        conn.execute(outgoing.update().where(outgoing.c.id == lost).values(
            next_try_at=held_until + timedelta(minutes=5)))
    deferred = mark_deferred(engine, recorded, "451 later", now, [timedelta(hours=1)],
                             timedelta(days=3650))
    assert deferred is not None
    clock = [now + timedelta(seconds=10)]  # the first renewal, 10 s after the claim

    async def renew_twice() -> None:
        done = asyncio.Event()
        task = asyncio.create_task(delivery.renew_claim(
            engine, [ours, lost, recorded], held_until, lambda: clock[0], done, every=0.01))
        while next_try(engine, ours) == held_until:
            await asyncio.sleep(0.01)
        clock[0] = now + timedelta(seconds=30)  # a later renewal extends the renewed lease
        while next_try(engine, ours) != clock[0] + delivery.LEASE:
            await asyncio.sleep(0.01)
        done.set()
        await asyncio.wait_for(task, 10)

    asyncio.run(asyncio.wait_for(renew_twice(), 30))
    assert next_try(engine, ours) == now + timedelta(seconds=30) + delivery.LEASE
    assert next_try(engine, lost) == held_until + timedelta(minutes=5)
    assert next_try(engine, recorded) == deferred.next_try_at


def test_the_default_lease_is_the_constants_and_no_lease_allowed_breaks_the_contract() -> None:
    default = Instance.model_fields["lease"].default
    assert default == runner.LEASE == delivery.HANDOFF_LEASE
    assert delivery.leases(default) == (delivery.LEASE, delivery.RENEW_SECONDS)
    for text, seconds in [("5s", 5), ("60s", 60)]:
        lease = Instance(hostname="h", lease=text).lease
        assert lease == timedelta(seconds=seconds)
        claimed, renew = delivery.leases(lease)
        assert lease + timedelta(seconds=runner.POLL_SECONDS) <= TAKEOVER
        assert claimed + timedelta(seconds=delivery.MIN_IDLE_SECONDS) <= TAKEOVER
        assert timedelta(seconds=renew) < claimed / 2
    for text in ("4s", "61s", "2m"):
        with pytest.raises(ValidationError, match="a lease from 5s to 60s"):
            Instance(hostname="h", lease=text)
