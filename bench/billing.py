"""Benchmark: `billing --month` over 1,000 sellers and a month of 5,000,000 order lines.

Usage:  .venv/bin/python bench/billing.py [--lines N] [--contacts N] [--sellers N]
                                           [--import-all] [--postgres [URL]]

Volume.  The billed month M (2026-10) has ``--lines`` order lines (default
5,000,000) and ``--contacts`` contacts (default 200,000) over ``--sellers``
sellers (default 1,000).  M's bill reads its CPU window, so the three months
before M are filled at the same rate: the database holds 4 x 5 M = 20 M order
lines and 4 x 200 k = 800 k contacts (and their `received` rows), all of
which lie in the range the billing query reads.

Loading.  M's lines go through the real importer (`import_report`, one
"All Orders" report per seller, generated as TSV with dates in several UTC
offsets).  The window months are written with the importer's own bulk path
(`OrderRows.insert`: executemany on SQLite, COPY on PostgreSQL) to keep the
run short; ``--import-all`` imports them as reports too.  Contacts are bulk
inserted.  Then `billing --month 2026-10` is timed twice: the function the
CLI calls (`monthly_bills`), and the CLI itself as a process (json to a
file).  Covered, billable units and contacts of every seller are checked
against counts the generator kept while writing the data, computed with
datetimes (not days), independently of the billing code.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

from pgtemp import throwaway_database  # bench/pgtemp.py, next to this script
from sqlalchemy.engine import Engine

from router.account.figures import monthly_bills
from router.account.months import Month
from router.config import load_config
from router.orders import import_report
from router.orders.order_rows import OrderRows
from router.store import contacts, open_engine, performance, received, upgrade

MONTH = Month(2026, 10)
WINDOW = [MONTH.plus(-3), MONTH.plus(-2), MONTH.plus(-1)]
TRIAL_DAYS = 30
OFFSETS = [timezone(timedelta(hours=h)) for h in (0, 2, 2, 1, -7, 8)]
STATUSES = ["Shipped"] * 16 + ["Pending", "Unshipped", "Cancelled", "Shipping"]
QUANTITIES = (1, 1, 1, 2, 3)
HEADER = ("amazon-order-id\tmerchant-order-id\tpurchase-date\torder-status\tfulfillment-channel\t"
          "sales-channel\tsku\tquantity\titem-status\tcurrency\titem-price\n")


@dataclass
class SellerPlan:
    """One generated seller: who it is and what the generator counted."""

    id: str
    region: str
    periods: list[tuple[date, date | None]]
    weight: float
    cpu: float
    expected: Counter[str] = field(default_factory=Counter)
    bounds: list[tuple[datetime, datetime]] = field(default_factory=list)
    trial: tuple[datetime, datetime] | None = None

    def __post_init__(self) -> None:
        # Datetime bounds, computed once: the generator asks for every line.
        far = datetime(9999, 1, 1, tzinfo=UTC)
        self.bounds = [(_at(s), far if e is None else _at(e)) for s, e in self.periods]
        if self.bounds:
            start, end = self.bounds[0]
            self.trial = (start, min(end, start + timedelta(days=TRIAL_DAYS)))

    def covered(self, when: datetime) -> bool:
        return any(s <= when < e for s, e in self.bounds)

    def in_trial(self, when: datetime) -> bool:
        return self.trial is not None and self.trial[0] <= when < self.trial[1]


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def plan_sellers(n: int, seed: int = 11) -> list[SellerPlan]:
    """Sellers of both marketplaces and every enrollment shape the rules know."""
    rnd = random.Random(seed)
    sellers = []
    for i in range(n):
        kind = i % 20
        if kind == 0:
            periods: list[tuple[date, date | None]] = []             # never enrolled
        elif kind in (1, 2):                                          # new: trial in Sep/Oct
            periods = [(date(2026, 9, 1) + timedelta(days=i % 45), None)]
        elif kind == 3:                                               # opted out, back
            periods = [(date(2025, 6, 1), date(2026, 8, 15)), (date(2026, 9, 20), None)]
        else:
            periods = [(date(2025, 1, 1) + timedelta(days=rnd.randrange(480)), None)]
        sellers.append(SellerPlan(
            id=f"A{i:04d}BENCH", region="us2us" if i % 4 == 0 else "de2de", periods=periods,
            weight=rnd.uniform(0.2, 1.8), cpu=0.0 if not periods else rnd.lognormvariate(-3.4, 0.8),
        ))
    return sellers


def share(total: int, weights: list[float]) -> list[int]:
    """``total`` split in proportion to ``weights``, summing exactly to it."""
    whole = sum(weights)
    raw = [total * w / whole for w in weights]
    counts = [int(x) for x in raw]
    by_rest = sorted(range(len(raw)), key=lambda k: raw[k] - counts[k], reverse=True)
    for k in by_rest[: total - sum(counts)]:
        counts[k] += 1
    return counts


Line = tuple[str, datetime, timezone, str, str, int]  # oid, UTC time, zone, status, channel, qty


def seller_lines(seller: SellerPlan, index: int, month: Month, lines: int) -> Iterator[Line]:
    """The seller's order lines of one month, deterministic for (seller, month)."""
    rnd = random.Random(index * 1000 + month.year * 12 + month.month)
    start = month.start
    seconds = int((month.plus(1).start - start).total_seconds())
    site = "111" if seller.region == "us2us" else "302"
    written, order_no = 0, 0
    covered: Counter[Month | None] = Counter()  # None: billable units of MONTH
    while written < lines:
        order_no += 1
        oid = f"{site}-{index:04d}{month.month:02d}{month.year % 10}-{order_no:07d}"
        when = start + timedelta(seconds=int(rnd.random() * seconds))
        zone = OFFSETS[int(rnd.random() * len(OFFSETS))]
        status = STATUSES[int(rnd.random() * len(STATUSES))]
        channel = "Merchant" if rnd.random() < 0.7 else "Amazon"
        items = 1 if rnd.random() < 0.75 else 2 + int(rnd.random() * 1.5)
        counted = channel == "Merchant" and status == "Shipped" and seller.covered(when)
        billable = counted and month == MONTH and not seller.in_trial(when)
        for _ in range(min(items, lines - written)):
            qty = QUANTITIES[int(rnd.random() * len(QUANTITIES))]
            if counted:
                covered[month] += qty
                if billable:
                    covered[None] += qty
            yield oid, when, zone, status, channel, qty
            written += 1
    for key, units in covered.items():
        seller.expected["billable" if key is None else f"covered {key}"] += units


