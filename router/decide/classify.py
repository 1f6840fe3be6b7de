"""One category per message: the contract's decision table as code.

`chain(config)` is the table, in the contract's order: a name and a check
function per row (`BEFORE_RULES`, `AFTER_RULES`, see `checks`), with the
admin's `classification.rules` (see `rules`) spliced in between
`seller_question` and `pre_sale`.  `classify` walks it with a short loop:
the first check that hits decides; every check that ran is recorded as a
hit or a miss with a note, so `--explain` can show the way.

Nothing here touches a database, the network or the clock: orders,
history and cases come through the protocols of `facts` and `casefacts`,
the time as `now`.
"""

from __future__ import annotations

from datetime import datetime

from router.categories import (
    AMAZON_FULFILLED,
    AUTO_GENERATED,
    CASE_MESSAGE,
    CASE_REPLY,
    FOLLOW_UP,
    NOT_COVERED,
    ORDER_UNKNOWN,
    POST_SALE_SELLER_FULFILLED,
    PRE_SALE,
    SELLER_QUESTION,
    UNAUTHENTICATED,
    UNKNOWN_SENDER,
)
from router.config.model import Config
from router.decide.assemble import decision
from router.decide.casefacts import CaseBook
from router.decide.cases import check_case_message, check_case_reply
from router.decide.checks import (
    Check,
    check_amazon_fulfilled,
    check_auto_generated,
    check_follow_up,
    check_not_covered,
    check_order_unknown,
    check_post_sale,
    check_pre_sale,
    check_seller_question,
    check_unauthenticated,
    check_unknown_sender,
    covering_period,
)
from router.decide.context import Context
from router.decide.decision import JSON_KEYS, Decision, Hit, Miss
from router.decide.facts import History, OrderBook
from router.decide.identify import cached_per_config
from router.decide.rules import CompiledRule
from router.decide.trust import Verified
from router.mail.message import Envelope, ParsedMail

# Without a `trust:` section the unauthenticated row is left out of the
# chain, so decisions (and their explanations) are exactly as before.
TRUST_ROW: tuple[str, Check] = (UNAUTHENTICATED, check_unauthenticated)
BEFORE_RULES: tuple[tuple[str, Check], ...] = (
    (AUTO_GENERATED, check_auto_generated),
    (CASE_MESSAGE, check_case_message),
    (UNKNOWN_SENDER, check_unknown_sender),
    (CASE_REPLY, check_case_reply),
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
    before = BEFORE_RULES
    if config.trust is not None:
        before = before[:1] + (TRUST_ROW,) + before[1:]
    return before + rules + AFTER_RULES


def classify(config: Config, mail: ParsedMail, envelope: Envelope, *,
             orders: OrderBook, history: History, now: datetime,
             verified: Verified | None = None, cases: CaseBook | None = None) -> Decision:
    """Decide one message: walk the chain until a check hits.

    `verified`: what the router's own authentication checks found
    (`router.verify`, run before this when `trust.verify` is set);
    `cases`: the forwards and cases of the store (none without it).
    """
    ctx = Context(config, mail, envelope, orders=orders, history=history, now=now,
                  verified=verified, cases=cases)
    hits: list[str] = []
    misses: list[str] = []
    notes: list[tuple[str, str]] = []
    found: Hit | None = None
    decided_by = ORDER_UNKNOWN
    for name, check in chain(config):
        result = check(ctx)
        if isinstance(result, Hit):
            hits.append(name)
            notes.append((name, result.reason))
            found, decided_by = result, name
            break
        misses.append(name)
        notes.append((name, result.note))
    if found is None:  # unreachable: order_unknown always hits
        found = Hit(ORDER_UNKNOWN, "No check decided.")
    return decision(ctx, found, decided_by, hits, misses, notes)


__all__ = [
    "AFTER_RULES", "BEFORE_RULES", "Check", "CompiledRule", "Context", "Decision", "Hit",
    "JSON_KEYS", "Miss", "Verified", "chain", "classify", "covering_period",
]
