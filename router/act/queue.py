"""The outgoing queue: rows of `outgoing`, from enqueue to sent or dead.

Size: every function is one transition of the life drawn below, on the same
table under the same lease rules; spread over modules, the transitions would
no longer read as the one state machine they form.

Sync SQLAlchemy Core that behaves the same on SQLite and PostgreSQL.  The
life of a row:

    enqueue -> pending --claim_due--> (delivering) --mark_sent--> sent
                  ^                        |--mark_deferred--> pending (attempts+1, later)
                  |                        |--mark_dead------> dead
                  +---------- retry -------+

A row being delivered is still `pending`: claiming it only moves its
`next_try_at` forward by a lease.  There is no "in flight" state on purpose:
a process that dies mid-delivery leaves nothing to clean up, the row simply
becomes due again when the lease passes (at-least-once delivery; the
transports make a redelivery harmless where they can, see maildir).

"deferred" is not a stored state: it is a pending row that has failed at
least once (attempts > 0).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine, Row

from router import states
from router.store import begin_write, outgoing

if TYPE_CHECKING:
    from typing import TypeAlias

    from router.act.compose import Composed

    #: A row of `outgoing` (any columns).
    QueueRow: TypeAlias = Row[*tuple[Any, ...]]

log = logging.getLogger("router.delivery")

#: The shortest wait after a failure: a `0s` in retry_schedule must not make
#: a delivery pass pick the same row up again and again.
MIN_RETRY_WAIT = timedelta(seconds=1)

#: Columns shown by list_queue (everything but the message bytes).
_LISTED = [c for c in outgoing.c if c.name != "raw"]


class QueueError(Exception):
    """Bad input to a queue operation (unknown id, nothing to retry); a sentence."""


def _row(*, kind: str, message_id: str, mail_from: str, rcpt_tos: Sequence[str], raw: bytes,
         received_id: int | None, now: datetime) -> dict[str, Any]:
    """One queued message as a row: pending, due now, no attempts yet."""
    if not rcpt_tos:
        raise ValueError(f"enqueue {message_id}: no recipients")
    return {
        "received_id": received_id,
        "kind": kind,
        "message_id": message_id,
        "mail_from": mail_from,
        "rcpt_tos": list(rcpt_tos),
        "raw": raw,
        "state": states.PENDING,
        "attempts": 0,
        "next_try_at": now,
        "created_at": now,
    }


def _insert(conn: Connection) -> Any:
    """INSERT that leaves a Message-ID already queued alone (a retried step)."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(outgoing).on_conflict_do_nothing(
        index_elements=[outgoing.c.message_id])


@dataclass(frozen=True)
class Queued:
    """A row just queued by `enqueue_many` and leased to its caller, as delivery reads it."""

    id: int
    kind: str
    message_id: str
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    attempts: int = 0
    created_at: datetime | None = None


def enqueue_many(conn: Connection, mails: Sequence[dict[str, Any]], now: datetime, *,
                 lease_until: datetime | None = None) -> list[Queued]:
    """`enqueue` for several mails in one executemany (the pipeline's batches).

    Each item has the keyword arguments of `enqueue` except `now`.  With
    `lease_until` the rows are queued already claimed until then (their
    `next_try_at`, as `claim_due` would set it), and returned: the caller
    delivers them itself right after its commit, and the delivery loop takes
    them only if it has not done so by then.  A Message-ID queued before (a
    retried step) keeps its row, which is not returned.
    """
    if not mails:
        return []
    rows = [_row(**mail, now=now) for mail in mails]
    if lease_until is not None:
        for row in rows:
            row["next_try_at"] = lease_until
    conn.execute(_insert(conn), rows)
    if lease_until is None:
        return []
    ours = {row["message_id"]: row for row in rows}
    found = conn.execute(_LEASED_NOW, {"ids": list(ours), "until": lease_until})
    queued = []
    for row_id, message_id in found:
        row = ours[message_id]
        queued.append(Queued(int(row_id), row["kind"], message_id, row["mail_from"],
                             row["rcpt_tos"], row["raw"], created_at=now))
    return sorted(queued, key=lambda q: q.id)


