"""The `csba-router` command line: one sub-command module per job.

Every command takes `--config` and `--log-level`; the config is loaded and
validated once here, so a broken config is refused the same way by every
command (problem lines on stderr, exit status 2).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from router import __version__
from router.cli import (
    billing_cmd,
    cases_cmd,
    classify_cmd,
    config_cmd,
    contacts_cmd,
    db_cmd,
    held_cmd,
    ingest_cmd,
    orders_cmd,
    performance_cmd,
    queue_cmd,
    release_cmd,
    serve_cmd,
    show_cmd,
)
from router.cli.common import EXIT_FAILURE, EXIT_USAGE, CommandError
from router.config import ConfigError
from router.logs import LEVELS, setup_logging

log = logging.getLogger("router.cli")

COMMANDS = (
    config_cmd,
    db_cmd,
    orders_cmd,
    serve_cmd,
    classify_cmd,
    queue_cmd,
    held_cmd,
    show_cmd,
    release_cmd,
    billing_cmd,
    contacts_cmd,
    cases_cmd,
    ingest_cmd,
    performance_cmd,
)


def _common() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config", metavar="PATH", default=argparse.SUPPRESS,
        help="config file (default: $CSBA_ROUTER_CONFIG, then config/router.yaml)",
    )
    common.add_argument(
        "--log-level", choices=LEVELS, default=argparse.SUPPRESS, help="default: info",
    )
    return common


def build_parser() -> argparse.ArgumentParser:
    common = _common()
    parser = argparse.ArgumentParser(
        prog="csba-router", parents=[common],
        description="Mail daemon behind the regional CSBA addresses.",
    )
    parser.add_argument("--version", action="version", version=f"csba-router {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMANDS:
        module.register(sub, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = getattr(args, "log_level", "info")
    setup_logging(getattr(args, "log_style", "text"), level)
    try:
        return int(args.run(args))
    except ConfigError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return EXIT_USAGE
    except CommandError as exc:
        print(f"csba-router: {exc}", file=sys.stderr)
        return exc.status
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug, not bad input: say so, keep details for debug
        log.debug("internal error", exc_info=True)
        print(f"csba-router: internal error: {type(exc).__name__}: {exc}"
              " (run with --log-level debug for details)", file=sys.stderr)
        return EXIT_FAILURE
