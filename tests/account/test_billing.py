"""The contract's Billing rules, one hand-computed case each, on plain data.

Units are given per UTC purchase day (Merchant + Shipped, as the database
sums them) and contacts per UTC month; the SQL side is tested in
test_figures.py.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from router.account.billing import (
    FIELDS,
    Activity,
    Coverage,
    compute_bill,
    cpu_window,
    exact_cpu,
    rounded_cpu,
)
from router.account.fees import WindowFacts, unit_fee
from router.account.months import Month
from router.config.model import Billing, FeeSchedule
from tests.account.fixtures import COM, DE, period, terms

OCT = Month(2026, 10)
D = date.fromisoformat


def fee_per_unit(schedule: FeeSchedule, cpu: Fraction | None, units: int) -> Decimal:
    return unit_fee(schedule, WindowFacts(cpu, units, units, None)).amount


def activity(units: dict[str, int], contacts: dict[str, int] | None = None) -> Activity:
    return Activity({D(d): n for d, n in units.items()},
                    {Month.parse(m): n for m, n in (contacts or {}).items()})


def test_the_contracts_example_cpu_exactly_on_the_bound_takes_the_lower_tier() -> None:
    # 30 contacts / 600 units = 0.05 exactly; cpu_at_most is inclusive: 0.09.
    bill = compute_bill(
        terms(period("2026-06-01")), OCT,
        activity({"2026-07-10": 200, "2026-08-10": 200, "2026-09-10": 200, "2026-10-02": 200},
                 {"2026-07": 10, "2026-08": 10, "2026-09": 10, "2026-10": 4}))
    assert bill.to_json() == {
        "seller_id": "S1", "month": "2026-10", "marketplace": "amazon.de", "currency": "EUR",
        "cpu_window": "2026-07..2026-09", "window_units": 600, "window_contacts": 30,
        "cpu": "0.050000", "fee_per_unit": "0.09", "covered_units": 200,
        "billable_units": 200, "contacts": 4, "fee": "18.00", "schedule_from": None,
        "vtr": None, "discount_percent": None, "low_volume": False, "fee_basis": "tier"}
    assert list(bill.to_json()) == list(FIELDS)


@pytest.mark.parametrize(("contacts", "units", "fee"), [
    (90, 600, "0.41"),    # 0.15 exactly: still the 0.15 tier
    (91, 600, "1.09"),    # 0.151667: next tier
    (180, 600, "1.09"),   # 0.30 exactly
    (181, 600, "2.55"),   # above every bound: the open tier
    (0, 600, "0.09"),
])
def test_tier_bounds_are_inclusive(contacts: int, units: int, fee: str) -> None:
    assert fee_per_unit(DE, exact_cpu(contacts, units), units) == Decimal(fee)


def test_tier_uses_the_exact_cpu_not_the_printed_one() -> None:
    # 1,500,001 / 30,000,000 = 0.0500000333...: printed 0.050000, but above 5 %.
    cpu = exact_cpu(1_500_001, 30_000_000)
    assert str(rounded_cpu(cpu)) == "0.050000"
    assert fee_per_unit(DE, cpu, 30_000_000) == Decimal("0.41")


@pytest.mark.parametrize(("contacts", "units", "shown"), [
    (1, 3, "0.333333"), (2, 3, "0.666667"),
    (1, 2_000_000, "0.000001"),        # 0.0000005: half-up, not half-even
    (5, 2_000_000, "0.000003"),        # 0.0000025: half-even would give 0.000002
    (0, 7, "0.000000"), (7, 2, "3.500000"),
])
def test_cpu_is_rounded_half_up_to_six_places(contacts: int, units: int, shown: str) -> None:
    assert str(rounded_cpu(exact_cpu(contacts, units))) == shown


def test_low_volume_caps_the_fee_per_unit() -> None:
    # 30 units, 10 contacts: CPU 0.333333 would be 2.55; at most 30 units caps at 0.41.
    bill = compute_bill(terms(period("2026-01-01")), OCT,
                        activity({"2026-08-01": 30, "2026-10-05": 7}, {"2026-09": 10}))
    assert (bill.cpu, bill.fee_per_unit, bill.fee) == ("0.333333", "0.41", "2.87")
    # 31 units in the window: no cap.
    over = compute_bill(terms(period("2026-01-01")), OCT,
                        activity({"2026-08-01": 31, "2026-10-05": 7}, {"2026-09": 11}))
    assert (over.cpu, over.fee_per_unit, over.fee) == ("0.354839", "2.55", "17.85")


def test_low_volume_cap_never_raises_a_lower_tier_fee() -> None:
    # 20 units, no contacts: CPU 0 is the 0.09 tier; "at most 0.41" keeps 0.09.
    bill = compute_bill(terms(period("2026-01-01")), OCT,
                        activity({"2026-09-30": 20, "2026-10-01": 10}))
    assert (bill.cpu, bill.fee_per_unit, bill.fee) == ("0.000000", "0.09", "0.90")


def test_unknown_cpu_takes_the_low_volume_fee() -> None:
    # Enrolled on 2026-08-01 with no trial: the window Jul..Sep has no covered
    # unit (the July orders predate the enrollment) but contacts exist.
    bill = compute_bill(terms(period("2026-08-01"), trial_days=0), OCT,
                        activity({"2026-07-15": 50, "2026-10-03": 100},
                                 {"2026-09": 3, "2026-10": 2}))
    assert (bill.window_units, bill.window_contacts, bill.cpu) == (0, 3, None)
    assert (bill.fee_per_unit, bill.billable_units, bill.fee) == ("0.41", 100, "41.00")


def test_amazon_com_schedule() -> None:
    # 40 contacts / 400 units = 0.10: the 0.15 tier of amazon.com, USD 0.25.
    t = terms(period("2026-01-01"), schedule=COM)
    bill = compute_bill(t, OCT, activity({"2026-07-01": 400, "2026-10-09": 123},
                                         {"2026-08": 40}))
    assert (bill.marketplace, bill.currency, bill.cpu) == ("amazon.com", "USD", "0.100000")
    assert (bill.fee_per_unit, bill.fee) == ("0.25", "30.75")
    # Its own low-volume rules: 25 units at CPU 0.2 (0.50 tier) capped at 0.25.
    small = compute_bill(t, OCT, activity({"2026-07-01": 25, "2026-10-09": 4}, {"2026-08": 5}))
    assert (small.cpu, small.fee_per_unit, small.fee) == ("0.200000", "0.25", "1.00")
    # Unknown CPU: its low-volume fee.
    none = compute_bill(t, OCT, activity({"2026-10-09": 4}))
    assert (none.cpu, none.fee_per_unit, none.fee) == (None, "0.25", "1.00")


def test_free_trial_is_thirty_days_from_the_first_start() -> None:
    # The contract's example: start 2026-03-01, 30 days: before 2026-03-31.
    cov = Coverage.of([period("2026-03-01")], 30)
    assert cov.in_trial(D("2026-03-30")) and not cov.in_trial(D("2026-03-31"))
    bill = compute_bill(terms(period("2026-03-01")), Month(2026, 3),
                        activity({"2026-03-01": 5, "2026-03-30": 6, "2026-03-31": 7}))
    assert (bill.covered_units, bill.billable_units, bill.fee) == (18, 7, "2.87")


def test_a_trial_ending_mid_month_bills_only_the_days_after_it() -> None:
    # Start 2026-04-15: trial days 04-15 .. 05-14; 05-15 onwards is billable.
    t = terms(period("2026-04-15"))
    may = compute_bill(t, Month(2026, 5),
                       activity({"2026-05-01": 10, "2026-05-14": 3, "2026-05-15": 4,
                                 "2026-05-31": 5}))
    assert (may.covered_units, may.billable_units) == (22, 9)
    assert (may.cpu, may.fee_per_unit, may.fee) == (None, "0.41", "3.69")
    # Trial units still count in a later month's CPU window (Apr..Jun for July).
    july = compute_bill(t, Month(2026, 7),
                        activity({"2026-04-20": 100, "2026-05-01": 10, "2026-07-02": 1},
                                 {"2026-05": 11}))
    assert (july.window_units, july.cpu, july.fee_per_unit) == (110, "0.100000", "0.41")


def test_re_enrollment_gets_no_second_trial_and_old_orders_stay_covered() -> None:
    # A2BRIGHTLIGHT of the reference config: opted out 2026-08-15, back 2026-10-01.
    t = terms(period("2026-03-01", "2026-08-15"), period("2026-10-01"))
    units = {"2026-07-20": 300, "2026-08-14": 100,   # enrolled: covered
             "2026-08-15": 50, "2026-09-10": 70,     # opt-out day and after: not
             "2026-10-01": 20, "2026-10-20": 30}     # re-enrolled: covered, billable
    # September's contacts are about orders placed while enrolled: they count.
    bill = compute_bill(t, OCT, activity(units, {"2026-08": 12, "2026-09": 8}))
    assert (bill.window_units, bill.window_contacts, bill.cpu) == (400, 20, "0.050000")
    assert (bill.covered_units, bill.billable_units) == (50, 50)
    assert (bill.fee_per_unit, bill.fee) == ("0.09", "4.50")
    # Nothing covered while opted out: September bills nothing.
    sept = compute_bill(t, Month(2026, 9), activity(units, {"2026-08": 12, "2026-09": 8}))
    assert (sept.covered_units, sept.billable_units, sept.fee) == (0, 0, "0.00")


def test_an_early_opt_out_ends_the_trial_and_a_quick_return_gets_none() -> None:
    # First period 03-01 .. 03-05 (4 days), back on 03-10: 03-10 is billable.
    t = terms(period("2026-03-01", "2026-03-05"), period("2026-03-10"))
    bill = compute_bill(t, Month(2026, 3),
                        activity({"2026-03-04": 1, "2026-03-07": 2, "2026-03-10": 4}))
    assert (bill.covered_units, bill.billable_units) == (5, 4)


def test_a_seller_never_enrolled_is_listed_with_a_zero_fee() -> None:
    bill = compute_bill(terms(), OCT, activity({"2026-09-01": 500, "2026-10-01": 80},
                                               {"2026-09": 3}))
    assert (bill.window_units, bill.cpu, bill.covered_units, bill.billable_units) == (
        0, None, 0, 0)
    assert (bill.fee_per_unit, bill.fee) == ("0.41", "0.00")
    quiet = compute_bill(terms(period("2026-06-01")), OCT, Activity())
    assert (quiet.window_units, quiet.contacts, quiet.fee) == (0, 0, "0.00")


def test_contacts_count_rows_of_their_own_months_only() -> None:
    bill = compute_bill(terms(period("2026-01-01")), OCT,
                        activity({"2026-09-01": 100},
                                 {"2026-06": 50, "2026-09": 2, "2026-10": 7, "2026-11": 9}))
    assert (bill.window_contacts, bill.contacts, bill.cpu) == (2, 7, "0.020000")


def test_units_outside_the_window_and_month_do_not_count() -> None:
    bill = compute_bill(terms(period("2026-01-01")), OCT,
                        activity({"2026-06-30": 1000, "2026-07-01": 40, "2026-11-01": 999}))
    assert (bill.window_units, bill.covered_units) == (40, 0)


def test_fee_is_exact_to_the_cent() -> None:
    # 1.09 x 7 = 7.63 and 2.55 x 333 = 849.15, no float artefacts.
    t = terms(period("2026-01-01"))
    bill = compute_bill(t, OCT, activity({"2026-09-01": 100, "2026-10-01": 7}, {"2026-09": 20}))
    assert (bill.fee_per_unit, bill.fee) == ("1.09", "7.63")
    bill = compute_bill(t, OCT, activity({"2026-09-01": 100, "2026-10-01": 333}, {"2026-09": 31}))
    assert (bill.fee_per_unit, bill.fee) == ("2.55", "849.15")


def test_window_is_the_calendar_months_before_and_crosses_years() -> None:
    assert [str(m) for m in cpu_window(Month(2027, 2), 3)] == ["2026-11", "2026-12", "2027-01"]
    assert exact_cpu(3, 0) is None and exact_cpu(1, 4) == Fraction(1, 4)


def test_a_marketplace_without_fees_is_refused_with_a_reason() -> None:
    from router.account.billing import BillingError, Terms
    from tests.account.fixtures import config

    cfg = config([{"id": "A1"}]).model_copy(update={"billing": Billing()})
    with pytest.raises(BillingError, match="marketplace 'amazon.de' has no fee schedule"):
        Terms.of(cfg, cfg.sellers[0])
