"""A seller's CPU month by month against the fee tiers, as PNG or SVG.

One series: the CPU that set each month's fee (contacts over covered
units of the months before it), so the band a point sits in is the tier
of that month's fee.  The fee per unit actually charged, with its
currency, stands under each month below the axis, where no label can
cover the line (the low-volume cap can make it differ from the band).
Tier labels stand in the right margin, the legend above the plot.  A
month that has not ended is marked: the running month (its fee per unit
is fixed, its units are still counting) and any later one (its CPU counts
the running month so far: a forecast).

Drawn on a Figure of its own with matplotlib's Agg (or SVG) canvas, no
pyplot and no global backend, so it is safe inside the daemon.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Literal

from router.account.billing import Activity, Terms, compute_bill, exact_cpu
from router.account.months import Month
from router.config.model import FeeSchedule

if TYPE_CHECKING:
    from matplotlib.figure import Figure

Format = Literal["png", "svg"]
FORMATS: tuple[Format, ...] = ("png", "svg")

BAND_COLOURS = ("#d8f0d8", "#fff2c6", "#ffdcc0", "#f8c8c8", "#e8d0f0", "#d0d8f0")
LINE_COLOUR = "#1f4e9c"
PARTIAL_HATCH = "///"
PLOT_HEIGHT = 3.4  # inches
MONTHS_UPRIGHT = 12  # up to this many months the labels under the axis stand upright
LABEL_GAP_PX = 13  # least vertical distance between two tier labels


@dataclass(frozen=True)
class ChartPoint:
    """One month of the chart: the CPU that set its fee, and that fee."""

    month: Month
    window_cpu: Fraction | None
    fee_per_unit: Decimal
    schedule: FeeSchedule | None = None  # the version in force that month
    basis: str = "tier"  # the rule that set the fee (billing's `fee_basis`)


@dataclass(frozen=True)
class Chart:
    """What a chart shows: whose, under which schedule, and the months."""

    seller_id: str
    schedule: FeeSchedule
    window_months: int
    points: tuple[ChartPoint, ...]


@dataclass(frozen=True)
class Band:
    """One fee tier as drawn: CPU from `low` to `high` percent (None: no bound)."""

    low: float
    high: float | None
    label: str


def chart_data(terms: Terms, months: Sequence[Month], activity: Activity) -> Chart:
    """The chart's data, computed with the billing rules themselves."""
    points = []
    for month in months:
        bill = compute_bill(terms, month, activity)
        points.append(ChartPoint(
            month=month,
            window_cpu=exact_cpu(bill.window_contacts, bill.window_units),
            fee_per_unit=Decimal(bill.fee_per_unit),
            schedule=terms.schedule_for(month),
            basis=bill.fee_basis,
        ))
    # The labels in the margin name the tiers of the last month shown.
    last = points[-1].schedule if points else None
    return Chart(terms.seller_id, last or terms.schedule, terms.window_months, tuple(points))


#: How the rule that set a month's fee is written under it (`tier` says nothing).
BASIS_WORDS = {"trial": "free trial", "low_volume": "low volume", "reward": "VTR reward"}


# --------------------------------------------------------------------------
# The schedule as the chart reads it: currency, and each tier's bound and fee.
# (Kept in one place: the fee schedule's config model is about to grow
# dated versions and `cpu_below`.)


def currency(schedule: FeeSchedule) -> str:
    return schedule.currency


def tier_bounds(schedule: FeeSchedule) -> list[tuple[Decimal | None, bool, Decimal]]:
    """(bound, inclusive, fee) per tier in order; bound None for the last tier."""
    found: list[tuple[Decimal | None, bool, Decimal]] = []
    for tier in schedule.tiers:
        below = getattr(tier, "cpu_below", None)  # exclusive bound, where the model has one
        if below is not None:
            found.append((Decimal(below), False, Decimal(tier.fee)))
        else:
            at_most = tier.cpu_at_most
            found.append((None if at_most is None else Decimal(at_most), True,
                          Decimal(tier.fee)))
    return found


