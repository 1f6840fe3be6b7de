"""The CPU chart a seller reads: numbers from the billing rules, labels that fit.

What a seller must be able to read off it is checked on the drawn
matplotlib artists (their texts and their places on the canvas) and in
the written PNG and SVG files.
"""

from __future__ import annotations

import io
import itertools
import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from router.account.billing import Activity
from router.account.chart import Chart, bands, build_figure, chart_data, draw_chart
from router.account.months import Month, span
from router.config.model import FeeSchedule
from tests.account.fixtures import COM, DE, period, terms

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SVG = "{http://www.w3.org/2000/svg}"
JP = FeeSchedule.model_validate({
    "currency": "JPY",
    "tiers": [{"cpu_at_most": "0.05", "fee": "11"}, {"cpu_at_most": "0.10", "fee": "38"},
              {"cpu_at_most": "0.20", "fee": "76"}, {"cpu_at_most": None, "fee": "163"}],
    "low_volume": {"max_units": 30, "fee": "38"},
})
NOV = Month(2026, 11)
JAN = Month(2026, 1)


def _history() -> Activity:
    return Activity(
        {date(2026, 6, 10): 100, date(2026, 7, 10): 100, date(2026, 8, 10): 100,
         date(2026, 9, 10): 100},
        {Month(2026, 6): 2, Month(2026, 7): 10, Month(2026, 8): 30, Month(2026, 9): 5})


def _busy() -> Activity:
    """A year whose CPU climbs into the top tiers and back: the line crosses every band."""
    units = {date(2026, m, 10): 100 for m in range(1, 13)}
    counts = [2, 3, 4, 30, 45, 5, 3, 2, 1, 40, 2, 1]
    return Activity(units, {Month(2026, m): c for m, c in zip(range(1, 13), counts,
                                                             strict=True)})


def _chart(schedule: FeeSchedule = DE, first: Month = JAN, last: Month = NOV,
           activity: Activity | None = None) -> Chart:
    return chart_data(terms(period("2026-01-01"), schedule=schedule), span(first, last),
                      activity or _busy())


def _ticks(fig: Any) -> list[str]:
    return [t.get_text() for t in fig.axes[0].get_xticklabels()]


def _all_texts(fig: Any) -> list[Any]:
    from matplotlib.text import Text

    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


# --------------------------------------------------------------------------
# The numbers.


def test_points_carry_the_fee_setting_cpu_and_the_fee() -> None:
    chart = chart_data(terms(period("2026-06-01")), span(Month(2026, 6), Month(2026, 10)),
                       _history())
    assert [p.window_cpu for p in chart.points] == [
        None, Fraction(2, 100), Fraction(12, 200), Fraction(42, 300), Fraction(45, 300)]
    assert [p.fee_per_unit for p in chart.points] == [
        Decimal(x) for x in ("0.41", "0.09", "0.41", "0.41", "0.41")]
    assert chart.window_months == 3 and chart.schedule is DE


def test_tier_labels_name_the_bounds_and_the_currency() -> None:
    assert [b.label for b in bands(DE)] == [
        "CPU ≤ 5 %: 0.09 EUR/unit", "5 % < CPU ≤ 15 %: 0.41 EUR/unit",
        "15 % < CPU ≤ 30 %: 1.09 EUR/unit", "CPU > 30 %: 2.55 EUR/unit"]
    assert [b.label for b in bands(JP)][-1] == "CPU > 20 %: 163 JPY/unit"


# --------------------------------------------------------------------------
# What the seller reads.


@pytest.mark.parametrize("schedule", (DE, COM, JP), ids=lambda s: s.currency)
def test_every_fee_label_carries_the_currency(schedule: FeeSchedule) -> None:
    fig = build_figure(_chart(schedule), running=NOV)
    money = schedule.currency
    ticks = _ticks(fig)
    assert ticks and all(f" {money}" in t for t in ticks), ticks
    tiers = [t.get_text() for t in fig.axes[0].texts]
    assert len(tiers) == len(schedule.tiers)
    assert all(t.endswith(f" {money}/unit") for t in tiers), tiers
    # Yen have no minor unit: no "163.00 JPY".
    if money == "JPY":
        assert not any(".00" in t for t in ticks + tiers), ticks + tiers


