"""`contacts`: the logged contacts of a month, the rows behind `billing`.

    csba-router contacts --month YYYY-MM [--seller ID] [--format table|json|csv]

A month here is the same UTC calendar month `billing` counts, so a seller
questioning its CPU can be shown exactly which contacts made it.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from typing import Any

from router.cli.common import EXIT_OK, FORMATS, add_command, month_arg, print_table, read_store


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = add_command(sub, common, "contacts", "the logged contacts of a month")
    parser.add_argument("--month", type=month_arg, required=True, metavar="YYYY-MM",
                        help="calendar month of arrival (UTC)")
    parser.add_argument("--seller", metavar="ID", help="one seller (default: all)")
    parser.add_argument("--format", choices=FORMATS, default="table")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from router.account.figures import CONTACT_FIELDS, month_contacts

    rows = read_store(args, lambda engine: month_contacts(engine, args.month, args.seller))
    if args.format == "json":
        print(json.dumps([r.to_json() for r in rows], indent=2, ensure_ascii=False))
    elif args.format == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=list(CONTACT_FIELDS), lineterminator="\n")
        writer.writeheader()
        for r in rows:
            writer.writerow({k: "" if v is None else v for k, v in r.to_json().items()})
    else:
        headers = ["ID", "SELLER", "ORDER", "MARKETPLACE", "REGION", "ARRIVED (UTC)"]
        lines = [[str(r.id), r.seller_id, r.order_id or "-", r.marketplace, r.region,
                  r.arrived_at.strftime("%Y-%m-%d %H:%M:%S")] for r in rows]
        print_table(headers, lines, [], right={0})
        print(f"{len(rows)} contacts in {args.month}"
              + (f" for {args.seller}" if args.seller else ""))
    return EXIT_OK
