"""What every command shares: exit codes, the config, the database."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Engine

from router.config import Config, ConfigError, config_path, load_config
from router.config.errors import Problem
from router.config.loader import DEFAULT_PATH, ENV_VAR
from router.config.model import Seller
from router.terminal import clean

if TYPE_CHECKING:
    from router.intake.archive import Unreadable

T = TypeVar("T")

#: Output formats of the listing commands that have a CSV form.
FORMATS = ("table", "json", "csv")

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2


class CommandError(Exception):
    """A failure to report in one line, with the exit status to use."""

    def __init__(self, message: str, status: int = EXIT_FAILURE) -> None:
        super().__init__(message)
        self.status = status


def load(args: argparse.Namespace) -> Config:
    """The validated config named by --config / $CSBA_ROUTER_CONFIG / default."""
    explicit = getattr(args, "config", None)
    path = config_path(explicit)
    if path == DEFAULT_PATH and not explicit and not path.exists():
        # Someone who ran the program elsewhere than the checkout: say how to name one.
        raise ConfigError([Problem(str(path), 1, 1, f"file not found (the default; give "
                                   f"--config PATH or set ${ENV_VAR})")])
    return load_config(path)


def open_store(config: Config, migrate: bool = True) -> Engine:
    """The database, migrated to the current schema (as at every start)."""
    from router.store import StoreError, open_engine, upgrade

    try:
        engine = open_engine(config.storage_url)
        if migrate:
            upgrade(engine)
    except StoreError as exc:
        raise CommandError(str(exc)) from None
    return engine


def find_seller(config: Config, seller_id: str) -> Seller:
    """The configured seller, or a usage error listing the known ids."""
    seller = config.seller(seller_id)
    if seller is None:
        known = ", ".join(s.id for s in config.sellers) or "none configured"
        raise CommandError(f"unknown seller '{seller_id}' (known: {known})", EXIT_USAGE)
    return seller


def read_store(args: argparse.Namespace, read: Callable[[Engine], T]) -> T:
    """One read of the store for a listing command, after checking `--seller`.

    An unknown seller is a usage error before the database is opened.
    """
    config = load(args)
    if getattr(args, "seller", None):
        find_seller(config, args.seller)
    engine = open_store(config)
    try:
        return read(engine)
    finally:
        engine.dispose()


def month_arg(text: str) -> Any:
    """argparse type: a Month, or a usage error naming the bad value."""
    from router.account.months import Month

    try:
        return Month.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def print_table(headers: list[str], rows: list[list[str]], footer: list[list[str]],
                right: set[int]) -> None:
    """Columns padded to their widest cell; ``right`` holds numeric columns."""
    everything = [headers, *rows, *footer]
    widths = [max(len(line[i]) for line in everything) for i in range(len(headers))]

    def show(line: list[str]) -> None:
        cells = [c.rjust(w) if i in right else c.ljust(w)
                 for i, (c, w) in enumerate(zip(line, widths, strict=True))]
        print("  ".join(cells).rstrip())

    show(headers)
    for line in rows:
        show(line)
    if footer:
        print("  ".join("-" * w for w in widths))
        for line in footer:
            show(line)


def add_command(sub: Any, common: argparse.ArgumentParser, name: str,
                help_text: str) -> argparse.ArgumentParser:
    return sub.add_parser(name, parents=[common], help=help_text, description=help_text)


def report_unreadable(item: Unreadable) -> None:
    """`PATH: reason` on stderr: an input `classify` and `ingest` both refuse, said alike."""
    print(clean(f"{item.ref}: {item.reason}"), file=sys.stderr, flush=True)


def import_each(paths: Sequence[Path], import_one: Callable[[Path], Any],
                refused: tuple[type[Exception], ...], skipped: Callable[[Any], int]) -> int:
    """Run an import over each file, the way every import command reports.

    A file the importer refuses as a whole (`refused`) or cannot read is
    one `FILE: reason` line; each file's summary is printed; the status is
    2 when a file or any line was skipped (contract: "exit 2 when they
    skipped any line").  A store error ends the command (exit 1).
    """
    from router.store import StoreError

    missing = [str(f) for f in paths if not f.is_file()]
    if missing:
        raise CommandError(f"no such file: {', '.join(missing)}", EXIT_USAGE)
    status = EXIT_OK
    for path in paths:
        try:
            summary = import_one(path)
        except refused as exc:
            print(f"{path}: {exc}", file=sys.stderr)
            status = EXIT_USAGE
            continue
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            print(f"{path}: cannot read: {reason}", file=sys.stderr)
            status = EXIT_USAGE
            continue
        except StoreError as exc:
            raise CommandError(str(exc)) from None
        print(f"{path}: {summary}")
        if skipped(summary):
            status = EXIT_USAGE
    return status
