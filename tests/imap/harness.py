"""A whole `csba-router serve` polling a private Dovecot, and ways to wait on its log.

Every wait reads the daemon's JSON log lines as they come (with a deadline);
none sleeps for a fixed time.
"""

from __future__ import annotations

import json
import queue
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from router.orders import import_report
from router.store import decisions, imap_state, open_engine, outgoing, received, upgrade
from tests.imap.dovecot import Dovecot
from tests.intake.routerproc import WAIT, Router, free_port, launch
from tests.pipeline.test_process import ORDERS

Record = dict[str, Any]


def account_yaml(dovecot: Dovecot, user: str, *, name: str | None = None,
                 password: str | None = None, security: str = "none",
                 folder: str = "INBOX", poll_interval: str = "1h", idle: bool = True,
                 region: str = "de2de") -> str:
    """One entry of `imap:` (indented for the list) for `user` on `dovecot`."""
    port = dovecot.tls_port if security == "tls" else dovecot.port
    return (
        f"  - name: {name or user}\n    host: 127.0.0.1\n    port: {port}\n"
        f"    security: {security}\n    username: {user}\n"
        f"    password: {json.dumps(password or dovecot.users[user].password)}\n"
        f"    folder: {folder}\n    processed_folder: Processed\n    region: {region}\n"
        f"    poll_interval: {poll_interval}\n    idle: {'true' if idle else 'false'}\n")


def start_daemon(directory: Path, accounts: list[str], *, args: tuple[str, ...] = (),
                 orders: bool = True) -> Router:
    """Migrate the database, import the seller's orders, then run `serve` on it."""
    directory.mkdir(parents=True, exist_ok=True)
    if orders:
        engine = open_engine(f"sqlite:///{directory / 'router.db'}")
        try:
            upgrade(engine)
            report = directory / "orders.txt"
            report.write_text(ORDERS, encoding="utf-8")
            import_report(engine, "A1MUSTERHANDEL", report, on_error=pytest.fail)
        finally:
            engine.dispose()
    block = "imap:\n" + "".join(accounts)
    return launch(directory, free_port(), args=args,
                  extra={r"imap: \[\][^\n]*": block.rstrip("\n")})


def records(router: Router, event: str | None = None,
            where: Callable[[Record], bool] = lambda r: True) -> list[Record]:
    """The log records written so far (with this event and condition)."""
    found = []
    for line in list(router.lines):
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if (event is None or record.get("event") == event) and where(record):
            found.append(record)
    return found


def wait_for(router: Router, event: str, where: Callable[[Record], bool] = lambda r: True,
             count: int = 1, timeout: float = WAIT) -> list[Record]:
    """Block until the log holds `count` such records; fail with the log at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        found = records(router, event, where)
        if len(found) >= count:
            return found
        if router.proc.poll() is not None and router._queue.empty():
            pytest.fail(f"router exited ({router.proc.returncode}) before {count} {event!r}:"
                        f"\n{router.log}")
        left = deadline - time.monotonic()
        if left <= 0:
            pytest.fail(f"{len(found)} of {count} {event!r} log lines within {timeout}s; "
                        f"log:\n{router.log}")
        try:
            router._queue.get(timeout=min(left, 1.0))  # the next line, whatever it is
        except queue.Empty:
            pass


def rows(router: Router, table: sa.Table) -> list[Any]:
    engine = router.db
    try:
        with engine.connect() as conn:
            return list(conn.execute(sa.select(table).order_by(table.c.id)))
    finally:
        engine.dispose()


def marks(router: Router) -> dict[str, tuple[int, int]]:
    """account -> (UIDVALIDITY, last UID) as stored in `imap_state`."""
    engine = router.db
    try:
        with engine.connect() as conn:
            return {r.account: (r.uidvalidity, r.last_uid)
                    for r in conn.execute(sa.select(imap_state))}
    finally:
        engine.dispose()


def acted(router: Router) -> dict[str, int]:
    """Outgoing mail per original Message-ID: what "acted on once" is judged by."""
    by_id: dict[str, int] = {}
    originals = {r.id: r.message_id for r in rows(router, received)}
    for item in rows(router, outgoing):
        key = originals.get(item.received_id) or "?"
        by_id[key] = by_id.get(key, 0) + 1
    return by_id


__all__ = ["acted", "account_yaml", "decisions", "marks", "received", "records", "rows",
           "start_daemon", "wait_for"]
