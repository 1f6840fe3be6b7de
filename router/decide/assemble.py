"""From the check that decided to the stored `Decision`.

Besides the category, a Decision carries what `--explain` and the later
stages need: region, customer language, the order ids, and the evidence
of every finding.  Orders are looked up only where they can matter.
"""

from __future__ import annotations

from router.categories import (
    AUTO_GENERATED,
    CASE_MESSAGE,
    CASE_REPLY,
    UNAUTHENTICATED,
    UNKNOWN_SENDER,
)
from router.config.model import Seller
from router.decide.context import Context
from router.decide.decision import Decision, Hit
from router.decide.language import detect_language
from router.decide.unwrap import strip_forward_prefix
from router.mail.message import Evidence

# How much of the customer's text a Decision keeps for `--explain`.
INQUIRY_EXCERPT = 600


def decision(ctx: Context, hit: Hit, rule: str, hits: list[str], misses: list[str],
             notes: list[tuple[str, str]]) -> Decision:
    """The Decision for the check's `hit`, with everything found on the way."""
    seller = ctx.seller
    evidence: list[Evidence] = []
    if ctx.seller_lookup.match:
        evidence.append(ctx.seller_lookup.match.evidence)
    evidence.extend(ctx.seller_lookup.tried)
    region = _region(ctx, evidence)
    language = _language(ctx, seller, region, evidence)
    evidence.extend(ctx.unwrapped.evidence)
    evidence.append(Evidence("inquiry", excerpt(ctx.unwrapped.inquiry_text), ctx.unwrapped.style))
    # Orders are looked up only where they can matter: not for automatic
    # mail, unauthenticated mail nor unknown senders, decided before any order,
    # nor for a case's mail (its case names seller and order).
    order_id = None
    seller_id = seller.id if seller else None
    if hit.case is not None:
        seller_id, order_id = hit.case.seller_id, hit.case.order_id
    elif hit.category not in (AUTO_GENERATED, UNAUTHENTICATED, UNKNOWN_SENDER,
                                  CASE_MESSAGE, CASE_REPLY):
        evidence.extend(_order_evidence(ctx))
        order_id = ctx.seller_order.order_id if ctx.seller_order else None
    elif ctx.order_ids:
        evidence.append(Evidence("order-ids", ", ".join(ctx.order_ids), "customer's text"))
    evidence.extend(ctx.evidence)
    evidence.extend(hit.evidence)
    return Decision(
        category=hit.category,
        action=ctx.config.action_for(hit.category),
        rule=rule,
        reason=hit.reason,
        seller_id=seller_id,
        region=region,
        order_ids=tuple(ctx.order_ids),
        language=language,
        hits=tuple(hits),
        misses=tuple(misses),
        evidence=tuple(evidence),
        contact_id=hit.contact_id,
        message_id=ctx.mail.message_id,
        order_id=order_id,
        notes=tuple(notes),
        address=ctx.seller_address,
        case=hit.case,
        customer_subject=strip_forward_prefix(ctx.unwrapped.inquiry_subject or ctx.mail.subject),
        customer_from=ctx.unwrapped.inquiry_from,
    )


def excerpt(text: str) -> str:
    """The text on one line, cut to INQUIRY_EXCERPT characters.

    Joining a prefix's words gives a prefix of the whole text's line (its
    last word may be cut short), so a prefix is enough where it already
    gives more than the excerpt holds.
    """
    line = " ".join(text[: 2 * INQUIRY_EXCERPT].split())
    if len(line) <= INQUIRY_EXCERPT and len(text) > 2 * INQUIRY_EXCERPT:
        line = " ".join(text.split())
    if len(line) > INQUIRY_EXCERPT:
        line = line[: INQUIRY_EXCERPT - 1] + "…"
    return line


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
