"""Billing against a real database, on SQLite and on PostgreSQL.

Orders are imported from reports with the real importer; the figures are
computed by hand in the comments.  The purchase dates near midnight carry
offsets, so a wrong day bucket (local instead of UTC) moves units between
months and changes the figures.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from router.account.figures import month_contacts, monthly_bills, seller_history
from router.account.months import Month
from tests.account.dbdata import (
    A1_CONTACTS,
    A1_ORDERS,
    SELLERS,
    add_contacts,
    fill_example,
    import_lines,
)
from tests.account.fixtures import config

OCT = Month(2026, 10)
def _in_a_far_time_zone(engine: Engine) -> None:
    """PostgreSQL sessions at UTC+14: day buckets must still be UTC."""
    if engine.dialect.name != "postgresql":
        return
    engine.dispose()

    @event.listens_for(engine, "connect")
    def _zone(dbapi_conn: Any, _record: Any) -> None:
        with dbapi_conn.cursor() as cursor:
            cursor.execute("SET TIME ZONE 'Pacific/Kiritimati'")
        dbapi_conn.commit()


def test_month_figures_on_both_engines(engine: Engine, tmp_path: Path) -> None:
    _in_a_far_time_zone(engine)
    fill_example(engine, tmp_path)
    cfg = config(SELLERS)
    bills = {b.seller_id: b.to_json() for b in monthly_bills(engine, cfg, OCT)}
    assert list(bills) == ["A1", "B2", "N3"]
    # A1: 5 contacts (Jul 1, Aug 2, Sep 2) / 40 units = 0.125 -> 0.41; 11 units.
    assert bills["A1"] == {
        "seller_id": "A1", "month": "2026-10", "marketplace": "amazon.de", "currency": "EUR",
        "cpu_window": "2026-07..2026-09", "window_units": 40, "window_contacts": 5,
        "cpu": "0.125000", "fee_per_unit": "0.41", "covered_units": 11, "billable_units": 11,
        "contacts": 2, "fee": "4.51", "schedule_from": None, "vtr": None,
        "discount_percent": None, "low_volume": False, "fee_basis": "tier"}
    assert {k: bills["B2"][k] for k in ("currency", "window_units", "window_contacts", "cpu",
                                        "fee_per_unit", "covered_units", "fee")} == {
        "currency": "USD", "window_units": 80, "window_contacts": 4, "cpu": "0.050000",
        "fee_per_unit": "0.10", "covered_units": 10, "fee": "1.00"}
    assert {k: bills["N3"][k] for k in ("window_units", "cpu", "covered_units", "fee")} == {
        "window_units": 0, "cpu": None, "covered_units": 0, "fee": "0.00"}
    # One seller asked for: the same figures.
    one = monthly_bills(engine, cfg, OCT, [cfg.sellers[0]])
    assert [b.to_json() for b in one] == [bills["A1"]]


def test_importing_the_reports_again_changes_nothing(engine: Engine, tmp_path: Path) -> None:
    fill_example(engine, tmp_path)
    cfg = config(SELLERS)
    first = monthly_bills(engine, cfg, OCT)
    import_lines(engine, "A1", A1_ORDERS, tmp_path)
    assert monthly_bills(engine, cfg, OCT) == first


def test_enrollment_start_is_a_utc_day(engine: Engine, tmp_path: Path) -> None:
    # Enrolled 2026-06-01 with a 30-day trial (06-01 .. 06-30 UTC).
    import_lines(engine, "A1", [
        ("302-0000001-0000001", "2026-06-01T01:00:00+02:00", "Shipped", "Merchant", 4),  # 05-31
        ("302-0000002-0000002", "2026-05-31T23:30:00-01:00", "Shipped", "Merchant", 2),  # 06-01
        ("302-0000003-0000003", "2026-07-01T01:00:00+02:00", "Shipped", "Merchant", 8),  # 06-30
        ("302-0000004-0000004", "2026-07-01T00:00:00Z", "Shipped", "Merchant", 1),       # 07-01
    ], tmp_path)
    cfg = config(SELLERS)
    june = monthly_bills(engine, cfg, Month(2026, 6), [cfg.sellers[0]])[0]
    assert (june.covered_units, june.billable_units) == (10, 0)
    # July's window holds June's 10 trial units and no contact: CPU 0, 0.09.
    july = monthly_bills(engine, cfg, Month(2026, 7), [cfg.sellers[0]])[0]
    assert (july.window_units, july.cpu, july.covered_units, july.billable_units,
            july.fee) == (10, "0.000000", 1, 1, "0.09")


def test_contacts_of_a_month_listed_oldest_first(engine: Engine) -> None:
    add_contacts(engine, "A1", A1_CONTACTS)
    add_contacts(engine, "B2", [datetime(2026, 10, 5, tzinfo=UTC)], order_id="111-1-1")
    rows = month_contacts(engine, OCT)
    assert [(r.seller_id, r.arrived_at) for r in rows] == [
        ("A1", datetime(2026, 10, 1, tzinfo=UTC)), ("B2", datetime(2026, 10, 5, tzinfo=UTC)),
        ("A1", datetime(2026, 10, 20, tzinfo=UTC))]
    assert [r.seller_id for r in month_contacts(engine, OCT, "B2")] == ["B2"]
    assert rows[0].to_json()["arrived_at"] == "2026-10-01T00:00:00+00:00"


def test_history_for_the_chart_reaches_back_a_window(engine: Engine, tmp_path: Path) -> None:
    fill_example(engine, tmp_path)
    cfg = config(SELLERS)
    terms, months, activity = seller_history(engine, cfg, cfg.sellers[0], OCT, 2)
    assert [str(m) for m in months] == ["2026-09", "2026-10"]
    # September's window (Jun..Aug) needs June: the first month fetched.
    assert min(activity.units_by_day).isoformat() == "2026-07-10"
    assert activity.contacts_by_month[Month(2026, 6)] == 1
    assert terms.marketplace == "amazon.de"


def test_distinct_covered_orders_per_utc_day(engine: Engine, tmp_path: Path) -> None:
    from router.account.figures import activity, counts_orders

    import_lines(engine, "A1", [
        ("302-0000001-0000001", "2026-09-10T10:00:00Z", "Shipped", "Merchant", 2),
        ("302-0000001-0000001", "2026-09-10T10:00:00Z", "Shipped", "Merchant", 1),
        ("302-0000002-0000002", "2026-09-10T23:30:00-01:00", "Shipped", "Merchant", 1),  # 09-11
        ("302-0000003-0000003", "2026-09-11T08:00:00Z", "Shipped", "Amazon", 5),
        ("302-0000004-0000004", "2026-09-11T09:00:00Z", "Pending", "Merchant", 5),
        ("302-0000005-0000005", "2026-09-11T10:00:00Z", "Shipped", "Merchant", 1),
    ], tmp_path)
    with engine.connect() as conn:
        found = activity(conn, Month(2026, 9), Month(2026, 9), ["A1"])["A1"]
        unasked = activity(conn, Month(2026, 9), Month(2026, 9), ["A1"],
                           orders_counted=False)["A1"]
    days = {d.isoformat(): n for d, n in found.orders_by_day.items()}
    assert days == {"2026-09-10": 1, "2026-09-11": 2}
    assert {d.isoformat(): n for d, n in found.units_by_day.items()} == {
        "2026-09-10": 3, "2026-09-11": 2}
    assert set(unasked.orders_by_day.values()) == {0} and unasked.units_by_day == found.units_by_day
    assert not counts_orders(config(SELLERS))
