"""`held`, `failed`, `failed retry`: the review lists.

Held mail waits for a person (unknown senders, unknown orders, notice
limits); failed mail broke the pipeline three times.  Both stay in the
database with their reasons until an operator acts on them (`release`,
`failed retry`).  Everything shown comes from mail, so the table passes
through `router.terminal` and JSON escapes what a terminal would obey.
"""

from __future__ import annotations

import argparse
from email.parser import BytesHeaderParser
from email.policy import default as default_policy
from typing import Any

import sqlalchemy as sa

from router import states
from router.cli.common import EXIT_OK, EXIT_USAGE, CommandError, add_command, load, open_store
from router.terminal import clean, json_text


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    held = add_command(sub, common, "held",
                       "list held messages, oldest first, with the reason they wait")
    held.add_argument("--format", choices=("table", "json"), default="table")
    held.set_defaults(run=run_held)

    failed = add_command(sub, common, "failed",
                         "list messages whose processing failed; `failed retry` requeues them")
    failed.add_argument("--format", choices=("table", "json"), default="table")
    fsub = failed.add_subparsers(dest="failed_command", metavar="ACTION")
    retry = add_command(fsub, common, "retry", "process failed messages again")
    retry.add_argument("ids", type=int, nargs="*", metavar="ID")
    retry.add_argument("--all", action="store_true", help="every failed message")
    retry.set_defaults(run=run_failed_retry)
    failed.set_defaults(run=run_failed)


def subject_of(raw: bytes) -> str:
    """The decoded Subject (RFC 2047 words read); a broken one must not stop a listing."""
    try:
        headers = BytesHeaderParser(policy=default_policy).parsebytes(raw[:65536])
        return str(headers.get("Subject", "") or "")
    except Exception:
        return "(undecodable subject)"


def listed(engine: sa.Engine, state: str) -> list[dict[str, Any]]:
    """The messages in `state` (held or failed), oldest first, as the contract's objects."""
    from router.store import decisions, received

    query = (sa.select(received.c.id, received.c.message_id, received.c.arrived_at,
                       received.c.mail_from, received.c.raw, received.c.last_error,
                       received.c.attempts, decisions.c.seller_id, decisions.c.region,
                       decisions.c.category, decisions.c.action, decisions.c.rule,
                       decisions.c.reason)
             .select_from(received.outerjoin(decisions,
                                             decisions.c.received_id == received.c.id))
             .where(received.c.state == state).order_by(received.c.arrived_at, received.c.id))
    with engine.connect() as conn:
        return [{
            "id": r.id, "message_id": r.message_id, "arrived_at": r.arrived_at.isoformat(),
            "mail_from": r.mail_from, "subject": subject_of(r.raw), "seller_id": r.seller_id,
            "region": r.region, "category": r.category, "action": r.action, "rule": r.rule,
            "reason": r.reason if state == states.HELD else r.last_error, "attempts": r.attempts,
        } for r in conn.execute(query)]


def print_listing(rows: list[dict[str, Any]], fmt: str, empty: str) -> None:
    if fmt == "json":
        print(json_text(rows, indent=1))
        return
    if not rows:
        print(empty)
        return
    for row in rows:
        sender = "<>" if row["mail_from"] == "" else (row["mail_from"] or "?")
        print(clean(f"{row['id']:>6}  {row['arrived_at'][:19]}  {sender}  "
                    f"seller={row['seller_id'] or '-'}  {row['category'] or '-'} "
                    f"({row['rule'] or '-'})"))
        print(f"        subject: {clean(row['subject'])}")
        print(f"        reason:  {clean(row['reason'])}")


def run_held(args: argparse.Namespace) -> int:
    engine = open_store(load(args))
    print_listing(listed(engine, states.HELD), args.format, "no held messages")
    return EXIT_OK


def run_failed(args: argparse.Namespace) -> int:
    engine = open_store(load(args))
    print_listing(listed(engine, states.FAILED), args.format, "no failed messages")
    return EXIT_OK


def run_failed_retry(args: argparse.Namespace) -> int:
    from router.pipeline.claims import requeue

    if bool(args.ids) == bool(args.all):
        raise CommandError("give message ids or --all", EXIT_USAGE)
    engine = open_store(load(args))
    done = requeue(engine, None if args.all else list(args.ids), (states.FAILED,))
    missing = sorted(set(args.ids) - set(done))
    if done:
        print(f"requeued {len(done)}: {' '.join(map(str, done))}")
    if missing:
        raise CommandError(f"not failed (or unknown): {' '.join(map(str, missing))}",
                           EXIT_USAGE)
    if not done:
        print("no failed messages")
    return EXIT_OK
