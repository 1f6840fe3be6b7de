"""Reading cases: the `cases` command's list and the monthly statement's counts.

A case's state is stored as `open` or `answered`; `overdue` is an open
case whose due time has passed, computed at the time asked about (`now`),
so no job has to move it.  An answer after the due time is `answered` and
`answered_late`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from router import states
from router.account.months import Month
from router.store.schema import cases

STATES = (states.OPEN, states.OVERDUE, states.ANSWERED)
_COLUMNS = (cases.c.id, cases.c.seller_id, cases.c.order_id, cases.c.region,
            cases.c.contact_id, cases.c.team_address, cases.c.state, cases.c.asked_at,
            cases.c.due_at, cases.c.answered_at)


@dataclass(frozen=True)
class CaseRow:
    """One case as `cases` lists it; `state` as of the time it was read."""

    case: int
    seller_id: str
    order_id: str | None
    region: str
    contact_id: int | None
    team_address: str
    state: str
    asked_at: datetime
    due_at: datetime
    answered_at: datetime | None

    @property
    def answered_late(self) -> bool | None:
        """True/False for an answered case; None while it is not answered."""
        return None if self.answered_at is None else self.answered_at > self.due_at

    def to_json(self) -> dict[str, Any]:
        return {"case": self.case, "seller_id": self.seller_id, "order_id": self.order_id,
                "state": self.state, "asked_at": self.asked_at.isoformat(),
                "due_at": self.due_at.isoformat(),
                "answered_at": self.answered_at.isoformat() if self.answered_at else None,
                "answered_late": self.answered_late, "region": self.region,
                "contact_id": self.contact_id, "team_address": self.team_address}


def list_cases(engine: Engine, now: datetime, *, seller_id: str | None = None,
               state: str | None = None) -> list[CaseRow]:
    """The cases, oldest question first; `state` one of STATES (None: all)."""
    query = sa.select(*_COLUMNS).order_by(cases.c.asked_at, cases.c.id)
    if seller_id is not None:
        query = query.where(cases.c.seller_id == seller_id)
    if state == states.ANSWERED:
        query = query.where(cases.c.state == states.ANSWERED)
    elif state == states.OVERDUE:
        query = query.where(cases.c.state == states.OPEN, cases.c.due_at <= now)
    elif state == states.OPEN:
        query = query.where(cases.c.state == states.OPEN, cases.c.due_at > now)
    with engine.connect() as conn:
        return [_row(row, now) for row in conn.execute(query)]


def _row(row: Any, now: datetime) -> CaseRow:
    state = row.state
    if state == states.OPEN and row.due_at <= now:
        state = states.OVERDUE
    return CaseRow(int(row.id), row.seller_id, row.order_id, row.region,
                   None if row.contact_id is None else int(row.contact_id), row.team_address,
                   state, row.asked_at, row.due_at, row.answered_at)


@dataclass(frozen=True)
class CaseCounts:
    """A seller's cases asked in one month, by how they ended (as of `now`)."""

    asked: int = 0
    answered_in_time: int = 0
    answered_late: int = 0
    not_answered: int = 0  # due time passed without an answer
    waiting: int = 0  # not answered, not yet due


def month_counts(engine: Engine, month: Month, seller_ids: Sequence[str],
                 now: datetime) -> dict[str, CaseCounts]:
    """Per seller with cases asked in `month` (UTC), their counts; others are absent."""
    if not seller_ids:
        return {}
    query = (sa.select(cases.c.seller_id, cases.c.due_at, cases.c.answered_at)
             .where(cases.c.asked_at >= month.start, cases.c.asked_at < month.plus(1).start,
                    cases.c.seller_id.in_(list(seller_ids))))
    found: dict[str, dict[str, int]] = {}
    with engine.connect() as conn:
        for seller_id, due_at, answered_at in conn.execute(query):
            counts = found.setdefault(seller_id, dict.fromkeys(
                ("asked", "answered_in_time", "answered_late", "not_answered", "waiting"), 0))
            counts["asked"] += 1
            if answered_at is not None:
                counts["answered_late" if answered_at > due_at else "answered_in_time"] += 1
            else:
                counts["not_answered" if due_at <= now else "waiting"] += 1
    return {seller_id: CaseCounts(**counts) for seller_id, counts in found.items()}