def write_report(path: Path, lines: Iterator[Line]) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(HEADER)
        for n, (oid, when, zone, status, channel, qty) in enumerate(lines):
            item = "Shipped" if status == "Shipped" else "Unshipped"
            stamp = when.astimezone(zone).isoformat()
            out.write(f"{oid}\t\t{stamp}\t{status}\t{channel}\tAmazon.de\tSKU-{n % 997:05d}\t"
                      f"{qty}\t{item}\tEUR\t19.99\n")


def bulk_orders(engine: Engine, seller: SellerPlan, lines: Iterator[Line]) -> None:
    """The importer's own write path, without parsing a report."""
    rows = OrderRows(engine.dialect, seller.id)
    now = rows.date_value(datetime.now(UTC))
    stored = _stored_form(rows)
    batch: list[tuple[Any, ...]] = []
    last_oid, line_no = "", 0
    for oid, when, _zone, status, channel, qty in lines:
        line_no = line_no + 1 if oid == last_oid else 0
        last_oid = oid
        item = "Shipped" if status == "Shipped" else "Unshipped"
        batch.append((seller.id, oid, line_no, f"SKU-{line_no}", stored(when), status,
                      channel, "Amazon.de", qty, item, "bench", now))
    with engine.begin() as conn:
        rows.insert(conn, batch)


def _stored_form(rows: OrderRows) -> Any:
    """rows.date_value, 4x faster for UTC datetimes; checked to agree with it."""
    probe = datetime(2026, 10, 1, 1, 2, 3, 4, tzinfo=UTC)
    stored = rows.date_value(probe)
    if stored == probe:  # PostgreSQL takes the datetime itself
        return lambda when: when
    fast = lambda when: when.isoformat(" ", "microseconds")[:26]  # noqa: E731
    assert fast(probe) == stored, (fast(probe), stored)
    return fast


