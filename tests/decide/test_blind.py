"""The blind set (tests/decide/blind/), written from the contract only.

An engineer who had not read the classifier wrote these 80 messages for five
sellers of their own; the classifier got 78 right on first sight (both
misses were seller questions with an order id, fixed by rule: Latin words
inside Chinese text, and "refunded ... by Amazon").  It stays here as a
regression guard with the held-out bar: 95 % of actions, 90 % of
categories, never a notice or forward for automatic or unknown-sender mail.
"""

from __future__ import annotations

from pathlib import Path

from router.categories import AUTO_GENERATED, UNKNOWN_SENDER
from tests.decide.labelled.world import load

BLIND = Path(__file__).parent / "blind"


def test_blind_set_meets_the_held_out_bar() -> None:
    world = load(BLIND)
    results = [(label, world.classify(label)) for label in world.labels]
    assert len(results) == 80
    wrong_actions = [lab.file for lab, d in results if d.action != lab.action]
    wrong_categories = [f"{lab.file}: {lab.category} != {d.category} ({d.rule}: {d.reason})"
                        for lab, d in results if d.category != lab.category]
    assert len(wrong_actions) <= 0.05 * len(results), wrong_actions
    assert len(wrong_categories) <= 0.10 * len(results), "\n".join(wrong_categories)
    answered = [lab.file for lab, d in results
                if lab.category in (AUTO_GENERATED, UNKNOWN_SENDER)
                and d.action not in ("drop", "hold")]
    assert answered == []
