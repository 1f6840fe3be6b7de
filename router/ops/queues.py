"""The state of the shared queues, read from the database for the gauges.

Counts of what is not done yet, and the age of the oldest waiting item of
each queue: for every instance on one database the same figures (they
describe the database, not the instance).  Both queries go through the
state indexes and touch only rows that are not done, so a scrape costs the
same with a million messages handled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from router import states
from router.store import outgoing, received

#: `received.state` as the contract's `csba_router_messages{state}` names it.
MESSAGE_STATES = {states.WAITING: "waiting", states.HELD: "held", states.FAILED: "failed"}
#: `csba_router_outgoing{state}`: the states' names, `deferred` for a pending mail tried before.
OUTGOING_STATES = (states.PENDING, states.DEFERRED, states.DEAD)


@dataclass(frozen=True)
class QueueSnapshot:
    messages: dict[str, int]  # waiting, held, failed
    outgoing: dict[str, int]  # pending (never tried), deferred (failed, retried), dead
    oldest_waiting: float  # seconds since the oldest waiting message was stored; 0: none
    oldest_outgoing: float  # the same for mail not yet sent (pending or deferred)


_MESSAGES = (
    sa.select(received.c.state, sa.func.count(), sa.func.min(received.c.created_at))
    .where(received.c.state.in_(list(MESSAGE_STATES)))
    .group_by(received.c.state))
_OUTGOING = (
    sa.select(outgoing.c.state, outgoing.c.attempts > 0, sa.func.count(),
              sa.func.min(outgoing.c.created_at))
    .where(outgoing.c.state.in_((states.PENDING, states.DEAD)))
    .group_by(outgoing.c.state, outgoing.c.attempts > 0))


def read_snapshot(engine: Engine, now: datetime) -> QueueSnapshot:
    """Count the queues now (blocking; raises when the database does not answer)."""
    messages = dict.fromkeys(MESSAGE_STATES.values(), 0)
    mail = dict.fromkeys(OUTGOING_STATES, 0)
    oldest_waiting: datetime | None = None
    oldest_outgoing: datetime | None = None
    with engine.connect() as conn:
        for state, count, oldest in conn.execute(_MESSAGES):
            messages[MESSAGE_STATES[state]] = int(count)
            if state == states.WAITING:
                oldest_waiting = oldest  # min() keeps the column type: aware UTC
        for state, tried, count, oldest in conn.execute(_OUTGOING):
            if state == states.DEAD:
                mail[states.DEAD] += int(count)
                continue
            mail[states.DEFERRED if tried else states.PENDING] += int(count)
            if oldest is not None and (oldest_outgoing is None or oldest < oldest_outgoing):
                oldest_outgoing = oldest
    return QueueSnapshot(messages, mail, _age(now, oldest_waiting), _age(now, oldest_outgoing))


def _age(now: datetime, since: datetime | None) -> float:
    return 0.0 if since is None else max((now - since).total_seconds(), 0.0)