def test_running_month_is_marked_and_only_it() -> None:
    fig = build_figure(_chart(), running=NOV)
    ticks = _ticks(fig)
    assert ticks[-1].startswith("2026-11") and "running" in ticks[-1]
    assert not any("running" in t or "forecast" in t for t in ticks[:-1])
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert any("not ended" in t for t in legend), legend
    # A statement's chart of ended months marks nothing.
    ended = build_figure(_chart(last=Month(2026, 10)), running=None)
    assert not any("running" in t for t in _ticks(ended))
    assert not any("not ended" in t.get_text() for t in ended.legends[0].get_texts())


def test_months_after_the_running_one_are_a_forecast() -> None:
    fig = build_figure(_chart(last=Month(2026, 12)), running=NOV)
    ticks = _ticks(fig)
    assert "running" in ticks[-2] and "forecast" in ticks[-1]
    lines = {line.get_gid(): line for line in fig.axes[0].get_lines() if line.get_gid()}
    assert list(lines) == ["cpu", "cpu-forecast"]
    # The running month's point is final (filled); only December's is hollow.
    count = len(ticks)
    assert lines["cpu-forecast"].get_markevery() == [count - 1]
    final = lines["cpu"].get_ydata()
    assert final[count - 2] == final[count - 2] and final[count - 1] != final[count - 1]


def test_one_clearly_named_cpu_series() -> None:
    fig = build_figure(_chart(), running=NOV)
    series = [line for line in fig.axes[0].get_lines() if line.get_gid()]
    assert [line.get_gid() for line in series] == ["cpu"]
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend[0].startswith("CPU that set the month's fee")
    assert "3 months before it" in legend[0]
    assert not any("own" in t for t in legend)


def _line_points(fig: Any, step: int = 25) -> list[tuple[float, float]]:
    """The CPU series on the canvas: its vertices and points along each segment."""
    found = []
    for line in fig.axes[0].get_lines():
        if not line.get_gid():
            continue
        xy = line.get_transform().transform(line.get_xydata())
        for (x0, y0), (x1, y1) in itertools.pairwise(xy):
            if x0 != x0 or x1 != x1 or y0 != y0 or y1 != y1:  # NaN: no segment
                continue
            found += [(x0 + (x1 - x0) * i / step, y0 + (y1 - y0) * i / step)
                      for i in range(step + 1)]
    return found


@pytest.mark.parametrize("months", (1, 11, 12, 30))
@pytest.mark.parametrize("schedule", (DE, JP), ids=lambda s: s.currency)
def test_no_label_over_the_line_or_another_label(months: int, schedule: FeeSchedule) -> None:
    first = NOV.plus(1 - months)
    fig = build_figure(_chart(schedule, first=first), running=NOV)
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    line = _line_points(fig)
    assert line or months == 1
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in _all_texts(fig)]
    boxes.append(("legend", fig.legends[0].get_window_extent(renderer)))
    for text, box in boxes:
        assert not any(box.contains(x, y) for x, y in line), f"{text!r} lies on the line"
        inside = fig.bbox
        assert (box.x0 >= inside.x0 - 0.5 and box.x1 <= inside.x1 + 0.5
                and box.y0 >= inside.y0 - 0.5 and box.y1 <= inside.y1 + 0.5), (
            f"{text!r} is cut off")
    legend_texts = {t.get_text() for t in fig.legends[0].get_texts()}
    apart = [(text, box) for text, box in boxes if text not in legend_texts]
    for (a, box_a), (b, box_b) in itertools.combinations(apart, 2):
        assert not box_a.overlaps(box_b), f"{a!r} overlaps {b!r}"


# --------------------------------------------------------------------------
# The files.


