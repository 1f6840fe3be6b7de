"""The contract's Billing rules as pure functions: no database, no clock.

The database side (router.account.figures) only sums: Merchant + Shipped
units per seller and UTC purchase *day*, and contacts per seller and UTC
arrival month.  Everything that is a rule -- enrollment periods, the free
trial, the CPU window, tiers, the low-volume cap, rounding -- is applied
here, on those plain numbers, so each rule is pinned by a unit test.  Days
are enough because periods and trials start and end at 00:00 UTC.

Exactness.  CPU is kept as an exact fraction.  The tier is chosen with that
exact ratio (``contacts <= cpu_at_most * units``), not with the printed
6-place value: the contract defines CPU as contacts / units and rounds only
the ``cpu`` field it prints, and ``cpu_at_most`` may carry more than six
places, where a rounded comparison would pick the wrong tier.  The two can
only differ when the exact ratio lies within 0.0000005 above a bound (which
takes millions of units in the window); there a seller reads, e.g.,
``cpu 0.050000`` while paying the next tier.  Rounding to six places is done
in integers, half-up, so no intermediate 28-digit Decimal rounds twice.
Money is Decimal throughout and quantized to the cent once, at the end.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from router.account.fees import Figures, WindowFacts, exact_text, round_money, unit_fee
from router.account.months import Month
from router.config.model import Config, FeeSchedule, Period, Seller

CPU_PLACES = Decimal("0.000001")

#: The contract's field order of a bill (`billing --format json|csv`);
#: `fee_basis` is an addition: the rule that set the fee (`trial`, `low_volume`,
#: `reward`, `tier`), so a seller can see why.
FIELDS = (
    "seller_id", "month", "marketplace", "currency", "cpu_window", "window_units",
    "window_contacts", "cpu", "fee_per_unit", "covered_units", "billable_units",
    "contacts", "fee", "schedule_from", "vtr", "discount_percent", "low_volume",
    "fee_basis",
)


class BillingError(Exception):
    """The config cannot bill a seller (e.g. its marketplace has no fees)."""


@dataclass(frozen=True)
class Activity:
    """One seller's raw figures as the database sums them.

    ``units_by_day``: quantity of Merchant + Shipped lines per UTC purchase
    day, enrollment not yet applied; ``orders_by_day``: distinct orders among
    those lines (an order has one purchase date, so days add up exactly).
    ``contacts_by_month``: contacts logged per UTC month of arrival.
    ``figures``: the performance figures imported per month.  Days and
    months absent count 0 (figures: none).
    """

    units_by_day: Mapping[date, int] = field(default_factory=dict)
    contacts_by_month: Mapping[Month, int] = field(default_factory=dict)
    orders_by_day: Mapping[date, int] = field(default_factory=dict)
    figures: Mapping[Month, Figures] = field(default_factory=dict)


@dataclass(frozen=True)
class Coverage:
    """Which purchase days a seller's enrollment covers, and its free trial.

    Periods are ``[start, end)`` in UTC days (``end`` = opt-out day, None =
    still enrolled).  The trial is the first ``trial_days`` days of the
    *first* period only, so a re-enrollment gets none, and days after an
    early opt-out are not trial days either.
    """

    periods: tuple[tuple[date, date | None], ...]
    trial: tuple[date, date] | None  # [start, end) of the free trial

    @classmethod
    def of(cls, enrollment: Sequence[Period], trial_days: int) -> Coverage:
        periods = tuple(sorted((p.start, p.end) for p in enrollment))
        trial = None
        if periods and trial_days > 0:
            start, end = periods[0]
            trial_end = start + timedelta(days=trial_days)
            trial = (start, trial_end if end is None else min(end, trial_end))
        return cls(periods, trial)

    def covers(self, day: date) -> bool:
        return any(start <= day and (end is None or day < end) for start, end in self.periods)

    def in_trial(self, day: date) -> bool:
        return self.trial is not None and self.trial[0] <= day < self.trial[1]


@dataclass(frozen=True)
class Terms:
    """What the config says about billing one seller."""

    seller_id: str
    marketplace: str
    schedules: tuple[FeeSchedule, ...]  # the marketplace's versions, ascending
    coverage: Coverage
    window_months: int

    @property
    def schedule(self) -> FeeSchedule:
        """The newest version (what a chart of the coming months draws)."""
        return self.schedules[-1]

    def schedule_for(self, month: Month) -> FeeSchedule:
        """The version in force on the month's first day (before the first: the first)."""
        chosen = self.schedules[0]
        for version in self.schedules:
            if version.valid_from is None or version.valid_from <= month.first_day:
                chosen = version
        return chosen

    @classmethod
    def of(cls, config: Config, seller: Seller) -> Terms:
        region = config.regions.get(seller.region)
        if region is None:
            raise BillingError(f"seller {seller.id}: unknown region '{seller.region}'")
        versions = config.billing.fees.get(region.marketplace)
        if not versions:
            raise BillingError(
                f"seller {seller.id}: marketplace '{region.marketplace}' has no fee schedule"
                " under billing.fees")
        first = min((p.start for p in seller.enrollment), default=None)
        at_start = config.fee_schedule(region.marketplace, on=first) if first else None
        trial_days = config.billing.trial_days
        if at_start is not None and at_start.trial_days is not None:
            trial_days = at_start.trial_days
        return cls(seller.id, region.marketplace, tuple(versions),
                   Coverage.of(seller.enrollment, trial_days),
                   config.billing.cpu_window_months)


