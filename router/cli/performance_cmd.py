"""`performance import`: sellers' Valid Tracking Rate figures for the rewards.

    csba-router performance import FILE...

Every skipped line is reported as `FILE:LINE: reason`; the rest is imported;
the exit status is 2 when any line (or file) was skipped, as for every import.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from router.cli.common import add_command, import_each, load, open_store


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = add_command(sub, common, "performance", "sellers' performance figures")
    psub = parser.add_subparsers(dest="performance_command", metavar="ACTION", required=True)
    imp = add_command(psub, common, "import",
                      "import Valid Tracking Rate figures (CSV); importing a file again "
                      "changes nothing")
    imp.add_argument("files", nargs="+", type=Path, metavar="FILE")
    imp.set_defaults(run=run_import)


def run_import(args: argparse.Namespace) -> int:
    from router.account.performance import FiguresFormatError, import_figures

    config = load(args)
    sellers = {s.id for s in config.sellers}
    engine = open_store(config)
    return import_each(
        args.files,
        lambda path: import_figures(engine, path, sellers,
                                    on_error=lambda line: print(line, file=sys.stderr)),
        (FiguresFormatError,), lambda summary: summary.skipped)
