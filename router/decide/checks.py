"""The built-in checks, one per row of the contract's decision table.

Each check is a pure function of a `Context` returning a `Hit` (the
row decides) or a `Miss` (with a note of what it saw, for `--explain`).
Their order is the table's and lives in `classify.chain`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta

from router.categories import (
    AMAZON_FULFILLED,
    AUTO_GENERATED,
    FOLLOW_UP,
    NOT_COVERED,
    ORDER_UNKNOWN,
    POST_SALE_SELLER_FULFILLED,
    PRE_SALE,
    SELLER_QUESTION,
    UNAUTHENTICATED,
    UNKNOWN_SENDER,
)
from router.config.model import Period
from router.decide.automatic import automatic_signals, match_subject
from router.decide.automatic_headers import FORWARD_MARKERS
from router.decide.context import PHRASE_SCAN_CHARS, Context, attached_messages
from router.decide.decision import Hit, Miss, Result
from router.decide.facts import normalise_message_id
from router.decide.identify import NOT_AN_ADDRESS
from router.decide.vocabulary import (
    ACCOUNT_MATCHER,
    BEFORE_BUYING_MATCHER,
    POST_SALE_MATCHER,
    PRE_ORDER_MATCHER,
    PRE_SALE_MATCHER,
    PRODUCT_QUESTION_MATCHER,
    PhraseHit,
    normalise,
)
from router.mail.message import Envelope, Evidence, ParsedMail

Check = Callable[[Context], Result]

_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
_CONTACT_TAG = re.compile(r"X-CSBA-Contact:\s*(\d{1,18})\b", re.IGNORECASE)


# --------------------------------------------------------------------------
# 1. auto_generated


def check_auto_generated(ctx: Context) -> Result:
    """Automatic mail, except the marks a seller's own forwarding rule leaves.

    Automatic mail must never be answered (no backscatter, no loops).  A
    seller's mailbox rule (Exchange, procmail) may mark its forward as
    automatic; the product receives such forwards by design, so on a
    recognised forward those marks are ignored and the forwarded message's
    own signs (an attached message, its subject) are looked at instead.
    """
    signals = automatic_signals(ctx.mail, ctx.envelope, ctx.config.instance.hostname)
    ignored: list[Evidence] = []
    if ctx.forwarded:
        ignored = [s for s in signals if forward_marker(s)]
        signals = [s for s in signals if not forward_marker(s)]
        signals.extend(_inner_signals(ctx))
    if signals:
        first = signals[0]
        return Hit(AUTO_GENERATED, f"Automatic mail: {first.detail}.", tuple(signals))
    if ignored:
        ctx.evidence.extend(
            Evidence("ignored-signal", f"{s.detail} (the seller's forwarding)", s.source)
            for s in ignored)
        return Miss(f"only forwarding marks ({', '.join(s.name for s in ignored)}) on a forward")
    return Miss("no sign of automatic mail")


def forward_marker(signal: Evidence) -> bool:
    """A mark a seller's forwarding rule leaves (not a sign of an auto-reply)."""
    if signal.name not in FORWARD_MARKERS:
        return False
    if signal.name == "auto-submitted":
        value = signal.detail.partition(":")[2].strip().lower()
        return value.startswith(("auto-forwarded", "auto-generated"))
    return True


def _inner_signals(ctx: Context) -> list[Evidence]:
    """Signs that the forwarded (customer's) message itself was automatic."""
    found: list[Evidence] = []
    for inner in attached_messages(ctx.mail):
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


# --------------------------------------------------------------------------
# 2. unauthenticated


