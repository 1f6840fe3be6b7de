"""Benchmark: import a 1,000,000-line "All Orders" report, then import it again.

Usage:  .venv/bin/python bench/import_orders.py [--lines N] [--postgres URL]

The report is generated in a temporary directory with the contract's eight
columns among the usual extra Amazon columns, ~1.3 lines per order, mixed
statuses and channels.  The first run inserts everything; the second must
find every order unchanged (and is checked to do so).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pgtemp import throwaway_database  # bench/pgtemp.py, next to this script

from router.orders import ImportSummary, import_report
from router.store import open_engine, upgrade

COLUMNS = [
    "amazon-order-id", "merchant-order-id", "purchase-date", "last-updated-date",
    "order-status", "fulfillment-channel", "sales-channel", "order-channel", "url",
    "ship-service-level", "product-name", "sku", "asin", "item-status", "quantity",
    "currency", "item-price", "item-tax", "shipping-price", "ship-city", "ship-postal-code",
    "ship-country", "is-business-order",
]
STATUSES = ["Shipped"] * 14 + ["Pending", "Unshipped", "Cancelled", "Shipping"]
PRODUCTS = ["LED Deckenleuchte 24W", "Gartenschlauch 20m", "USB-C Kabel 2m",
            "Espressotassen 6er Set", "Fahrradlicht Set", "Küchenwaage digital"]


def generate(path: Path, lines: int, seed: int = 7) -> None:
    """Write a realistic report of ``lines`` item lines (plus header)."""
    rnd = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    written = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("\ufeff" + "\t".join(COLUMNS) + "\r\n")
        order_no = 0
        while written < lines:
            order_no += 1
            site = rnd.choice(("302", "303", "304", "028"))
            oid = f"{site}-{order_no:07d}-{rnd.randrange(10**7):07d}"
            when = start + timedelta(seconds=order_no * 29 + rnd.randrange(20))
            offset = rnd.choice(("+00:00", "+02:00", "Z"))
            local = when + (timedelta(hours=2) if offset == "+02:00" else timedelta())
            date = local.strftime("%Y-%m-%dT%H:%M:%S") + offset
            status = rnd.choice(STATUSES)
            channel = "Merchant" if rnd.random() < 0.7 else "Amazon"
            items = 1 if rnd.random() < 0.75 else rnd.choice((2, 2, 3))
            for _ in range(min(items, lines - written)):
                sku = f"SKU-{rnd.randrange(5000):05d}"
                item_status = "Shipped" if status == "Shipped" else "Unshipped"
                price = f"{rnd.randrange(199, 19999) / 100:.2f}"
                row = [
                    oid, "", date, date, status, channel, "Amazon.de", "", "", "Standard",
                    rnd.choice(PRODUCTS), sku, f"B0{rnd.randrange(10**8):08d}", item_status,
                    str(rnd.choice((1, 1, 1, 2, 3))), "EUR", price, "", "0.00", "Berlin",
                    "10115", "DE", "false",
                ]
                out.write("\t".join(row) + "\r\n")
                written += 1


def run(url: str, report: Path, lines: int) -> None:
    engine = open_engine(url)
    upgrade(engine)
    errors: list[str] = []
    try:
        for label in ("first import", "re-import"):
            began = time.perf_counter()
            summary = import_report(engine, "A1BENCH", report, errors.append)
            seconds = time.perf_counter() - began
            print(f"{label:12}  {summary.lines_read:,} lines  {seconds:6.1f} s  "
                  f"{summary.lines_read / seconds:,.0f} lines/s  {_counts(summary)}")
    finally:
        engine.dispose()
    if errors or summary.orders_new or summary.orders_updated:
        sys.exit(f"unexpected: re-import changed something or lines failed: {errors[:3]}")


def _counts(s: ImportSummary) -> str:
    return (f"(new {s.orders_new:,}, updated {s.orders_updated:,}, "
            f"unchanged {s.orders_unchanged:,}, bad {s.bad_lines})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--postgres", metavar="URL", nargs="?",
                        const="postgresql://postgres@127.0.0.1:5432/postgres",
                        help="also run on a throwaway database on this server")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="csba-bench-") as tmp:
        report = Path(tmp) / "all-orders.txt"
        began = time.perf_counter()
        generate(report, args.lines)
        print(f"generated {args.lines:,} lines ({report.stat().st_size / 1e6:.0f} MB)"
              f" in {time.perf_counter() - began:.1f} s")
        print("SQLite (WAL, synchronous=FULL):")
        run(f"sqlite:///{Path(tmp) / 'router.db'}", report, args.lines)
        if args.postgres:
            print("PostgreSQL:")
            with throwaway_database(args.postgres) as url:
                run(url, report, args.lines)


if __name__ == "__main__":
    main()
