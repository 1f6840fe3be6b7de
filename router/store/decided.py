"""Writing decisions: each decided message's row of `decisions`, replacing an earlier one.

(Not named `decisions.py`: a submodule of that name would replace the
`decisions` table that `router.store` exports.)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from router.decide.decision import Decision
from router.store.schema import decisions

_INSERT = decisions.insert()
_DELETE = decisions.delete().where(
    decisions.c.received_id.in_(sa.bindparam("ids", expanding=True)))


def record_decisions(conn: Connection, decided: Sequence[tuple[int, Decision, str | None]],
                     now: datetime) -> None:
    """Store the decisions, one statement for all (and one to delete those they replace).

    `decided`: the received message's id, its decision, and the dedup key
    to store with it (None for a duplicate).  A held message decided again
    has a decision already: the new one replaces it.  The `evidence` column
    keeps the whole decision record, so `explain` can show a stored
    decision exactly as it was made.
    """
    conn.execute(_DELETE, {"ids": [received_id for received_id, _, _ in decided]})
    conn.execute(_INSERT, [{
        "received_id": received_id, "category": d.category, "action": d.action,
        "rule": d.rule, "reason": d.reason, "seller_id": d.seller_id, "region": d.region,
        "order_ids": list(d.order_ids), "language": d.language, "evidence": d.to_record(),
        "contact_id": d.contact_id, "decided_at": now, "dedup_key": dedup_key,
        "case_id": d.case.case_id if d.case is not None else None}
        for received_id, d, dedup_key in decided])
