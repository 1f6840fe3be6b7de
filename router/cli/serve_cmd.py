"""`serve`: run the daemon in the foreground, logging JSON lines on stderr."""

from __future__ import annotations

import argparse
from typing import Any

from router.cli.common import add_command
from router.config import config_path


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = add_command(
        sub, common, "serve",
        "run the daemon in the foreground (SMTP intake; SIGTERM stops, SIGHUP reloads)",
    )
    # A daemon's log is read by machines: JSON, one event per line.
    parser.set_defaults(run=run, log_style="json")


def run(args: argparse.Namespace) -> int:
    from router.daemon import serve

    return serve(config_path(getattr(args, "config", None)))
