"""`check-config`: validate the config and say `ok` or every problem."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from router.cli.common import EXIT_OK, add_command, load


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = add_command(sub, common, "check-config",
                         "validate the config; print ok or one FILE:LINE:COLUMN line per problem")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    config = load(args)  # a ConfigError is printed and turned into exit 2 by main
    for warning in config.warnings:
        print(warning, file=sys.stderr)
    print("ok")
    return EXIT_OK
