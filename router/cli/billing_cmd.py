"""`billing`: each seller's CPU and CSBA fee for a month, and the CPU chart.

    csba-router billing --month YYYY-MM [--seller ID] [--format table|json|csv]
    csba-router billing chart --seller ID [--months N] [--until YYYY-MM] --out FILE.png|FILE.svg
    csba-router billing send --month YYYY-MM [--seller ID] [--dry-run]

`billing` takes its options directly and `chart` / `send` as optional
actions, the way `queue` does, so both spellings of the issue work.  `send`
runs what `serve` runs on the 1st (router.account.statements.send_month):
a seller's statement of a month is queued once, whoever asks first.  json and csv carry
the contract's field names for machines; the table is for people, with
totals per currency (amounts in different currencies never add up).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from router.cli.common import (
    EXIT_FAILURE,
    EXIT_OK,
    EXIT_USAGE,
    FORMATS,
    CommandError,
    add_command,
    find_seller,
    load,
    month_arg,
    open_store,
    print_table,
)

if TYPE_CHECKING:
    from router.config.model import Config


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = add_command(sub, common, "billing",
                         "the month's CPU and CSBA fee per seller; `billing chart` draws CPU")
    parser.add_argument("--month", type=month_arg, metavar="YYYY-MM",
                        help="the billed calendar month (UTC)")
    parser.add_argument("--seller", metavar="ID", help="one seller (default: all configured)")
    parser.add_argument("--format", choices=FORMATS, default="table")
    parser.add_argument("--fees", type=Path, metavar="FILE",
                        help="what-if: bill with the fee schedules of FILE (a config, or a YAML "
                             "file holding only fees:); nothing is stored or sent")
    parser.set_defaults(run=run_bills)
    bsub = parser.add_subparsers(dest="billing_command", metavar="ACTION")
    chart = add_command(bsub, common, "chart",
                        "draw a seller's monthly CPU against the fee tiers (PNG or SVG)")
    chart.add_argument("--seller", required=True, metavar="ID", dest="chart_seller")
    chart.add_argument("--months", type=_count, default=12, metavar="N",
                       help="how many months, ending with --until (default: 12)")
    chart.add_argument("--until", type=month_arg, metavar="YYYY-MM",
                       help="the last month shown (default: the current month, UTC)")
    chart.add_argument("--out", required=True, type=Path, metavar="FILE.png|FILE.svg",
                       help="where to write the chart; .png or .svg says which")
    chart.set_defaults(run=run_chart)
    send = add_command(bsub, common, "send",
                       "queue the month's statements to the sellers (once per seller and month)")
    send.add_argument("--month", required=True, type=month_arg, metavar="YYYY-MM",
                      dest="send_month", help="the billed calendar month (UTC); it must have ended")
    send.add_argument("--seller", metavar="ID", dest="send_seller",
                      help="one seller (default: every seller enrolled in the month)")
    send.add_argument("--dry-run", action="store_true",
                      help="show recipient, subject and fee of what would go out; write nothing")
    send.set_defaults(run=run_send)


def _count(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 120:
        raise argparse.ArgumentTypeError(f"bad number of months {text!r}: use 1 to 120")
    return int(text)


def run_bills(args: argparse.Namespace) -> int:
    from router.account import BillingError
    from router.account.figures import monthly_bills

    if args.month is None:
        raise CommandError("billing: --month YYYY-MM is required "
                           "(or use `billing chart --seller ID --out FILE.png`)", EXIT_USAGE)
    config = load(args)
    if args.fees is not None:
        config = with_fees(config, args.fees)
    sellers = [find_seller(config, args.seller)] if args.seller else None
    engine = open_store(config)
    try:
        bills = monthly_bills(engine, config, args.month, sellers)
    except BillingError as exc:
        raise CommandError(str(exc), EXIT_USAGE) from None
    finally:
        engine.dispose()
    if args.format == "json":
        print(json.dumps([b.to_json() for b in bills], indent=2, ensure_ascii=False))
    elif args.format == "csv":
        _print_csv([b.to_json() for b in bills])
    else:
        print_bills_table(bills)
    return EXIT_OK


def with_fees(config: Config, path: Path) -> Config:
    """The config with the schedules of FILE, marketplace by marketplace (what-if)."""
    from router.config.loader import load_fees

    if not path.is_file():
        raise CommandError(f"--fees: no such file: {path}", EXIT_USAGE)
    fees = {**config.billing.fees, **load_fees(path)}  # a ConfigError is exit 2
    return config.model_copy(update={"billing": config.billing.model_copy(
        update={"fees": fees})})


def run_chart(args: argparse.Namespace) -> int:
    from router.account import BillingError
    from router.account.chart import chart_data, draw_chart
    from router.account.figures import seller_history
    from router.account.months import Month
    from router.store import utcnow

    out: Path = args.out
    fmt = chart_format(out)
    config = load(args)
    seller = find_seller(config, args.chart_seller)
    if not out.parent.is_dir():
        raise CommandError(f"no such folder for --out: {out.parent}", EXIT_USAGE)
    running = Month.of(utcnow())
    last = args.until or running
    engine = open_store(config)
    try:
        terms, months, activity = seller_history(engine, config, seller, last, args.months)
    except BillingError as exc:
        raise CommandError(str(exc), EXIT_USAGE) from None
    finally:
        engine.dispose()
    try:
        draw_chart(chart_data(terms, months, activity), out, running=running, fmt=fmt)
    except OSError as exc:
        raise CommandError(f"cannot write {out}: {exc.strerror or exc}") from None
    print(f"{out}: CPU of {seller.id}, {months[0]}..{months[-1]}")
    return EXIT_OK


def chart_format(out: Path) -> Any:
    """`png` or `svg` from the --out file's suffix; anything else is a usage error."""
    from router.account.chart import FORMATS

    suffix = out.suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise CommandError(
            f"--out {out}: cannot tell the format from {out.suffix or 'no suffix'!r}; "
            "name a .png or .svg file", EXIT_USAGE)
    return suffix