def bands(schedule: FeeSchedule) -> list[Band]:
    """The tiers as labelled bands: `CPU ≤ 5 %: 0.09 EUR/unit`,
    `5 % < CPU ≤ 15 %: 0.41 EUR/unit`, `CPU > 30 %: 2.55 EUR/unit`."""
    result: list[Band] = []
    low = 0.0
    previous: tuple[str, bool] | None = None  # the bound under this tier, and if inclusive
    for bound, inclusive, fee in tier_bounds(schedule):
        if bound is None:
            if previous is None:
                span = "any CPU"
            else:
                span = f"CPU {'>' if previous[1] else '≥'} {previous[0]}"
            high = None
        else:
            text = percent_text(bound)
            lower = "" if previous is None else f"{previous[0]} {'<' if previous[1] else '≤'} "
            span = f"{lower}CPU {'≤' if inclusive else '<'} {text}"
            high = float(bound) * 100
            previous = (text, inclusive)
        result.append(Band(low, high,
                           f"{span}: {money_text(fee, schedule)} {currency(schedule)}/unit"))
        low = high if high is not None else low
    return result


def money_text(amount: Decimal, schedule: FeeSchedule) -> str:
    """`amount` with as many places as the schedule writes its fees (JPY 163, EUR 0.09),
    more only where the amount itself has them (a discount: 0.125)."""
    places = max(_places(fee) for _, _, fee in tier_bounds(schedule))
    return format(amount.quantize(Decimal(1).scaleb(-max(places, _places(amount)))), "f")


def _places(amount: Decimal) -> int:
    exponent = amount.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def percent_text(bound: Decimal) -> str:
    return f"{format((bound * 100).normalize(), 'f')} %"


# --------------------------------------------------------------------------
# Drawing.


@dataclass(frozen=True)
class Layout:
    """Margins and the width of one month, in inches."""

    left: float = 0.85
    right: float = 2.6
    top: float = 1.2
    bottom: float = 1.0
    month: float = 0.62
    min_plot: float = 6.0


def build_figure(chart: Chart, running: Month | None = None) -> Figure:
    """The chart as a matplotlib Figure (with its Agg canvas), laid out and drawn.

    `running` is the month in progress (UTC); it and later months are
    marked as not complete.  None: every month shown has ended.  Drawn
    twice: once to measure the labels, once with margins that fit them, so
    no text is cut off or laid over another, whatever the currency, the
    tier bounds or the number of months.
    """
    first = _draw(chart, running, Layout())
    return _draw(chart, running, _measure(first))


