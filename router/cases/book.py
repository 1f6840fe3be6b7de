"""The classifier's `CaseBook` over the database, read-only.

A forward is an `outgoing` row of kind `forward`; whose it is comes from
the decision of the message it forwarded (seller, region, contact) and the
contact (its order).  A router-made case mail (relay, reminder, overdue
note) is an `outgoing` row of kind `case`; its case is the `case_id` of
the decision of the message that caused it.  Each question is one query
(statements built once); the pipeline reads a batch through one
connection, `classify` through the engine.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from router import states
from router.decide.casefacts import CaseRef, ForwardRef
from router.decide.facts import normalise_message_id
from router.store.engine import read_rows
from router.store.schema import cases, contacts, decisions, outgoing

_IDS: sa.BindParameter[Any] = sa.bindparam("ids", expanding=True)
_FORWARDS = (
    sa.select(outgoing.c.message_id, outgoing.c.received_id, decisions.c.seller_id,
              decisions.c.region, decisions.c.contact_id, contacts.c.order_id,
              decisions.c.order_ids)
    .select_from(outgoing.join(decisions, decisions.c.received_id == outgoing.c.received_id)
                 .outerjoin(contacts, contacts.c.id == decisions.c.contact_id))
    .where(outgoing.c.kind == "forward", outgoing.c.message_id.in_(_IDS))
    .order_by(outgoing.c.id.desc())
)
_MAIL_CASES = (
    sa.select(decisions.c.case_id)
    .select_from(outgoing.join(decisions, decisions.c.received_id == outgoing.c.received_id))
    .where(outgoing.c.kind == "case", outgoing.c.message_id.in_(_IDS),
           decisions.c.case_id.is_not(None))
    .order_by(outgoing.c.id.desc())
)
_CASE_COLUMNS = (cases.c.id, cases.c.seller_id, cases.c.region, cases.c.contact_id,
                 cases.c.forward_id, cases.c.order_id, cases.c.state, cases.c.asked_at,
                 cases.c.due_at, cases.c.team_address, cases.c.question_message_id)
_CASES = sa.select(*_CASE_COLUMNS).where(cases.c.id.in_(_IDS))
_OPEN_OF_CONTACT = (sa.select(*_CASE_COLUMNS)
                    .where(cases.c.state == states.OPEN, cases.c.contact_id == sa.bindparam("c"))
                    .order_by(cases.c.id.desc()).limit(1))
_OPEN_OF_FORWARD = (sa.select(*_CASE_COLUMNS)
                    .where(cases.c.state == states.OPEN, cases.c.contact_id.is_(None),
                           cases.c.forward_id == sa.bindparam("f"))
                    .order_by(cases.c.id.desc()).limit(1))


class DbCaseBook:
    """Forwards and cases from the `outgoing`, `decisions`, `contacts` and `cases` tables."""

    def __init__(self, source: Engine | Connection) -> None:
        self.source = source

    def forwards(self, message_ids: list[str]) -> list[ForwardRef]:
        if not message_ids:
            return []
        rows = read_rows(self.source, _FORWARDS, {"ids": _spellings(message_ids)},
                     "look up forwards")
        found = []
        for message_id, received_id, seller_id, region, contact_id, order_id, order_ids in rows:
            if order_id is None and order_ids:
                order_id = order_ids[0]
            found.append(ForwardRef(message_id, int(received_id), seller_id, region,
                                    None if contact_id is None else int(contact_id), order_id))
        return found

    def mail_cases(self, message_ids: list[str]) -> list[int]:
        if not message_ids:
            return []
        rows = read_rows(self.source, _MAIL_CASES, {"ids": _spellings(message_ids)},
                     "look up case mail")
        return list(dict.fromkeys(int(r[0]) for r in rows))

    def cases(self, case_ids: list[int]) -> list[CaseRef]:
        if not case_ids:
            return []
        rows = read_rows(self.source, _CASES, {"ids": sorted(set(case_ids))}, "look up cases")
        by_id = {ref.case_id: ref for ref in map(case_ref, rows)}
        return [by_id[i] for i in case_ids if i in by_id]

    def open_case(self, contact_id: int | None, forward_id: int) -> CaseRef | None:
        if contact_id is not None:
            rows = read_rows(self.source, _OPEN_OF_CONTACT, {"c": contact_id}, "look up cases")
        else:
            rows = read_rows(self.source, _OPEN_OF_FORWARD, {"f": forward_id}, "look up cases")
        return case_ref(rows[0]) if rows else None


def case_ref(row: Any) -> CaseRef:
    """A `cases` row (the columns of `_CASE_COLUMNS`) as the checks see it."""
    return CaseRef(int(row.id), row.seller_id, row.region,
                   None if row.contact_id is None else int(row.contact_id),
                   int(row.forward_id), row.order_id, row.state, row.asked_at, row.due_at,
                   row.team_address, row.question_message_id)


def _spellings(message_ids: list[str]) -> list[str]:
    """Each id with and without its angle brackets (stored either way)."""
    wanted = {normalise_message_id(m) for m in message_ids}
    return sorted(wanted | {m[1:-1] for m in wanted})
