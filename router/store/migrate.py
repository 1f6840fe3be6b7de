"""Bringing a database to the current schema, safely from several processes.

Alembic is configured in code (no alembic.ini at runtime).  ``upgrade`` runs
every pending migration in ONE transaction on a connection it owns, so a
failure leaves the database as it was.  Concurrent starters are serialised:
on PostgreSQL by a session advisory lock, on SQLite by ``BEGIN IMMEDIATE``
(the write lock, waited for through the busy timeout); the second process
then finds the database at head and does nothing.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from alembic.util import CommandError
from sqlalchemy import exc
from sqlalchemy.engine import Engine

from router.store.engine import describe
from router.store.errors import StoreError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# Any constant shared by all csba-router processes; "csba" in ASCII.
_PG_LOCK_KEY = 0x63736261


def alembic_config() -> Config:
    """An Alembic config pointing at the packaged migration scripts."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    """The newest revision this code knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "no migration scripts found"
    return head


def upgrade(engine: Engine) -> None:
    """Migrate the database to head; a no-op when it is already there."""
    config = alembic_config()
    postgres = engine.dialect.name == "postgresql"
    try:
        with engine.connect() as conn:
            if postgres:
                conn.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": _PG_LOCK_KEY})
                conn.commit()
            else:
                _sqlite_foreign_keys(conn, on=False)
            try:
                conn.execution_options(sqlite_begin="IMMEDIATE")
                with conn.begin():
                    config.attributes["connection"] = conn
                    command.upgrade(config, "head")
                    if not postgres:
                        _check_foreign_keys(conn)
            finally:
                if not postgres:
                    _sqlite_foreign_keys(conn, on=True)
                if postgres:
                    conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_LOCK_KEY})
                    conn.commit()
    except exc.DBAPIError as e:
        raise StoreError(f"cannot migrate the database: {describe(e)}") from None
    except (CommandError, RevisionError) as e:
        # Typically a database migrated by a newer csba-router than this one.
        raise StoreError(
            f"cannot migrate the database: {e} (known revisions end at {head_revision()})"
        ) from None


def _sqlite_foreign_keys(conn: sa.Connection, *, on: bool) -> None:
    """Foreign keys on or off for this SQLite connection (outside a transaction).

    SQLite changes a table's constraints by copying it and dropping the old
    one, which a foreign key pointing at it forbids; its documented
    procedure turns them off during the change and checks them before the
    commit (`_check_foreign_keys`).
    """
    driver = conn.connection.driver_connection
    assert driver is not None
    driver.execute(f"PRAGMA foreign_keys = {'ON' if on else 'OFF'}")


def _check_foreign_keys(conn: sa.Connection) -> None:
    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise StoreError(f"the migration left {len(broken)} broken foreign key(s), first: "
                         f"{tuple(broken[0])}; nothing was changed")


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at; None for a database never migrated."""
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    except exc.DBAPIError as e:
        raise StoreError(f"cannot read the schema version: {describe(e)}") from None
