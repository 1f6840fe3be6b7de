"""`queue`: outgoing mail as an operator sees it, and the two things to do about it.

    csba-router queue [--format table|json]   pending, deferred (next try, last error), dead
    csba-router queue retry ID... | --all-dead   back to pending, due now
    csba-router queue flush                   one delivery pass now

`flush` delivers what is due now, with the daemon running or not (claims
keep two deliverers off the same row); a deferred row waits for its next
try unless `retry` makes it due first.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import Any

from router import states
from router.cli.common import EXIT_OK, EXIT_USAGE, CommandError, add_command, load, open_store
from router.terminal import clean, json_text


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = add_command(sub, common, "queue",
                         "outgoing mail: pending, deferred (with the last error), dead")
    parser.add_argument("--format", choices=("table", "json"), default="table")
    parser.set_defaults(run=run_list)
    qsub = parser.add_subparsers(dest="queue_command", metavar="ACTION")
    retry = add_command(qsub, common, "retry",
                        "put messages back in the queue, due now (dead ones start over)")
    retry.add_argument("ids", nargs="*", type=int, metavar="ID")
    retry.add_argument("--all-dead", action="store_true", help="every message on the dead list")
    retry.set_defaults(run=run_retry)
    flush = add_command(qsub, common, "flush", "deliver the messages that are due, now")
    flush.set_defaults(run=run_flush)


def run_list(args: argparse.Namespace) -> int:
    from router.act.queue import list_queue

    engine = open_store(load(args))
    try:
        view = list_queue(engine)
    finally:
        engine.dispose()
    sections = {states.PENDING: view.pending, states.DEFERRED: view.deferred,
                states.DEAD: view.dead}
    if args.format == "json":
        listed = [_as_json(row, state) for state, rows in sections.items() for row in rows]
        print(json_text({"counts": view.counts, "rows": listed}))
        return EXIT_OK
    c = view.counts
    print(f"pending {c['pending']}, deferred {c['deferred']}, dead {c['dead']}"
          f" (sent {c['sent']})")
    for state, rows in sections.items():
        if rows:
            print()
            print(state)
            _print_table(state, rows)
    return EXIT_OK


def run_retry(args: argparse.Namespace) -> int:
    from router.act.queue import QueueError, retry
    from router.store import utcnow

    if bool(args.ids) == bool(args.all_dead):
        raise CommandError("queue retry: give message ids or --all-dead (one of them)",
                           EXIT_USAGE)
    engine = open_store(load(args))
    try:
        done = retry(engine, args.ids, all_dead=args.all_dead, now=utcnow())
    except QueueError as exc:
        raise CommandError(str(exc), EXIT_USAGE) from None
    finally:
        engine.dispose()
    if done:
        print(f"due now: {', '.join(str(i) for i in done)}")
    else:
        print("nothing to retry")
    return EXIT_OK


def run_flush(args: argparse.Namespace) -> int:
    import asyncio

    from router.act.delivery import deliver_pass
    from router.store import utcnow

    config = load(args)
    engine = open_store(config)
    try:
        # One fixed "now": what is due at the start; a row deferred during
        # the pass waits for its next try instead of being tried again.
        summary = asyncio.run(deliver_pass(engine, config, now=utcnow()))
    finally:
        engine.dispose()
    print(summary)
    return EXIT_OK


def _as_json(row: Any, state: str) -> dict[str, Any]:
    return {
        "id": row.id,
        "state": state,
        "kind": row.kind,
        "message_id": row.message_id,
        "mail_from": row.mail_from,
        "rcpt_tos": list(row.rcpt_tos),
        "size": row.size,
        "attempts": row.attempts,
        "next_try_at": _time(row.next_try_at) if state != states.DEAD else None,
        "last_error": row.last_error,
        "created_at": _time(row.created_at),
        "received_id": row.received_id,
    }


def _print_table(state: str, rows: list[Any]) -> None:
    headers = ["ID", "KIND", "TO", "ATTEMPTS"]
    if state != states.DEAD:
        headers.append("NEXT TRY (UTC)")
    headers += ["QUEUED (UTC)", "MESSAGE-ID"]
    if state != states.PENDING:
        headers.append("LAST ERROR")
    table = [headers]
    for row in rows:
        line = [str(row.id), row.kind, ", ".join(row.rcpt_tos), str(row.attempts)]
        if state != states.DEAD:
            line.append(_shown(row.next_try_at))
        line += [_shown(row.created_at), row.message_id]
        if state != states.PENDING:
            line.append(" ".join((row.last_error or "").split()))
        table.append([clean(cell) for cell in line])
    widths = [max(len(line[i]) for line in table) for i in range(len(headers))]
    for line in table:
        cells = [cell.ljust(width) for cell, width in zip(line, widths, strict=True)]
        print("  " + "  ".join(cells).rstrip())


def _time(value: datetime) -> str:
    return value.isoformat()


def _shown(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S")
