"""Everything the checks derive from one message, each part computed once.

Checks are pure functions of a `Context`.  What they need (the unwrapped
inquiry, the seller, the order facts...) is computed lazily, because the
chain usually stops early: automatic mail and unknown senders are decided
before any unwrapping of text or order lookup would pay off.  The only
outside knowledge comes through the `OrderBook` and `History` protocols
(router.decide.facts), the `CaseBook` (router.decide.casefacts) and `now`.

Which order decides: the customer may name several order ids; the first
one (in order of mention, subject first) that belongs to the seller who
handed the mail over decides.  Ids of other sellers are ignored.  When the
customer's inquiry names no id at all, ids in the seller's own note and the
outer subject are used for the decision, but `order_ids` still lists only
the customer's, as the contract says.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar, overload

from router.config.model import Config, Seller
from router.decide.casefacts import NO_CASES, CaseBook
from router.decide.facts import History, OrderBook, OrderFacts
from router.decide.identify import Lookup, RegionMatch, SellerMatch, lookup_region, lookup_seller
from router.decide.orderids import find_order_ids
from router.decide.trust import Verdict, Verified, assess
from router.decide.unwrap import Unwrapped, unwrap
from router.decide.vocabulary import normalise, own_words
from router.mail.message import Attachment, Envelope, Evidence, ParsedMail

# Phrases and keywords are looked for in this many characters of a text:
# the customer's own words come first, what follows in a long mail is
# quoted history and signatures, and scanning it all would cost ~0.1 ms per
# KB and phrase list.
PHRASE_SCAN_CHARS = 20_000
# Attached messages are followed this deep (a forward of a forward...).
MAX_ATTACHED_DEPTH = 5


T = TypeVar("T")


class once(Generic[T]):
    """A property computed on first use and then kept in the instance.

    Like `functools.cached_property`, which in Python 3.11 also takes a lock
    shared by all instances on every first use; a Context is used by one
    thread only.
    """

    def __init__(self, func: Callable[[Any], T]) -> None:
        self.func = func
        self.name = func.__name__

    @overload
    def __get__(self, instance: None, owner: type[Any] | None = None) -> once[T]: ...
    @overload
    def __get__(self, instance: object, owner: type[Any] | None = None) -> T: ...

    def __get__(self, instance: object | None, owner: type[Any] | None = None) -> T | once[T]:
        if instance is None:
            return self
        # Kept under the property's name: the instance's value is found
        # before this (non-data) descriptor from then on.
        value = instance.__dict__[self.name] = self.func(instance)
        return value


@dataclass(frozen=True)
class SellerOrder:
    """The order the decision rests on: this seller's facts for one id."""

    order_id: str
    facts: tuple[OrderFacts, ...]

    @property
    def merchant(self) -> tuple[OrderFacts, ...]:
        """The seller-fulfilled lines: an order with any counts as seller-fulfilled."""
        return tuple(f for f in self.facts if f.fulfillment_channel == "Merchant")


