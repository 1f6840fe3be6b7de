"""`classify FILE...`: decide messages without sending or storing anything.

For admins trying a config and for operators asking "why did this go
there": each file is parsed and classified exactly as the daemon would,
with orders and contact history read from the configured database
(`--no-db`: none).  It reads the inputs `ingest` reads, with the same
reader (`router.intake.archive`): `.eml` files, mbox files, Maildir folders
and folders of them; what is not mail (a plain-text file, a folder without
any message, a missing path) is refused with the same line on stderr as
`ingest` prints, the rest still classified, and the exit status is then 2.

Sender trust works as in the daemon: the believed `Authentication-Results:`
is read from the message.  With `trust.verify` the router's own checks ask
DNS (the configured resolver) now: DKIM, ARC and DMARC of the message as it
is, SPF only where `--peer` names the client that handed it over (a file
keeps no connection).  Offline, or with keys rotated since, they end in
`temperror` or `fail` and the message is shown as `unauthenticated` with
that reason.
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
    parser.add_argument("--peer", metavar="IP", default=None,
                        help="address of the SMTP client that handed it over, for the SPF "
                             "check of trust.verify (default: none, SPF is not checked)")
    parser.add_argument("--helo", metavar="NAME", default=None,
                        help="that client's HELO/EHLO name (with --peer)")
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
    from router.intake.archive import Unreadable, read_archives
    from router.mail.message import Envelope
    from router.mail.read import parse_message
    from router.store import StoreError
    from router.verify import authenticate, is_ip

    config = load(args)
    if args.peer is not None and not is_ip(args.peer):
        raise CommandError(f"--peer: '{args.peer}' is not an IP address", EXIT_USAGE)
    orders, history, cases = _sources(config, args.no_db)
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
            mail = parse_message(item.raw)
            verified = authenticate(config, item.raw, mail, envelope, peer=args.peer,
                                    helo=args.helo)
            decision = classify(config, mail, envelope, orders=orders, history=history,
                                now=now, verified=verified, cases=cases)
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


def _sources(config: Any, no_db: bool) -> tuple[Any, Any, Any]:
    """Order book, history and cases: the database's, or empty ones for --no-db."""
    from router.decide.casefacts import NO_CASES
    from router.decide.facts import MemoryHistory, MemoryOrderBook

    if no_db:
        return MemoryOrderBook(), MemoryHistory(), NO_CASES
    from router.cases.book import DbCaseBook
    from router.cli.common import open_store
    from router.store.orderbook import DbHistory, DbOrderBook

    engine = open_store(config)
    return DbOrderBook(engine), DbHistory(engine), DbCaseBook(engine)


def _envelope_address(value: str | None) -> str | None:
    """None stays unknown; `''` and `<>` are the null sender; brackets dropped."""
    if value is None:
        return None
    return value.strip().removeprefix("<").removesuffix(">").strip()
