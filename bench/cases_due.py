"""How punctually a case's due mail goes out, and that it goes out once.

Real `csba-router serve` processes (one on SQLite, or `--instances K` on
one PostgreSQL database with `--postgres`), each with its own Maildir.
`--cases N` inquiries are forwarded; the team answers each forward at once
(over SMTP, spread over the instances), so N questions are relayed and N
reminders and N overdue notes fall due close together; the seller answers
every second case right away, whose due mail must never go out.  Prints
the relay's latency (the team's 250 to the relay recorded sent), the
reminders' and overdue notes' lateness (recorded sent minus due time):
median, 95th percentile and worst; then the mail delivered twice (by file,
across the Maildirs) and the due mail of answered cases that went out.
Target: due mail within 5 s of its time, nothing twice, nothing after an
answer.

    .venv/bin/python bench/cases_due.py [--cases N] [--remind S] [--within S]
                                        [--postgres [URL]] [--instances K]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from router.store import cases, outgoing, received  # noqa: E402
from tests.cases.smtpworld import (  # noqa: E402
    SELLER,
    TEAM,
    case_config,
    outbox,
    proven,
    query,
    seller_answer,
    send,
    team_reply,
)
from tests.intake.routerproc import Router, config_text, free_port  # noqa: E402
from tests.pipeline.conftest import (  # noqa: E402
    STORAGE_LINE,
    TRANSPORT_LINE,
    import_orders,
    inquiry,
    pipeline_processes,
    wait_pipeline_ready,
)

PUNCTUAL = 5.0
WAIT = 300.0


def wait_for(done: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not done():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise SystemExit(f"cases_due: not within {timeout:.0f}s: {what}")
        time.sleep(0.1)


def figures(values: list[float]) -> str:
    if not values:
        return "none"
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return (f"median {statistics.median(ordered):.2f} s, p95 {p95:.2f} s, "
            f"worst {ordered[-1]:.2f} s ({len(ordered)})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=40)
    parser.add_argument("--remind", type=int, default=20, help="remind_after, seconds")
    parser.add_argument("--within", type=int, default=40, help="answer_within, seconds")
    parser.add_argument("--postgres", nargs="?", const="postgresql://postgres@127.0.0.1:5432/"
                        "postgres", help="a PostgreSQL server (a throwaway database on it)")
    parser.add_argument("--instances", type=int, default=1)
    args = parser.parse_args(argv)
    if args.instances > 1 and not args.postgres:
        raise SystemExit("cases_due: several instances need --postgres")

    with tempfile.TemporaryDirectory(prefix="cases-due-") as tmp, ExitStack() as stack:
        root = Path(tmp)
        if args.postgres:
            from bench.pgtemp import throwaway_database

            url = stack.enter_context(throwaway_database(args.postgres))
        else:
            url = f"sqlite:///{root / 'router.db'}"
        ports, routers, boxes = [], [], []
        for n in range(args.instances):
            port = free_port()
            directory = root / f"serve-{n}"
            directory.mkdir()
            config = directory / "router.yaml"
            config.write_text(config_text(directory, port, extra={
                **pipeline_processes(1), **case_config(f"{args.within}s", f"{args.remind}s"),
                STORAGE_LINE: f'url: "{url}"',
                TRANSPORT_LINE: f"transport: maildir://{directory / 'outbox'}",
            }), encoding="utf-8")
            router = Router(config, port, args=(), storage=url)
            stack.callback(router.close)
            ports.append(port)
            routers.append(router)
            boxes.append(directory / "outbox")
        import_orders(routers[0].config, args.cases)
        for router in routers:
            wait_pipeline_ready(router, WAIT)

        inquiries = [send(ports[i % len(ports)], proven(SELLER, inquiry(i, run="due")[1]),
                          SELLER) for i in range(args.cases)]
        forwards: dict[int, str] = {}

        def forwarded() -> bool:
            rows = query(url, sa.select(outgoing.c.received_id, outgoing.c.message_id).where(
                outgoing.c.kind == "forward"))
            forwards.update({int(r): str(m) for r, m in rows})
            return all(i in forwards for i in inquiries)

        wait_for(forwarded, WAIT, "every inquiry forwarded")
        sent_250: dict[int, float] = {}
        team_ids = []
        for n, inquiry_id in enumerate(inquiries):
            team_id = send(ports[n % len(ports)], proven(TEAM, team_reply(
                forwards[inquiry_id], f"<due-{n}@example.internal>")), TEAM)
            sent_250[team_id] = time.time()
            team_ids.append(team_id)
        wait_for(lambda: len(query(url, sa.select(cases.c.id))) == args.cases, WAIT,
                 "every case opened")
        answered = team_ids[1::2]
        for n, case_id in enumerate(answered):
            send(ports[n % len(ports)], proven(SELLER, seller_answer(
                case_id, f"<due-answer-{n}@musterhandel.de>", "Nummer: 1Z")), SELLER)
        rows = {r.id: r for r in query(url, sa.select(cases))}
        open_ids = [c for c in team_ids if c not in answered]
        due_ids = [rows[c].overdue_message_id for c in open_ids]
        last_due = max(r.due_at for r in rows.values())

        def sent(message_ids: list[str]) -> dict[str, object]:
            found = query(url, sa.select(outgoing.c.message_id, outgoing.c.sent_at).where(
                outgoing.c.message_id.in_(message_ids), outgoing.c.state == "sent"))
            return dict(found)

        wait_for(lambda: len(sent(due_ids)) == len(due_ids), WAIT + args.within,
                 "every overdue note sent")
        from router.store import utcnow

        wait_for(lambda: utcnow() > last_due + timedelta(seconds=PUNCTUAL), WAIT,
                 "the last due time passed")

        relays = query(url, sa.select(outgoing.c.received_id, outgoing.c.sent_at).join(
            received, received.c.id == outgoing.c.received_id).where(
            outgoing.c.kind == "case", outgoing.c.message_id.like("<csba-relay-%"),
            outgoing.c.received_id.in_(team_ids)))
        relay_latency = [s.timestamp() - sent_250[int(r)] for r, s in relays if s is not None]
        reminders = sent([rows[c].reminder_message_id for c in open_ids])
        notes = sent(due_ids)
        remind = timedelta(seconds=args.remind)
        reminder_late = [(reminders[rows[c].reminder_message_id] - rows[c].asked_at  # type: ignore[operator]
                          - remind).total_seconds() for c in open_ids]
        overdue_late = [(notes[rows[c].overdue_message_id] - rows[c].due_at  # type: ignore[operator]
                         ).total_seconds() for c in open_ids]
        files = Counter(m.message_id for m in outbox(*boxes) if m.case is not None)
        twice = {m: n for m, n in files.items() if n > 1}
        leaked = [m for c in answered for m in (rows[c].reminder_message_id,
                                                 rows[c].overdue_message_id) if m in files]

    store = f"PostgreSQL, {args.instances} serve" if args.postgres else "SQLite, 1 serve"
    print(f"cases_due: {args.cases} cases ({store}), remind_after {args.remind}s, "
          f"answer_within {args.within}s; every second case answered at once")
    print(f"  relay latency (team's 250 to relay sent): {figures(relay_latency)}")
    print(f"  reminder lateness:                        {figures(reminder_late)}")
    print(f"  overdue note lateness:                    {figures(overdue_late)}")
    print(f"  case mail delivered twice:                {len(twice)}")
    print(f"  due mail of answered cases sent:          {len(leaked)}")
    worst = max(reminder_late + overdue_late, default=0.0)
    ok = worst <= PUNCTUAL and not twice and not leaked
    print(f"  target (due mail within {PUNCTUAL:.0f} s, nothing twice, nothing after an "
          f"answer): {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
