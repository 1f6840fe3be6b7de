"""What the classifier needs to know from outside the message, as plain values.

The classifier stays pure: it asks an `OrderBook` for order facts and a
`History` for earlier contacts through these protocols and never sees a
database session.  The in-memory implementations serve tests and
`classify --no-db`; `router.store.orderbook` reads the real tables.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol


@dataclass(frozen=True)
class OrderFacts:
    """One seller's lines of one order, summed up.

    An order id is unique on Amazon, but the table is keyed by seller too
    (each seller imports its own reports), so `lookup` may return facts of
    several sellers for one id: only the facts of the seller who handed the
    mail over count for it.  Lines of one order with different fulfillment
    channels give one `OrderFacts` per channel.
    """

    order_id: str
    seller_id: str
    fulfillment_channel: str  # "Amazon" | "Merchant"
    purchase_date: datetime  # aware
    statuses: tuple[str, ...] = ()  # distinct order/item statuses, e.g. ("Shipped",)
    units: int = 0

    def purchase_utc(self) -> datetime:
        """The purchase date in UTC (a naive value is taken as UTC)."""
        if self.purchase_date.tzinfo is None:
            return self.purchase_date.replace(tzinfo=UTC)
        return self.purchase_date.astimezone(UTC)


class OrderBook(Protocol):
    """Order facts by Amazon order id, of every seller."""

    def lookup(self, order_ids: list[str]) -> dict[str, list[OrderFacts]]:
        """Facts per id for those ids that are known; unknown ids are left out."""
        ...


class History(Protocol):
    """What the router already did, for recognising follow-ups."""

    def contact_for_reply(self, message_ids: list[str]) -> int | None:
        """The contact of a router-made forward whose Message-ID is among `message_ids`."""
        ...

    def contact_owner(self, contact_id: int) -> str | None:
        """Seller id of a contact, None when there is no such contact.

        Used to check an `X-CSBA-Contact` tag found in a message's text: a
        tag counts only for an existing contact of the same seller.
        """
        ...

    def recent_contact(self, seller_id: str, order_id: str, since: datetime) -> int | None:
        """The latest contact of the seller about the order active at or after `since`."""
        ...


# --------------------------------------------------------------------------
# In memory.


@dataclass
class MemoryOrderBook:
    """An `OrderBook` over a list of facts (tests, `classify --no-db`)."""

    facts: list[OrderFacts] = field(default_factory=list)

    def lookup(self, order_ids: list[str]) -> dict[str, list[OrderFacts]]:
        wanted = set(order_ids)
        found: dict[str, list[OrderFacts]] = {}
        for fact in self.facts:
            if fact.order_id in wanted:
                found.setdefault(fact.order_id, []).append(fact)
        return found


@dataclass(frozen=True)
class ContactRecord:
    """One logged contact, with the Message-IDs of the forwards that carried it."""

    contact_id: int
    seller_id: str
    order_id: str | None
    last_activity_at: datetime
    forward_message_ids: tuple[str, ...] = ()


@dataclass
class MemoryHistory:
    """A `History` over a list of contacts (tests, `classify --no-db`)."""

    contacts: list[ContactRecord] = field(default_factory=list)

    def contact_for_reply(self, message_ids: list[str]) -> int | None:
        wanted = {normalise_message_id(m) for m in message_ids}
        for record in self.contacts:
            if wanted & {normalise_message_id(m) for m in record.forward_message_ids}:
                return record.contact_id
        return None

    def contact_owner(self, contact_id: int) -> str | None:
        return next((c.seller_id for c in self.contacts if c.contact_id == contact_id), None)

    def recent_contact(self, seller_id: str, order_id: str, since: datetime) -> int | None:
        recent = [
            c for c in self.contacts
            if c.seller_id == seller_id and c.order_id == order_id and c.last_activity_at >= since
        ]
        return max(recent, key=lambda c: c.last_activity_at).contact_id if recent else None


def normalise_message_id(value: str) -> str:
    """`<id@host>` with angle brackets and without surrounding space."""
    value = value.strip()
    if not value.startswith("<"):
        value = f"<{value}>"
    return value


def summarise_lines(rows: Iterable[tuple[str, str, str, datetime, str, str, int]]
                    ) -> dict[str, list[OrderFacts]]:
    """Order lines (order id, seller, channel, purchase date, order status,
    item status, quantity) grouped into `OrderFacts` per order, seller and channel.

    Shared by every `OrderBook` that reads line-level data, so they sum up alike.
    """
    groups: dict[tuple[str, str, str], list[tuple[datetime, str, str, int]]] = {}
    for order_id, seller_id, channel, purchased, order_status, item_status, quantity in rows:
        groups.setdefault((order_id, seller_id, channel), []).append(
            (purchased, order_status, item_status, quantity))
    found: dict[str, list[OrderFacts]] = {}
    for (order_id, seller_id, channel), lines in groups.items():
        statuses: dict[str, None] = {}
        for _, order_status, item_status, _ in lines:
            for status in (order_status, item_status):
                if status:
                    statuses.setdefault(status, None)
        found.setdefault(order_id, []).append(OrderFacts(
            order_id=order_id,
            seller_id=seller_id,
            fulfillment_channel=channel,
            purchase_date=min(line[0] for line in lines),
            statuses=tuple(statuses),
            units=sum(line[3] for line in lines),
        ))
    return found
