"""From a Decision to what the router does: pure, so every guard is testable.

The classifier says what a message is and what its category's action is;
the plan adds what the delivery guarantees demand on top: never a notice to
automatic mail or to an unknown sender (no backscatter), at most N notices
per seller address and day, no second notice about the same original, no
redirect without a `bsm_address`, no contact without a seller, nothing done
for mail whose sender is not authenticated (sender trust).  When a guard
changes the action it names itself as the deciding rule, so `held` shows
why.  `cannot_take` says the same before anything happens: an operator's
`release --as` is refused where the action could not be taken.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from router import states
from router.categories import (
    AUTO_GENERATED,
    BOUNCE,
    DROP,
    FOLLOW_UP,
    FORWARD,
    HOLD,
    POST_SALE_SELLER_FULFILLED,
    REDIRECT,
    RELAY,
    UNAUTHENTICATED,
    UNAUTHENTICATED_ACTIONS,
    UNKNOWN_SENDER,
)
from router.config import Config
from router.decide.classify import Decision
from router.mail.message import Evidence

NOTICE_REPEAT_DAYS = 30

# Where a guard stops an action, what happens instead.
_NO_NOTICE_FALLBACK = {AUTO_GENERATED: DROP, UNKNOWN_SENDER: HOLD, UNAUTHENTICATED: HOLD}


@dataclass(frozen=True)
class Facts:
    """What the plan needs to know from the store, gathered before it runs."""

    seller_address: str | None
    notices_today: int = 0
    noticed_same_original: bool = False
    duplicate_of: int | None = None


@dataclass(frozen=True)
class Plan:
    """The decision as it will be recorded, and what to write with it."""

    decision: Decision
    state: str  # states.DONE or states.HELD
    send: str | None = None  # "forward", "notice", "redirect", "relay"
    new_contact: bool = False
    join_contact: int | None = None


def _guarded(decision: Decision, action: str, rule: str, reason: str) -> Decision:
    """The decision with a guard's action, keeping what the classifier said."""
    said = Evidence("classified", f"{decision.category} by {decision.rule}: {decision.reason}",
                    "classifier")
    return replace(decision, action=action, rule=rule, reason=reason,
                   evidence=decision.evidence + (said,))


def make_plan(config: Config, decision: Decision, facts: Facts) -> Plan:
    """What to do with one decided message."""
    if facts.duplicate_of is not None:
        return Plan(_guarded(decision, DROP, "duplicate",
                             f"the same Message-ID from the same sender was already handled "
                             f"as message {facts.duplicate_of}"), states.DONE)
    if _logs_contact(decision) and decision.seller_id is None:
        return Plan(_guarded(decision, HOLD, "no-seller", NO_SELLER), states.HELD)
    action = decision.action
    if decision.category == UNAUTHENTICATED and action not in UNAUTHENTICATED_ACTIONS:
        # The config check refuses such an action; a forger must never
        # reach the team, the seller's mailbox or the seller's bill.
        return Plan(_guarded(decision, HOLD, "unauthenticated",
                             "mail that does not prove its sender is never acted on"), states.HELD)
    if action == HOLD:
        return Plan(decision, states.HELD)
    if action == DROP:
        return Plan(decision, states.DONE, new_contact=_logs_contact(decision))
    if action == BOUNCE:
        return _plan_notice(config, decision, facts)
    if action == REDIRECT:
        region = config.regions.get(decision.region or "")
        if region is None or region.bsm_address is None:
            return Plan(_guarded(decision, HOLD, "no-bsm-address",
                                 f"region {decision.region} has no bsm_address to redirect to"),
                        states.HELD)
        return Plan(decision, states.DONE, send="redirect", new_contact=_logs_contact(decision))
    if action == FORWARD:
        if decision.region not in config.regions:
            return Plan(_guarded(decision, HOLD, "no-region",
                                 "no region is known, so there is no team to forward to"),
                        states.HELD)
        join = decision.contact_id if decision.category == FOLLOW_UP else None
        return Plan(decision, states.DONE, send="forward", new_contact=_logs_contact(decision),
                    join_contact=join)
    if action == RELAY:
        # A case's mail passed on: no contact, no follow-up (CPU unchanged).
        if decision.case is None:
            return Plan(_guarded(decision, HOLD, "no-case", NO_CASE), states.HELD)
        problem = _relay_problem(config, decision)
        if problem is not None:
            return Plan(_guarded(decision, HOLD, "no-relay-address", problem), states.HELD)
        return Plan(decision, states.DONE, send="relay")
    raise ValueError(f"unknown action {action!r}")  # the config check makes this unreachable