class Context:
    """One message and everything the checks derive from it, each part once."""

    def __init__(self, config: Config, mail: ParsedMail, envelope: Envelope, *,
                 orders: OrderBook, history: History, now: datetime,
                 verified: Verified | None = None, cases: CaseBook | None = None) -> None:
        self.config = config
        self.mail = mail
        self.envelope = envelope
        self.orders = orders
        self.history = history
        self.cases = cases if cases is not None else NO_CASES  # the forwards and cases named
        self.now = now
        self.verified = verified  # the router's own checks (trust.verify), if they ran
        self.evidence: list[Evidence] = []

    @once
    def unwrapped(self) -> Unwrapped:
        return unwrap(self.mail)

    @property
    def forwarded(self) -> bool:
        """True when a forward layer (client, attachment or server) was found."""
        return self.unwrapped.style != "none"

    @once
    def seller_lookup(self) -> Lookup[SellerMatch]:
        return lookup_seller(self.config, self.mail, self.envelope)

    @property
    def seller(self) -> Seller | None:
        match = self.seller_lookup.match
        return match.seller if match else None

    @once
    def trust_verdict(self) -> Verdict | None:
        """Whether the mail proves the seller's (or team's) address; None: trust does not apply."""
        return assess(self.config, self.mail, self.envelope, self.seller, self.verified)

    @property
    def seller_address(self) -> str | None:
        """The seller address that handed the mail over: under trust, the proven one."""
        match = self.seller_lookup.match
        if match is None:
            return None
        verdict = self.trust_verdict
        if verdict is not None and verdict.authenticated:
            return verdict.address
        return match.address

    @once
    def region_lookup(self) -> Lookup[RegionMatch]:
        return lookup_region(self.config, self.mail, self.envelope)

    @once
    def customer_text(self) -> str:
        """The customer's subject and own words, normalised for phrase matching.

        Quoted history and signatures are left out: an Amazon order
        confirmation quoted below ("inkl. MwSt", "Vorbestellung") says
        nothing about what the customer asks now.
        """
        # normalise works character by character (NFKD reorders marks only
        # between starters, and "\n" is one), so the parts are normalised
        # apart and the body's form is shared with `customer_body`.
        return f"{normalise(self.unwrapped.inquiry_subject)}\n{self.customer_body}"

    @once
    def customer_body(self) -> str:
        """`customer_text` without the subject."""
        return normalise(own_words(self.unwrapped.inquiry_text[:PHRASE_SCAN_CHARS]))

    @once
    def order_ids(self) -> list[str]:
        """Every id in the customer's inquiry, subject first."""
        return find_order_ids(self.unwrapped.inquiry_subject, self.unwrapped.inquiry_text)

    @once
    def decision_ids(self) -> list[str]:
        """The ids the decision may rest on: the customer's, else the seller's note's."""
        if self.order_ids:
            return self.order_ids
        ids = find_order_ids(self.mail.subject, self.unwrapped.seller_note)
        if ids:
            self.evidence.append(Evidence(
                "order-ids", f"none in the customer's text; {', '.join(ids)} in the seller's note",
                "seller note"))
        return ids

    @once
    def order_facts(self) -> dict[str, list[OrderFacts]]:
        """Facts of every seller for `decision_ids` (one OrderBook call)."""
        if not self.decision_ids:
            return {}
        return self.orders.lookup(list(self.decision_ids))

    @once
    def seller_order(self) -> SellerOrder | None:
        """The first mentioned order that belongs to this seller."""
        seller = self.seller
        if seller is None:
            return None
        for order_id in self.decision_ids:
            facts = self.order_facts.get(order_id, [])
            mine = tuple(f for f in facts if f.seller_id == seller.id)
            if mine:
                return SellerOrder(order_id, mine)
        return None

    def foreign_ids(self) -> list[str]:
        """Ids mentioned that are known only for other sellers."""
        seller_id = self.seller.id if self.seller else None
        return [
            order_id for order_id in self.decision_ids
            if self.order_facts.get(order_id)
            and all(f.seller_id != seller_id for f in self.order_facts[order_id])
        ]


# --------------------------------------------------------------------------
# Walking a message's parts.


def parts(mail: ParsedMail, depth: int = 0) -> Iterator[Attachment]:
    """Every attachment, also those inside attached messages."""
    for part in mail.attachments:
        yield part
        if part.message is not None and depth < MAX_ATTACHED_DEPTH:
            yield from parts(part.message, depth + 1)


def attached_messages(mail: ParsedMail) -> list[ParsedMail]:
    """Every attached message/rfc822, outer first."""
    return [p.message for p in parts(mail) if p.message is not None]


def attachment_names(mail: ParsedMail) -> list[str]:
    """Non-message attachments, also those inside attached messages."""
    names: list[str] = []
    for part in parts(mail):
        if part.message is None and part.content_type.lower() != "message/rfc822":
            names.append(part.filename or part.content_type)
    return names