def check_unauthenticated(ctx: Context) -> Result:
    """A seller's or team's address the mail does not prove: hold, never act on it.

    Anyone can write a seller's address into a mail, and a contact bills
    the seller; with a `trust:` section the address must be authenticated
    (see `router.decide.trust`).  Mail from unknown senders goes on to
    `unknown_sender`.
    """
    if ctx.config.trust is None:
        return Miss("no trust: section, addresses are believed as written")
    verdict = ctx.trust_verdict
    if verdict is None:
        seller = ctx.seller
        if seller is not None:
            return Miss(f"seller {seller.id} is exempt (trust: none)")
        return Miss("no seller's or team's address to authenticate")
    if verdict.authenticated:
        ctx.evidence.extend(verdict.evidence())
        return Miss(f"{verdict.address} proven by {verdict.proof}")
    return Hit(UNAUTHENTICATED, verdict.reason(), verdict.evidence())


# --------------------------------------------------------------------------
# 3. unknown_sender


def check_unknown_sender(ctx: Context) -> Result:
    """No registered seller address handed it over: hold, never answer.

    A notice to an unregistered address would be backscatter to whoever
    forged or mistyped it; lookalike domains must not pass (see identify).
    """
    match = ctx.seller_lookup.match
    if match is not None:
        return Miss(f"seller {match.seller.id} ({match.address} in {match.source})")
    addresses = dict.fromkeys(
        e.detail.split(":")[0] + (f" ({NOT_AN_ADDRESS})" if e.detail.endswith(NOT_AN_ADDRESS)
                                  else "")
        for e in ctx.seller_lookup.tried if "@" in e.detail)
    tried = ", ".join(addresses) or "none"
    # The candidates tried go into every Decision's evidence (see assemble).
    return Hit(UNKNOWN_SENDER,
                   f"No address of a registered seller handed this over (tried: {tried}).")


# --------------------------------------------------------------------------
# 3. follow_up


def check_follow_up(ctx: Context) -> Result:
    """A reply to a router-made forward, a contact tag, or the same order lately.

    A follow-up joins the contact it continues, so it must be recognised
    before anything that would count or bounce it as a new inquiry.
    """
    seller = ctx.seller
    if seller is None:  # unknown_sender comes first; kept for a reordered table
        return Miss("no seller")
    refs = _referenced_ids(ctx.mail)
    if refs:
        contact = ctx.history.contact_for_reply(refs)
        if contact is not None and ctx.history.contact_owner(contact) == seller.id:
            return Hit(FOLLOW_UP, f"It replies to the router's forward of contact {contact}.",
                           (Evidence("follow-up", f"contact {contact}", "In-Reply-To/References"),),
                           contact)
    for contact in _contact_tags(ctx.mail):
        if ctx.history.contact_owner(contact) == seller.id:
            return Hit(FOLLOW_UP, f"It carries the tag of contact {contact}.",
                           (Evidence("follow-up", f"X-CSBA-Contact: {contact}", "text"),), contact)
    order = ctx.seller_order
    if order is not None:
        window = ctx.config.billing.contact_window
        contact = ctx.history.recent_contact(seller.id, order.order_id, ctx.now - window)
        shown = duration(window)
        if contact is not None:
            return Hit(
                FOLLOW_UP,
                f"Contact {contact} about order {order.order_id} was active within {shown}.",
                (Evidence("follow-up", f"contact {contact}, order {order.order_id}", "history"),),
                contact)
        return Miss(f"no contact about {order.order_id} within {shown}; no reply to a forward")
    return Miss("no reply to a forward, no contact tag, no order of the seller")


def _referenced_ids(mail: ParsedMail) -> list[str]:
    ids: dict[str, None] = {}
    for message in (mail, *attached_messages(mail)):
        for name in ("In-Reply-To", "References"):
            for value in message.header_all(name):
                for found in _MESSAGE_ID.findall(value):
                    ids.setdefault(normalise_message_id(found), None)
    return list(ids)


