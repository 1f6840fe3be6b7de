"""Leases on received messages: one worker at a time, none stuck after a crash.

A worker claims rows by writing its name and a lease expiry; a row whose
lease has expired (its worker died) is claimable again.  `attempts` counts
claims, so a message that kills its worker three times, or fails three
times, ends in state `failed` instead of blocking the queue forever.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from router import states
from router.store import begin_write, received

MAX_ATTEMPTS = 3


class LeaseLost(Exception):
    """Another worker took the message over (our lease expired); it decides."""


def _claimable(now: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(
        received.c.state == states.WAITING,
        sa.or_(received.c.lease_expires.is_(None), received.c.lease_expires < now),
    )


def claim(engine: Engine, owner: str, now: datetime, lease: timedelta,
          limit: int = 20, only_id: int | None = None) -> list[int]:
    """Lease up to `limit` waiting messages to `owner`; their ids, oldest first.

    The oldest claimable rows are read through the (state, id) index, so a
    claim costs the same with ten or ten thousand messages waiting.  Those
    among them that have used up their attempts become `failed` instead
    (a worn-out message is met at the head of the queue, where it would be
    claimed next).  On PostgreSQL `FOR UPDATE SKIP LOCKED` lets several
    processes claim side by side; SQLite serialises writers with
    `BEGIN IMMEDIATE`.
    """
    # A lease lost in a power cut costs nothing: the row is claimable again.
    with begin_write(engine, durable=False) as conn:
        query = sa.select(received.c.id, received.c.attempts).where(
            _claimable(now)).order_by(received.c.id).limit(limit)
        if only_id is not None:
            query = query.where(received.c.id == only_id)
        if conn.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        while True:
            rows = conn.execute(query).all()
            worn = [row.id for row in rows if row.attempts >= MAX_ATTEMPTS]
            ids = [row.id for row in rows if row.attempts < MAX_ATTEMPTS]
            if worn:
                conn.execute(received.update().where(received.c.id.in_(worn)).values(
                    state=states.FAILED, lease_owner=None, lease_expires=None,
                    last_error=sa.func.coalesce(received.c.last_error,
                                                "processing was interrupted 3 times")))
            if ids or not worn:
                break  # a head of worn-out rows only: look behind it
        if ids:
            conn.execute(received.update().where(received.c.id.in_(ids)).values(
                lease_owner=owner, lease_expires=now + lease,
                attempts=received.c.attempts + 1))
    return ids


_SETTLE = received.update().where(
    received.c.id.in_(sa.bindparam("ids", expanding=True)),
    received.c.lease_owner == sa.bindparam("owner")).values(
    state=sa.bindparam("state"), lease_owner=None, lease_expires=None, last_error=None)


def settle(conn: Connection, owner: str, states: Mapping[str, Sequence[int]]) -> None:
    """Inside the write of their outcome: the messages leave `owner`'s lease in their states.

    One statement per state (`states`: the ids that end in each).  Raises
    `LeaseLost` where the lease is no longer `owner`'s: the caller's
    transaction must not commit then, the worker that took over decides.
    """
    for state, ids in states.items():
        done = conn.execute(_SETTLE, {"ids": list(ids), "owner": owner, "state": state})
        if done.rowcount != len(ids):
            lost = ", ".join(str(i) for i in ids) if len(ids) > 1 else ids[0]
            raise LeaseLost(f"message {lost}: lease lost to another worker")


def latest_arrival(engine: Engine) -> int:
    """The id of the newest stored message (0 when none): it grows while mail arrives."""
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.max(received.c.id))).scalar() or 0)


def record_failure(engine: Engine, received_id: int, owner: str, error: str) -> str:
    """Give the message back after an error; `failed` once attempts are used up."""
    with begin_write(engine) as conn:
        row = conn.execute(sa.select(received.c.attempts, received.c.lease_owner).where(
            received.c.id == received_id)).one_or_none()
        if row is None or row.lease_owner != owner:
            return "lost"  # another worker took it over; its outcome counts
        state = states.FAILED if row.attempts >= MAX_ATTEMPTS else states.WAITING
        conn.execute(received.update().where(received.c.id == received_id).values(
            state=state, lease_owner=None, lease_expires=None, last_error=error[:2000]))
    return state


def requeue(engine: Engine, ids: list[int] | None, from_states: tuple[str, ...]) -> list[int]:
    """Put failed (or held) messages back to be processed from scratch."""
    with begin_write(engine) as conn:
        query = sa.select(received.c.id).where(received.c.state.in_(from_states))
        if ids is not None:
            query = query.where(received.c.id.in_(ids))
        found = [row[0] for row in conn.execute(query)]
        if found:
            conn.execute(received.update().where(received.c.id.in_(found)).values(
                state=states.WAITING, attempts=0, lease_owner=None, lease_expires=None))
    return found


def claim_held(engine: Engine, received_id: int, owner: str, now: datetime,
               lease: timedelta) -> bool:
    """Take one held message for an operator's release, atomically.

    It goes from `held` straight to leased, so a running `serve` cannot pick
    it up in between and act on it without the operator's category.
    """
    with begin_write(engine) as conn:
        done = conn.execute(received.update().where(
            received.c.id == received_id, received.c.state == states.HELD).values(
            state=states.WAITING, lease_owner=owner, lease_expires=now + lease, attempts=1))
        return done.rowcount == 1


def return_held(engine: Engine, received_id: int, owner: str) -> bool:
    """Give a message taken by `claim_held` back to `held` (its release failed).

    The release's write is all or nothing, so the message's held decision
    is still the one stored: it is held exactly as before.  Only while the
    lease is still `owner`'s (a worker that took it over decides instead).
    """
    with begin_write(engine) as conn:
        done = conn.execute(received.update().where(
            received.c.id == received_id, received.c.state == states.WAITING,
            received.c.lease_owner == owner).values(
            state=states.HELD, lease_owner=None, lease_expires=None))
        return done.rowcount == 1


def abandon(engine: Engine, owner: str, stuck_id: int, error: str) -> list[int]:
    """A worker was killed for overrunning `decide_timeout` on `stuck_id`.

    That message goes to `failed` with `error` (it would only stall the
    next worker too); the others the worker had claimed are given back at
    once, their claim not counted (they were not at fault).  Rows another
    worker took over meanwhile are left alone.  Returns the ids given back.
    """
    with begin_write(engine) as conn:
        conn.execute(received.update().where(
            received.c.id == stuck_id, received.c.lease_owner == owner,
            received.c.state == states.WAITING).values(
            state=states.FAILED, lease_owner=None, lease_expires=None, last_error=error[:2000]))
        mates = [row.id for row in conn.execute(sa.select(received.c.id).where(
            received.c.lease_owner == owner, received.c.state == states.WAITING))]
        if mates:
            conn.execute(received.update().where(received.c.id.in_(mates)).values(
                lease_owner=None, lease_expires=None,
                attempts=sa.case((received.c.attempts > 0, received.c.attempts - 1), else_=0)))
    return mates
