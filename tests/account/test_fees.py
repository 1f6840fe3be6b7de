"""Fee schedules and rewards (contract: "Fee schedules and rewards"), hand-computed.

Each case names the rule it pins; the schedules are the contract's
amazon.com versions (2021 with rewards, 2026 program) and amazon.co.jp.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from router.account.billing import Activity, Coverage, Terms, compute_bill
from router.account.fees import (
    Figures,
    WindowFacts,
    exact_text,
    round_money,
    unit_fee,
)
from router.account.months import Month
from router.config.model import Config, FeeSchedule, Period

COM_2021 = {
    "from": "2021-11-01", "currency": "USD",
    "tiers": [{"cpu_at_most": "0.05", "fee": "0.10"}, {"cpu_at_most": "0.15", "fee": "0.25"},
              {"cpu_at_most": "0.30", "fee": "0.50"}, {"cpu_at_most": None, "fee": "0.70"}],
    "low_volume": {"max_units": 30, "fee": "0.25"},
    "rewards": {"vtr_at_least": "0.95", "aprl_at_least": "0.95",
                "discounts": ["100", "50", "30", "15"]},
}
COM_2026 = {
    "from": "2026-06-01", "currency": "USD", "trial_days": 90,
    "tiers": [{"cpu_below": "0.03", "fee": "0.00"}, {"cpu_at_most": "0.05", "fee": "0.10"},
              {"cpu_at_most": "0.15", "fee": "0.25"}, {"cpu_at_most": "0.30", "fee": "0.50"},
              {"cpu_at_most": None, "fee": "0.70"}],
    "low_volume": {"orders_below": 30, "fee": "0.00"},
}
JP = {
    "currency": "JPY",
    "tiers": [{"cpu_at_most": "0.05", "fee": "11"}, {"cpu_at_most": "0.10", "fee": "38"},
              {"cpu_at_most": "0.20", "fee": "76"}, {"cpu_at_most": None, "fee": "163"}],
}
V2021 = FeeSchedule.model_validate(COM_2021)
V2026 = FeeSchedule.model_validate(COM_2026)
JPY = FeeSchedule.model_validate(JP)
GOOD = Figures(Decimal("0.96"), Decimal("0.97"))
D = date.fromisoformat


def fee(schedule: FeeSchedule, contacts: int, units: int, *, orders: int = 1000,
        figures: Figures | None = None) -> tuple[Decimal, Decimal | None, bool]:
    window = WindowFacts(Fraction(contacts, units) if units else None, units, orders, figures)
    got = unit_fee(schedule, window)
    return got.amount, got.discount_percent, got.low_volume


# --- bounds ------------------------------------------------------------------


@pytest.mark.parametrize(("contacts", "units", "expected"), [
    (29, 1000, "0.00"),   # 2.9 %: below 3 %, free
    (30, 1000, "0.10"),   # exactly 3 %: cpu_below is exclusive, next tier
    (50, 1000, "0.10"),   # exactly 5 %: cpu_at_most is inclusive
    (51, 1000, "0.25"),
    (300, 1000, "0.50"),  # exactly 30 %
    (301, 1000, "0.70"),  # above every bound
])
def test_each_bound_at_exactly_the_bound(contacts: int, units: int, expected: str) -> None:
    assert fee(V2026, contacts, units)[0] == Decimal(expected)


# --- rewards -----------------------------------------------------------------


@pytest.mark.parametrize(("figures", "discount", "amount"), [
    (Figures(Decimal("0.95"), Decimal("0.95")), "50", "0.125"),  # exactly at both bounds
    (Figures(Decimal("0.949999"), Decimal("0.99")), None, "0.25"),  # VTR just under
    (Figures(Decimal("0.99"), None), None, "0.25"),  # APRL missing: a bound not met
    (Figures(Decimal("0.99"), Decimal("0.90")), None, "0.25"),  # APRL low
    (None, None, "0.25"),  # no figures imported: no reward
])
def test_reward_needs_every_bound(figures: Figures | None, discount: str | None,
                                  amount: str) -> None:
    # 100 / 1000 = 10 %: the 0.25 tier; its discount is 50 % (0.125, exact).
    got, percent, _low = fee(V2021, 100, 1000, figures=figures)
    assert got == Decimal(amount)
    assert percent == (None if discount is None else Decimal(discount))


def test_reward_without_aprl_bound_ignores_the_missing_figure() -> None:
    schedule = FeeSchedule.model_validate(
        {**COM_2021, "rewards": {"vtr_at_least": "0.95", "discounts": ["100", "50", "30", "15"]}})
    assert fee(schedule, 100, 1000, figures=Figures(Decimal("0.95")))[:2] == (
        Decimal("0.125"), Decimal("50"))


def test_free_at_cpu_up_to_five_percent_with_rewards() -> None:
    assert fee(V2021, 50, 1000, figures=GOOD)[:2] == (Decimal("0"), Decimal("100"))


def test_low_volume_cap_applies_after_the_discount() -> None:
    # 30 units, CPU 1/3: tier 0.70, 15 % off = 0.595; the cap 0.25 is lower.
    assert fee(V2021, 10, 30, figures=GOOD) == (Decimal("0.25"), Decimal("15"), True)
    # 30 units, CPU 10 %: 0.25 with 50 % off = 0.125, under the cap: the reward stands.
    assert fee(V2021, 3, 30, figures=GOOD) == (Decimal("0.125"), Decimal("50"), False)


def test_unknown_cpu_gets_no_reward() -> None:
    assert fee(V2021, 0, 0, figures=GOOD) == (Decimal("0.25"), None, True)
    assert fee(JPY, 0, 0) == (Decimal("11"), None, False)  # no low_volume: the first tier


# --- low volume by orders ---------------------------------------------------------


def test_29_orders_are_free_30_are_not() -> None:
    # CPU 10 %: the 0.25 tier; fewer than 30 distinct orders in the window: 0.00.
    assert fee(V2026, 100, 1000, orders=29) == (Decimal("0.00"), None, True)
    assert fee(V2026, 100, 1000, orders=30) == (Decimal("0.25"), None, False)


# --- money -------------------------------------------------------------------------


def test_yen_have_no_minor_unit() -> None:
    assert exact_text(Decimal("11"), "JPY") == "11"
    assert exact_text(Decimal("38") * 50 / 100, "JPY") == "19"
    assert exact_text(Decimal("11") / 2, "JPY") == "5.5"  # exact, never fewer places
    assert str(round_money(Decimal("5.5") * 3, "JPY")) == "17"  # 16.5 half-up
    assert str(round_money(Decimal("11") * 7, "JPY")) == "77"


def test_half_up_at_half_of_the_minor_unit() -> None:
    assert str(round_money(Decimal("0.125") * 1, "USD")) == "0.13"  # half-even: 0.12
    assert str(round_money(Decimal("0.125") * 3, "USD")) == "0.38"  # 0.375
    assert str(round_money(Decimal("0.124999"), "USD")) == "0.12"
    assert exact_text(Decimal("0.1"), "USD") == "0.10"
    assert exact_text(Decimal("0.125"), "USD") == "0.125"
    assert exact_text(Decimal("0"), "EUR") == "0.00"


# --- versions and trials -------------------------------------------------------------


def _terms(*periods: Period, versions: tuple[FeeSchedule, ...] = (V2021, V2026),
           trial_days: int = 30) -> Terms:
    config = Config.model_validate({
        "regions": {"us": {"address": "csba-us@amazon.com", "marketplace": "amazon.com",
                           "forward_to": "team@example.internal"}},
        "sellers": [{"id": "S", "region": "us", "addresses": ["s@shop.example"],
                     "enrollment": [p.model_dump() for p in periods]}],
        "billing": {"trial_days": trial_days,
                    "fees": {"amazon.com": [v.model_dump(by_alias=True) for v in versions]}},
    })
    return Terms.of(config, config.sellers[0])


def _units(days: dict[str, int]) -> dict[date, int]:
    return {D(d): n for d, n in days.items()}


def test_a_month_on_each_side_of_a_version_change() -> None:
    terms = _terms(Period(start=D("2025-01-01")))
    # 12 contacts / 1000 units in every window: 1.2 %.  May: 2021 version, 0.10 per
    # unit; June: the 2026 version's free tier under 3 %.
    units = _units({f"2026-{m:02d}-10": 1000 for m in range(1, 7)})
    contacts = {Month(2026, m): 12 for m in range(1, 7)}
    activity = Activity(units, contacts, {d: 100 for d in units})
    may = compute_bill(terms, Month(2026, 5), activity)
    june = compute_bill(terms, Month(2026, 6), activity)
    assert (may.schedule_from, may.fee_per_unit, may.fee) == ("2021-11-01", "0.10", "100.00")
    assert (june.schedule_from, june.fee_per_unit, june.fee) == ("2026-06-01", "0.00", "0.00")
    assert (may.fee_basis, june.fee_basis) == ("tier", "tier")


def test_trial_is_set_by_the_version_in_force_at_the_first_enrollment() -> None:
    # Enrolled 2026-06-01: the 2026 version gives 90 days (to 2026-08-30, excl.).
    late = _terms(Period(start=D("2026-06-01")))
    assert late.coverage.trial == (D("2026-06-01"), D("2026-08-30"))
    # Enrolled 2026-03-01, under the 2021 version (no trial_days): billing's 30.
    early = _terms(Period(start=D("2026-03-01")))
    assert early.coverage.trial == (D("2026-03-01"), D("2026-03-31"))
    # A day before the first version is given the first version's trial.
    before = _terms(Period(start=D("2020-01-01")), versions=(V2026,))
    assert before.coverage.trial == (D("2020-01-01"), D("2020-03-31"))


def test_a_month_wholly_in_the_trial_says_so() -> None:
    terms = _terms(Period(start=D("2026-06-01")))
    bill = compute_bill(terms, Month(2026, 7), Activity(_units({"2026-07-10": 40})))
    assert (bill.covered_units, bill.billable_units, bill.fee, bill.fee_basis) == (
        40, 0, "0.00", "trial")


def test_rewards_read_the_figures_of_the_windows_last_month() -> None:
    terms = _terms(Period(start=D("2025-01-01")), versions=(V2021,))
    units = _units({"2026-07-10": 1000, "2026-08-10": 1000, "2026-09-10": 1000,
                    "2026-10-10": 100})
    contacts = {Month(2026, 9): 300}  # 300 / 3000 = 10 %: the 0.25 tier, 50 % off
    good_july = Activity(units, contacts, {d: 500 for d in units}, {Month(2026, 7): GOOD})
    good_sept = Activity(units, contacts, {d: 500 for d in units}, {Month(2026, 9): GOOD})
    assert compute_bill(terms, Month(2026, 10), good_july).discount_percent is None
    bill = compute_bill(terms, Month(2026, 10), good_sept)
    assert (bill.vtr, bill.discount_percent, bill.fee_per_unit, bill.fee, bill.fee_basis) == (
        "0.960000", "50", "0.125", "12.50", "reward")


def test_jpy_bill_end_to_end() -> None:
    terms = Terms("S", "amazon.co.jp", (JPY,), Coverage.of([Period(start=D("2025-01-01"))], 0),
                  3)
    units = _units({"2026-08-10": 100, "2026-10-03": 7})
    bill = compute_bill(terms, Month(2026, 10), Activity(units, {Month(2026, 9): 8}))
    # 8 / 100 = 8 %: the 38 yen tier; 7 units: 266 yen.
    assert (bill.currency, bill.fee_per_unit, bill.fee) == ("JPY", "38", "266")