@dataclass(frozen=True)
class Bill:
    """One seller's figures for one month: exactly the contract's fields."""

    seller_id: str
    month: str
    marketplace: str
    currency: str
    cpu_window: str
    window_units: int
    window_contacts: int
    cpu: str | None
    fee_per_unit: str
    covered_units: int
    billable_units: int
    contacts: int
    fee: str
    schedule_from: str | None = None  # `from` of the version used; None: undated
    vtr: str | None = None  # the window's last month, 6 places; None: not imported
    discount_percent: str | None = None  # None: no reward applied
    low_volume: bool = False  # the low-volume rule set the fee per unit
    fee_basis: str = "tier"  # trial, low_volume, reward or tier

    def to_json(self) -> dict[str, Any]:
        """The contract's object, keys in the contract's order."""
        return {name: getattr(self, name) for name in FIELDS}


def cpu_window(month: Month, window_months: int) -> list[Month]:
    """The ``window_months`` calendar months before ``month``, oldest first."""
    return [month.plus(-n) for n in range(window_months, 0, -1)]


def covered_units(coverage: Coverage, units_by_day: Mapping[date, int],
                  months: Iterable[Month]) -> int:
    """Units purchased in ``months`` on days inside an enrollment period."""
    wanted = set(months)
    return sum(units for day, units in units_by_day.items()
               if Month.of(day) in wanted and coverage.covers(day))


def billable_units(coverage: Coverage, units_by_day: Mapping[date, int], month: Month) -> int:
    """Covered units of ``month`` purchased outside the free trial."""
    return sum(units for day, units in units_by_day.items()
               if month.contains(day) and coverage.covers(day) and not coverage.in_trial(day))


def exact_cpu(contacts: int, units: int) -> Fraction | None:
    """contacts / units exactly; None where there are no units."""
    return Fraction(contacts, units) if units > 0 else None


def rounded_cpu(cpu: Fraction | None) -> Decimal | None:
    """``cpu`` half-up to six places, computed in integers (no double rounding)."""
    if cpu is None:
        return None
    scaled = cpu * 10**6
    millionths = (2 * scaled.numerator + scaled.denominator) // (2 * scaled.denominator)
    return (Decimal(millionths) / 10**6).quantize(CPU_PLACES)


def compute_bill(terms: Terms, month: Month, activity: Activity) -> Bill:
    """The month's bill for one seller, from its terms and raw figures."""
    window = cpu_window(month, terms.window_months)
    cov, days = terms.coverage, activity.units_by_day
    window_units = covered_units(cov, days, window)
    window_contacts = sum(activity.contacts_by_month.get(m, 0) for m in window)
    cpu = exact_cpu(window_contacts, window_units)
    schedule = terms.schedule_for(month)
    figures = activity.figures.get(window[-1])
    facts = WindowFacts(cpu, window_units, covered_units(cov, activity.orders_by_day, window),
                        figures)
    per_unit = unit_fee(schedule, facts)
    billable = billable_units(cov, days, month)
    covered = covered_units(cov, days, [month])
    rounded = rounded_cpu(cpu)
    currency = schedule.currency
    return Bill(
        seller_id=terms.seller_id,
        month=str(month),
        marketplace=terms.marketplace,
        currency=currency,
        cpu_window=f"{window[0]}..{window[-1]}",
        window_units=window_units,
        window_contacts=window_contacts,
        cpu=None if rounded is None else str(rounded),
        fee_per_unit=exact_text(per_unit.amount, currency),
        covered_units=covered,
        billable_units=billable,
        contacts=activity.contacts_by_month.get(month, 0),
        fee=str(round_money(per_unit.amount * billable, currency)),
        schedule_from=None if schedule.valid_from is None else schedule.valid_from.isoformat(),
        vtr=None if figures is None else str(figures.vtr.quantize(CPU_PLACES, ROUND_HALF_UP)),
        discount_percent=None if per_unit.discount_percent is None
        else str(per_unit.discount_percent),
        low_volume=per_unit.low_volume,
        fee_basis="trial" if covered and not billable else per_unit.basis,
    )
