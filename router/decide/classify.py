"""One category per message: the contract's decision table as code.

`chain(config)` below is the table, in the contract's order: a name and
a check function per row (`BEFORE_RULES`, `AFTER_RULES`), with the
admin's `classification.rules` spliced in between `seller_question` and
`pre_sale`.  `classify` walks it with a
short loop: the first check that hits decides; every check that ran is
recorded as a hit or a miss with a note, so `--explain` can show the way.

Checks are pure functions of a `Context`, which computes what they need
(unwrapped inquiry, seller, order facts...) lazily and once.  The only
outside knowledge comes through the `OrderBook` and `History` protocols
(router.decide.facts) and `now`; nothing here touches a database, the
network or the clock.

Which order decides: the customer may name several order ids; the first
one (in order of mention, subject first) that belongs to the seller who
handed the mail over decides amazon_fulfilled / not_covered /
post_sale_seller_fulfilled.  Ids of other sellers are ignored (noted in
the evidence).  An order with lines of both fulfillment channels counts
as seller-fulfilled (amazon_fulfilled needs every line fulfilled by
Amazon): the seller-fulfilled part is CSBA's to answer.  When the
customer's inquiry names no id at all, ids in the seller's own note and
the outer subject are used for the decision, but `order_ids` still lists
only the customer's, as the contract says.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, time, timedelta
from functools import cached_property
from typing import Any

from router.categories import (
    AMAZON_FULFILLED,
    AUTO_GENERATED,
    FOLLOW_UP,
    NOT_COVERED,
    ORDER_UNKNOWN,
    POST_SALE_SELLER_FULFILLED,
    PRE_SALE,
    SELLER_QUESTION,
    UNKNOWN_SENDER,
)
from router.config.model import Config, Period, Rule, Seller
from router.decide.automatic import FORWARD_MARKERS, automatic_signals, match_subject
from router.decide.facts import History, OrderBook, OrderFacts, normalise_message_id
from router.decide.identify import (
    Lookup,
    RegionMatch,
    SellerMatch,
    cached_per_config,
    lookup_region,
    lookup_seller,
)
from router.decide.language import detect_language
from router.decide.message import Attachment, Envelope, Evidence, ParsedMail
from router.decide.orderids import find_order_ids
from router.decide.unwrap import Unwrapped, unwrap
from router.decide.vocabulary import (
    ACCOUNT_MATCHER,
    PRE_ORDER_MATCHER,
    PRE_SALE_MATCHER,
    PhraseHit,
    PhraseMatcher,
    normalise,
)

# How much of the customer's text a Decision keeps for `--explain`.
INQUIRY_EXCERPT = 600
# Phrases and keywords are looked for in this many characters of a text:
# the customer's own words come first, what follows in a long mail is
# quoted history and signatures, and scanning it all would cost ~0.1 ms per
# KB and phrase list.
PHRASE_SCAN_CHARS = 20_000

_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
_CONTACT_TAG = re.compile(r"X-CSBA-Contact:\s*(\d{1,18})\b", re.IGNORECASE)

# The keys of one `classify --json` line, in the contract's order.
JSON_KEYS = ("file", "message_id", "region", "seller_id", "category", "action",
             "order_ids", "language", "rule", "reason")


# --------------------------------------------------------------------------
# The result.


@dataclass(frozen=True)
class Decision:
    """What was decided about one message and why; stored once with it.

    `rule` names the built-in check or config rule that decided; `hits`
    and `misses` name the checks that ran (like Mailman's rule_hits /
    rule_misses) and `notes` says, per check, what it saw.  `order_id` is
    the order the decision rests on (None when none of the seller's
    orders was found); `order_ids` every id in the customer's inquiry.
    """

    category: str
    action: str
    rule: str
    reason: str
    seller_id: str | None
    region: str | None
    order_ids: tuple[str, ...]
    language: str | None
    hits: tuple[str, ...]
    misses: tuple[str, ...]
    evidence: tuple[Evidence, ...]
    contact_id: int | None = None
    message_id: str | None = None
    order_id: str | None = None
    notes: tuple[tuple[str, str], ...] = ()

    def json_object(self, file: str | None) -> dict[str, Any]:
        """The contract's `classify --json` object, keys in its order."""
        values = {
            "file": file, "message_id": self.message_id, "region": self.region,
            "seller_id": self.seller_id, "category": self.category, "action": self.action,
            "order_ids": list(self.order_ids), "language": self.language,
            "rule": self.rule, "reason": self.reason,
        }
        return {key: values[key] for key in JSON_KEYS}

    def to_json(self, file: str | None) -> str:
        """One line of `classify --json` output for `file`."""
        return json.dumps(self.json_object(file), ensure_ascii=False)

    def to_record(self) -> dict[str, Any]:
        """Every field as JSON-able values, for storing the decision."""
        record = asdict(self)
        record["evidence"] = [asdict(e) for e in self.evidence]
        for key in ("order_ids", "hits", "misses"):
            record[key] = list(record[key])
        record["notes"] = [list(n) for n in self.notes]
        return record

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Decision:
        """The inverse of `to_record`, for explaining a stored decision."""
        values = dict(record)
        values["evidence"] = tuple(Evidence(**e) for e in record.get("evidence", ()))
        for key in ("order_ids", "hits", "misses"):
            values[key] = tuple(record.get(key, ()))
        values["notes"] = tuple((n[0], n[1]) for n in record.get("notes", ()))
        return cls(**values)