def _draw(chart: Chart, running: Month | None, layout: Layout) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    points = chart.points
    count = len(points)
    upright = count <= MONTHS_UPRIGHT
    plot = max(layout.min_plot, layout.month * count)
    width = layout.left + plot + layout.right
    height = layout.top + PLOT_HEIGHT + layout.bottom
    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    money = currency(chart.schedule)

    xs = list(range(count))
    cpus = [_percent(p.window_cpu) for p in points]
    drawn = bands(chart.schedule)
    bounds = [b.high for b in drawn if b.high is not None]
    seen = [v for v in cpus if v == v]  # NaN != NaN: months without covered units
    top = max([*seen, *bounds, 1.0]) * 1.15
    partial = [running is not None and p.month >= running for p in points]
    forecast = [running is not None and p.month > running for p in points]

    ax = fig.add_axes((layout.left / width, layout.bottom / height, plot / width,
                       PLOT_HEIGHT / height))
    versions = _versions(chart)
    # A fee has one colour in every version (0.10 is not green in one, yellow in the next).
    fees = sorted({fee for _x0, _x1, v in versions for _b, _i, fee in tier_bounds(v)})
    colour = {fee: BAND_COLOURS[i % len(BAND_COLOURS)] for i, fee in enumerate(fees)}
    for x0, x1, schedule in versions:
        tiers = tier_bounds(schedule)
        for band, (_bound, _inclusive, tier_fee) in zip(
                drawn if schedule is chart.schedule else bands(schedule), tiers, strict=True):
            high = top if band.high is None else band.high
            ax.fill_between([x0, x1], band.low, high, color=colour[tier_fee], zorder=0,
                            linewidth=0)
            if band.high is not None:
                ax.hlines(band.high, x0, x1, color="#888888", linewidth=0.8, linestyle="--",
                          zorder=1)
    for x0, _x1, schedule in versions[1:]:
        ax.axvline(x0, color="#555555", linewidth=1, zorder=1)
        ax.text(x0, top, f" from {schedule.valid_from}", fontsize=7, va="top", ha="left",
                color="#333333", zorder=2, gid="version")
    for x, is_partial in zip(xs, partial, strict=True):
        if is_partial:
            ax.axvspan(x - 0.5, x + 0.5, facecolor="none", edgecolor="#7a7a7a",
                       hatch=PARTIAL_HATCH, linewidth=0, zorder=1)

    # One series: solid where the CPU is final, dashed into forecast months.
    final = [y if not f else float("nan") for y, f in zip(cpus, forecast, strict=True)]
    ax.plot(xs, final, marker="o", color=LINE_COLOUR, linewidth=2, zorder=3, gid="cpu")
    if any(forecast):
        first = forecast.index(True)
        start = max(first - 1, 0)  # the dashes leave from the last final point
        ahead = [y if i >= start else float("nan") for i, y in enumerate(cpus)]
        ax.plot(xs, ahead, linestyle="--", marker="o", markerfacecolor="white",
                markevery=list(range(first, count)), color=LINE_COLOUR, linewidth=1.5,
                zorder=3, gid="cpu-forecast")

    labels = []
    for point, is_partial, is_forecast in zip(points, partial, forecast, strict=True):
        fee = (f"{money_text(point.fee_per_unit, chart.schedule)} {money}"
               f"{'*' if point.window_cpu is None else ''}")
        state = "forecast" if is_forecast else "running" if is_partial else ""
        # Without a CPU the "*" and its footnote say what set the fee.
        basis = BASIS_WORDS.get(point.basis, "") if point.window_cpu is not None else ""
        if upright:
            labels.append("\n".join(p for p in (str(point.month), fee, basis, state) if p))
        else:  # turned: month and fee on one line, the state beside it
            extra = ", ".join(p for p in (basis, state) if p)
            labels.append(f"{point.month}  {fee}" + (f"\n{extra}" if extra else ""))
    ax.set_xticks(xs, labels, fontsize=8, rotation=0 if upright else 90,
                  ha="center", va="top", linespacing=1.3)
    ax.set_xlim(-0.5, max(count - 0.5, 0.5))
    ax.set_ylim(0, top)
    ax.set_ylabel("CPU: contacts per unit (%)")

    fig.text(layout.left / width, 1 - 0.12 / height,
             f"{chart.seller_id}: CSBA fee per unit by contacts per unit (CPU), {money}",
             fontsize=11, va="top", ha="left", gid="title")
    _legend(fig, chart, layout.left / width, 1 - 0.42 / height, any(partial), any(forecast))
    _tier_labels(ax, drawn, top)
    note = (f"Under each month: the fee per unit charged for it, in {money}, and the rule "
            "that set it where it is not the tier.")
    if len(versions) > 1:
        note += (f"\nThe bands are the tiers of the schedule in force each month; the labels "
                 f"on the right are those of {chart.schedule.valid_from or 'the last'}.")
    if any(p.window_cpu is None for p in points):
        note += ("\n* no CPU (no covered units in the months before): "
                 "the schedule's fee for an unknown CPU.")
    fig.text(layout.left / width, 0.08 / height, note, fontsize=8, color="#444444",
             va="bottom", ha="left", gid="note")
    fig.canvas.draw()
    return fig


def _versions(chart: Chart) -> list[tuple[float, float, FeeSchedule]]:
    """Runs of months under one schedule version, as x ranges of the plot."""
    runs: list[tuple[float, float, FeeSchedule]] = []
    for x, point in enumerate(chart.points):
        schedule = point.schedule or chart.schedule
        if runs and runs[-1][2] is schedule:
            runs[-1] = (runs[-1][0], x + 0.5, schedule)
        else:
            runs.append((x - 0.5, x + 0.5, schedule))
    return runs or [(-0.5, 0.5, chart.schedule)]


