"""Is the SQLite database sound? A bounded check for `serve` to run at start.

SQLite opens a file with a damaged page and answers queries that do not
touch it, so a daemon on such a file would start, listen, and answer every
sender 451 for as long as it runs.  `check_integrity` runs ``PRAGMA
quick_check`` (every page and b-tree, without the slower index-content
comparison of ``integrity_check``) under a time bound kept by SQLite's
progress handler: a database too large to check in `CHECK_SECONDS` is not
declared damaged, the caller is told the check did not finish.

PostgreSQL keeps its own page checksums and reports damage on the query
that meets it; there is nothing cheap to run at start, so it is not checked.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import exc
from sqlalchemy.engine import Engine

from router.store.engine import is_damage, sqlite_code

#: Longest the start-up check may take before the daemon starts without it.
CHECK_SECONDS = 10.0
#: Problems quick_check lists at most (the first names what is damaged).
_MAX_PROBLEMS = 3
#: SQLite virtual-machine steps between two looks at the clock.
_STEPS = 10_000

Status = Literal["ok", "damaged", "unfinished", "unchecked"]


@dataclass(frozen=True)
class Integrity:
    """The outcome: `status`, and for `damaged` the problems SQLite named."""

    status: Status
    problems: tuple[str, ...] = ()
    seconds: float = 0.0


def check_integrity(engine: Engine, seconds: float = CHECK_SECONDS) -> Integrity:
    """Run SQLite's quick_check for at most `seconds`; PostgreSQL is `unchecked`."""
    if engine.dialect.name != "sqlite":
        return Integrity("unchecked")
    started = time.monotonic()
    deadline = started + seconds
    with engine.connect() as conn:
        driver = conn.connection.driver_connection
        assert isinstance(driver, sqlite3.Connection)
        driver.set_progress_handler(lambda: int(time.monotonic() > deadline), _STEPS)
        try:
            rows = conn.exec_driver_sql(f"PRAGMA quick_check({_MAX_PROBLEMS})").all()
        except exc.DBAPIError as error:
            if sqlite_code(error) == _SQLITE_INTERRUPT:  # the progress handler's doing
                return Integrity("unfinished", seconds=time.monotonic() - started)
            if not is_damage(error):
                raise
            # "database disk image is malformed": too damaged to even list problems
            said = str(error.orig).strip().splitlines() or [type(error.orig).__name__]
            return Integrity("damaged", (said[0],), time.monotonic() - started)
        finally:
            driver.set_progress_handler(None, 0)
    # Each row may hold several lines, the first naming the schema
    # ("*** in database main ***"): one line per problem for a log.
    problems = tuple(line.strip() for row in rows for line in str(row[0]).splitlines()
                     if line.strip() and not line.startswith("***"))
    took = time.monotonic() - started
    if problems == ("ok",):
        return Integrity("ok", seconds=took)
    return Integrity("damaged", problems, took)


#: SQLite's result code of an operation stopped by the progress handler.
_SQLITE_INTERRUPT = 9
