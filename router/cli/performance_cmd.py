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

from router.cli.common import EXIT_OK, EXIT_USAGE, CommandError, add_command, load, open_store


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
    from router.store import StoreError

    config = load(args)
    missing = [str(f) for f in args.files if not f.is_file()]
    if missing:
        raise CommandError(f"no such file: {', '.join(missing)}", EXIT_USAGE)
    sellers = {s.id for s in config.sellers}
    engine = open_store(config)
    status = EXIT_OK
    for path in args.files:
        try:
            summary = import_figures(engine, path, sellers,
                                     on_error=lambda line: print(line, file=sys.stderr))
        except FiguresFormatError as exc:
            print(f"{path}: {exc}", file=sys.stderr)
            status = EXIT_USAGE
            continue
        except (OSError, UnicodeDecodeError) as exc:
            print(f"{path}: cannot read: {exc}", file=sys.stderr)
            status = EXIT_USAGE
            continue
        except StoreError as exc:
            raise CommandError(str(exc)) from None
        print(f"{path}: {summary}")
        if summary.skipped:
            status = EXIT_USAGE
    return status