@dataclass(frozen=True)
class Outcome:
    """A check's hit: the category, one sentence why, and what it rests on."""

    category: str
    reason: str
    evidence: tuple[Evidence, ...] = ()
    contact_id: int | None = None


@dataclass(frozen=True)
class Miss:
    """A check that did not match, and what it saw instead."""

    note: str


Result = Outcome | Miss
Check = Callable[["Context"], Result]


# --------------------------------------------------------------------------
# What the checks look at, computed on first use.


@dataclass(frozen=True)
class SellerOrder:
    """The order the decision rests on: this seller's facts for one id."""

    order_id: str
    facts: tuple[OrderFacts, ...]

    @property
    def merchant(self) -> tuple[OrderFacts, ...]:
        return tuple(f for f in self.facts if f.fulfillment_channel == "Merchant")


class Context:
    """One message and everything the checks derive from it, each part once."""

    def __init__(self, config: Config, mail: ParsedMail, envelope: Envelope, *,
                 orders: OrderBook, history: History, now: datetime) -> None:
        self.config = config
        self.mail = mail
        self.envelope = envelope
        self.orders = orders
        self.history = history
        self.now = now
        self.evidence: list[Evidence] = []

    @cached_property
    def unwrapped(self) -> Unwrapped:
        return unwrap(self.mail)

    @cached_property
    def seller_lookup(self) -> Lookup[SellerMatch]:
        return lookup_seller(self.config, self.mail, self.envelope)

    @property
    def seller(self) -> Seller | None:
        match = self.seller_lookup.match
        return match.seller if match else None

    @cached_property
    def region_lookup(self) -> Lookup[RegionMatch]:
        return lookup_region(self.config, self.mail, self.envelope)

    @cached_property
    def customer_text(self) -> str:
        """The customer's subject and words, normalised for phrase matching."""
        text = f"{self.unwrapped.inquiry_subject}\n{self.unwrapped.inquiry_text}"
        return normalise(text[:PHRASE_SCAN_CHARS])

    @cached_property
    def order_ids(self) -> list[str]:
        """Every id in the customer's inquiry, subject first."""
        return find_order_ids(self.unwrapped.inquiry_subject, self.unwrapped.inquiry_text)

    @cached_property
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

    @cached_property
    def order_facts(self) -> dict[str, list[OrderFacts]]:
        """Facts of every seller for `decision_ids` (one OrderBook call)."""
        if not self.decision_ids:
            return {}
        return self.orders.lookup(list(self.decision_ids))

    @cached_property
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
# The built-in checks, one per row of the contract's table.