def _contact_tags(mail: ParsedMail) -> list[int]:
    tags: dict[int, None] = {}
    for message in (mail, *attached_messages(mail)):
        for value in message.header_all("X-CSBA-Contact"):
            if value.strip().isdigit():
                tags.setdefault(int(value.strip()), None)
        # The case-insensitive pattern is tried at every position of the
        # text; a tag needs "contact", which one lower-casing pass rules out.
        if "contact" in message.text.lower():
            for match in _CONTACT_TAG.finditer(message.text):
                tags.setdefault(int(match.group(1)), None)
    return list(tags)


# --------------------------------------------------------------------------
# 4. seller_question


def check_seller_question(ctx: Context) -> Result:
    """The seller writes about its own account, with no customer's inquiry inside.

    CSBA cannot answer those (Seller Partner Support and SAFE-T can).  Only
    mail that carries no customer's message counts: the seller's own mail
    (no forward), or a forward of Amazon's own mail about the account.
    """
    if ctx.forwarded and not _from_amazon(ctx.unwrapped.inquiry_from):
        return Miss(f"a forward ({ctx.unwrapped.style}) carries a customer's inquiry")
    text = f"{ctx.mail.subject}\n{ctx.mail.text}"
    hit = ACCOUNT_MATCHER.search(normalise(text[:PHRASE_SCAN_CHARS]))
    if hit is None:
        return Miss("no customer's inquiry, but nothing about the seller's own account")
    return Hit(SELLER_QUESTION,
                   f"The seller writes about its own account ({said(hit)}), no customer inquiry.",
                   (phrase_evidence("account", hit, "seller's text"),))


def _from_amazon(address: str | None) -> bool:
    """Amazon's own mail (seller notices), not a buyer through Amazon's relay.

    Buyer-Seller Messages come from `...@marketplace.amazon.de`: those are
    customers.
    """
    if not address or "@" not in address:
        return False
    domain = address.rpartition("@")[2].lower().rstrip(".>")
    if domain.startswith("marketplace.") or ".marketplace." in domain:
        return False
    labels = domain.split(".")
    return "amazon" in labels[:-1] and labels[-1] in ("de", "com", "fr", "cn", "co", "uk",
                                                        "it", "es", "nl", "pl")


# --------------------------------------------------------------------------
# 6. pre_sale


def check_pre_sale(ctx: Context) -> Result:
    """Pre-orders always; questions before buying only where nothing was bought.

    The help page excludes pre-sale questions and pre-orders.  A pre-order
    has an order id, so it is recognised by its words alone.  A question
    before buying counts only where the customer names no order and writes
    nothing of a purchase made ("my parcel", "ordered", "refund"): then a
    pre-sale phrase or a question about the product makes it pre-sale.
    Where both kinds of words meet, a person decides (order_unknown holds).
    """
    text = ctx.customer_text
    pre_order = PRE_ORDER_MATCHER.search(text)
    if pre_order is not None:
        return Hit(PRE_SALE, f"The customer asks about a pre-order ({said(pre_order)}).",
                       (phrase_evidence("pre-order", pre_order, "customer's text"),))
    if ctx.seller_order is not None:
        return Miss(f"no pre-order phrase; order {ctx.seller_order.order_id} of the seller "
                    "was found")
    if ctx.decision_ids:
        return Miss(f"no pre-order phrase, and order {ctx.decision_ids[0]} is named")
    before = BEFORE_BUYING_MATCHER.search(text)
    if before is not None:
        return Hit(PRE_SALE, f"The customer has not bought yet ({said(before)}).",
                       (phrase_evidence("pre-sale", before, "customer's text"),))
    # Subjects are often a client's default ("Frage zu meiner Bestellung"):
    # only the body's words tell of a purchase.
    bought = POST_SALE_MATCHER.search(ctx.customer_body)
    pre_sale = PRE_SALE_MATCHER.search(text)
    question = pre_sale or PRODUCT_QUESTION_MATCHER.search(text)
    if bought is not None:
        seen = f"a question before buying ({said(question)}), but" if question else "no order;"
        return Miss(f"{seen} the customer writes of a purchase ({said(bought)})")
    if pre_sale is not None:
        return Hit(PRE_SALE, f"The customer asks before buying ({said(pre_sale)}).",
                       (phrase_evidence("pre-sale", pre_sale, "customer's text"),))
    if question is not None:
        return Hit(PRE_SALE, f"The customer asks about the product and names no purchase "
                       f"({said(question)}).",
                       (phrase_evidence("product-question", question, "customer's text"),))
    # Not "any question": "still waiting for my lamp, can you check?" is a
    # purchase in words no list holds; an unclear case is held for a person.
    return Miss("no pre-sale phrase or product question, no order")


