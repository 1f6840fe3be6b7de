"""The vocabulary shared by config, classifier and actions.

Categories are listed in the contract's decision order; the two built-in
rule categories (`invoice`, `customization`) are named by the reference
config's rules and have default actions like the table's own.
"""

from __future__ import annotations

from typing import Final

AUTO_GENERATED: Final = "auto_generated"
UNAUTHENTICATED: Final = "unauthenticated"
CASE_MESSAGE: Final = "case_message"
UNKNOWN_SENDER: Final = "unknown_sender"
CASE_REPLY: Final = "case_reply"
FOLLOW_UP: Final = "follow_up"
SELLER_QUESTION: Final = "seller_question"
PRE_SALE: Final = "pre_sale"
AMAZON_FULFILLED: Final = "amazon_fulfilled"
NOT_COVERED: Final = "not_covered"
POST_SALE_SELLER_FULFILLED: Final = "post_sale_seller_fulfilled"
ORDER_UNKNOWN: Final = "order_unknown"
INVOICE: Final = "invoice"
CUSTOMIZATION: Final = "customization"

FORWARD: Final = "forward"
BOUNCE: Final = "bounce"
REDIRECT: Final = "redirect"
HOLD: Final = "hold"
DROP: Final = "drop"
RELAY: Final = "relay"

ACTIONS: Final = (FORWARD, BOUNCE, REDIRECT, RELAY, HOLD, DROP)

DEFAULT_ACTIONS: Final[dict[str, str]] = {
    POST_SALE_SELLER_FULFILLED: FORWARD,
    FOLLOW_UP: FORWARD,
    SELLER_QUESTION: BOUNCE,
    PRE_SALE: BOUNCE,
    AMAZON_FULFILLED: BOUNCE,
    INVOICE: BOUNCE,
    CUSTOMIZATION: BOUNCE,
    NOT_COVERED: BOUNCE,
    ORDER_UNKNOWN: HOLD,
    UNKNOWN_SENDER: HOLD,
    UNAUTHENTICATED: HOLD,
    AUTO_GENERATED: DROP,
    CASE_MESSAGE: RELAY,
    CASE_REPLY: RELAY,
}

# What unauthenticated mail may do: it is kept or dropped, never answered,
# forwarded or counted (a forger must not reach the seller or its bill).
UNAUTHENTICATED_ACTIONS: Final = (HOLD, DROP)

# A case's mail is relayed, kept or dropped; only a case's mail can be
# relayed (a relay needs the case: the seller and the team address it joins).
CASE_CATEGORIES: Final = (CASE_MESSAGE, CASE_REPLY)
CASE_ACTIONS: Final = (RELAY, HOLD, DROP)

BUILTIN_CATEGORIES: Final = tuple(DEFAULT_ACTIONS)