def check_auto_generated(ctx: Context) -> Result:
    """Automatic mail, except the marks a seller's own forwarding rule leaves.

    A seller's mailbox rule (Exchange, procmail) may mark its forward as
    automatic; the product receives such forwards by design, so on a
    recognised forward those marks are ignored and the forwarded message's
    own signs (an attached message, its subject) are looked at instead.
    """
    signals = automatic_signals(ctx.mail, ctx.envelope, ctx.config.instance.hostname)
    ignored: list[Evidence] = []
    forwarded = ctx.unwrapped.style != "none"
    if forwarded:
        ignored = [s for s in signals if _forward_marker(s)]
        signals = [s for s in signals if not _forward_marker(s)]
        signals.extend(_inner_signals(ctx))
    if signals:
        first = signals[0]
        return Outcome(AUTO_GENERATED, f"Automatic mail: {first.detail}.", tuple(signals))
    if ignored:
        ctx.evidence.extend(
            Evidence("ignored-signal", f"{s.detail} (the seller's forwarding)", s.source)
            for s in ignored)
        return Miss(f"only forwarding marks ({', '.join(s.name for s in ignored)}) on a forward")
    return Miss("no sign of automatic mail")


def _forward_marker(signal: Evidence) -> bool:
    if signal.name not in FORWARD_MARKERS:
        return False
    if signal.name == "auto-submitted":
        value = signal.detail.partition(":")[2].strip().lower()
        return value.startswith(("auto-forwarded", "auto-generated"))
    return True


def _inner_signals(ctx: Context) -> list[Evidence]:
    """Signs that the forwarded (customer's) message itself was automatic."""
    found: list[Evidence] = []
    for inner in _attached_messages(ctx.mail):
        found.extend(
            Evidence(s.name, f"forwarded message: {s.detail}", "attached message")
            for s in automatic_signals(inner, Envelope(), None) if s.name != "own-mail")
    subject = ctx.unwrapped.inquiry_subject
    if ctx.unwrapped.style != "auto-forward" and subject:
        hit = match_subject(subject)
        if hit is not None:
            found.append(Evidence("subject", f"forwarded subject {subject!r} ({hit[0]}: "
                                  f"{hit[1]!r})", "forwarded message"))
    return found


def check_unknown_sender(ctx: Context) -> Result:
    match = ctx.seller_lookup.match
    if match is not None:
        return Miss(f"seller {match.seller.id} ({match.address} in {match.source})")
    addresses = dict.fromkeys(e.detail.split(":")[0] for e in ctx.seller_lookup.tried
                              if "@" in e.detail)
    tried = ", ".join(addresses) or "none"
    # The candidates tried go into every Decision's evidence (see _decision).
    return Outcome(UNKNOWN_SENDER,
                   f"No address of a registered seller handed this over (tried: {tried}).")


def check_follow_up(ctx: Context) -> Result:
    """A reply to a router-made forward, a contact tag, or the same order lately."""
    seller = ctx.seller
    if seller is None:  # unknown_sender comes first; kept for a reordered table
        return Miss("no seller")
    refs = _referenced_ids(ctx.mail)
    if refs:
        contact = ctx.history.contact_for_reply(refs)
        if contact is not None and ctx.history.contact_owner(contact) == seller.id:
            return Outcome(FOLLOW_UP, f"It replies to the router's forward of contact {contact}.",
                           (Evidence("follow-up", f"contact {contact}", "In-Reply-To/References"),),
                           contact)
    for contact in _contact_tags(ctx.mail):
        if ctx.history.contact_owner(contact) == seller.id:
            return Outcome(FOLLOW_UP, f"It carries the tag of contact {contact}.",
                           (Evidence("follow-up", f"X-CSBA-Contact: {contact}", "text"),), contact)
    order = ctx.seller_order
    if order is not None:
        window = ctx.config.billing.contact_window
        contact = ctx.history.recent_contact(seller.id, order.order_id, ctx.now - window)
        shown = _duration(window)
        if contact is not None:
            return Outcome(
                FOLLOW_UP,
                f"Contact {contact} about order {order.order_id} was active within {shown}.",
                (Evidence("follow-up", f"contact {contact}, order {order.order_id}", "history"),),
                contact)
        return Miss(f"no contact about {order.order_id} within {shown}; no reply to a forward")
    return Miss("no reply to a forward, no contact tag, no order of the seller")