NO_SELLER = "a contact needs a seller, and no configured seller sent this message"
NO_CASE = ("a relay passes a case's mail on, and no case of the router was found for this "
           "message (a team address answering a forward, or a seller naming its open case)")


def cannot_take(config: Config, decision: Decision, seller_address: str | None) -> str | None:
    """Why the decision's action cannot be taken for this message; None when it can.

    Pure, on what the classifier found (seller, region, the seller address
    that handed the message over, the contact a follow-up continues), so a
    release can be refused before anything is written.  These are the cases
    where `make_plan` would not take the action (it holds or drops instead)
    or the store would refuse it.
    """
    category, action = decision.category, decision.action
    if _logs_contact(decision):
        if decision.seller_id is None:
            return NO_SELLER
        if decision.contact_id is not None:
            return (f"it continues contact {decision.contact_id} (a follow-up), and one order "
                    "is one contact inside the contact window: release it as follow_up")
    if category == FOLLOW_UP and decision.contact_id is None:
        return ("a follow-up joins the contact it continues, and no contact was found for "
                "this message (no reply to a forward, no contact on its order within the "
                "contact window)")
    if action == RELAY:
        return NO_CASE if decision.case is None else _relay_problem(config, decision)
    if action in (FORWARD, REDIRECT) and decision.region not in config.regions:
        return f"{action} needs a region, and no region is known for this message"
    if action == REDIRECT:
        region = config.regions[decision.region or ""]
        if region.bsm_address is None:
            return f"redirect needs a bsm_address, and region {decision.region} has none"
    if action == BOUNCE:
        if category in _NO_NOTICE_FALLBACK:
            return f"notices are never sent for {category} (no backscatter)"
        if seller_address is None:
            return ("a notice goes to the seller address that handed the message over, "
                    "and no seller's address did")
    return None


def _relay_problem(config: Config, decision: Decision) -> str | None:
    """Why a case's mail cannot be relayed (seller or region gone, no notify address)."""
    step = decision.case
    assert step is not None
    seller = config.seller(step.seller_id)
    if seller is None:
        return f"seller {step.seller_id} of case {step.case_id or '(new)'} is not configured"
    if step.region not in config.regions:
        return f"region {step.region} of the case is not configured"
    if step.kind != "answer" and not seller.notify_address:
        return (f"seller {seller.id} has no address to relay the team's message to "
                "(only *@domain addresses and no notify)")
    return None


def _logs_contact(decision: Decision) -> bool:
    return decision.category == POST_SALE_SELLER_FULFILLED


def _plan_notice(config: Config, decision: Decision, facts: Facts) -> Plan:
    if decision.category in _NO_NOTICE_FALLBACK or facts.seller_address is None:
        fallback = _NO_NOTICE_FALLBACK.get(decision.category, HOLD)
        return Plan(_guarded(decision, fallback, "no-backscatter",
                             "notices are never sent to automatic mail or unknown senders"),
                    states.HELD if fallback == HOLD else states.DONE)
    limit = config.auto_reply.max_notices_per_sender_per_day
    if facts.notices_today >= limit:
        return Plan(_guarded(decision, HOLD, "notice-limit",
                             f"{facts.seller_address} already got {facts.notices_today} notices "
                             f"in the last 24 hours (limit {limit})"), states.HELD)
    if facts.noticed_same_original:
        return Plan(_guarded(decision, DROP, "notice-repeat",
                             f"{facts.seller_address} already got a notice about this message "
                             f"in the last {NOTICE_REPEAT_DAYS} days"), states.DONE)
    return Plan(decision, states.DONE, send="notice")
