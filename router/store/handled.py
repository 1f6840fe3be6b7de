"""What the router already did, as the pipeline's plan asks it: read-only.

Two questions before a message is acted on: was a copy of it decided
already (the decision holding its dedup key, `seller_id|Message-ID`), and
which notices went to a seller address lately (the daily limit, no second
notice about the same original).  The pipeline asks both for one message
and builds the plan's `Facts` from the answers, as the order book answers
the classifier's questions.  The pipeline reads a whole batch through one
connection, so all take a `Connection`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from router.categories import UNAUTHENTICATED
from router.decide.decision import Decision
from router.mail.addresses import strip_tag
from router.store.schema import decisions, outgoing, received


def dedup_key(decision: Decision, message_id: str | None) -> str | None:
    """The key a copy of this message is recognised by: `seller_id|Message-ID`."""
    if not message_id:
        return None  # nothing stable to recognise a copy by
    if decision.category == UNAUTHENTICATED:
        # A forger must not claim a Message-ID the seller's real mail will carry.
        return None
    return f"{decision.seller_id or '-'}|{message_id.strip()}"


_COPY = sa.select(decisions.c.received_id).where(decisions.c.dedup_key == sa.bindparam("key"))
_COPIES = sa.select(decisions.c.dedup_key, decisions.c.received_id).where(
    decisions.c.dedup_key.in_(sa.bindparam("keys", expanding=True)))


def decided_copy(conn: Connection, key: str) -> int | None:
    """The message whose decision holds dedup `key` (the unique index allows one)."""
    found = conn.execute(_COPY, {"key": key}).scalar()
    return None if found is None else int(found)


def decided_copies(conn: Connection, keys: list[str]) -> dict[str, int]:
    """`decided_copy` for several keys in one query; a key without a decision is absent."""
    if not keys:
        return {}
    return {key: int(received_id) for key, received_id in conn.execute(_COPIES, {"keys": keys})}


@dataclass(frozen=True)
class NoticesSent:
    """Notices to one address: in the last day, and whether one was about this original."""

    today: int
    same_original: bool


def notices_sent(conn: Connection, address: str, message_id: str | None, now: datetime,
                 days: int) -> NoticesSent:
    """Notices queued to `address` (with or without a +tag) in the last `days` days."""
    recent = conn.execute(sa.select(outgoing.c.rcpt_tos, outgoing.c.created_at,
                                    received.c.message_id)
                          .select_from(outgoing.outerjoin(
                              received, outgoing.c.received_id == received.c.id))
                          .where(outgoing.c.kind == "notice",
                                 outgoing.c.created_at >= now - timedelta(days=days)))
    today = 0
    same = False
    # An address with a +tag is the address without it (the contract):
    # `service+t1@` and `service+t2@` share one daily limit.
    sender = strip_tag(address.lower())
    for rcpts, created_at, original in recent:
        if sender not in {strip_tag(str(r).lower()) for r in rcpts or ()}:
            continue
        if created_at >= now - timedelta(days=1):
            today += 1
        if message_id and original == message_id:
            same = True
    return NoticesSent(today, same)