def bulk_contacts(engine: Engine, sellers: list[SellerPlan], per_month: int,
                  months: list[Month]) -> int:
    """Contacts (and the received rows they point to), spread by each seller's CPU."""
    rnd = random.Random(5)
    counts = share(per_month, [s.weight * s.cpu for s in sellers])
    received_rows: list[tuple[Any, ...]] = []
    contact_rows: list[tuple[Any, ...]] = []
    next_id = 1
    for month in months:
        seconds = int((month.plus(1).start - month.start).total_seconds())
        for seller, count in zip(sellers, counts, strict=True):
            seller.expected[f"contacts {month}"] += count
            market = "amazon.com" if seller.region == "us2us" else "amazon.de"
            for _ in range(count):
                when = month.start + timedelta(seconds=rnd.randrange(seconds))
                received_rows.append((next_id, f"<b{next_id}@bench>", "0" * 64, b"x", 1,
                                      "s@example.com", '["csba@example.com"]', "smtp", when,
                                      "done", 0, when))
                contact_rows.append((next_id, seller.id, "302-0000000-0000000", market,
                                     seller.region, next_id, when, when))
                next_id += 1
    _copy(engine, received, received_rows)
    _copy(engine, contacts, contact_rows)
    return len(contact_rows)


def _copy(engine: Engine, table: Any, rows: list[tuple[Any, ...]]) -> None:
    names = {"received": ["id", "message_id", "sha256", "raw", "size", "mail_from", "rcpt_tos",
                          "channel", "arrived_at", "state", "attempts", "created_at"],
             "contacts": ["id", "seller_id", "order_id", "marketplace", "region", "received_id",
                          "arrived_at", "last_activity_at"]}[table.name]
    dates = [i for i, n in enumerate(names) if n in ("arrived_at", "created_at",
                                                     "last_activity_at")]
    convert = table.c.arrived_at.type.dialect_impl(engine.dialect).bind_processor(engine.dialect)
    if convert is not None:
        rows = [tuple(convert(v) if i in dates else v for i, v in enumerate(r)) for r in rows]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            cursor: Any = conn.connection.cursor()
            with cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.close()
        else:
            marks = ", ".join("?" * len(names))
            conn.exec_driver_sql(
                f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({marks})", rows)


def config_text(sellers: list[SellerPlan], url: str, folder: Path) -> str:
    """A router.yaml with the contract's schedules and every generated seller."""
    lines = [
        f"instance: {{hostname: bench.test, data_dir: {folder}}}",
        f'storage: {{url: "{url}"}}',
        f'outbound: {{transport: "maildir://{folder}/outbox"}}',
        "regions:",
        "  de2de: {address: csba-de2de@amazon.de, marketplace: amazon.de,"
        " forward_to: team-de@example.internal}",
        "  us2us: {address: csba-us2us@amazon.com, marketplace: amazon.com,"
        " forward_to: team-us@example.internal}",
        "sellers:",
    ]
    for s in sellers:
        periods = ", ".join(f"{{start: {a}" + (f", end: {b}}}" if b else "}")
                            for a, b in s.periods)
        lines.append(f"  - {{id: {s.id}, region: {s.region}, addresses: "
                     f"[{s.id.lower()}@example.com], enrollment: [{periods}]}}")
    # Rewards and two versions in play: amazon.de with (illustrative) VTR
    # rewards; amazon.com's 2021 rewards version and the 2026 program (free
    # under 30 orders, found by counting distinct orders) from the billed
    # month on, whose 90-day trial applies to sellers enrolled since.
    lines += [
        "billing:", f"  trial_days: {TRIAL_DAYS}", "  fees:",
        "    amazon.de:", "      currency: EUR",
        '      tiers: [{cpu_at_most: 0.05, fee: "0.09"}, {cpu_at_most: 0.15, fee: "0.41"},'
        ' {cpu_at_most: 0.30, fee: "1.09"}, {cpu_at_most: null, fee: "2.55"}]',
        '      low_volume: {max_units: 30, fee: "0.41"}',
        '      rewards: {vtr_at_least: 0.95, discounts: ["50", "30", "20", "10"]}',
        "    amazon.com:",
        "      - from: 2021-11-01", "        currency: USD",
        '        tiers: [{cpu_at_most: 0.05, fee: "0.10"}, {cpu_at_most: 0.15, fee: "0.25"},'
        ' {cpu_at_most: 0.30, fee: "0.50"}, {cpu_at_most: null, fee: "0.70"}]',
        '        low_volume: {max_units: 30, fee: "0.25"}',
        '        rewards: {vtr_at_least: 0.95, aprl_at_least: 0.95,'
        ' discounts: ["100", "50", "30", "15"]}',
        f"      - from: {MONTH.first_day}", "        currency: USD", "        trial_days: 90",
        '        tiers: [{cpu_below: 0.03, fee: "0.00"}, {cpu_at_most: 0.05, fee: "0.10"},'
        ' {cpu_at_most: 0.15, fee: "0.25"}, {cpu_at_most: 0.30, fee: "0.50"},'
        ' {cpu_at_most: null, fee: "0.70"}]',
        '        low_volume: {orders_below: 30, fee: "0.00"}',
    ]
    return "\n".join(lines) + "\n"


def load(engine: Engine, sellers: list[SellerPlan], args: argparse.Namespace,
         folder: Path) -> None:
    lines_of = share(args.lines, [s.weight for s in sellers])
    for label, months in (("window months", WINDOW), ("billed month", [MONTH])):
        began = time.perf_counter()
        total = 0
        for month in months:
            for i, (seller, n) in enumerate(zip(sellers, lines_of, strict=True)):
                lines = seller_lines(seller, i, month, n)
                if month == MONTH or args.import_all:
                    report = folder / f"{seller.id}-{month}.txt"
                    write_report(report, lines)
                    errors: list[str] = []
                    import_report(engine, seller.id, report, errors.append)
                    report.unlink()
                    assert not errors, errors[:3]
                else:
                    bulk_orders(engine, seller, lines)
                total += n
        how = "import_report" if months == [MONTH] or args.import_all else "bulk insert"
        seconds = time.perf_counter() - began
        print(f"  {label:13} {total:>11,} lines  {how:13} {seconds:6.1f} s"
              f"  ({total / seconds:,.0f} lines/s, generation included)")
    began = time.perf_counter()
    n = bulk_contacts(engine, sellers, args.contacts, [*WINDOW, MONTH])
    print(f"  contacts      {n:>11,} rows   bulk insert   {time.perf_counter() - began:6.1f} s")
    n = bulk_figures(engine, sellers, WINDOW[-1])
    print(f"  figures       {n:>11,} rows   (VTR of {WINDOW[-1]}, every second seller)")


def bulk_figures(engine: Engine, sellers: list[SellerPlan], month: Month) -> int:
    """Performance figures for the window's last month: rewards are decided for real."""
    rng = random.Random(5)
    rows = [{"seller_id": s.id, "month": str(month),
             "valid_tracking_rate": Decimal(rng.choice(["0.93", "0.95", "0.99"])),
             "prepaid_return_label_rate": rng.choice([None, Decimal("0.96")]),
             "source_file": "bench", "imported_at": datetime.now(UTC)}
            for s in sellers[::2]]
    with engine.begin() as conn:
        conn.execute(performance.insert(), rows)
    return len(rows)


def measure(engine: Engine, url: str, sellers: list[SellerPlan], folder: Path) -> None:
    config_file = folder / "router.yaml"
    config_file.write_text(config_text(sellers, url, folder), encoding="utf-8")
    config = load_config(config_file)
    for attempt in (1, 2):
        began = time.perf_counter()
        bills = monthly_bills(engine, config, MONTH)
        print(f"  monthly_bills, {len(bills):,} sellers (run {attempt}):"
              f" {time.perf_counter() - began:6.2f} s")
    out = folder / "billing.json"
    env = {k: v for k, v in os.environ.items() if k != "CSBA_ROUTER_CONFIG"}
    for args in (["--format", "json"], ["--format", "json", "--seller", sellers[5].id]):
        began = time.perf_counter()
        with out.open("w") as stream:
            subprocess.run([sys.executable, "-m", "router", "--config", str(config_file),
                            "billing", "--month", str(MONTH), *args],
                           stdout=stream, check=True, env=env)
        listed = json.loads(out.read_text())
        print(f"  csba-router billing --month {MONTH} {' '.join(args)}: "
              f"{time.perf_counter() - began:6.2f} s (process, {len(listed):,} objects)")
    check(bills, sellers)
    summarise(bills)


def check(bills: list[Any], sellers: list[SellerPlan]) -> None:
    """Every seller's unit and contact counts equal the generator's own counts."""
    wrong = []
    for bill, seller in zip(bills, sellers, strict=True):
        e = seller.expected
        want = (sum(e[f"covered {m}"] for m in WINDOW), sum(e[f"contacts {m}"] for m in WINDOW),
                e[f"covered {MONTH}"], e["billable"], e[f"contacts {MONTH}"])
        got = (bill.window_units, bill.window_contacts, bill.covered_units, bill.billable_units,
               bill.contacts)
        if got != want:
            wrong.append((seller.id, got, want))
    if wrong:
        sys.exit(f"figures differ from the generator's counts: {wrong[:5]}")
    print(f"  checked: units, billable units and contacts of all {len(bills):,} sellers"
          " equal the generator's counts")


def summarise(bills: list[Any]) -> None:
    tiers = Counter((b.currency, b.fee_per_unit) for b in bills)
    bases = Counter(b.fee_basis for b in bills)
    print("  fee set by: " + ", ".join(f"{k} {n}" for k, n in sorted(bases.items())))
    totals: Counter[str] = Counter()
    for b in bills:
        totals[b.currency] += Decimal(b.fee)  # type: ignore[assignment]
    print("  fee per unit: " + ", ".join(f"{c} {f}: {n}" for (c, f), n in sorted(tiers.items())))
    print("  fees: " + ", ".join(f"{c} {t}" for c, t in sorted(totals.items()))
          + f"; covered units {sum(b.covered_units for b in bills):,},"
          f" billable {sum(b.billable_units for b in bills):,},"
          f" contacts {sum(b.contacts for b in bills):,}")
    print("  e.g. " + json.dumps(bills[7].to_json()))


def run(url: str, sellers: list[SellerPlan], args: argparse.Namespace, folder: Path) -> None:
    for s in sellers:
        s.expected.clear()
    engine = open_engine(url)
    try:
        upgrade(engine)
        load(engine, sellers, args, folder)
        if engine.dialect.name == "postgresql":
            with engine.connect() as conn:  # what autovacuum would do after a load
                conn.exec_driver_sql("ANALYZE")
                conn.commit()
        measure(engine, url, sellers, folder)
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=5_000_000, help="order lines per month")
    parser.add_argument("--contacts", type=int, default=200_000, help="contacts per month")
    parser.add_argument("--sellers", type=int, default=1_000)
    parser.add_argument("--import-all", action="store_true",
                        help="import the window months as reports too (slower)")
    parser.add_argument("--postgres", metavar="URL", nargs="?",
                        const="postgresql://postgres@127.0.0.1:5432/postgres",
                        help="also run on a throwaway database on this server")
    args = parser.parse_args()
    sellers = plan_sellers(args.sellers)
    print(f"{args.sellers:,} sellers; per month {args.lines:,} order lines and "
          f"{args.contacts:,} contacts; months {WINDOW[0]}..{MONTH} (billing {MONTH})")
    with tempfile.TemporaryDirectory(prefix="csba-bench-") as tmp:
        folder = Path(tmp)
        print("SQLite (WAL, synchronous=FULL):")
        run(f"sqlite:///{folder / 'router.db'}", sellers, args, folder)
        if args.postgres:
            print("PostgreSQL:")
            with throwaway_database(args.postgres) as url:
                run(url, sellers, args, folder)


if __name__ == "__main__":
    main()
