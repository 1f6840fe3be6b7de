"""Contacts as the pipeline writes them: opened by an inquiry, kept alive by follow-ups.

A contact is what billing counts (`figures` sums them per seller and month).
The pipeline opens one for an in-scope inquiry and joins a follow-up to the
contact it continues, inside the transaction that writes the message's
decision; these are the statements it runs there.  A new contact's id is the
id of the message that opens it, known before anything is written.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from router.config import Config
from router.decide.classify import Decision
from router.store import contacts


class ContactOpenedMeanwhile(Exception):
    """Another worker opened a contact on the same order since this one read.

    The message is decided again on a fresh read (it is a follow-up now),
    so two workers never each count a contact for one case.
    """


def new_contact(config: Config, decision: Decision, row: Any) -> dict[str, Any]:
    """The row of the contact that received message `row` opens."""
    region = config.regions.get(decision.region or "")
    return {"id": row.id, "seller_id": decision.seller_id, "order_id": decision.order_id,
            "marketplace": region.marketplace if region else "",
            "region": decision.region or "", "received_id": row.id,
            "arrived_at": row.arrived_at, "last_activity_at": row.arrived_at}


def open_contacts(conn: Connection, config: Config, new: list[dict[str, Any]]) -> None:
    """Insert the new contacts (rows of `new_contact`) in one statement, inside the write.

    Raises `ContactOpenedMeanwhile` (the caller rolls back) where another
    worker opened a contact on the same order meanwhile.
    """
    _check_none_opened_meanwhile(conn, config, new)
    if new:
        conn.execute(_INSERT, new)


def join_contact(conn: Connection, contact_id: int, arrived_at: datetime) -> None:
    """A follow-up extends its contact's activity; it is not a new contact."""
    last = conn.execute(sa.select(contacts.c.last_activity_at).where(
        contacts.c.id == contact_id)).scalar()
    if last is not None and arrived_at > last:
        conn.execute(contacts.update().where(contacts.c.id == contact_id).values(
            last_activity_at=arrived_at))


_INSERT = contacts.insert()
_LIVE = sa.select(
    contacts.c.id, contacts.c.seller_id, contacts.c.order_id, contacts.c.last_activity_at,
).where(contacts.c.seller_id.in_(sa.bindparam("sellers", expanding=True)),
        contacts.c.order_id.in_(sa.bindparam("orders", expanding=True)),
        contacts.c.last_activity_at >= sa.bindparam(
            "since", type_=contacts.c.last_activity_at.type))


def _check_none_opened_meanwhile(conn: Connection, config: Config,
                                 new: list[dict[str, Any]]) -> None:
    """No contact on these orders inside the window appeared since the classifier read.

    The classifier's follow-up rule (a contact of the same seller and order
    active within `billing.contact_window` before the message arrived) read
    on a snapshot; asked again here under the write lock, its answer is
    final.  One query for all the new contacts, checked pair by pair.
    Without an order there is nothing to continue.
    """
    wanted = [values for values in new if values["order_id"] is not None]
    if not wanted:
        return
    window = config.billing.contact_window
    found = conn.execute(_LIVE, {
        "sellers": sorted({v["seller_id"] for v in wanted}),
        "orders": sorted({v["order_id"] for v in wanted}),
        "since": min(v["arrived_at"] for v in wanted) - window}).all()
    for values in wanted:
        since = values["arrived_at"] - window
        for row in found:
            if (row.seller_id, row.order_id) == (values["seller_id"], values["order_id"]) \
                    and row.id != values["id"] and row.last_activity_at >= since:
                raise ContactOpenedMeanwhile(
                    f"message {values['id']}: contact {row.id} on order {values['order_id']} "
                    "was opened meanwhile")