def test_chart_is_a_valid_png(tmp_path: Path) -> None:
    from matplotlib.image import imread

    for schedule in (DE, COM):
        out = tmp_path / f"cpu-{schedule.currency}.png"
        points = chart_data(terms(period("2026-06-01"), schedule=schedule),
                            span(Month(2026, 1), Month(2026, 12)), _history())
        draw_chart(points, out)
        data = out.read_bytes()
        assert data.startswith(PNG_SIGNATURE) and len(data) > 10_000
        image = imread(out)
        assert image.shape[0] >= 400 and image.shape[1] >= 900
        # Not a blank canvas: the tier bands and lines give many colours.
        assert len({tuple(px) for px in image.reshape(-1, image.shape[2])[::97]}) > 10


def test_svg_is_svg_with_readable_text() -> None:
    stream = io.BytesIO()
    draw_chart(_chart(), stream, running=NOV, fmt="svg")
    data = stream.getvalue()
    root = ET.fromstring(data)
    assert root.tag == f"{SVG}svg"
    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    assert "0.09 EUR" in texts and "running" in texts, texts
    assert "CPU > 30 %: 2.55 EUR/unit" in texts
    # The same chart, the same bytes (no date, fixed ids).
    again = io.BytesIO()
    draw_chart(_chart(), again, running=NOV, fmt="svg")
    assert again.getvalue() == data


def test_a_seller_without_any_units_still_gets_a_chart(tmp_path: Path) -> None:
    out = tmp_path / "empty.png"
    draw_chart(chart_data(terms(), [Month(2026, 10)], Activity()), out)
    assert out.read_bytes().startswith(PNG_SIGNATURE)
    fig = build_figure(chart_data(terms(), [Month(2026, 10)], Activity()))
    # No CPU: the fee is the one for an unknown CPU, and the chart says so.
    assert _ticks(fig) == ["2026-10\n0.41 EUR*"]
    assert any("no CPU" in t.get_text() for t in fig.texts)


def test_chart_can_be_written_to_a_stream() -> None:
    stream = io.BytesIO()
    draw_chart(chart_data(terms(), [Month(2026, 10)], Activity()), stream)
    assert stream.getvalue().startswith(PNG_SIGNATURE)


def test_each_month_is_drawn_under_its_own_schedule_version() -> None:
    from router.account.billing import Terms
    from router.account.fees import Figures
    from router.config.model import Config
    from tests.account.test_fees import COM_2021, COM_2026

    config = Config.model_validate({
        "regions": {"us": {"address": "csba-us@amazon.com", "marketplace": "amazon.com",
                           "forward_to": "team@example.internal"}},
        "sellers": [{"id": "US1", "region": "us", "addresses": ["a@shop.example"],
                     "enrollment": [{"start": "2025-01-01"}]}],
        "billing": {"fees": {"amazon.com": [COM_2021, COM_2026]}}})
    units = {date(2026, m, 10): 400 for m in range(1, 9)}
    contacts = {Month(2026, m): 24 for m in range(1, 9)}  # 6 %: the 0.25 tier
    good = Figures(Decimal("0.97"), Decimal("0.97"))
    activity = Activity(units, contacts, {d: 50 for d in units}, {Month(2026, 4): good})
    chart = chart_data(Terms.of(config, config.sellers[0]),
                       span(Month(2026, 4), Month(2026, 7)), activity)
    assert [p.schedule.valid_from for p in chart.points if p.schedule] == [
        date(2021, 11, 1), date(2021, 11, 1), date(2026, 6, 1), date(2026, 6, 1)]
    fig = build_figure(chart)
    # May: 50 % off the 0.25 tier for April's VTR, and the label says so.
    assert _ticks(fig) == ["2026-04\n0.25 USD", "2026-05\n0.125 USD\nVTR reward",
                           "2026-06\n0.25 USD", "2026-07\n0.25 USD"]
    assert [t.get_text() for t in fig.axes[0].texts if t.get_gid() == "version"] == [
        " from 2026-06-01"]
    # The margin labels are the newest version's: five tiers, the first exclusive.
    assert chart.schedule.valid_from == date(2026, 6, 1)
    assert bands(chart.schedule)[0].label == "CPU < 3 %: 0.00 USD/unit"
