"""`held`, `release ID [--as CATEGORY]`, `failed`: the review lists.

Held mail waits for a person (unknown senders, unknown orders, notice
limits); failed mail broke the pipeline three times.  Both stay in the
database with their reasons until an operator acts on them here.
"""

from __future__ import annotations

import argparse
import json
import sys
from email.parser import BytesHeaderParser
from email.policy import default as default_policy
from typing import Any

import sqlalchemy as sa

from router.categories import BUILTIN_CATEGORIES
from router.cli.common import EXIT_OK, EXIT_USAGE, CommandError, add_command, load, open_store


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    held = add_command(sub, common, "held", "list held messages with the reason they wait")
    held.add_argument("--format", choices=("table", "json"), default="table")
    held.set_defaults(run=run_held)

    release = add_command(sub, common, "release",
                          "act on a held message: decide again now, or as CATEGORY")
    release.add_argument("id", type=int, metavar="ID")
    release.add_argument("--as", dest="category", metavar="CATEGORY",
                         help="act as if it had been classified so (its configured action)")
    release.set_defaults(run=run_release)

    failed = add_command(sub, common, "failed",
                         "list messages whose processing failed; `failed retry` requeues them")
    failed.add_argument("--format", choices=("table", "json"), default="table")
    fsub = failed.add_subparsers(dest="failed_command", metavar="ACTION")
    retry = add_command(fsub, common, "retry", "process failed messages again")
    retry.add_argument("ids", type=int, nargs="*", metavar="ID")
    retry.add_argument("--all", action="store_true", help="every failed message")
    retry.set_defaults(run=run_failed_retry)
    failed.set_defaults(run=run_failed)


def _subject(raw: bytes) -> str:
    headers = BytesHeaderParser(policy=default_policy).parsebytes(raw[:65536])
    try:
        return str(headers.get("Subject", "") or "")
    except Exception:  # a header too broken to decode: listing must still work
        return "(undecodable subject)"


def _rows(engine: sa.Engine, state: str) -> list[dict[str, Any]]:
    from router.store import decisions, received

    query = (sa.select(received.c.id, received.c.arrived_at, received.c.mail_from,
                       received.c.raw, received.c.last_error, received.c.attempts,
                       decisions.c.seller_id, decisions.c.category, decisions.c.rule,
                       decisions.c.reason)
             .select_from(received.outerjoin(decisions,
                                             decisions.c.received_id == received.c.id))
             .where(received.c.state == state).order_by(received.c.id))
    with engine.connect() as conn:
        return [{
            "id": r.id, "arrived_at": r.arrived_at.isoformat(), "mail_from": r.mail_from,
            "subject": _subject(r.raw), "seller_id": r.seller_id, "category": r.category,
            "rule": r.rule, "reason": r.reason if state == "held" else r.last_error,
            "attempts": r.attempts,
        } for r in conn.execute(query)]


def _print(rows: list[dict[str, Any]], fmt: str, empty: str) -> None:
    if fmt == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    if not rows:
        print(empty)
        return
    for row in rows:
        sender = "<>" if row["mail_from"] == "" else (row["mail_from"] or "?")
        print(f"{row['id']:>6}  {row['arrived_at'][:19]}  {sender}  "
              f"seller={row['seller_id'] or '-'}  {row['category'] or '-'} ({row['rule'] or '-'})")
        print(f"        subject: {row['subject']}")
        print(f"        reason:  {row['reason']}")


def run_held(args: argparse.Namespace) -> int:
    engine = open_store(load(args))
    _print(_rows(engine, "held"), args.format, "no held messages")
    return EXIT_OK


def run_failed(args: argparse.Namespace) -> int:
    engine = open_store(load(args))
    _print(_rows(engine, "failed"), args.format, "no failed messages")
    return EXIT_OK


def run_failed_retry(args: argparse.Namespace) -> int:
    from router.pipeline.claims import requeue

    if bool(args.ids) == bool(args.all):
        raise CommandError("give message ids or --all", EXIT_USAGE)
    engine = open_store(load(args))
    done = requeue(engine, None if args.all else list(args.ids), ("failed",))
    missing = sorted(set(args.ids) - set(done))
    if done:
        print(f"requeued {len(done)}: {' '.join(map(str, done))}")
    if missing:
        raise CommandError(f"not failed (or unknown): {' '.join(map(str, missing))}",
                           EXIT_USAGE)
    if not done:
        print("no failed messages")
    return EXIT_OK


def run_release(args: argparse.Namespace) -> int:
    from router.act.delivery import default_owner
    from router.act.templates import NoticeTemplates
    from router.pipeline.claims import claim_held
    from router.pipeline.runner import LEASE, process_safely
    from router.store import decisions, utcnow

    config = load(args)
    if args.category is not None:
        known = set(BUILTIN_CATEGORIES) | set(config.actions) | {
            r.category for r in config.classification.rules}
        if args.category not in known:
            raise CommandError(f"unknown category '{args.category}' "
                               f"(known: {', '.join(sorted(known))})", EXIT_USAGE)
    engine = open_store(config)
    owner = f"release:{default_owner()}"
    if not claim_held(engine, args.id, owner, utcnow(), LEASE):
        raise CommandError(f"message {args.id} is not held", EXIT_USAGE)
    state = process_safely(engine, config, args.id, owner, NoticeTemplates.from_config(config),
                           force_category=args.category)
    with engine.connect() as conn:
        row = conn.execute(sa.select(decisions).where(decisions.c.received_id == args.id)
                           ).one_or_none()
    if row is None or state not in ("done", "held"):
        print(f"message {args.id}: processing failed ({state}); see `csba-router failed`",
              file=sys.stderr)
        return 1
    what = {"forward": "forward queued", "bounce": "notice queued", "redirect":
            "redirect queued", "hold": "still held", "drop": "dropped"}.get(row.action, row.action)
    print(f"message {args.id}: {row.category} -> {row.action} ({what}); {row.reason}")
    return EXIT_OK
