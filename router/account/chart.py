"""A seller's CPU month by month against the fee tiers, as a PNG.

The solid line is the CPU that set each month's fee (its window of the
previous months), so the band it sits in is the tier paid; the dotted line
is each month's own CPU, which feeds the next windows: a seller sees the
tier it is in and where it is heading.  Drawn with matplotlib's Agg canvas
directly (no pyplot, no global backend), so it is safe inside the daemon.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import BinaryIO

from router.account.billing import (
    Activity,
    Terms,
    compute_bill,
    covered_units,
    exact_cpu,
)
from router.account.months import Month
from router.config.model import FeeSchedule

BAND_COLOURS = ("#d8f0d8", "#fff2c6", "#ffdcc0", "#f8c8c8", "#e8d0f0", "#d0d8f0")


@dataclass(frozen=True)
class ChartPoint:
    """One month of the chart: the fee-setting CPU and the month's own."""

    month: Month
    window_cpu: Fraction | None
    month_cpu: Fraction | None
    fee_per_unit: Decimal


def chart_points(terms: Terms, months: Sequence[Month], activity: Activity) -> list[ChartPoint]:
    """The chart's data, computed with the billing rules themselves."""
    points = []
    for month in months:
        bill = compute_bill(terms, month, activity)
        units = covered_units(terms.coverage, activity.units_by_day, [month])
        points.append(ChartPoint(
            month=month,
            window_cpu=exact_cpu(bill.window_contacts, bill.window_units),
            month_cpu=exact_cpu(activity.contacts_by_month.get(month, 0), units),
            fee_per_unit=Decimal(bill.fee_per_unit),
        ))
    return points


def draw_chart(points: Sequence[ChartPoint], schedule: FeeSchedule, seller_id: str,
               out: Path | BinaryIO) -> None:
    """Write the PNG to ``out``: a path (its folder must exist) or a binary
    stream, so a statement can attach the chart without a temporary file."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 4.8), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    xs = list(range(len(points)))
    window = [_percent(p.window_cpu) for p in points]
    own = [_percent(p.month_cpu) for p in points]
    bounds = [float(t.cpu_at_most) * 100 for t in schedule.tiers if t.cpu_at_most is not None]
    seen = [v for v in window + own if v == v]  # NaN != NaN: months without units
    top = max([*seen, *bounds, 1.0]) * 1.15

    low, below = 0.0, "0 %"
    for i, tier in enumerate(schedule.tiers):
        high = top if tier.cpu_at_most is None else float(tier.cpu_at_most) * 100
        ax.axhspan(low, high, color=BAND_COLOURS[i % len(BAND_COLOURS)], zorder=0)
        if tier.cpu_at_most is not None:
            ax.axhline(high, color="#888888", linewidth=0.8, linestyle="--", zorder=1)
            span, below = f"≤ {_pct(tier.cpu_at_most)}", _pct(tier.cpu_at_most)
        else:
            span = f"> {below}"
        ax.text(1.01, (low + min(high, top)) / 2, f"{span}: {tier.fee} {schedule.currency}/unit",
                transform=ax.get_yaxis_transform(), va="center", fontsize=8)
        low = high

    ax.plot(xs, window, marker="o", color="#1f4e9c", linewidth=2, zorder=3,
            label="CPU that set the month's fee (previous months)")
    ax.plot(xs, own, linestyle=":", marker=".", color="#555555", zorder=2,
            label="the month's own CPU")
    for x, y, p in zip(xs, window, points, strict=True):
        if y == y:
            ax.annotate(f"{p.fee_per_unit}", (x, y), textcoords="offset points",
                        xytext=(0, 7), ha="center", fontsize=7, color="#1f4e9c")
    ax.set_xticks(xs, [str(p.month) for p in points], rotation=45, ha="right", fontsize=8)
    ax.set_xlim(-0.5, max(len(points) - 0.5, 0.5))
    ax.set_ylim(0, top)
    ax.set_ylabel("contacts per unit (%)")
    ax.set_title(f"{seller_id}: contacts per unit and CSBA fee tiers "
                 f"({schedule.currency} per unit)", fontsize=10)
    ax.legend(loc="upper left", fontsize=8)
    fig.subplots_adjust(right=0.78, bottom=0.2)
    fig.savefig(out, format="png")


def _percent(cpu: Fraction | None) -> float:
    return float("nan") if cpu is None else float(cpu) * 100


def _pct(bound: Decimal) -> str:
    text = format((bound * 100).normalize(), "f")
    return f"{text} %"
