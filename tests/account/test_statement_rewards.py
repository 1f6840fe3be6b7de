"""A statement says which schedule and which rule set the fee, in the seller's language."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from router.account.billing import Activity, Terms, compute_bill
from router.account.months import Month, span
from router.account.statements import StatementTemplates, compose_statement, render_chart
from router.config.model import Config
from tests.account.test_fees import COM_2021, COM_2026, GOOD
from tests.account.test_statements import _text

OCT = Month(2026, 10)


def _config(language: str) -> Config:
    return Config.model_validate({
        "instance": {"hostname": "csba-router.test"},
        "regions": {"us": {"address": "csba-us@amazon.com", "marketplace": "amazon.com",
                           "forward_to": "team@example.internal"}},
        "sellers": [{"id": "US1", "language": language, "region": "us",
                     "addresses": ["us1@shop.example"], "enrollment": [{"start": "2025-01-01"}]}],
        "billing": {"fees": {"amazon.com": [COM_2021, {**COM_2026, "from": "2026-11-01"}]}},
    })


def _statement(language: str, month: Month, activity: Activity) -> str:
    config = _config(language)
    seller = config.sellers[0]
    terms = Terms.of(config, seller)
    bill = compute_bill(terms, month, activity)
    png = render_chart(terms, span(month.plus(-2), month), activity)
    return _text(compose_statement(config, seller, bill, png,
                                   now=datetime(2026, 12, 1, tzinfo=UTC),
                                   templates=StatementTemplates.from_config(config)).raw)


# 300 contacts / 3000 units = 10 %: the 0.25 tier; September's VTR 96 %: 50 % off.
REWARDED = Activity(
    {date(2026, 7, 10): 1000, date(2026, 8, 10): 1000, date(2026, 9, 10): 1000,
     date(2026, 10, 10): 100, date(2026, 11, 10): 100},
    {Month(2026, 9): 300}, {}, {Month(2026, 9): GOOD})


@pytest.mark.parametrize(("language", "words"), [
    ("en", ["0.125 USD per unit x 100", "schedule from 2021-11-01",
            "Valid Tracking Rate of 2026-09 was\r\n96 %", "reduced by 50 %"]),
    ("de", ["0,125 USD je Einheit x 100", "Gebührenordnung ab 2021-11-01", "um 50 % reduziert"]),
    ("fr", ["0,125 USD par unité", "barème du 2021-11-01", "réduits de 50 %"]),
    ("zh", ["2021-11-01 起的费用标准", "减免 50 %"]),
])
def test_a_reward_is_explained(language: str, words: list[str]) -> None:
    text = _statement(language, OCT, REWARDED)
    for word in words:
        assert word in text, (word, text)


def test_no_reward_no_reward_paragraph() -> None:
    plain = Activity(REWARDED.units_by_day, REWARDED.contacts_by_month)
    text = _statement("en", OCT, plain)
    assert "reward" not in text and "0.25 USD per unit" in text


def test_exclusive_bound_and_orders_low_volume_are_worded() -> None:
    # November: the 2026 version (from 2026-11-01 in this config); CPU 0 is "below 0.03";
    # fewer than 30 orders in the window (no order counts here): free.
    few = Activity(REWARDED.units_by_day, {}, {date(2026, 9, 10): 5})
    text = _statement("en", Month(2026, 11), few)
    assert "-> CPU below 0.03: 0.00" in text
    assert "schedule from 2026-11-01" in text
    assert "With fewer than 30 orders in the CPU window" in text
