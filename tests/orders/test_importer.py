"""import_report on both engines: snapshots per order, idempotent re-import."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from router.orders import ImportSummary, ReportFormatError, import_report
from router.orders import importer as importer_module
from router.store import orders

HEADER = (
    "amazon-order-id\tpurchase-date\torder-status\tfulfillment-channel"
    "\tsales-channel\tsku\tquantity\titem-status\tproduct-name"
)
A = "302-0000001-0000001"
B = "302-0000002-0000002"
C = "028-0000003-0000003"


def row(order_id: str, sku: str, quantity: int = 1, status: str = "Shipped",
        date: str = "2026-10-03T22:15:09+02:00", channel: str = "Merchant") -> str:
    item_status = "Shipped" if status == "Shipped" else "Unshipped"
    return "\t".join(
        [order_id, date, status, channel, "Amazon.de", sku, str(quantity), item_status, "Lampe"]
    )


def write(path: Path, *rows: str) -> Path:
    path.write_text("\ufeff" + "\r\n".join((HEADER, *rows)) + "\r\n", encoding="utf-8")
    return path


def run(engine: Engine, path: Path, seller: str = "S1") -> tuple[ImportSummary, list[str]]:
    errors: list[str] = []
    summary = import_report(engine, seller, path, errors.append)
    return summary, errors


def stored(engine: Engine, seller: str = "S1") -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                sa.select(orders)
                .where(orders.c.seller_id == seller)
                .order_by(orders.c.amazon_order_id, orders.c.line_no)
            )
        ]


def lines_of(engine: Engine, seller: str = "S1") -> list[tuple[Any, ...]]:
    """(order, line_no, sku, quantity, order_status) per stored line."""
    return [(r[1], r[2], r[3], r[8], r[5]) for r in stored(engine, seller)]


def test_first_import_stores_every_line(engine: Engine, tmp_path: Path) -> None:
    report = write(tmp_path / "r.txt", row(A, "A1"), row(A, "A2", 3), row(B, "B1", 2, "Pending"))
    summary, errors = run(engine, report)
    assert errors == []
    assert summary == ImportSummary(
        lines_read=3, bad_lines=0, orders_new=2, orders_updated=0, orders_unchanged=0
    )
    assert str(summary) == "3 lines read, 0 bad; orders: 2 new, 0 updated, 0 unchanged"
    assert lines_of(engine) == [
        (A, 0, "A1", 1, "Shipped"),
        (A, 1, "A2", 3, "Shipped"),
        (B, 0, "B1", 2, "Pending"),
    ]
    first = stored(engine)[0]
    assert first[4] == datetime(2026, 10, 3, 20, 15, 9, tzinfo=UTC)
    assert first[10] == str(report)
    assert first[11].tzinfo is not None


def test_same_file_twice_changes_nothing(engine: Engine, tmp_path: Path) -> None:
    report = write(tmp_path / "r.txt", row(A, "A1"), row(A, "A2"), row(B, "B1"), row(C, "C1"))
    run(engine, report)
    before = stored(engine)
    summary, errors = run(engine, report)
    assert errors == []
    assert summary == ImportSummary(
        lines_read=4, bad_lines=0, orders_new=0, orders_updated=0, orders_unchanged=3
    )
    # Identical down to imported_at: unchanged orders are not rewritten.
    assert stored(engine) == before


def test_later_report_updates_status_quantity_and_items(engine: Engine, tmp_path: Path) -> None:
    run(engine, write(tmp_path / "1.txt",
                      row(A, "A1", 1, "Pending"), row(A, "A2", 1, "Pending"),
                      row(B, "B1", 1), row(C, "C1", 5)))
    summary, _ = run(engine, write(tmp_path / "2.txt",
                                   row(A, "A2", 1), row(B, "B1", 4), row(C, "C1", 5)))
    assert summary == ImportSummary(
        lines_read=3, bad_lines=0, orders_new=0, orders_updated=2, orders_unchanged=1
    )
    assert lines_of(engine) == [
        (C, 0, "C1", 5, "Shipped"),
        (A, 0, "A2", 1, "Shipped"),  # Pending -> Shipped, item A1 removed
        (B, 0, "B1", 4, "Shipped"),  # quantity 1 -> 4
    ]
    sources = {r[1]: r[10] for r in stored(engine)}
    assert sources == {A: str(tmp_path / "2.txt"), B: str(tmp_path / "2.txt"),
                       C: str(tmp_path / "1.txt")}


def test_orders_absent_from_a_report_are_kept(engine: Engine, tmp_path: Path) -> None:
    run(engine, write(tmp_path / "sept.txt", row(A, "A1"), row(B, "B1")))
    summary, _ = run(engine, write(tmp_path / "oct.txt", row(C, "C1")))
    assert summary.orders_new == 1
    assert [r[0] for r in lines_of(engine)] == [C, A, B]


def test_sellers_are_kept_apart(engine: Engine, tmp_path: Path) -> None:
    run(engine, write(tmp_path / "s1.txt", row(A, "A1"), row(A, "A2")))
    summary, _ = run(engine, write(tmp_path / "s2.txt", row(A, "X")), seller="S2")
    assert summary.orders_new == 1
    assert [r[2] for r in lines_of(engine, "S1")] == ["A1", "A2"]
    assert [r[2] for r in lines_of(engine, "S2")] == ["X"]


def test_bad_lines_are_reported_and_skipped(engine: Engine, tmp_path: Path) -> None:
    report = write(tmp_path / "r.txt",
                   row(A, "A1"), row("302-1", "Z"), "", row(B, "B1", channel="FBA"), row(C, "C1"))
    summary, errors = run(engine, report)
    assert errors == [
        f"{report}:3: the amazon-order-id '302-1' is not like 123-1234567-1234567",
        f"{report}:5: the fulfillment-channel 'FBA' is neither Amazon nor Merchant",
    ]
    assert (summary.lines_read, summary.bad_lines, summary.orders_new) == (4, 2, 2)
    assert [r[0] for r in lines_of(engine)] == [C, A]


def test_a_file_that_is_not_a_report_imports_nothing(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "r.txt"
    path.write_text("order\tdate\n" + row(A, "A1") + "\n", encoding="utf-8")
    with pytest.raises(ReportFormatError, match="amazon-order-id, purchase-date"):
        run(engine, path)
    assert stored(engine) == []


def test_orders_over_many_batches_and_scattered_items(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importer_module, "BATCH_ORDERS", 2)
    ids = [f"302-{n:07d}-0000000" for n in range(1, 8)]
    rows = [row(i, f"{i[-9:]}-{k}") for i in ids for k in range(2)]
    # The first order's third item comes last: after several batches.
    rows.append(row(ids[0], "late"))
    report = write(tmp_path / "r.txt", *rows)
    summary, _ = run(engine, report)
    assert (summary.lines_read, summary.orders_new) == (15, 7)
    got = lines_of(engine)
    assert len(got) == 15
    assert [r[1:3] for r in got if r[0] == ids[0]] == [
        (0, f"{ids[0][-9:]}-0"),
        (1, f"{ids[0][-9:]}-1"),
        (2, "late"),
    ]
    before = stored(engine)
    run(engine, report)
    assert lines_of(engine) == got
    assert [r[:10] for r in stored(engine)] == [r[:10] for r in before]


def test_stored_dates_compare_correctly_in_sql(engine: Engine, tmp_path: Path) -> None:
    # Billing selects months with bound datetimes; the import's fast path
    # must store exactly what UTCDateTime would, or the boundary slips.
    run(engine, write(tmp_path / "r.txt",
                      row(A, "A1", date="2026-10-01T00:00:00Z"),
                      row(B, "B1", date="2026-10-01T01:59:59.999999+02:00"),
                      row(C, "C1", date="2026-10-31T23:59:59.5-00:30")))
    start = datetime(2026, 10, 1, tzinfo=UTC)
    end = datetime(2026, 11, 1, tzinfo=UTC)
    with engine.connect() as conn:
        october = conn.scalars(
            sa.select(orders.c.amazon_order_id)
            .where(orders.c.purchase_date >= start, orders.c.purchase_date < end)
            .order_by(orders.c.purchase_date)
        ).all()
        exact = conn.scalars(
            sa.select(orders.c.amazon_order_id).where(orders.c.purchase_date == start)
        ).all()
    assert october == [A]
    assert exact == [A]


def test_progress_bar_goes_to_stderr(
    engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = write(tmp_path / "r.txt", row(A, "A1"))
    summary = import_report(engine, "S1", report, print, progress=True)
    out, err = capsys.readouterr()
    assert summary.orders_new == 1
    assert out == ""
    assert "r.txt" in err
