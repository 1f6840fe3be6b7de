"""`serve`: run the daemon in the foreground, logging JSON lines on stderr."""

from __future__ import annotations

import argparse
from typing import Any

from router.cli.common import add_command
from router.config import config_path


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = add_command(
        sub, common, "serve",
        "run the daemon in the foreground: SMTP intake, pipeline workers, delivery "
        "(SIGTERM stops, SIGHUP reloads)",
    )
    parser.add_argument(
        "--intake-only", action="store_true",
        help="accept and store mail but do not decide or deliver; another serve process "
             "sharing the database does that",
    )
    # A daemon's log is read by machines: JSON, one event per line.
    parser.set_defaults(run=run, log_style="json")


def run(args: argparse.Namespace) -> int:
    from router.daemon import serve

    return serve(config_path(getattr(args, "config", None)), workers=not args.intake_only)
