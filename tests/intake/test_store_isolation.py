"""One message that cannot be stored is refused alone, over SMTP, on SQLite and PostgreSQL.

Issue 12: on PostgreSQL a NUL in one session's MAIL FROM or Message-ID made
the group commit fail, and 49-80 % of the concurrent legitimate senders got
451.  Here concurrent sessions are held at the commit (the database's write
lock is taken by the test) so that their messages go into one transaction
together with a message the database refuses (a trigger), a NUL Message-ID
and NUL senders; then the lock is let go.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import psycopg
import sqlalchemy as sa

from router.store import open_engine, received
from tests.intake.rawsmtp import RawSMTP
from tests.intake.routerproc import WAIT, Router
from tests.intake.test_group_commit import POISON, poison_trigger

DE = "csba-de2de@amazon.de"
SELLER = "service@musterhandel.de"


@contextmanager
def write_lock(url: str) -> Iterator[None]:
    """Hold the database's write lock: commits of `received` wait until the end."""
    if url.startswith("sqlite"):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            conn.execute("ROLLBACK")
            conn.close()
    else:
        with psycopg.connect(url) as pg:
            pg.execute("LOCK TABLE received IN EXCLUSIVE MODE")
            try:
                yield
            finally:
                pg.rollback()


def message(n: int, message_id: str) -> bytes:
    return (f"Message-ID: {message_id}\r\nSubject: inquiry {n}\r\n\r\nWo ist das Paket?\r\n"
            .encode("utf-8", "surrogateescape"))


def test_one_bad_message_does_not_fail_its_batch(start_router: Callable[..., Router],
                                                  db_url: str) -> None:
    router = start_router(storage=db_url)
    engine = open_engine(db_url)
    try:
        poison_trigger(engine)
        senders = {n: SELLER for n in range(14)}
        ids = {n: f"<inquiry-{n}@musterhandel.de>" for n in range(14)}
        ids[3] = POISON  # refused by the database
        ids[7] = "<inquiry-7\x00@musterhandel.de>"  # stored without its Message-ID
        senders[10] = "serv\x00ice@musterhandel.de"  # refused at MAIL FROM
        senders[11] = "service@muster\x00handel.de"
        sent = threading.Semaphore(0)

        def session(n: int) -> tuple[int, str]:
            with RawSMTP(router.port) as client:
                client.greet()
                code, text = client.command(f"MAIL FROM:<{senders[n]}>".encode(
                    "utf-8", "surrogateescape"))
                if code != 250:
                    sent.release()
                    return code, text
                assert client.command(f"RCPT TO:<{DE}>")[0] == 250
                assert client.command("DATA")[0] == 354
                client.send(message(n, ids[n]) + b".\r\n")
                sent.release()
                return client.reply()

        with ThreadPoolExecutor(len(senders)) as pool:
            with write_lock(db_url):
                futures = {n: pool.submit(session, n) for n in senders}
                for _ in senders:  # every message handed over before the lock goes
                    assert sent.acquire(timeout=WAIT)
            replies = {n: future.result(WAIT) for n, future in futures.items()}

        assert {n for n, (code, _) in replies.items() if code == 250} == \
            set(senders) - {3, 10, 11}, replies
        assert replies[3][0] == 451
        assert replies[10][0] == replies[11][0] == 501
        with engine.connect() as conn:
            stored = dict(conn.execute(sa.select(received.c.id, received.c.message_id)).all())
        queued = {n: int(text.rsplit(" ", 1)[1]) for n, (code, text) in replies.items()
                  if code == 250}
        assert set(stored) == set(queued.values())
        assert stored[queued[7]] is None
        assert all(stored[queued[n]] == ids[n] for n in queued if n != 7)
        assert router.expect("store_failed")["message_id"] == POISON
    finally:
        engine.dispose()