def _referenced_ids(mail: ParsedMail) -> list[str]:
    ids: dict[str, None] = {}
    for message in (mail, *_attached_messages(mail)):
        for name in ("In-Reply-To", "References"):
            for value in message.header_all(name):
                for found in _MESSAGE_ID.findall(value):
                    ids.setdefault(normalise_message_id(found), None)
    return list(ids)


def _contact_tags(mail: ParsedMail) -> list[int]:
    tags: dict[int, None] = {}
    for message in (mail, *_attached_messages(mail)):
        for value in message.header_all("X-CSBA-Contact"):
            if value.strip().isdigit():
                tags.setdefault(int(value.strip()), None)
        for match in _CONTACT_TAG.finditer(message.text):
            tags.setdefault(int(match.group(1)), None)
    return list(tags)


def check_seller_question(ctx: Context) -> Result:
    """No forward inside, and the seller writes about its own account."""
    if ctx.unwrapped.style != "none":
        return Miss(f"a forward ({ctx.unwrapped.style}) carries a customer's inquiry")
    text = f"{ctx.mail.subject}\n{ctx.mail.text}"
    hit = ACCOUNT_MATCHER.search(normalise(text[:PHRASE_SCAN_CHARS]))
    if hit is None:
        return Miss("no forward, but nothing about the seller's own account")
    return Outcome(SELLER_QUESTION,
                   f"The seller writes about its own account ({_said(hit)}), no customer inquiry.",
                   (_phrase_evidence("account", hit, "seller's text"),))


def check_pre_sale(ctx: Context) -> Result:
    """Pre-orders always; questions before buying only without the seller's order."""
    pre_order = PRE_ORDER_MATCHER.search(ctx.customer_text)
    if pre_order is not None:
        return Outcome(PRE_SALE, f"The customer asks about a pre-order ({_said(pre_order)}).",
                       (_phrase_evidence("pre-order", pre_order, "customer's text"),))
    pre_sale = PRE_SALE_MATCHER.search(ctx.customer_text)
    if pre_sale is None:
        return Miss("no pre-sale or pre-order phrase")
    if ctx.seller_order is not None:
        return Miss(f"pre-sale phrase {pre_sale.phrase!r}, but order "
                    f"{ctx.seller_order.order_id} of the seller was found")
    return Outcome(PRE_SALE, f"The customer asks before buying ({_said(pre_sale)}).",
                   (_phrase_evidence("pre-sale", pre_sale, "customer's text"),))


def check_amazon_fulfilled(ctx: Context) -> Result:
    order = ctx.seller_order
    if order is None:
        return Miss("no order of the seller")
    if order.merchant:
        return Miss(f"order {order.order_id} is seller-fulfilled")
    return Outcome(AMAZON_FULFILLED, f"Order {order.order_id} is fulfilled by Amazon.")


def check_not_covered(ctx: Context) -> Result:
    order, seller = ctx.seller_order, ctx.seller
    if order is None or seller is None or not order.merchant:
        return Miss("no seller-fulfilled order of the seller")
    purchased = min(f.purchase_utc() for f in order.merchant)
    if covering_period(seller.enrollment, purchased) is not None:
        return Miss(f"order {order.order_id} was placed while enrolled")
    return Outcome(NOT_COVERED,
                   f"Order {order.order_id} was placed {purchased:%Y-%m-%d %H:%M} UTC, "
                   f"outside the seller's enrollment ({_periods(seller.enrollment)}).")


