"""Held mail acted on: an operator's release, and the re-decide after an order import.

Held mail waits for a person and is never lost there.  Releasing one
message takes four steps, and stopping after any of them loses nothing:

1. read it: a message no longer held is left alone, and the answer says so;
2. decide it as a worker would now, without writing: a `--as` category
   whose action the message cannot take (`plan.cannot_take`) is refused
   here, and a message that would only be held again is left exactly as it
   was (same decision, nothing sent);
3. take it with `claim_held`: from held straight to leased in one
   statement, so a running `serve` never takes it meanwhile and of two
   releases (two operators, a release and an `orders import`) one wins;
4. process it as a worker does (one transaction, checked against the
   lease); when that fails it goes back to held (`return_held`), as it was.

A crash between 3 and 4 leaves it leased: when the lease ends a worker
takes it and decides it like any waiting message (once; without `--as`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from router import states
from router.act.templates import NoticeTemplates
from router.categories import ORDER_UNKNOWN
from router.config import Config
from router.decide.classify import Decision
from router.pipeline.claims import LeaseLost, claim_held, return_held
from router.pipeline.plan import cannot_take
from router.pipeline.process import preview, process
from router.store import decisions, received, utcnow

log = logging.getLogger("router.pipeline")

ACTED = "acted"  # decided again and acted on (done)
HELD = "held"  # decided again and held for a new reason (written)
KEPT = "kept"  # it would be held again: left exactly as it was
NOT_HELD = "not_held"  # no longer held: nothing changed
UNKNOWN = "unknown"  # no such message
REFUSED = "refused"  # `--as` a category whose action it cannot take: still held
FAILED = "failed"  # processing raised: back to held, as it was
LOST = "lost"  # its lease ran out meanwhile: the worker that took it decides


@dataclass(frozen=True)
class Release:
    """What releasing one message did."""

    received_id: int
    status: str
    decision: Decision | None = None  # what it was decided now (not for NOT_HELD/UNKNOWN)
    detail: str = ""  # NOT_HELD: its state; REFUSED, FAILED, LOST: why


def release(engine: Engine, config: Config, received_id: int, templates: NoticeTemplates, *,
            owner: str, category: str | None = None) -> Release:
    """Decide one held message again now (or act on it as `category`); never raises."""
    try:
        return _release(engine, config, received_id, templates, owner, category)
    except Exception as error:  # reading failed (or a bug): nothing was taken, nothing written
        log.error("release failed", exc_info=True,
                  extra={"event": "release_failed", "id": received_id})
        return Release(received_id, FAILED,
                       detail=f"{type(error).__name__}: {error}; nothing changed")


def _release(engine: Engine, config: Config, received_id: int, templates: NoticeTemplates,
             owner: str, category: str | None) -> Release:
    with engine.connect() as conn:
        row = conn.execute(sa.select(received).where(received.c.id == received_id)).one_or_none()
        if row is None:
            return Release(received_id, UNKNOWN, detail="no such message")
        if row.state != states.HELD:
            return Release(received_id, NOT_HELD, detail=row.state)
        decision, plan = preview(conn, config, row, force_category=category)
    if category is not None:
        refusal = cannot_take(config, decision, decision.address)
        if refusal is not None:
            return Release(received_id, REFUSED, decision, refusal)
    elif plan.state == states.HELD:
        return Release(received_id, KEPT, plan.decision)
    if not claim_held(engine, received_id, owner, utcnow(), config.instance.lease):
        return Release(received_id, NOT_HELD, detail="taken by another release meanwhile")
    try:
        outcome = process(engine, config, received_id, owner, templates,
                          force_category=category)
    except LeaseLost as error:
        return Release(received_id, LOST, detail=str(error))
    except Exception as error:
        log.error("release failed", exc_info=True,
                  extra={"event": "release_failed", "id": received_id})
        try:
            back = return_held(engine, received_id, owner)
        except Exception:  # the database is gone too: the lease ends, a worker decides it
            log.error("returning a message to held failed", exc_info=True,
                      extra={"event": "release_failed", "id": received_id})
            back = False
        where = "it is held again, as it was" if back else "a worker decides it"
        return Release(received_id, FAILED, detail=f"{type(error).__name__}: {error}; {where}")
    return Release(received_id, ACTED if outcome.state == states.DONE else HELD, outcome.decision)


def held_ids(engine: Engine, *, category: str | None = None,
             seller_id: str | None = None) -> list[int]:
    """The held messages, oldest first; only those decided as `category` / for `seller_id`."""
    query = (sa.select(received.c.id)
             .select_from(received.outerjoin(decisions,
                                             decisions.c.received_id == received.c.id))
             .where(received.c.state == states.HELD).order_by(received.c.arrived_at, received.c.id))
    if category is not None:
        query = query.where(decisions.c.category == category)
    if seller_id is not None:
        query = query.where(decisions.c.seller_id == seller_id)
    with engine.connect() as conn:
        return [int(i) for i in conn.execute(query).scalars()]


def release_many(engine: Engine, config: Config, ids: Sequence[int], templates: NoticeTemplates, *,
                 owner: str, category: str | None = None) -> list[Release]:
    """`release` for each id, in the order given; each on its own."""
    return [release(engine, config, i, templates, owner=owner, category=category) for i in ids]


def redecide_order_unknown(engine: Engine, config: Config, seller_id: str,
                           templates: NoticeTemplates, *, owner: str) -> list[Release]:
    """After an import of `seller_id`'s orders: act on its held mail whose order is now known.

    Only messages held as `order_unknown` that name an order id can change
    (an import adds orders, not ids to a text); the others are not read.
    Those that would still be held are left exactly as they were.
    """
    query = (sa.select(received.c.id, decisions.c.order_ids)
             .select_from(received.join(decisions, decisions.c.received_id == received.c.id))
             .where(received.c.state == states.HELD, decisions.c.category == ORDER_UNKNOWN,
                    decisions.c.seller_id == seller_id)
             .order_by(received.c.arrived_at, received.c.id))
    with engine.connect() as conn:
        ids = [int(row.id) for row in conn.execute(query) if row.order_ids]
    return release_many(engine, config, ids, templates, owner=owner)
