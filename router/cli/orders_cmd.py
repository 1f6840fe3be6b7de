"""`orders import`: load Amazon "All Orders" reports for one seller.

Bad lines are reported as `FILE:LINE: reason` and skipped, the rest is
imported, and the exit status is then 2 (the contract's rule for every
import).  Once the lines are committed, the seller's mail held as
`order_unknown` is decided again (`router.pipeline.release`): what names an
order now known is acted on, the rest stays held as it was.  `serve` may
run meanwhile: each message is taken with the same claim as a release.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from router.cli.common import (
    EXIT_OK,
    EXIT_USAGE,
    CommandError,
    add_command,
    import_each,
    load,
    open_store,
)


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = add_command(sub, common, "orders", "order reports")
    osub = parser.add_subparsers(dest="orders_command", metavar="ACTION", required=True)
    imp = add_command(
        osub, common, "import",
        "import tab-separated All Orders reports; importing a file again changes nothing",
    )
    imp.add_argument("--seller", required=True, metavar="ID", help="seller id from the config")
    imp.add_argument("files", nargs="+", type=Path, metavar="FILE")
    imp.set_defaults(run=run_import)


def run_import(args: argparse.Namespace) -> int:
    from router.orders import ReportFormatError, import_report

    config = load(args)
    if config.seller(args.seller) is None:
        known = ", ".join(s.id for s in config.sellers) or "none configured"
        raise CommandError(f"unknown seller '{args.seller}' (known: {known})", EXIT_USAGE)
    engine = open_store(config)
    status = import_each(
        args.files,
        lambda path: import_report(engine, args.seller, path,
                                   on_error=lambda line: print(line, file=sys.stderr),
                                   progress=sys.stderr.isatty()),
        (ReportFormatError,), lambda summary: summary.bad_lines)
    return max(status, _redecide(engine, config, args.seller))


def _redecide(engine: Any, config: Any, seller_id: str) -> int:
    """Decide the seller's mail held as order_unknown again; one line per message acted on.

    The exit status of those lines (1 when one failed: it is held again).
    """
    from router.act.delivery import default_owner
    from router.act.templates import NoticeTemplates
    from router.cli.release_cmd import report
    from router.pipeline.release import KEPT, redecide_order_unknown

    results = redecide_order_unknown(engine, config, seller_id,
                                     NoticeTemplates.from_config(config),
                                     owner=f"orders-import:{default_owner()}")
    kept = sum(1 for r in results if r.status == KEPT)
    status = max((report(r, None) for r in results if r.status != KEPT), default=EXIT_OK)
    if results:
        print(f"held as order_unknown: {len(results) - kept} decided again, "
              f"{kept} still held")
    return status