def check_post_sale(ctx: Context) -> Result:
    order, seller = ctx.seller_order, ctx.seller
    if order is None or seller is None or not order.merchant:
        return Miss("no seller-fulfilled order of the seller")
    purchased = min(f.purchase_utc() for f in order.merchant)
    period = covering_period(seller.enrollment, purchased)
    if period is None:
        return Miss(f"order {order.order_id} was placed outside the enrollment")
    return Outcome(POST_SALE_SELLER_FULFILLED,
                   f"Order {order.order_id} is seller-fulfilled and was placed "
                   f"{purchased:%Y-%m-%d} while the seller was enrolled (since {period.start}).")


def check_order_unknown(ctx: Context) -> Result:
    """The last row: post-sale, but no order of the seller identified."""
    if not ctx.decision_ids:
        reason = "The inquiry names no order id."
    elif ctx.foreign_ids():
        reason = (f"Order {', '.join(ctx.foreign_ids())} belongs to another seller; "
                  "no order of this seller was found.")
    else:
        reason = f"Order {', '.join(ctx.decision_ids)} is not among the seller's imported orders."
    return Outcome(ORDER_UNKNOWN, reason)


def covering_period(periods: list[Period], purchased: datetime) -> Period | None:
    """The enrollment period covering a purchase: [start 00:00 UTC, end 00:00 UTC)."""
    when = purchased.astimezone(UTC) if purchased.tzinfo else purchased.replace(tzinfo=UTC)
    for period in periods:
        start = datetime.combine(period.start, time(0), UTC)
        end = datetime.combine(period.end, time(0), UTC) if period.end else None
        if start <= when and (end is None or when < end):
            return period
    return None


# --------------------------------------------------------------------------
# Config rules.


@dataclass(frozen=True)
class CompiledRule:
    """An admin's rule with its keywords and regex compiled once."""

    rule: Rule
    keywords: PhraseMatcher | None
    subject: re.Pattern[str] | None
    domains: frozenset[str] | None

    @classmethod
    def compile(cls, rule: Rule) -> CompiledRule:
        keywords = PhraseMatcher(rule.any_keywords) if rule.any_keywords is not None else None
        subject = re.compile(rule.subject_regex, re.IGNORECASE) if rule.subject_regex else None
        domains = (frozenset(d.strip().lower().lstrip("@").rstrip(".") for d in rule.from_domain)
                   if rule.from_domain is not None else None)
        return cls(rule, keywords, subject, domains)

    def __call__(self, ctx: Context) -> Result:
        """Hit when every condition the rule names holds (see module doc)."""
        found: list[str] = []
        evidence: list[Evidence] = []
        if self.keywords is not None:
            hit = self.keywords.search(ctx.customer_text)
            if hit is None:
                return Miss("no keyword in the customer's text")
            found.append(f"keyword {hit.phrase!r} ({hit.language})")
            evidence.append(_phrase_evidence("keyword", hit, "customer's text"))
        if self.subject is not None:
            subject = ctx.unwrapped.inquiry_subject or ctx.mail.subject
            if not self.subject.search(subject):
                return Miss(f"subject {subject!r} does not match /{self.subject.pattern}/")
            found.append(f"subject matches /{self.subject.pattern}/")
        if self.domains is not None:
            address = ctx.unwrapped.inquiry_from or ctx.mail.from_addr or ""
            domain = address.rpartition("@")[2].strip().strip(">").lower().rstrip(".")
            if domain not in self.domains:
                return Miss(f"customer's domain {domain or '(none)'!r} not listed")
            found.append(f"from {domain}")
        if self.rule.has_attachment is not None:
            files = _attachment_names(ctx.mail)
            if bool(files) != self.rule.has_attachment:
                return Miss("attachment condition does not hold")
            found.append(f"attachments: {', '.join(files)}" if files else "no attachment")
        reason = f"Rule {self.rule.name!r} matched: {'; '.join(found) or 'no condition'}."
        return Outcome(self.rule.category, reason, tuple(evidence))