def enqueue_composed(conn: Connection, mails: Sequence[tuple[int, Composed]], now: datetime,
                     lease_until: datetime | None = None) -> list[Queued]:
    """`enqueue_many` for composed mails, each with the id of the message it is about."""
    return enqueue_many(conn, [{
        "kind": c.kind, "message_id": c.message_id, "mail_from": c.mail_from,
        "rcpt_tos": c.rcpt_tos, "raw": c.raw, "received_id": received_id,
    } for received_id, c in mails], now, lease_until=lease_until)


_LEASED_NOW = sa.select(outgoing.c.id, outgoing.c.message_id).where(
    outgoing.c.message_id.in_(sa.bindparam("ids", expanding=True)),
    outgoing.c.state == states.PENDING, outgoing.c.attempts == 0,
    outgoing.c.next_try_at == sa.bindparam("until", type_=outgoing.c.next_try_at.type))


def enqueue(
    conn: Connection,
    *,
    kind: str,
    message_id: str,
    mail_from: str,
    rcpt_tos: Sequence[str],
    raw: bytes,
    received_id: int | None,
    now: datetime,
) -> int:
    """Add one message to the queue inside the caller's transaction; its id.

    The caller commits: the decision, the contact and the mail it causes are
    one transaction, so a crash leaves all or none of them.  A second enqueue
    of the same `message_id` (a retry after a crash) changes nothing and
    returns the id of the row already there.  ``mail_from`` "" is the null
    sender.
    """
    values = _row(kind=kind, message_id=message_id, mail_from=mail_from, rcpt_tos=rcpt_tos,
                  raw=raw, received_id=received_id, now=now)
    insert = _insert(conn).values(**values).returning(outgoing.c.id)
    new_id = conn.execute(insert).scalar_one_or_none()
    if new_id is not None:
        return int(new_id)
    existing = conn.execute(
        sa.select(outgoing.c.id).where(outgoing.c.message_id == message_id)
    ).scalar_one()
    return int(existing)


