"""`db upgrade` / `db current`: the database schema, by Alembic migrations."""

from __future__ import annotations

import argparse
from typing import Any

from router.cli.common import EXIT_OK, add_command, load, open_store


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = add_command(sub, common, "db", "database schema (migrations also run at every start)")
    dbsub = parser.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    upgrade = add_command(dbsub, common, "upgrade", "migrate the database to the current schema")
    upgrade.set_defaults(run=run_upgrade)
    current = add_command(dbsub, common, "current", "print the database's schema revision")
    current.set_defaults(run=run_current)


def run_upgrade(args: argparse.Namespace) -> int:
    from router.store import current_revision

    engine = open_store(load(args))
    print(f"database at revision {current_revision(engine)}")
    return EXIT_OK


def run_current(args: argparse.Namespace) -> int:
    from router.store import current_revision

    engine = open_store(load(args), migrate=False)
    print(current_revision(engine) or "empty (no migrations applied)")
    return EXIT_OK