def _attachment_names(mail: ParsedMail) -> list[str]:
    """Non-message attachments, also those inside attached messages."""
    names: list[str] = []
    for part in _parts(mail):
        if part.message is None and part.content_type.lower() != "message/rfc822":
            names.append(part.filename or part.content_type)
    return names


def _parts(mail: ParsedMail, depth: int = 0) -> Iterator[Attachment]:
    for part in mail.attachments:
        yield part
        if part.message is not None and depth < 5:
            yield from _parts(part.message, depth + 1)


def _attached_messages(mail: ParsedMail) -> list[ParsedMail]:
    return [p.message for p in _parts(mail) if p.message is not None]


# --------------------------------------------------------------------------
# The table.

BEFORE_RULES: tuple[tuple[str, Check], ...] = (
    (AUTO_GENERATED, check_auto_generated),
    (UNKNOWN_SENDER, check_unknown_sender),
    (FOLLOW_UP, check_follow_up),
    (SELLER_QUESTION, check_seller_question),
)
AFTER_RULES: tuple[tuple[str, Check], ...] = (
    (PRE_SALE, check_pre_sale),
    (AMAZON_FULFILLED, check_amazon_fulfilled),
    (NOT_COVERED, check_not_covered),
    (POST_SALE_SELLER_FULFILLED, check_post_sale),
    (ORDER_UNKNOWN, check_order_unknown),
)


@cached_per_config
def chain(config: Config) -> tuple[tuple[str, Check], ...]:
    """The contract's table with this config's rules in place (compiled once)."""
    rules = tuple((r.name, CompiledRule.compile(r)) for r in config.classification.rules)
    return BEFORE_RULES + rules + AFTER_RULES


def classify(config: Config, mail: ParsedMail, envelope: Envelope, *,
             orders: OrderBook, history: History, now: datetime) -> Decision:
    """Decide one message: walk the chain until a check hits."""
    ctx = Context(config, mail, envelope, orders=orders, history=history, now=now)
    hits: list[str] = []
    misses: list[str] = []
    notes: list[tuple[str, str]] = []
    outcome: Outcome | None = None
    decided_by = ORDER_UNKNOWN
    for name, check in chain(config):
        result = check(ctx)
        if isinstance(result, Outcome):
            hits.append(name)
            notes.append((name, result.reason))
            outcome, decided_by = result, name
            break
        misses.append(name)
        notes.append((name, result.note))
    if outcome is None:  # unreachable: order_unknown always hits
        outcome = Outcome(ORDER_UNKNOWN, "No check decided.")
    return _decision(ctx, outcome, decided_by, hits, misses, notes)


def _decision(ctx: Context, outcome: Outcome, rule: str, hits: list[str], misses: list[str],
              notes: list[tuple[str, str]]) -> Decision:
    seller = ctx.seller
    evidence: list[Evidence] = []
    if ctx.seller_lookup.match:
        evidence.append(ctx.seller_lookup.match.evidence)
    evidence.extend(ctx.seller_lookup.tried)
    region = _region(ctx, evidence)
    language = _language(ctx, seller, region, evidence)
    evidence.extend(ctx.unwrapped.evidence)
    text = " ".join(ctx.unwrapped.inquiry_text.split())
    if len(text) > INQUIRY_EXCERPT:
        text = text[: INQUIRY_EXCERPT - 1] + "…"
    evidence.append(Evidence("inquiry", text, ctx.unwrapped.style))
    # Orders are looked up only where they can matter: not for automatic
    # mail nor unknown senders, which are decided before any order.
    order_id = None
    if outcome.category not in (AUTO_GENERATED, UNKNOWN_SENDER):
        evidence.extend(_order_evidence(ctx))
        order_id = ctx.seller_order.order_id if ctx.seller_order else None
    elif ctx.order_ids:
        evidence.append(Evidence("order-ids", ", ".join(ctx.order_ids), "customer's text"))
    evidence.extend(ctx.evidence)
    evidence.extend(outcome.evidence)
    return Decision(
        category=outcome.category,
        action=ctx.config.action_for(outcome.category),
        rule=rule,
        reason=outcome.reason,
        seller_id=seller.id if seller else None,
        region=region,
        order_ids=tuple(ctx.order_ids),
        language=language,
        hits=tuple(hits),
        misses=tuple(misses),
        evidence=tuple(evidence),
        contact_id=outcome.contact_id,
        message_id=ctx.mail.message_id,
        order_id=order_id,
        notes=tuple(notes),
    )


