"""Putting orders and contacts into a test database the way production does.

Orders go through the real importer from a TSV report, so the stored
datetime form is exactly the importer's; contacts are inserted as rows
(with the `received` row each one points to), since logging them is the
pipeline's job and tested there.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from router.orders import import_report
from router.store import contacts, received

HEADER = ("amazon-order-id\tpurchase-date\torder-status\tfulfillment-channel\t"
          "sales-channel\tsku\tquantity\titem-status\n")

Line = tuple[str, str, str, str, int]  # order id, purchase-date, status, channel, quantity


def import_lines(engine: Engine, seller_id: str, lines: list[Line], folder: Path,
                 name: str = "orders.txt") -> None:
    """Write an All Orders report with these lines and import it."""
    path = folder / f"{seller_id}-{name}"
    body = "".join(f"{oid}\t{when}\t{status}\t{channel}\tAmazon.de\tSKU-{i}\t{qty}\t{status}\n"
                   for i, (oid, when, status, channel, qty) in enumerate(lines))
    path.write_text(HEADER + body, encoding="utf-8")
    errors: list[str] = []
    import_report(engine, seller_id, path, errors.append)
    assert not errors, errors


def add_contacts(engine: Engine, seller_id: str, times: list[datetime],
                 order_id: str = "302-0000000-0000000", marketplace: str = "amazon.de",
                 region: str = "de2de") -> list[int]:
    """Log one contact per arrival time; returns their ids."""
    ids = []
    with engine.begin() as conn:
        for n, when in enumerate(times):
            rid = conn.execute(received.insert().values(
                message_id=f"<{seller_id}-{when.timestamp()}-{n}@test>", sha256="0" * 64,
                raw=b"x", size=1, mail_from="s@example.com", rcpt_tos=["csba@example.com"],
                channel="smtp", arrived_at=when, state="done")).inserted_primary_key[0]  # type: ignore[index]
            ids.append(conn.execute(contacts.insert().values(
                seller_id=seller_id, order_id=order_id, marketplace=marketplace, region=region,
                received_id=rid, arrived_at=when, last_activity_at=when,
            )).inserted_primary_key[0])  # type: ignore[index]
    return ids


PLUS2 = timezone(timedelta(hours=2))
SELLERS: list[dict[str, Any]] = [
    {"id": "A1", "enrollment": [{"start": "2026-06-01"}]},
    {"id": "B2", "region": "us2us", "enrollment": [{"start": "2026-01-01"}]},
    {"id": "N3"},  # never enrolled
]

A1_ORDERS = [
    # CPU window Jul..Sep: 20 + (10 + 5) + 5 = 40 covered units.
    ("302-0000001-0000001", "2026-07-10T10:00:00+02:00", "Shipped", "Merchant", 20),
    ("302-0000002-0000002", "2026-08-10T10:00:00Z", "Shipped", "Merchant", 10),
    ("302-0000002-0000002", "2026-08-10T10:00:00Z", "Shipped", "Merchant", 5),
    # 2026-09-30 23:30 UTC: September, not October.
    ("302-0000003-0000003", "2026-10-01T01:30:00+02:00", "Shipped", "Merchant", 5),
    # Not covered: pending, cancelled, fulfilled by Amazon.
    ("302-0000004-0000004", "2026-08-11T10:00:00Z", "Pending", "Merchant", 100),
    ("302-0000005-0000005", "2026-08-12T10:00:00Z", "Cancelled", "Merchant", 100),
    ("302-0000006-0000006", "2026-10-12T10:00:00Z", "Shipped", "Amazon", 100),
    # October: 3 (2026-10-01 01:30 UTC) + 7 + 1 (2026-10-31 23:30 UTC) = 11.
    ("302-0000007-0000007", "2026-09-30T23:30:00-02:00", "Shipped", "Merchant", 3),
    ("302-0000008-0000008", "2026-10-15T12:00:00Z", "Shipped", "Merchant", 7),
    ("302-0000009-0000009", "2026-11-01T00:30:00+01:00", "Shipped", "Merchant", 1),
    ("302-0000010-0000010", "2026-11-01T00:30:00Z", "Shipped", "Merchant", 50),  # November
]
A1_CONTACTS = [
    datetime(2026, 6, 30, 23, 59, tzinfo=UTC),          # before the window
    datetime(2026, 7, 3, tzinfo=UTC),
    datetime(2026, 8, 3, tzinfo=UTC), datetime(2026, 8, 4, tzinfo=UTC),
    datetime(2026, 9, 30, 23, 59, 59, tzinfo=UTC),
    datetime(2026, 10, 1, 0, 30, tzinfo=PLUS2),          # 2026-09-30 22:30 UTC
    datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 10, 20, tzinfo=UTC),
    datetime(2026, 11, 1, tzinfo=UTC),                  # after the month
]


def fill_example(engine: Engine, tmp_path: Path) -> None:
    """Three sellers' orders and contacts; test_figures computes their October."""
    import_lines(engine, "A1", A1_ORDERS, tmp_path)
    add_contacts(engine, "A1", A1_CONTACTS)
    # B2 on amazon.com: 4 / 80 = 0.05 exactly -> USD 0.10; 10 units in October.
    import_lines(engine, "B2", [
        ("111-0000001-0000001", "2026-08-01T12:00:00-07:00", "Shipped", "Merchant", 80),
        ("111-0000002-0000002", "2026-10-02T12:00:00-07:00", "Shipped", "Merchant", 10),
    ], tmp_path)
    add_contacts(engine, "B2", [datetime(2026, 9, d, tzinfo=UTC) for d in (1, 2, 3, 4)],
                 marketplace="amazon.com", region="us2us")
    # N3 was never enrolled: its orders are not covered.
    import_lines(engine, "N3", [
        ("302-0000099-0000099", "2026-10-05T12:00:00Z", "Shipped", "Merchant", 50)], tmp_path)
