"""A Decision in words, for the operator who wants to know why.

Works from the Decision alone (its notes and evidence), so a decision
stored with its message explains itself later the same way as one made
just now by `classify --explain`.
"""

from __future__ import annotations

import textwrap

from router.decide.classify import Decision
from router.mail.message import Evidence

# Evidence shown under "Found", in this order, with its heading.
_FOUND = (
    ("seller", "seller"),
    ("seller-candidate", "not a seller"),
    ("trust-verdict", "sender trust"),
    ("trust", "authentication"),
    ("region", "region"),
    ("region-candidate", "not a region"),
    ("region-note", "note"),
    ("forward", "forward"),
    ("auto-forward", "forward"),
    ("inquiry-from", "customer"),
    ("order-ids", "order ids"),
    ("order", "order"),
    ("language", "language"),
    ("ignored-signal", "ignored"),
    ("follow-up", "follow-up"),
)
_EXCERPT_WIDTH = 76
_EXCERPT_LINES = 8


def explain(decision: Decision, file: str | None = None) -> str:
    """Several lines: the verdict, the chain of checks, what was found, the inquiry."""
    lines: list[str] = []
    head = f"{file}: " if file else ""
    lines.append(f"{head}{decision.category} -> {decision.action} (by {decision.rule})")
    lines.append(f"  {decision.reason}")
    if decision.message_id:
        lines.append(f"  Message-ID: {decision.message_id}")
    lines.append("Checks:")
    hits = set(decision.hits)
    for name, note in decision.notes:
        mark = "HIT " if name in hits else "miss"
        lines.append(f"  [{mark}] {name}: {note}")
    lines.append("Found:")
    lines.append(f"  seller id: {decision.seller_id or '-'}   region: {decision.region or '-'}"
                 f"   language: {decision.language or '-'}")
    lines.append(f"  order ids: {', '.join(decision.order_ids) or '-'}"
                 f"   decided on: {decision.order_id or '-'}"
                 + (f"   contact: {decision.contact_id}" if decision.contact_id else ""))
    shown: set[int] = set()
    for name, label in _FOUND:
        for i, item in enumerate(decision.evidence):
            if item.name == name and i not in shown:
                shown.add(i)
                lines.append(f"  {label}: {_evidence(item)}")
    rest = [e for i, e in enumerate(decision.evidence) if i not in shown and e.name != "inquiry"]
    if rest:
        lines.append("Evidence:")
        lines.extend(f"  {e.name}: {_evidence(e)}" for e in rest)
    inquiry = next((e for e in decision.evidence if e.name == "inquiry"), None)
    if inquiry is not None:
        lines.append(f"Customer's text ({inquiry.source or 'unwrapped'}):")
        wrapped = textwrap.wrap(inquiry.detail, _EXCERPT_WIDTH) or ["(empty)"]
        if len(wrapped) > _EXCERPT_LINES:
            wrapped = wrapped[:_EXCERPT_LINES] + ["…"]
        lines.extend(f"  | {line}" for line in wrapped)
    return "\n".join(lines)


def _evidence(item: Evidence) -> str:
    return f"{item.detail} [{item.source}]" if item.source else item.detail
