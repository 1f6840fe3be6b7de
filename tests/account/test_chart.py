"""The CPU chart: its numbers come from the billing rules; the PNG is valid."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from router.account.billing import Activity
from router.account.chart import chart_points, draw_chart
from router.account.months import Month, span
from tests.account.fixtures import COM, DE, period, terms

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _history() -> Activity:
    return Activity(
        {date(2026, 6, 10): 100, date(2026, 7, 10): 100, date(2026, 8, 10): 100,
         date(2026, 9, 10): 100},
        {Month(2026, 6): 2, Month(2026, 7): 10, Month(2026, 8): 30, Month(2026, 9): 5})


def test_points_carry_the_fee_setting_cpu_and_the_months_own() -> None:
    points = chart_points(terms(period("2026-06-01")), span(Month(2026, 6), Month(2026, 10)),
                          _history())
    assert [p.window_cpu for p in points] == [
        None, Fraction(2, 100), Fraction(12, 200), Fraction(42, 300), Fraction(45, 300)]
    assert [p.month_cpu for p in points] == [
        Fraction(2, 100), Fraction(10, 100), Fraction(30, 100), Fraction(5, 100), None]
    assert [p.fee_per_unit for p in points] == [
        Decimal(x) for x in ("0.41", "0.09", "0.41", "0.41", "0.41")]


def test_chart_is_a_valid_png(tmp_path: Path) -> None:
    from matplotlib.image import imread

    for schedule in (DE, COM):
        out = tmp_path / f"cpu-{schedule.currency}.png"
        points = chart_points(terms(period("2026-06-01"), schedule=schedule),
                              span(Month(2026, 1), Month(2026, 12)), _history())
        draw_chart(points, schedule, "A1MUSTERHANDEL", out)
        data = out.read_bytes()
        assert data.startswith(PNG_SIGNATURE) and len(data) > 10_000
        image = imread(out)
        assert image.shape[:2] == (480, 900)
        # Not a blank canvas: the tier bands and lines give many colours.
        assert len({tuple(px) for px in image.reshape(-1, image.shape[2])[::97]}) > 10


def test_a_seller_without_any_units_still_gets_a_chart(tmp_path: Path) -> None:
    out = tmp_path / "empty.png"
    draw_chart(chart_points(terms(), [Month(2026, 10)], Activity()), DE, "N3", out)
    assert out.read_bytes().startswith(PNG_SIGNATURE)


def test_chart_can_be_written_to_a_stream() -> None:
    import io

    stream = io.BytesIO()
    draw_chart(chart_points(terms(), [Month(2026, 10)], Activity()), DE, "N3", stream)
    assert stream.getvalue().startswith(PNG_SIGNATURE)
