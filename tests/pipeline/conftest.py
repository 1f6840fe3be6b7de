"""Shared pieces for tests that run the whole daemon under failure.

A crash or outage test needs many distinct in-scope inquiries: each one for
its own seller-fulfilled order, so that every Message-ID is a new contact
(two inquiries about one order inside `billing.contact_window` would be a
follow-up and join one contact, which would hide a lost or doubled one).
The orders are imported with the real `csba-router orders import` before the
daemon starts, as an operator does (its `main`, in this process: tests/cli_run.py).
"""

from __future__ import annotations

import email.parser
import email.policy
import socket
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from router.act.delivery import LEASE as DELIVERY_LEASE
from router.store import contacts, decisions, open_engine, outgoing, received, utcnow
from tests.cli_run import cli
from tests.conftest import _pg_schema_url
from tests.intake.routerproc import Router, config_text
from tests.pipeline.test_process import forward

SELLER_ID = "A1MUSTERHANDEL"
SELLER = "service@musterhandel.de"
CSBA = "csba-de2de@amazon.de"
HEADER = ["amazon-order-id", "purchase-date", "order-status", "fulfillment-channel",
          "sales-channel", "sku", "quantity", "item-status"]


def order_id(n: int) -> str:
    """The n-th test order: unique, in Amazon's 3-7-7 digit form."""
    return f"305-{5_000_000 + n:07d}-{9_000_000 + n:07d}"


def orders_report(count: int) -> str:
    """An All Orders report of `count` shipped, seller-fulfilled, enrolled orders."""
    lines = ["\t".join(HEADER)]
    lines += [f"{order_id(n)}\t2026-10-05T10:00:00+02:00\tShipped\tMerchant\tAmazon.de\t"
              f"SKU-{n}\t1\tShipped" for n in range(count)]
    return "\n".join(lines) + "\n"


def inquiry(n: int, *, run: str = "t") -> tuple[str, bytes]:
    """The n-th in-scope inquiry: its Message-ID and raw bytes (order n)."""
    message_id = f"<{run}-{n}@musterhandel.de>"
    return message_id, forward(order_id(n), message_id=message_id)


def import_orders(config: Path, count: int) -> None:
    """`csba-router orders import` of `count` orders into the config's database."""
    report = config.parent / "orders.txt"
    report.write_text(orders_report(count), encoding="utf-8")
    done = cli("--config", str(config), "orders", "import", "--seller", SELLER_ID, str(report))
    assert done.returncode == 0, done.stderr


def prepare(directory: Path, port: int, orders: int,
            extra: dict[str, str] | None = None) -> Path:
    """Write the config into `directory`, import the orders; the config's path."""
    directory.mkdir(parents=True, exist_ok=True)
    config = directory / "router.yaml"
    config.write_text(config_text(directory, port, extra=extra), encoding="utf-8")
    import_orders(config, orders)
    return config


def start(config: Path, port: int) -> Router:
    """The whole daemon (intake, workers, delivery) on `config`, once it listens."""
    router = Router(config, port, args=())
    router.expect("listening")
    return router


def csba_ids(folder: Path) -> Counter[str]:
    """X-CSBA-Message-Id of every file in a Maildir's `new/`, with its count.

    Only the header is parsed: the forward's own header carries the tag, the
    attached original cannot (intake strips X-CSBA-* from outside mail).
    """
    parser = email.parser.BytesHeaderParser(policy=email.policy.default)
    found: Counter[str] = Counter()
    new = folder / "new"
    if not new.is_dir():
        return found
    for path in new.iterdir():
        try:
            with path.open("rb") as handle:
                tag = parser.parse(handle)["X-CSBA-Message-Id"]
        except FileNotFoundError:  # replaced by a redelivery while we listed
            continue
        found[str(tag)] += 1
    return found


def scalar(config: Path, query: sa.Select) -> int:
    """One number from the database of the router run on `config` (SQLite beside it)."""
    return db_scalar(f"sqlite:///{config.parent / 'router.db'}", query)