def claim_due(
    engine: Engine, now: datetime, owner: str, lease: timedelta, limit: int
) -> list[QueueRow]:
    """Take up to ``limit`` due rows for delivery; no other process gets them.

    One statement for both engines: ``UPDATE outgoing SET next_try_at =
    now + lease WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED) RETURNING *``.
    On PostgreSQL the row locks make concurrent claimers skip each other's
    rows, and a row claimed and committed meanwhile is re-checked against
    ``next_try_at <= now`` and dropped.  SQLite renders no FOR UPDATE but runs
    one writer at a time (BEGIN IMMEDIATE), so the statement is atomic there.
    The returned rows carry the lease end in ``next_try_at``.  ``owner``
    names the claimer in the (debug) log only: `outgoing` has no owner
    column, and none is needed because a lease is all that marks a claim.
    """
    if limit < 1:
        return []
    due = (
        sa.select(outgoing.c.id)
        .where(outgoing.c.state == states.PENDING, outgoing.c.next_try_at <= now)
        .order_by(outgoing.c.next_try_at, outgoing.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claim = (
        outgoing.update()
        .where(outgoing.c.id.in_(due.scalar_subquery()))
        .values(next_try_at=now + lease)
        .returning(*outgoing.c)
    )
    with engine.connect() as conn:  # nothing due (the usual answer): no write at all
        if conn.execute(_ANY_DUE, {"now": now}).first() is None:
            return []
    # A lease lost in a power cut costs nothing: the row is due again.
    with begin_write(engine, durable=False) as conn:
        rows = sorted(conn.execute(claim), key=lambda r: r.id)
    if rows:
        log.debug("claimed", extra={"event": "claimed", "owner": owner,
                                    "outgoing_ids": [r.id for r in rows],
                                    "lease_until": (now + lease).isoformat()})
    return rows


def renew(engine: Engine, ids: Sequence[int], held_until: datetime, until: datetime) -> int:
    """Extend a claim still in hand: rows claimed until `held_until` now until `until`.

    A row whose lease another claimer took over meanwhile, or whose outcome
    was recorded, has another `next_try_at` (or is no longer pending) and is
    left alone.  How many rows were extended.
    """
    if not ids:
        return 0
    # Like a claim, a renewal lost in a power cut costs nothing.
    with begin_write(engine, durable=False) as conn:
        return int(conn.execute(_RENEW, {"ids": list(ids), "held": held_until,
                                         "until": until}).rowcount)


_RENEW = (
    outgoing.update()
    .where(outgoing.c.id.in_(sa.bindparam("ids", expanding=True)),
           outgoing.c.state == states.PENDING,
           outgoing.c.next_try_at == sa.bindparam("held", type_=outgoing.c.next_try_at.type))
    .values(next_try_at=sa.bindparam("until", type_=outgoing.c.next_try_at.type))
)


_ANY_DUE = sa.select(outgoing.c.id).where(
    outgoing.c.state == states.PENDING,
    outgoing.c.next_try_at <= sa.bindparam("now", type_=outgoing.c.next_try_at.type)).limit(1)


def mark_sent(engine: Engine, id: int, now: datetime) -> bool:
    """Record a delivery to every remaining recipient; False if the row was not pending."""
    update = (
        outgoing.update()
        .where(outgoing.c.id == id, outgoing.c.state == states.PENDING)
        .values(state=states.SENT, sent_at=now)
    )
    with begin_write(engine) as conn:
        return conn.execute(update).rowcount == 1


def mark_sent_many(engine: Engine, ids: Sequence[int], now: datetime) -> set[int]:
    """`mark_sent` for several rows in one statement; the ids that were pending."""
    if not ids:
        return set()
    with begin_write(engine) as conn:
        return {int(row[0]) for row in conn.execute(
            _MARK_SENT_MANY, {"ids": list(ids), "now": now})}


_MARK_SENT_MANY = (
    outgoing.update()
    .where(outgoing.c.id.in_(sa.bindparam("ids", expanding=True)),
           outgoing.c.state == states.PENDING)
    .values(state=states.SENT, sent_at=sa.bindparam("now", type_=outgoing.c.sent_at.type))
    .returning(outgoing.c.id)
)


@dataclass(frozen=True)
class Deferral:
    """What mark_deferred did: deferred until ``next_try_at``, or dead."""

    state: str  # states.PENDING or states.DEAD
    attempts: int
    next_try_at: datetime | None


def mark_deferred(
    engine: Engine,
    id: int,
    error: str,
    now: datetime,
    schedule: Sequence[timedelta],
    give_up_after: timedelta,
    *,
    rcpt_tos: Sequence[str] | None = None,
) -> Deferral | None:
    """Record a temporary failure: try again later, or give up.

    After the n-th failed attempt the row waits ``schedule[n-1]`` (the last
    entry repeating).  A row first queued ``give_up_after`` or longer ago goes
    dead instead.  ``rcpt_tos`` replaces the recipients when some of them were
    delivered (they must never get the message twice).  None when the row was
    not pending (someone else finished it).
    """
    with begin_write(engine) as conn:
        row = conn.execute(
            sa.select(outgoing.c.attempts, outgoing.c.created_at).where(
                outgoing.c.id == id, outgoing.c.state == states.PENDING
            )
        ).one_or_none()
        if row is None:
            return None
        attempts = row.attempts + 1
        values: dict[str, Any] = {"attempts": attempts, "last_error": error}
        if rcpt_tos is not None:
            values["rcpt_tos"] = list(rcpt_tos)
        if now - row.created_at >= give_up_after:
            values["state"] = states.DEAD
            result = Deferral(states.DEAD, attempts, None)
        else:
            wait = max(schedule[min(attempts - 1, len(schedule) - 1)], MIN_RETRY_WAIT)
            values["next_try_at"] = now + wait
            result = Deferral(states.PENDING, attempts, now + wait)
        conn.execute(outgoing.update().where(outgoing.c.id == id).values(**values))
    return result


def mark_dead(
    engine: Engine,
    id: int,
    error: str,
    now: datetime,
    *,
    rcpt_tos: Sequence[str] | None = None,
) -> bool:
    """Record a permanent failure: the row goes to the dead list.

    ``rcpt_tos`` narrows the recipients to the ones that failed, so a later
    `retry` sends only to them.  ``now`` is accepted for symmetry with the
    other marks; the table has no column for the time of death.
    """
    values: dict[str, Any] = {
        "state": states.DEAD,
        "last_error": error,
        "attempts": outgoing.c.attempts + 1,
    }
    if rcpt_tos is not None:
        values["rcpt_tos"] = list(rcpt_tos)
    update = (
        outgoing.update()
        .where(outgoing.c.id == id, outgoing.c.state == states.PENDING)
        .values(**values)
    )
    with begin_write(engine) as conn:
        return conn.execute(update).rowcount == 1


def retry(
    engine: Engine,
    ids: Sequence[int] = (),
    *,
    all_dead: bool = False,
    now: datetime,
) -> list[int]:
    """Make rows due now again (an operator's "the problem is fixed"); their ids.

    A dead row goes back to pending as if newly queued: attempts 0 and
    ``created_at`` = now, so the retry schedule and the ``give_up_after``
    clock start over (otherwise a row that died of old age would die again
    at its first failure).  ``last_error`` is kept until the next attempt
    replaces it.  A pending or deferred row is only made due now.  Sent rows
    and unknown ids raise QueueError and nothing is changed.
    """
    with begin_write(engine) as conn:
        if all_dead:
            ids = list(
                conn.execute(
                    sa.select(outgoing.c.id).where(outgoing.c.state == states.DEAD)
                ).scalars()
            )
        wanted = sorted(set(ids))
        if not wanted:
            return []
        select = sa.select(outgoing.c.id, outgoing.c.state).where(outgoing.c.id.in_(wanted))
        state_of = {row.id: row.state for row in conn.execute(select)}
        unknown = [i for i in wanted if i not in state_of]
        if unknown:
            raise QueueError(f"no outgoing message with id {_ids(unknown)}")
        sent = [i for i in wanted if state_of[i] == states.SENT]
        if sent:
            raise QueueError(f"already sent, nothing to retry: {_ids(sent)}")
        dead = [i for i in wanted if state_of[i] == states.DEAD]
        pending = [i for i in wanted if state_of[i] == states.PENDING]
        if dead:
            conn.execute(
                outgoing.update()
                .where(outgoing.c.id.in_(dead), outgoing.c.state == states.DEAD)
                .values(state=states.PENDING, attempts=0, next_try_at=now, created_at=now)
            )
        if pending:
            conn.execute(
                outgoing.update()
                .where(outgoing.c.id.in_(pending), outgoing.c.state == states.PENDING)
                .values(next_try_at=now)
            )
    return wanted


def next_due(engine: Engine) -> datetime | None:
    """When the earliest pending row falls due (a lease end counts too); None if none."""
    with engine.connect() as conn:
        value = conn.execute(
            sa.select(sa.func.min(outgoing.c.next_try_at)).where(outgoing.c.state == states.PENDING)
        ).scalar_one_or_none()
    return value  # min() keeps the column type: an aware UTC datetime


@dataclass
class QueueView:
    """The queue as an operator sees it: counts, and the rows not yet sent."""

    counts: dict[str, int] = field(default_factory=dict)  # pending, deferred, dead, sent
    pending: list[QueueRow] = field(default_factory=list)
    deferred: list[QueueRow] = field(default_factory=list)
    dead: list[QueueRow] = field(default_factory=list)


def list_queue(engine: Engine) -> QueueView:
    """Pending (never tried), deferred (failed, waiting) and dead rows, oldest first.

    Rows carry every column but ``raw``, plus ``size`` (bytes).  Sent rows are
    only counted.
    """
    view = QueueView(counts=dict.fromkeys(
        (states.PENDING, states.DEFERRED, states.DEAD, states.SENT), 0))
    select = (
        sa.select(*_LISTED, sa.func.length(outgoing.c.raw).label("size"))
        .where(outgoing.c.state.in_((states.PENDING, states.DEAD)))
        .order_by(outgoing.c.created_at, outgoing.c.id)
    )
    with engine.connect() as conn:
        for row in conn.execute(select):
            if row.state == states.DEAD:
                view.dead.append(row)
            elif row.attempts > 0:
                view.deferred.append(row)
            else:
                view.pending.append(row)
        view.counts[states.SENT] = conn.execute(
            sa.select(sa.func.count()).select_from(outgoing).where(outgoing.c.state == states.SENT)
        ).scalar_one()
    view.counts.update(pending=len(view.pending), deferred=len(view.deferred),
                       dead=len(view.dead))
    return view


def _ids(ids: Sequence[int]) -> str:
    return ", ".join(str(i) for i in ids)
