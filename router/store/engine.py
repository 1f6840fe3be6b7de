"""Opening the database: one function that hides the engine differences.

SQLite is the embedded default and holds mail that an SMTP client was told is
safe, so it runs in WAL mode with ``synchronous=FULL``: a committed message
survives a power cut, and readers do not block the writer.  The sqlite3 driver
of Python 3.11 starts transactions only before DML ("legacy transaction
control"); we switch that off and emit BEGIN ourselves so that DDL and reads
are transactional too (the recipe from SQLAlchemy's SQLite documentation).
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event, exc
from sqlalchemy.engine import URL, Connection, Engine, make_url

from router.store.errors import StoreError

#: Milliseconds a SQLite connection waits for another writer before failing.
SQLITE_BUSY_TIMEOUT_MS = 10_000

# Execution option read by the BEGIN hook: "DEFERRED" or "IMMEDIATE".
_SQLITE_BEGIN = "sqlite_begin"


def open_engine(url: str) -> Engine:
    """Create an engine for ``url`` and check that the database answers.

    ``sqlite:///relative/path`` is relative to the working directory; its
    parent directory is created.  ``postgresql://`` URLs use psycopg 3.
    Raises :class:`StoreError` with a readable message when the URL is wrong
    or the database cannot be opened or reached.
    """
    try:
        parsed = _normalise(make_url(url))
    except (exc.ArgumentError, ValueError) as e:
        raise StoreError(f"bad storage url {url!r}: {e}") from None
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise StoreError(
            f"unsupported storage url {_shown(parsed)}: use sqlite:///PATH or postgresql://..."
        )
    try:
        engine = _sqlite_engine(parsed) if backend == "sqlite" else _postgresql_engine(parsed)
    except (exc.ArgumentError, exc.NoSuchModuleError, ImportError) as e:
        raise StoreError(f"bad storage url {_shown(parsed)}: {e}") from None
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except exc.DBAPIError as e:
        engine.dispose()
        raise StoreError(f"cannot open database {_shown(parsed)}: {describe(e)}") from None
    return engine


@contextmanager
def begin_write(engine: Engine, *, durable: bool = True) -> Iterator[Connection]:
    """A transaction that intends to write, with its lock taken up front.

    On SQLite a deferred transaction that first reads and then writes fails
    at once with "database is locked" when another process wrote meanwhile
    (the busy timeout does not apply to that case).  ``BEGIN IMMEDIATE``
    takes the write lock first and waits for it instead.  Use this for
    read-then-write work such as claiming queue items, and for every write
    of the daemon (see `WriteGate`).  On PostgreSQL it is an ordinary
    transaction.

    ``durable=False`` is for writes that may be lost in a power cut without
    harm (a lease: lost, the row is simply claimable again).  On SQLite it
    commits without an fsync (``synchronous=NORMAL`` in WAL mode: the
    database stays consistent, and the next durable commit's fsync covers
    it), so the write gate is held for microseconds instead of a disk flush.
    """
    gate = _GATES.get(engine)
    with gate.held() if gate is not None else _nothing():
        with engine.connect() as conn:
            sqlite = engine.dialect.name == "sqlite"
            if sqlite:
                _synchronous(conn, "FULL" if durable else "NORMAL")
            try:
                conn.execution_options(**{_SQLITE_BEGIN: "IMMEDIATE"})
                with conn.begin():
                    yield conn
            finally:
                if sqlite and not durable:
                    try:
                        _synchronous(conn, "FULL")
                    except Exception:
                        conn.invalidate()  # never back in the pool without its fsyncs
                        raise


def _synchronous(conn: Connection, level: str) -> None:
    """Set SQLite's `synchronous` outside any transaction (the driver's own call)."""
    driver = conn.connection.driver_connection
    assert driver is not None
    driver.execute(f"PRAGMA synchronous = {level}")


class WriteGate:
    """Writers to one SQLite file queue up in the kernel instead of polling.

    SQLite lets one writer in at a time; the others wait in its busy
    handler, which sleeps 1, 2, 5, 10 ... 100 ms between tries.  With
    `serve`'s intake and its pipeline processes committing all the time, a
    waiting writer keeps losing the race to whoever tries at the right
    moment: intake waited three times longer for the lock than it spent
    committing, and the SMTP senders with it.  An exclusive `flock` on a
    file beside the database (and a thread lock, as flock does not separate
    threads of one process) makes each writer wait its turn and wake as
    soon as the lock is free.  Writers that do not use it (another program)
    still meet SQLite's own lock, so it is an aid, never needed for safety.

    Intake goes first (`urgent`, see `prefer_writes`): a sender waits for
    its 250 while a stored message can wait for its decision.  An urgent
    writer holds a shared lock on a second file while it waits and writes;
    the others take that file exclusively for a moment before they queue,
    so they do not start a transaction while intake has one pending.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.urgent = False
        self.gave_way_at = float("-inf")  # when a write of ours last waited for intake
        self._thread_lock = threading.RLock()
        self._depth = 0
        self._fds: dict[str, int] = {}

    @contextmanager
    def held(self) -> Iterator[None]:
        with self._thread_lock:
            if self._depth == 0:
                self._acquire()
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self._release()

    def _acquire(self) -> None:
        first = self._fd(".write-first")
        if first is not None:
            if self.urgent:
                fcntl.flock(first, fcntl.LOCK_SH)  # held until our write is done
            else:
                try:
                    fcntl.flock(first, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:  # intake has a write pending: wait for it
                    self.gave_way_at = time.monotonic()
                    fcntl.flock(first, fcntl.LOCK_EX)
                fcntl.flock(first, fcntl.LOCK_UN)
        gate = self._fd(".write-lock")
        if gate is not None:
            fcntl.flock(gate, fcntl.LOCK_EX)

    def _release(self) -> None:
        for fd in self._fds.values():
            fcntl.flock(fd, fcntl.LOCK_UN)

    def _fd(self, suffix: str) -> int | None:
        if suffix not in self._fds:
            try:
                self._fds[suffix] = os.open(self.path + suffix,
                                            os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            except OSError:
                return None  # a read-only directory: SQLite's own lock still holds
        return self._fds[suffix]


def intake_busy(engine: Engine, within: float) -> bool:
    """A write of this process had to wait for intake less than `within` seconds ago.

    The pipeline reads it as "a burst is arriving" and pauses between
    batches.  Always False on PostgreSQL (no gate).
    """
    gate = _GATES.get(engine)
    return gate is not None and time.monotonic() - gate.gave_way_at < within


def intake_went_quiet(engine: Engine) -> None:
    """Forget that this process's writes waited for intake: the burst is over.

    `intake_busy` is then False until a write has to give way again.
    """
    gate = _GATES.get(engine)
    if gate is not None:
        gate.gave_way_at = float("-inf")


def prefer_writes(engine: Engine) -> None:
    """This process's writes on `engine` go before those of other processes.

    For `serve`'s intake; a no-op on PostgreSQL, whose row locks need no gate.
    """
    gate = _GATES.get(engine)
    if gate is not None:
        gate.urgent = True


#: The gate of each SQLite engine on a file (none for PostgreSQL or :memory:).
_GATES: weakref.WeakKeyDictionary[Engine, WriteGate] = weakref.WeakKeyDictionary()


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def read_rows(source: Engine | Connection, query: sa.Select[Any], params: dict[str, Any],
              what: str) -> list[Any]:
    """The rows of one read, inside `source`'s transaction when it is a connection.

    A database error becomes a `StoreError` saying what could not be read.
    """
    try:
        if isinstance(source, Connection):
            return list(source.execute(query, params).all())
        with source.connect() as conn:
            return list(conn.execute(query, params).all())
    except exc.DBAPIError as e:
        raise StoreError(f"cannot {what}: {describe(e)}") from None


def describe(error: exc.DBAPIError) -> str:
    """The driver's message for a person: its first line, without SQL.

    A damaged SQLite file says so first: "database disk image is malformed"
    alone does not tell an operator that no retry will help.
    """
    text = str(error.orig).strip() or type(error.orig).__name__
    text = text.splitlines()[0].strip()
    if is_damage(error):
        return f"the database is damaged ({text}); restore it from a backup"
    return text


#: SQLite's primary result codes that mean the file itself is damaged.
_SQLITE_CORRUPT = 11
_SQLITE_NOTADB = 26


def sqlite_code(error: exc.DBAPIError) -> int | None:
    """SQLite's primary result code of the error (None: not from SQLite)."""
    code = getattr(error.orig, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


def is_damage(error: exc.DBAPIError) -> bool:
    """The driver says the database file is damaged (not busy, full or locked)."""
    return sqlite_code(error) in (_SQLITE_CORRUPT, _SQLITE_NOTADB)


def _normalise(url: URL) -> URL:
    if url.drivername in ("postgresql", "postgres"):
        return url.set(drivername="postgresql+psycopg")
    return url


def _shown(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def _sqlite_engine(url: URL) -> Engine:
    database = url.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        try:
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StoreError(f"cannot create the directory for {database}: {e}") from None
    engine = sa.create_engine(url)
    if database and database != ":memory:" and not database.startswith("file:"):
        _GATES[engine] = WriteGate(database)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide where transactions begin.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = FULL")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get(_SQLITE_BEGIN, "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def _postgresql_engine(url: URL) -> Engine:
    # pool_pre_ping: a daemon outlives server restarts; a dead pooled
    # connection is replaced instead of failing the next transaction.
    # A server that does not answer must not hang the start for minutes.
    connect_args = {} if "connect_timeout" in url.query else {"connect_timeout": 10}
    return sa.create_engine(url, pool_pre_ping=True, connect_args=connect_args)
