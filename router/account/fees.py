"""The fee per unit from one schedule version: tiers, rewards, low volume.

Pure rules over plain values, in the contract's order: the first tier whose
bound admits the exact CPU, then the Valid Tracking Rate reward of that tier
(from the figures of the CPU window's last month), then the low-volume cap.
The amount stays exact (a 50 % discount on 0.25 is 0.125); money is rounded
once, half-up to the currency's minor unit, when the fee is multiplied out
(`round_money`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from router.config.model import FeeSchedule
from router.config.types import currency_places

HUNDRED = Decimal(100)

#: What set the fee per unit, for statements and charts (`UnitFee.basis`).
BASES = ("tier", "reward", "low_volume")


@dataclass(frozen=True)
class Figures:
    """A seller's performance figures for one month (fractions, 0.953 = 95.3 %)."""

    vtr: Decimal
    aprl: Decimal | None = None


@dataclass(frozen=True)
class WindowFacts:
    """What the fee rules read about the CPU window."""

    cpu: Fraction | None  # contacts / covered units; None without units
    units: int  # covered units
    orders: int  # distinct covered orders
    figures: Figures | None  # of the window's last month; None: none imported


@dataclass(frozen=True)
class UnitFee:
    """The fee per unit and the rules that made it."""

    amount: Decimal  # exact, not rounded
    tier: int | None  # index of the tier the CPU fell in; None where CPU is unknown
    discount_percent: Decimal | None  # the reward applied (the cap may lower it further)
    low_volume: bool  # the low-volume fee set the amount (the cap at or below, or no CPU)

    @property
    def basis(self) -> str:
        """The rule that set the amount: `low_volume`, `reward` or `tier`."""
        if self.low_volume:
            return "low_volume"
        return "reward" if self.discount_percent is not None else "tier"


def unit_fee(schedule: FeeSchedule, window: WindowFacts) -> UnitFee:
    """The fee per unit that `schedule` charges for a CPU window."""
    low = schedule.low_volume
    if window.cpu is None:
        # No units, no CPU: the low-volume fee, else the first tier's; no reward.
        if low is not None:
            return UnitFee(low.fee, None, None, True)
        return UnitFee(schedule.tiers[0].fee, None, None, False)
    tier = next((i for i, t in enumerate(schedule.tiers) if t.admits(window.cpu)),
                len(schedule.tiers) - 1)  # a valid config's last tier admits every CPU
    amount = schedule.tiers[tier].fee
    discount = reward_discount(schedule, tier, window.figures)
    if discount is not None:
        amount = amount * (HUNDRED - discount) / HUNDRED
    if low is not None and low_volume_applies(schedule, window) and low.fee <= amount:
        return UnitFee(low.fee, tier, discount, True)
    return UnitFee(amount, tier, discount, False)


def reward_discount(schedule: FeeSchedule, tier: int, figures: Figures | None
                    ) -> Decimal | None:
    """The tier's discount in percent when the figures meet every bound; else None."""
    rewards = schedule.rewards
    if rewards is None or figures is None or figures.vtr < rewards.vtr_at_least:
        return None
    if rewards.aprl_at_least is not None and (
            figures.aprl is None or figures.aprl < rewards.aprl_at_least):
        return None
    return rewards.discounts[tier]


def low_volume_applies(schedule: FeeSchedule, window: WindowFacts) -> bool:
    """Few covered units (at most `max_units`) or orders (fewer than `orders_below`)."""
    low = schedule.low_volume
    if low is None:
        return False
    if low.max_units is not None:
        return window.units <= low.max_units
    return low.orders_below is not None and window.orders < low.orders_below


def places_of(currency: str) -> int:
    """Decimal places of the currency's minor unit (2 where unknown)."""
    places = currency_places(currency)
    return 2 if places is None else places


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Half-up to the currency's minor unit: the one rounding of a fee."""
    return amount.quantize(Decimal(1).scaleb(-places_of(currency)), rounding=ROUND_HALF_UP)


def exact_text(amount: Decimal, currency: str) -> str:
    """An exact amount with at least the currency's places: 0.125, 0.10, 11, 5.5."""
    places = places_of(currency)
    normal = amount.normalize()
    exponent = normal.as_tuple().exponent
    if isinstance(exponent, int) and -exponent < places:
        normal = amount.quantize(Decimal(1).scaleb(-places))
    elif isinstance(exponent, int) and exponent > 0:
        normal = amount.quantize(Decimal(1))
    return format(normal, "f")
