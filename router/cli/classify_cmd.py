"""`classify FILE...`: decide messages without sending or storing anything.

For admins trying a config and for operators asking "why did this go
there": each file is parsed and classified exactly as the daemon would,
with orders and contact history read from the configured database
(`--no-db`: none).  It reads the inputs `ingest` reads, with the same
reader (`router.intake.archive`): `.eml` files, mbox files, Maildir folders
and folders of them; what is not mail (a plain-text file, a folder without
any message, a missing path) is refused with the same line on stderr as
`ingest` prints, the rest still classified, and the exit status is then 2.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import Any

from router.cli.common import (
    EXIT_FAILURE,
    EXIT_OK,
    EXIT_USAGE,
    CommandError,
    add_command,
    load,
    report_unreadable,
)


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = add_command(sub, common, "classify",
                         "decide each message without sending or storing anything")
    parser.add_argument("files", nargs="+", metavar="FILE",
                        help=".eml file, mbox file, Maildir folder or folder (read recursively)")
    parser.add_argument("--sender", metavar="ADDR", default=None,
                        help="SMTP envelope sender; '' is the null sender <> "
                             "(default: unknown)")
    parser.add_argument("--recipient", metavar="ADDR", action="append", default=[],
                        help="SMTP envelope recipient (repeatable)")
    out = parser.add_argument_group("output")
    out.add_argument("--json", action="store_true",
                     help="one JSON object per line (with --explain, the explanation "
                          "goes to stderr)")
    out.add_argument("--explain", action="store_true",
                     help="the chain of checks and what was found, for a person")
    parser.add_argument("--no-db", action="store_true",
                        help="do not read orders and contacts from the database")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from router.decide.classify import classify
    from router.decide.explain import explain
    from router.decide.message import Envelope
    from router.decide.parse import parse_message
    from router.intake.archive import Unreadable, read_archives
    from router.store import StoreError

    config = load(args)
    orders, history = _sources(config, args.no_db)
    envelope = Envelope(
        mail_from=_envelope_address(args.sender),
        rcpt_tos=tuple(a for a in (_envelope_address(r) for r in args.recipient) if a),
    )
    now = datetime.now(UTC)
    status = EXIT_OK
    for item in read_archives(args.files):
        if isinstance(item, Unreadable):
            report_unreadable(item)
            status = EXIT_USAGE
            continue
        name = item.ref
        try:
            decision = classify(config, parse_message(item.raw), envelope,
                                orders=orders, history=history, now=now)
        except StoreError as exc:
            raise CommandError(f"{name}: {exc}", EXIT_FAILURE) from None
        if args.json:
            print(decision.to_json(name), flush=True)
            if args.explain:
                print(explain(decision, name), file=sys.stderr)
        elif args.explain:
            print(explain(decision, name) + "\n", flush=True)
        else:
            print(f"{name}: {decision.category} -> {decision.action} "
                  f"[{decision.rule}] {decision.reason}", flush=True)
    return status


def _sources(config: Any, no_db: bool) -> tuple[Any, Any]:
    """Order book and history: the database's, or empty ones for --no-db."""
    from router.decide.facts import MemoryHistory, MemoryOrderBook

    if no_db:
        return MemoryOrderBook(), MemoryHistory()
    from router.cli.common import open_store
    from router.store.orderbook import DbHistory, DbOrderBook

    engine = open_store(config)
    return DbOrderBook(engine), DbHistory(engine)


def _envelope_address(value: str | None) -> str | None:
    """None stays unknown; `''` and `<>` are the null sender; brackets dropped."""
    if value is None:
        return None
    return value.strip().removeprefix("<").removesuffix(">").strip()