def wait_until(done: Callable[[], bool], timeout: float, what: str,
               interval: float = 0.1) -> None:
    """Poll `done` until it holds; fail with `what` at the deadline."""
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout}s: {what}")
        time.sleep(interval)


# --- several daemons, PostgreSQL, crashes ------------------------------------

#: config/router.yaml's storage and transport lines, as `config_text` replaces them.
STORAGE_LINE = r"url: sqlite:///\./var/router\.db"
TRANSPORT_LINE = r"transport: maildir://\./var/outbox"


def pipeline_processes(count: int, lease: timedelta | None = None) -> dict[str, str]:
    """A `config_text` extra: `instance.workers`, the pipeline processes of a daemon.

    Fixed by the crash tests, so that their cost and what a crash can leave
    in flight do not depend on the machine's number of CPUs.  `lease`: an
    `instance.lease` too (a test that waits for real leases to end).
    """
    lines = f"instance:\n  workers: {count}"
    if lease is not None:
        lines += f"\n  lease: {int(lease.total_seconds())}s"
    return {r"(?m)^instance:$": lines}


@pytest.fixture
def pg_url(pg_database: str) -> str:
    """A storage URL on the machine's PostgreSQL: an empty schema of its own."""
    return _pg_schema_url(pg_database)


@pytest.fixture
def daemons() -> Iterator[list[Router]]:
    """Every daemon a test starts; each is stopped at the end, whatever happened."""
    started: list[Router] = []
    try:
        yield started
    finally:
        for router in started:
            router.close()


def db_scalar(url: str, query: sa.Select) -> int:
    """One number from the database at `url` (a fresh engine: the daemons may be gone)."""
    engine = open_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.scalar(query) or 0)
    finally:
        engine.dispose()


_WAITING = sa.select(sa.func.count()).select_from(received).where(received.c.state == "received")
_PENDING = sa.select(sa.func.count()).select_from(outgoing).where(outgoing.c.state == "pending")


def nothing_left(url: str) -> bool:
    """No stored message waits for a decision and no outgoing mail for delivery."""
    return db_scalar(url, _WAITING) == 0 and db_scalar(url, _PENDING) == 0


def wait_pipeline_ready(router: Router, timeout: float = 60.0) -> None:
    """Wait until every pipeline process the router started runs its loops.

    `listening` comes from the main process; its pipeline processes start
    deciding only after loading their models (`delivery_started`, one per
    process, named `host:pid`).
    """
    def ready() -> bool:
        pids = {int(r["pid"]) for r in router.records("worker_started")}
        owners = {str(r["owner"]) for r in router.records("delivery_started")}
        return bool(pids) and all(any(o.endswith(f":{pid}") for o in owners) for pid in pids)

    wait_until(ready, timeout, f"the pipeline processes of {router.config} running",
               interval=0.05)


def owners_of(router: Router, pids: Collection[int]) -> set[str]:
    """The lease owner names a (killed) router's pipeline processes used.

    A pipeline process names itself `host:pid` (`delivery_started` logs it);
    the pids of the killed children are added in case one died before it
    logged the line.
    """
    host = socket.gethostname()
    return ({str(r["owner"]) for r in router.records("delivery_started")}
            | {f"{host}:{pid}" for pid in pids})


def expire_dead_leases(url: str, owners: Collection[str], killed_at: datetime
                       ) -> tuple[int, int]:
    """Stand in for the passing of time after a crash, for the dead processes only.

    Those held leases on the messages they had claimed (owner `owners`) and
    on the outgoing rows they were delivering: a claim moves `next_try_at`
    one delivery lease ahead, and a worker queues its own mail leased for a
    shorter while (the hand-off), so a row the dead held was queued before
    `killed_at` and is due no later than `killed_at` + the delivery lease.
    In production another daemon takes them over when they expire; the test
    moves the expiry into the past instead of waiting minutes.  A daemon
    still running keeps its own leases: its message leases carry its name,
    its hand-offs since the kill were queued after it, and its outgoing
    claims since the kill end later than the bound (call this when its
    deliveries claimed before the kill are over).
    Returns how many received and outgoing rows were released.
    """
    now = utcnow()
    past = now - timedelta(seconds=1)
    engine = open_engine(url)
    try:
        with engine.begin() as conn:
            messages = conn.execute(received.update().where(
                received.c.state == "received", received.c.lease_owner.in_(list(owners)),
                received.c.lease_expires.is_not(None)).values(lease_expires=past)).rowcount
            mails = conn.execute(outgoing.update().where(
                outgoing.c.state == "pending", outgoing.c.next_try_at > now,
                outgoing.c.created_at <= killed_at,
                outgoing.c.next_try_at <= killed_at + DELIVERY_LEASE).values(
                next_try_at=past)).rowcount
    finally:
        engine.dispose()
    return messages, mails


