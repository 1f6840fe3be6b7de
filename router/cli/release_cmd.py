"""`release ID... | --all [--category C] [--seller S]  [--as CATEGORY]`: act on held mail.

Each message is decided again now (orders may have been imported since),
or acted on as CATEGORY, exactly once (`router.pipeline.release`).  One
line per message; the exit status is the worst of them:

- 0: acted on, held again, or no longer held (nothing changed, and the
  line says "not held": a release repeated, or one that lost the race to
  another, ends where the first left it);
- 2: no such message, or `--as` a category whose action it cannot take
  (refused before anything is written; it stays held);
- 1: processing failed (the message goes back to held as it was).
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from router.categories import BUILTIN_CATEGORIES
from router.cli.common import (
    EXIT_FAILURE,
    EXIT_OK,
    EXIT_USAGE,
    CommandError,
    add_command,
    load,
    open_store,
)
from router.terminal import clean

if TYPE_CHECKING:
    from router.config import Config
    from router.pipeline.release import Release


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = add_command(sub, common, "release",
                         "act on held messages: decide them again now, or as CATEGORY")
    parser.add_argument("ids", type=int, nargs="*", metavar="ID")
    parser.add_argument("--all", action="store_true",
                        help="every held message (narrowed by --category and --seller)")
    parser.add_argument("--category", metavar="C", help="with --all: those held as C")
    parser.add_argument("--seller", metavar="S", help="with --all: those of seller S")
    parser.add_argument("--as", dest="as_category", metavar="CATEGORY",
                        help="act as if it had been classified so (its configured action)")
    parser.set_defaults(run=run)


def known_categories(config: Config) -> set[str]:
    return (set(BUILTIN_CATEGORIES) | set(config.actions)
            | {r.category for r in config.classification.rules})


def run(args: argparse.Namespace) -> int:
    from router.act.delivery import default_owner
    from router.act.templates import NoticeTemplates
    from router.pipeline.release import held_ids, release_many

    if bool(args.ids) == bool(args.all):
        raise CommandError("release: give message ids or --all (one of them)", EXIT_USAGE)
    if (args.category or args.seller) and not args.all:
        raise CommandError("release: --category and --seller go with --all", EXIT_USAGE)
    config = load(args)
    known = known_categories(config)
    for name in (args.as_category, args.category):
        if name is not None and name not in known:
            raise CommandError(f"unknown category '{name}' (known: {', '.join(sorted(known))})",
                               EXIT_USAGE)
    engine = open_store(config)
    try:
        ids = (held_ids(engine, category=args.category, seller_id=args.seller) if args.all
               else list(dict.fromkeys(args.ids)))
        if not ids:
            print("no held messages" + (" match" if args.category or args.seller else ""))
            return EXIT_OK
        results = release_many(engine, config, ids, NoticeTemplates.from_config(config),
                               owner=f"release:{default_owner()}", category=args.as_category)
    finally:
        engine.dispose()
    return max(report(result, args.as_category) for result in results)


_SENT = {"forward": "forward queued", "bounce": "notice queued", "redirect": "redirect queued",
         "relay": "relay queued",
         "hold": "still held", "drop": "dropped, nothing sent"}


def report(result: Release, as_category: str | None) -> int:
    """Print one message's line; its exit status."""
    from router.pipeline import release as r

    head = f"message {result.received_id}"
    decision = result.decision
    if result.status in (r.ACTED, r.HELD) and decision is not None:
        print(clean(f"{head}: {decision.category} -> {decision.action} "
                    f"({_SENT.get(decision.action, decision.action)}); {decision.reason}"))
        return EXIT_OK
    if result.status == r.KEPT and decision is not None:
        print(clean(f"{head}: still held, unchanged ({decision.category} -> "
                    f"{decision.action}: {decision.reason})"))
        return EXIT_OK
    if result.status == r.NOT_HELD:
        print(clean(f"{head}: not held ({result.detail}); nothing changed"))
        return EXIT_OK
    if result.status == r.UNKNOWN:
        print(f"{head}: no such message", file=sys.stderr)
        return EXIT_USAGE
    if result.status == r.REFUSED:
        print(clean(f"{head}: not released as {as_category}: {result.detail}; "
                    "it is still held"), file=sys.stderr)
        return EXIT_USAGE
    if result.status == r.LOST:
        print(clean(f"{head}: its lease ran out; the worker that took it over decides it"),
              file=sys.stderr)
        return EXIT_FAILURE
    print(clean(f"{head}: release failed: {result.detail}"), file=sys.stderr)
    return EXIT_FAILURE
