"""The vocabulary shared by config, classifier and actions.

Categories are listed in the contract's decision order; the two built-in
rule categories (`invoice`, `customization`) are named by the reference
config's rules and have default actions like the table's own.
"""

from __future__ import annotations

from typing import Final

AUTO_GENERATED: Final = "auto_generated"
UNAUTHENTICATED: Final = "unauthenticated"
UNKNOWN_SENDER: Final = "unknown_sender"
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

ACTIONS: Final = (FORWARD, BOUNCE, REDIRECT, HOLD, DROP)

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
}

# What unauthenticated mail may do: it is kept or dropped, never answered,
# forwarded or counted (a forger must not reach the seller or its bill).
UNAUTHENTICATED_ACTIONS: Final = (HOLD, DROP)

BUILTIN_CATEGORIES: Final = tuple(DEFAULT_ACTIONS)
