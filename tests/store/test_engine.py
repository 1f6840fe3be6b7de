"""open_engine: pragmas, URL handling and readable errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from router.store import StoreError, begin_write, open_engine


def test_sqlite_creates_parent_directory_and_sets_durable_pragmas(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "router.db"
    engine = open_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            pragma = lambda name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
            assert pragma("journal_mode") == "wal"
            assert pragma("synchronous") == 2  # FULL
            assert pragma("foreign_keys") == 1
            assert pragma("busy_timeout") == 10_000
        assert path.exists()
    finally:
        engine.dispose()


def test_sqlite_relative_path_is_relative_to_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    engine = open_engine("sqlite:///./var/router.db")
    engine.dispose()
    assert (tmp_path / "var" / "router.db").exists()


def test_sqlite_ddl_is_transactional(tmp_path: Path) -> None:
    # The driver's legacy mode would autocommit CREATE TABLE; ours rolls back.
    engine = open_engine(f"sqlite:///{tmp_path / 'r.db'}")
    try:
        with engine.connect() as conn:
            with conn.begin() as tx:
                conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
                tx.rollback()
            assert not sa.inspect(conn).has_table("t")
    finally:
        engine.dispose()


def test_begin_write_holds_the_sqlite_write_lock(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    engine = open_engine(url)
    other = sa.create_engine(url, connect_args={"timeout": 0})
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        with begin_write(engine) as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar() == 0
            # Nothing written yet, but the lock is ours: another writer fails.
            with pytest.raises(sa.exc.OperationalError, match="locked"):
                with other.begin() as c2:
                    c2.exec_driver_sql("INSERT INTO t VALUES (1)")
            conn.exec_driver_sql("INSERT INTO t VALUES (2)")
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT x FROM t").scalars().all() == [2]
    finally:
        other.dispose()
        engine.dispose()


@pytest.mark.postgres
def test_postgresql_url_uses_psycopg3(pg_database: str) -> None:
    engine = open_engine(pg_database)
    try:
        assert engine.dialect.name == "postgresql"
        assert engine.dialect.driver == "psycopg"
    finally:
        engine.dispose()


def test_unreachable_postgresql_is_a_store_error() -> None:
    # Port 1 on loopback: nothing listens, the connection is refused at once.
    with pytest.raises(StoreError) as info:
        open_engine("postgresql://csba:secret@127.0.0.1:1/router")
    message = str(info.value)
    assert message.startswith("cannot open database postgresql+psycopg://csba:***@127.0.0.1:1")
    assert "secret" not in message
    assert "\n" not in message


def test_sqlite_under_a_file_is_a_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(StoreError, match="cannot create the directory"):
        open_engine(f"sqlite:///{blocker / 'sub' / 'router.db'}")


def test_sqlite_file_that_is_not_a_database_is_a_store_error(tmp_path: Path) -> None:
    bogus = tmp_path / "router.db"
    bogus.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="cannot open database sqlite:///.*not a database"):
        open_engine(f"sqlite:///{bogus}")


@pytest.mark.parametrize("url", ["mysql://u@h/db", "nonsense", "sqlite+nodriver:///x.db"])
def test_unsupported_or_malformed_url_is_a_store_error(url: str) -> None:
    with pytest.raises(StoreError):
        open_engine(url)
