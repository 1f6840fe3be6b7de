"""Database fixtures: every storage test runs on SQLite and on PostgreSQL.

PostgreSQL is the machine's server (127.0.0.1:5432, user postgres, trust
auth).  The session creates one throwaway database and drops it at the end;
each test gets its own schema inside it (fast, and tests never see each
other's rows).  Without a reachable server the PostgreSQL tests are skipped,
except under CI (env ``CI`` set), where they fail: CI must not pass by
skipping.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import Engine

from router.store import open_engine, upgrade

PG_SERVER = os.environ.get("CSBA_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def _admin_connect() -> psycopg.Connection:
    return psycopg.connect(PG_SERVER, autocommit=True, connect_timeout=5)


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """Conninfo URL of a fresh database for this test session."""
    try:
        admin = _admin_connect()
    except psycopg.Error as e:
        reason = f"PostgreSQL not reachable at {PG_SERVER}: {str(e).strip().splitlines()[0]}"
        if os.environ.get("CI"):
            pytest.fail(reason + " (CI is set: PostgreSQL tests must run)")
        pytest.skip(reason)
    name = f"csba_test_{uuid.uuid4().hex[:12]}"
    with admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield PG_SERVER.rsplit("/", 1)[0] + "/" + name
    finally:
        with _admin_connect() as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


def _pg_schema_url(database_url: str) -> str:
    """A URL whose connections see only a new, empty schema."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    return f"{database_url}?options=-csearch_path%3D{schema}"


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """URL of an empty database, on each engine in turn."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'db' / 'router.db'}"
    return _pg_schema_url(request.getfixturevalue("pg_database"))


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on a migrated (head) empty database."""
    eng = open_engine(db_url)
    upgrade(eng)
    try:
        yield eng
    finally:
        eng.dispose()
