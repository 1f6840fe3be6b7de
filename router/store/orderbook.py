"""The classifier's `OrderBook` and `History` over the database, read-only.

One query per question (each statement built once, at import): the
classifier asks once per message for the orders it mentions
(`amazon_order_id = ...` or `IN (...)`, served by the index on that column) and at
most a few times about earlier contacts.  Both take an
engine (a connection per question) or a connection (the pipeline reads a
whole batch of messages through one).  Errors are
turned into `StoreError` with the driver's first line, like the rest of
`router.store`.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from router.decide.facts import OrderFacts, normalise_message_id, summarise_lines
from router.store.engine import read_rows
from router.store.schema import contacts, decisions, orders, outgoing

# The statements, built once: building one costs more than running it
# (SQLAlchemy then finds the compiled form in its cache by the same key).
_ORDER_LINES = sa.select(
    orders.c.amazon_order_id, orders.c.seller_id, orders.c.fulfillment_channel,
    orders.c.purchase_date, orders.c.order_status, orders.c.item_status,
    orders.c.quantity,
).order_by(orders.c.amazon_order_id, orders.c.seller_id, orders.c.line_no)
_ORDERS = _ORDER_LINES.where(orders.c.amazon_order_id.in_(sa.bindparam("ids", expanding=True)))
# Most inquiries name one order: a plain `=` spares the expanding IN's
# per-call rendering (about 40% of the lookup's cost on SQLite).
_ORDER = _ORDER_LINES.where(orders.c.amazon_order_id == sa.bindparam("id"))
_FORWARDS = (
    sa.select(decisions.c.contact_id)
    .select_from(outgoing.join(decisions, decisions.c.received_id == outgoing.c.received_id))
    .where(outgoing.c.kind == "forward",
           outgoing.c.message_id.in_(sa.bindparam("ids", expanding=True)),
           decisions.c.contact_id.is_not(None))
    .order_by(outgoing.c.id.desc())
    .limit(1)
)
_CONTACT_OWNER = sa.select(contacts.c.seller_id).where(contacts.c.id == sa.bindparam("id"))
_RECENT_CONTACT = (
    sa.select(contacts.c.id)
    .where(contacts.c.seller_id == sa.bindparam("seller_id"),
           contacts.c.order_id == sa.bindparam("order_id"),
           contacts.c.last_activity_at >= sa.bindparam(
               "since", type_=contacts.c.last_activity_at.type))
    .order_by(contacts.c.last_activity_at.desc(), contacts.c.id.desc())
    .limit(1)
)


class DbOrderBook:
    """Order facts from the `orders` table (every seller's lines)."""

    def __init__(self, engine: Engine | Connection) -> None:
        self.engine = engine

    def lookup(self, order_ids: list[str]) -> dict[str, list[OrderFacts]]:
        ids = sorted(set(order_ids))
        if not ids:
            return {}
        if len(ids) == 1:
            rows = read_rows(self.engine, _ORDER, {"id": ids[0]}, "look up orders")
        else:
            rows = read_rows(self.engine, _ORDERS, {"ids": ids}, "look up orders")
        return summarise_lines(
            (r[0], r[1], r[2], r[3], r[4], r[5], int(r[6])) for r in rows)


class DbHistory:
    """Earlier contacts and the router's forwards, for recognising follow-ups.

    A forward is an `outgoing` row of kind `forward`; its contact is the one
    the decision of the same received message logged or joined
    (`decisions.contact_id`).
    """

    def __init__(self, engine: Engine | Connection) -> None:
        self.engine = engine

    def contact_for_reply(self, message_ids: list[str]) -> int | None:
        if not message_ids:
            return None
        # Stored with or without angle brackets: look for both spellings.
        wanted = {normalise_message_id(m) for m in message_ids}
        wanted |= {m[1:-1] for m in wanted}
        rows = read_rows(self.engine, _FORWARDS, {"ids": sorted(wanted)}, "look up forwards")
        return int(rows[0][0]) if rows else None

    def contact_owner(self, contact_id: int) -> str | None:
        rows = read_rows(self.engine, _CONTACT_OWNER, {"id": contact_id}, "look up a contact")
        return str(rows[0][0]) if rows else None

    def recent_contact(self, seller_id: str, order_id: str, since: datetime) -> int | None:
        rows = read_rows(self.engine, _RECENT_CONTACT,
                     {"seller_id": seller_id, "order_id": order_id, "since": since},
                     "look up recent contacts")
        return int(rows[0][0]) if rows else None