def _measure(fig: Figure) -> Layout:
    """Margins that hold what the first drawing put around the plot."""
    ax = fig.axes[0]
    dpi = fig.dpi
    box = ax.get_window_extent()
    ticks = [t.get_window_extent() for t in ax.get_xticklabels() if t.get_text()]
    tiers = [t.get_window_extent() for t in ax.texts if t.get_gid() != "version"]
    note = next(t for t in fig.texts if t.get_gid() == "note").get_window_extent()
    legend = fig.legends[0].get_window_extent()
    title = next(t for t in fig.texts if t.get_gid() == "title").get_window_extent()
    fig_height = fig.bbox.height
    below = (box.y0 - min((t.y0 for t in ticks), default=box.y0)) / dpi
    month = max((t.width for t in ticks), default=0.0) / dpi + 0.12
    right = max((t.x1 for t in tiers), default=box.x1) - box.x1
    top = (fig_height - min(legend.y0, title.y0)) / dpi
    wide = max(note.width, legend.width, title.width) / dpi
    return Layout(left=Layout.left, right=right / dpi + 0.2, top=top + 0.2,
                  bottom=below + note.height / dpi + 0.25, month=max(month, 0.3),
                  min_plot=max(Layout.min_plot, wide - Layout.left - right / dpi))


def _legend(fig: Figure, chart: Chart, x: float, y: float, partial: bool,
            forecast: bool) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    months = chart.window_months
    handles: list[Any] = [Line2D(
        [], [], color=LINE_COLOUR, marker="o", linewidth=2,
        label=(f"CPU that set the month's fee: contacts ÷ covered units of the "
               f"{months} month{'s' if months != 1 else ''} before it"))]
    if partial:
        handles.append(Patch(facecolor="none", edgecolor="#7a7a7a", hatch=PARTIAL_HATCH,
                             label=("month not ended (the running month: fee per unit fixed, "
                                    "units still counting)")))
    if forecast:
        handles.append(Line2D([], [], color=LINE_COLOUR, marker="o", markerfacecolor="white",
                              linestyle="--", label="forecast: counts the running month so far"))
    fig.legend(handles=handles, loc="upper left", fontsize=8, frameon=False,
               bbox_to_anchor=(x, y), ncol=1, borderaxespad=0, handlelength=2.5)


def _tier_labels(ax: Any, drawn: Sequence[Band], top: float) -> None:
    """Each tier's label in the right margin, beside its band, never on another."""
    height_px = ax.get_window_extent().height or 1.0
    gap = top * LABEL_GAP_PX / height_px
    placed: list[float] = []
    for band in drawn:
        high = top if band.high is None else min(band.high, top)
        y = (band.low + high) / 2
        if placed:
            y = max(y, placed[-1] + gap)
        placed.append(y)
    # Pushed past the top: shift the whole column down, keeping the gaps.
    overflow = placed[-1] - (top - gap / 2) if placed else 0.0
    if overflow > 0:
        placed = [max(y - overflow, gap / 2 * (i + 1)) for i, y in enumerate(placed)]
    for band, y in zip(drawn, placed, strict=True):
        ax.text(1.015, y, band.label, transform=ax.get_yaxis_transform(), va="center",
                ha="left", fontsize=8, clip_on=False)


def draw_chart(chart: Chart, out: Path | BinaryIO, *, running: Month | None = None,
               fmt: Format = "png") -> None:
    """Write the chart to ``out``: a path (its folder must exist) or a binary
    stream, so a statement can attach it without a temporary file."""
    fig = build_figure(chart, running)
    if fmt == "svg":
        import matplotlib

        # Text as <text> (searchable, small) and ids from a fixed salt (the
        # same chart, the same bytes).  rcParams are global: only the CLI
        # writes SVG, never the daemon's threads.
        with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": chart.seller_id}):
            fig.savefig(out, format="svg", metadata={"Date": None})
    else:
        fig.savefig(out, format="png")


def _percent(cpu: Fraction | None) -> float:
    return float("nan") if cpu is None else float(cpu) * 100