def _region(ctx: Context, evidence: list[Evidence]) -> str | None:
    """The region the mail was sent to, else the seller's configured region."""
    match = ctx.region_lookup.match
    seller = ctx.seller
    if match is not None:
        evidence.append(match.evidence)
        if seller is not None and seller.region != match.name:
            evidence.append(Evidence("region-note", f"seller {seller.id} belongs to "
                                     f"{seller.region}, mail came to {match.name}", "config"))
        return match.name
    evidence.extend(ctx.region_lookup.tried)
    if seller is not None:
        evidence.append(Evidence("region", f"{seller.region}: the seller's region "
                                 "(no csba address among the recipients)", "config"))
        return seller.region
    return None


def _language(ctx: Context, seller: Seller | None, region: str | None,
              evidence: list[Evidence]) -> str | None:
    """The customer's language; the seller's, then the region's, when it cannot tell."""
    text = ctx.unwrapped.inquiry_text.strip() or ctx.unwrapped.inquiry_subject
    guess = detect_language(text) if text else None
    if guess is not None:
        evidence.append(Evidence("language", f"{guess.code} (confidence {guess.confidence:.2f})",
                                 "customer's text"))
        return guess.code
    if seller is not None and seller.language:
        fallback, whose = seller.language, f"seller {seller.id}'s language"
    elif region is not None and region in ctx.config.regions:
        fallback, whose = ctx.config.regions[region].language, f"region {region}'s language"
    else:
        evidence.append(Evidence("language", "unknown: detection found none, no fallback",
                                 "customer's text"))
        return None
    evidence.append(Evidence("language", f"{fallback}: detection found none, "
                             f"fell back to the {whose}", "fallback"))
    return fallback


def _order_evidence(ctx: Context) -> list[Evidence]:
    out: list[Evidence] = []
    if ctx.order_ids:
        out.append(Evidence("order-ids", ", ".join(ctx.order_ids), "customer's text"))
    seller_id = ctx.seller.id if ctx.seller else None
    for order_id in ctx.decision_ids:
        facts = ctx.order_facts.get(order_id, [])
        if not facts:
            out.append(Evidence("order", f"{order_id}: not in the order book", "orders"))
        for fact in facts:
            whose = "" if fact.seller_id == seller_id else " (another seller: ignored)"
            out.append(Evidence(
                "order",
                f"{order_id}: seller {fact.seller_id}{whose}, {fact.fulfillment_channel}, "
                f"purchased {fact.purchase_utc():%Y-%m-%d %H:%M} UTC, "
                f"{'/'.join(fact.statuses) or 'no status'}, {fact.units} unit(s)",
                "orders"))
    return out


def _duration(value: timedelta) -> str:
    """`24h`, `7d`, `90m`: the way the config writes durations."""
    seconds = int(value.total_seconds())
    if seconds >= 2 * 86400 and seconds % 86400 == 0:
        return f"{seconds // 86400}d"
    for unit, size in (("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _said(hit: PhraseHit) -> str:
    return f"{hit.language}: {hit.phrase!r}"


def _phrase_evidence(name: str, hit: PhraseHit, source: str) -> Evidence:
    return Evidence(name, f"{hit.phrase!r} ({hit.language}) matched {hit.matched!r}", source)


def _periods(periods: list[Period]) -> str:
    if not periods:
        return "never enrolled"
    return ", ".join(f"{p.start}..{p.end or ''}" for p in periods)


__all__ = [
    "AFTER_RULES", "BEFORE_RULES", "Check", "CompiledRule", "Context", "Decision", "JSON_KEYS",
    "Miss", "Outcome", "chain", "classify", "covering_period",
]
