"""Benchmark: drain a 10,000-message IMAP INBOX with `serve`, next to a bare imapclient loop.

Usage:  .venv/bin/python bench/imap_drain.py [--messages N]

A private Dovecot (the test suite's, tests/imap/dovecot.py) gets two users
whose INBOXes receive the same N small messages by MULTIAPPEND.  Then, in
the same run:

- bare: one imapclient session that only fetches (``BODY.PEEK[]`` +
  ``INTERNALDATE``, the same batch size as the router) and MOVEs each batch
  to ``Processed``: the ceiling for any IMAP intake on this machine;
- router: ``csba-router serve --intake-only`` with one `imap:` account,
  which also stores every message in SQLite (one commit per message, the
  UID mark per batch) before moving it.  Timed from the account's
  ``imap_connected`` log line (process start and migrations excluded, shown
  separately) to the moment its ``imap_moved`` lines add up to N.

Both are checked at the end: INBOX empty, N in Processed, N rows stored.
The target is router/bare >= 0.5.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the test suite's Dovecot and `serve` helpers

from imapclient import IMAPClient  # noqa: E402

from router.intake.imap_uids import BATCH  # noqa: E402
from tests.imap.dovecot import Dovecot, User  # noqa: E402
from tests.imap.harness import account_yaml, start_daemon  # noqa: E402

APPEND_CHUNK = 500


def message(i: int) -> bytes:
    return (f"From: Musterhandel Service <service@musterhandel.de>\r\n"
            f"To: csba-de2de@amazon.de\r\nSubject: Bestellung {i}\r\n"
            f"Message-ID: <bench-{i}@musterhandel.de>\r\n"
            f"Date: Tue, 03 Nov 2026 09:12:00 +0100\r\n\r\n"
            f"Kunde fragt nach Bestellung 302-{i:07d}-1234567.\r\n").encode()


def fill(dovecot: Dovecot, user: str, count: int) -> float:
    """MULTIAPPEND `count` messages to the user's INBOX; seconds taken."""
    start = time.perf_counter()
    with dovecot.client(user) as imap:
        for first in range(0, count, APPEND_CHUNK):
            imap.multiappend("INBOX", [message(i) for i in
                                       range(first, min(first + APPEND_CHUNK, count))])
    return time.perf_counter() - start


def bare_drain(dovecot: Dovecot, user: str) -> tuple[int, float]:
    """Fetch and move everything, batch by batch; (messages, seconds from login)."""
    imap = IMAPClient("127.0.0.1", dovecot.port, ssl=False, timeout=120)
    imap.login(user, dovecot.users[user].password)
    start = time.perf_counter()
    imap.select_folder("INBOX")
    if not imap.folder_exists("Processed"):
        imap.create_folder("Processed")
    uids = imap.search("ALL")
    done = 0
    for first in range(0, len(uids), BATCH):
        batch = uids[first:first + BATCH]
        fetched = imap.fetch(batch, ["BODY.PEEK[]", "INTERNALDATE"])
        assert all(isinstance(d.get(b"BODY[]"), bytes) for d in fetched.values())
        imap.move(batch, "Processed")
        done += len(fetched)
    elapsed = time.perf_counter() - start
    imap.logout()
    return done, elapsed


def router_drain(dovecot: Dovecot, user: str, count: int, directory: Path,
                 timeout: float) -> tuple[float, float]:
    """(seconds from imap_connected, seconds from process start) until `count` are moved."""
    started = time.perf_counter()
    router = start_daemon(directory, [account_yaml(dovecot, user, name="bench")],
                          args=("--intake-only",), orders=False)
    connected = None
    moved = 0
    try:
        while moved < count:
            line = router._queue.get(timeout=timeout)
            if line is None:
                raise SystemExit(f"router exited:\n{router.log[-3000:]}")
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if record.get("event") == "imap_connected" and connected is None:
                connected = time.perf_counter()
            elif record.get("event") == "imap_moved":
                moved += int(record["count"])
            elif record.get("event") == "imap_failed":
                raise SystemExit(f"router failed: {record}")
        finished = time.perf_counter()
        stored = router.count()
    finally:
        router.close()
    assert connected is not None
    if stored != count:
        raise SystemExit(f"router stored {stored} rows for {count} messages")
    return finished - connected, finished - started


def check_empty(dovecot: Dovecot, user: str, count: int) -> None:
    with dovecot.client(user) as imap:
        inbox = imap.folder_status("INBOX", ["MESSAGES"])[b"MESSAGES"]
        processed = imap.folder_status("Processed", ["MESSAGES"])[b"MESSAGES"]
    if (inbox, processed) != (0, count):
        raise SystemExit(f"{user}: INBOX has {inbox}, Processed {processed} (want 0, {count})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--timeout", type=float, default=300.0,
                        help="seconds without progress before giving up")
    args = parser.parse_args()
    n = args.messages
    dovecot = Dovecot([User("bare", "bench-1"), User("router", "bench-2")], tls=False)
    dovecot.start()
    try:
        for user in ("bare", "router"):
            took = fill(dovecot, user, n)
            print(f"appended {n} messages to {user}'s INBOX in {took:.1f}s "
                  f"({n / took:,.0f}/s, MULTIAPPEND of {APPEND_CHUNK})")
        done, bare_s = bare_drain(dovecot, "bare")
        assert done == n
        check_empty(dovecot, "bare", n)
        with tempfile.TemporaryDirectory(prefix="csba-bench-imap-") as tmp:
            router_s, router_total = router_drain(dovecot, "router", n, Path(tmp) / "router",
                                                  args.timeout)
        check_empty(dovecot, "router", n)
    finally:
        dovecot.close()
    bare_rate, router_rate = n / bare_s, n / router_s
    print(f"batch size: {BATCH} messages per FETCH and MOVE")
    print(f"bare imapclient fetch+move: {n} in {bare_s:.2f}s = {bare_rate:,.0f} msg/s")
    print(f"serve (stored and moved):   {n} in {router_s:.2f}s = {router_rate:,.0f} msg/s "
          f"({router_total:.2f}s including process start)")
    ratio = router_rate / bare_rate
    print(f"ratio serve/bare: {ratio:.2f} (target >= 0.5) {'OK' if ratio >= 0.5 else 'BELOW'}")
    return 0 if ratio >= 0.5 else 1


if __name__ == "__main__":
    sys.exit(main())