# --------------------------------------------------------------------------
# 7-10. The order decides.


def check_amazon_fulfilled(ctx: Context) -> Result:
    """Amazon answers for what it ships itself: the seller uses Buyer-Seller Messaging."""
    order = ctx.seller_order
    if order is None:
        return Miss("no order of the seller")
    if order.merchant:
        return Miss(f"order {order.order_id} is seller-fulfilled")
    return Hit(AMAZON_FULFILLED, f"Order {order.order_id} is fulfilled by Amazon.")


def check_not_covered(ctx: Context) -> Result:
    """Orders placed outside every enrollment period stay uncovered after re-enrollment."""
    order, seller = ctx.seller_order, ctx.seller
    if order is None or seller is None or not order.merchant:
        return Miss("no seller-fulfilled order of the seller")
    purchased = min(f.purchase_utc() for f in order.merchant)
    if covering_period(seller.enrollment, purchased) is not None:
        return Miss(f"order {order.order_id} was placed while enrolled")
    return Hit(NOT_COVERED,
                   f"Order {order.order_id} was placed {purchased:%Y-%m-%d %H:%M} UTC, "
                   f"outside the seller's enrollment ({periods(seller.enrollment)}).")


def check_post_sale(ctx: Context) -> Result:
    """CSBA's own work: seller-fulfilled, placed while enrolled (shipped or not yet)."""
    order, seller = ctx.seller_order, ctx.seller
    if order is None or seller is None or not order.merchant:
        return Miss("no seller-fulfilled order of the seller")
    purchased = min(f.purchase_utc() for f in order.merchant)
    period = covering_period(seller.enrollment, purchased)
    if period is None:
        return Miss(f"order {order.order_id} was placed outside the enrollment")
    return Hit(POST_SALE_SELLER_FULFILLED,
                   f"Order {order.order_id} is seller-fulfilled and was placed "
                   f"{purchased:%Y-%m-%d} while the seller was enrolled (since {period.start}).")


def check_order_unknown(ctx: Context) -> Result:
    """The last row: post-sale, but no order of the seller identified; a person looks."""
    if not ctx.decision_ids:
        reason = "The inquiry names no order id."
    elif ctx.foreign_ids():
        reason = (f"Order {', '.join(ctx.foreign_ids())} belongs to another seller; "
                  "no order of this seller was found.")
    else:
        reason = f"Order {', '.join(ctx.decision_ids)} is not among the seller's imported orders."
    return Hit(ORDER_UNKNOWN, reason)


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
# Words for reasons.


def duration(value: timedelta) -> str:
    """`24h`, `7d`, `90m`: the way the config writes durations."""
    seconds = int(value.total_seconds())
    if seconds >= 2 * 86400 and seconds % 86400 == 0:
        return f"{seconds // 86400}d"
    for unit, size in (("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def said(hit: PhraseHit) -> str:
    return f"{hit.language}: {hit.phrase!r}"


def phrase_evidence(name: str, hit: PhraseHit, source: str) -> Evidence:
    return Evidence(name, f"{hit.phrase!r} ({hit.language}) matched {hit.matched!r}", source)


def periods(values: list[Period]) -> str:
    if not values:
        return "never enrolled"
    return ", ".join(f"{p.start}..{p.end or ''}" for p in values)