def run_send(args: argparse.Namespace) -> int:
    """Queue (or with --dry-run show) the month's statements, one line per seller."""
    from router.account import BillingError
    from router.account.statements import StatementError, count, send_month
    from router.store import utcnow

    config = load(args)
    sellers = [find_seller(config, args.send_seller)] if args.send_seller else None
    month = args.send_month
    engine = open_store(config)
    try:
        outcomes = send_month(engine, config, month, now=utcnow(), sellers=sellers,
                              dry_run=args.dry_run)
    except (BillingError, StatementError) as exc:
        raise CommandError(str(exc), EXIT_USAGE) from None
    finally:
        engine.dispose()
    width = max((len(o.seller_id) for o in outcomes), default=0)
    for outcome in outcomes:
        print(f"{outcome.seller_id:<{width}}  {_describe(outcome, month)}")
    counts = count(outcomes)
    parts = [f"{counts[key]} {label}" for key, label in SEND_SUMMARY if counts[key]]
    print(f"{month}: " + (", ".join(parts) if parts else "no sellers"))
    return EXIT_FAILURE if counts["failed"] else EXIT_OK


SEND_SUMMARY = (("would_queue", "would be queued"), ("queued", "queued"),
                ("already", "already sent"), ("no_address", "without notify address"),
                ("not_enrolled", "not enrolled"), ("failed", "failed"))


def _describe(outcome: Any, month: Any) -> str:
    fee = f"{outcome.fee} {outcome.currency}"
    if outcome.status == "queued":
        return f"queued        to {outcome.recipient}, fee {fee}: {outcome.subject}"
    if outcome.status == "would_queue":
        return f"would queue   to {outcome.recipient}, fee {fee}: {outcome.subject}"
    if outcome.status == "already":
        return "already sent"
    if outcome.status == "no_address":
        return "no notify address: skipped"
    if outcome.status == "not_enrolled":
        return f"not enrolled in {month}: no statement"
    return f"failed: {outcome.error}"


def print_bills_table(bills: Sequence[Any]) -> None:
    """Aligned columns, then one total line per currency."""
    from router.account.fees import round_money

    headers = ["SELLER", "MONTH", "MARKETPLACE", "SCHEDULE", "CPU WINDOW", "W-UNITS",
               "W-CONTACTS", "CPU", "VTR", "DISCOUNT", "FEE/UNIT", "SET BY", "UNITS",
               "BILLABLE", "CONTACTS", "FEE"]
    rows = [[b.seller_id, b.month, b.marketplace, b.schedule_from or "-", b.cpu_window,
             str(b.window_units), str(b.window_contacts), b.cpu or "-", b.vtr or "-",
             f"{b.discount_percent} %" if b.discount_percent is not None else "-",
             f"{b.fee_per_unit} {b.currency}", b.fee_basis.replace("_", " "),
             str(b.covered_units), str(b.billable_units), str(b.contacts),
             f"{b.fee} {b.currency}"] for b in bills]
    totals: dict[str, list[Any]] = {}
    for b in bills:
        t = totals.setdefault(b.currency, [0, 0, 0, 0, Decimal(0)])
        t[0] += 1
        t[1] += b.covered_units
        t[2] += b.billable_units
        t[3] += b.contacts
        t[4] += Decimal(b.fee)
    footer = [[f"TOTAL {cur}", f"{n} seller" + ("s" if n != 1 else ""), *[""] * 10,
               str(units), str(billable), str(contacts), f"{round_money(fee, cur)} {cur}"]
              for cur, (n, units, billable, contacts, fee) in sorted(totals.items())]
    print_table(headers, rows, footer, right={5, 6, 7, 8, 9, 10, 12, 13, 14, 15})


def _print_csv(objects: list[dict[str, Any]]) -> None:
    from router.account.billing import FIELDS

    writer = csv.DictWriter(sys.stdout, fieldnames=list(FIELDS), lineterminator="\n")
    writer.writeheader()
    for obj in objects:
        writer.writerow({k: "" if v is None else v for k, v in obj.items()})