def held_at_kill(url: str, owners: Collection[str], killed_at: datetime
                 ) -> tuple[set[int], set[int]]:
    """What was leased when the processes `owners` died: received and outgoing ids.

    Messages carry their lease owner's name.  Outgoing rows carry none: a
    row queued before `killed_at` and not due then was held by some
    deliverer (the dead's, or a live one's that finishes it at once).
    Read right after the kill, before any lease can have ended.
    """
    engine = open_engine(url)
    try:
        with engine.connect() as conn:
            messages = set(conn.execute(sa.select(received.c.id).where(
                received.c.state == "received", received.c.lease_owner.in_(list(owners)),
                received.c.lease_expires > killed_at)).scalars())
            mails = set(conn.execute(sa.select(outgoing.c.id).where(
                outgoing.c.state == "pending", outgoing.c.created_at <= killed_at,
                outgoing.c.next_try_at > killed_at)).scalars())
    finally:
        engine.dispose()
    return messages, mails


def finished_at(url: str, messages: Collection[int], mails: Collection[int]
                ) -> datetime | None:
    """When the last of these messages was decided and of these mails sent (None: none)."""
    engine = open_engine(url)
    try:
        with engine.connect() as conn:
            decided = dict(conn.execute(sa.select(
                decisions.c.received_id, decisions.c.decided_at).where(
                decisions.c.received_id.in_(list(messages)))).all())
            sent = dict(conn.execute(sa.select(outgoing.c.id, outgoing.c.sent_at).where(
                outgoing.c.id.in_(list(mails)))).all())
    finally:
        engine.dispose()
    assert set(decided) == set(messages), "a message held by the dead was never decided"
    assert None not in sent.values(), "a mail held by the dead was never sent"
    return max([*decided.values(), *sent.values()], default=None)


def decided_ids(router: Router) -> list[int]:
    """The received ids this router's pipeline logged as decided (committed)."""
    return [int(r["id"]) for r in router.records("decided")]


@dataclass(frozen=True)
class Tally:
    """What the router wrote, counted: the facts every crash test checks."""

    contacts_per_message: dict[str, int]  # Message-ID -> contacts logged for it
    actions: dict[str, int]  # decision action -> decisions
    states: dict[str, int]  # received state -> messages
    forwards: dict[str, int]  # outgoing forward state -> rows
    stored_ids: set[int]  # every received id


def tally(url: str) -> Tally:
    """Count contacts, decisions, states and forwards in the database at `url`."""
    engine = open_engine(url)
    try:
        with engine.connect() as conn:
            def counts(query: sa.Select[Any]) -> dict[Any, int]:
                return {key: int(n) for key, n in conn.execute(query).all()}

            return Tally(
                contacts_per_message=counts(
                    sa.select(received.c.message_id, sa.func.count(contacts.c.id))
                    .select_from(contacts.join(received,
                                               contacts.c.received_id == received.c.id))
                    .group_by(received.c.message_id)),
                actions=counts(sa.select(decisions.c.action, sa.func.count())
                               .group_by(decisions.c.action)),
                states=counts(sa.select(received.c.state, sa.func.count())
                              .group_by(received.c.state)),
                forwards=counts(sa.select(outgoing.c.state, sa.func.count())
                                .where(outgoing.c.kind == "forward")
                                .group_by(outgoing.c.state)),
                stored_ids=set(conn.execute(sa.select(received.c.id)).scalars()),
            )
    finally:
        engine.dispose()
