"""`cases`: the CSBA team's questions to sellers and their due times.

    csba-router cases [--seller S] [--state open|overdue|answered] [--format table|json]

`overdue` is an open case past its due time now; `answered` includes the
late answers (`answered_late` in JSON, `late` in the table).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from router.cli.common import EXIT_OK, add_command, print_table, read_store
from router.terminal import clean

FORMATS = ("table", "json")


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    from router.cases.listing import STATES

    parser = add_command(sub, common, "cases",
                         "the CSBA team's questions to sellers and their due times")
    parser.add_argument("--seller", metavar="ID", help="one seller (default: all)")
    parser.add_argument("--state", choices=STATES, help="open, overdue or answered "
                        "(default: all)")
    parser.add_argument("--format", choices=FORMATS, default="table")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from router.cases.listing import list_cases
    from router.store import utcnow

    rows = read_store(args, lambda engine: list_cases(engine, utcnow(), seller_id=args.seller,
                                                      state=args.state))
    if args.format == "json":
        print(json.dumps([r.to_json() for r in rows], indent=2, ensure_ascii=False))
        return EXIT_OK
    headers = ["CASE", "SELLER", "ORDER", "STATE", "ASKED (UTC)", "DUE (UTC)", "ANSWERED (UTC)",
               "TEAM ADDRESS"]
    lines = [[str(r.case), clean(r.seller_id), r.order_id or "-",
              r.state + (" (late)" if r.answered_late else ""), _when(r.asked_at),
              _when(r.due_at), _when(r.answered_at) if r.answered_at else "-",
              clean(r.team_address)] for r in rows]
    print_table(headers, lines, [], right={0})
    print(f"{len(rows)} cases" + (f" ({args.state})" if args.state else "")
          + (f" for {args.seller}" if args.seller else ""))
    return EXIT_OK


def _when(moment: Any) -> str:
    return str(moment.strftime("%Y-%m-%d %H:%M:%S"))
