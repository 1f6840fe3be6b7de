"""Per-account IMAP progress in `imap_state`: UIDVALIDITY and the last UID stored.

The mark is a promise: every message of this UIDVALIDITY with a UID up to
``last_uid`` that is still in the folder is already in `received`, so it only
needs moving.  The poller advances it only over UIDs it stored without a gap,
which is why a restart never stores those messages a second time and never
moves one that was not stored.  The mark is written in the same
transaction as the batch it covers (:mod:`router.intake.imap_store`).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import exc
from sqlalchemy.engine import Connection, Engine

from router.store import StoreError, begin_write, imap_state, utcnow
from router.store.engine import describe


@dataclass(frozen=True)
class Mark:
    uidvalidity: int
    last_uid: int


def load_mark(engine: Engine, account: str) -> Mark | None:
    """The stored mark of `account`; None before its first session."""
    try:
        with engine.connect() as conn:
            row = conn.execute(sa.select(imap_state.c.uidvalidity, imap_state.c.last_uid)
                               .where(imap_state.c.account == account)).one_or_none()
    except exc.DBAPIError as e:
        raise StoreError(f"cannot read the IMAP state: {describe(e)}") from None
    return None if row is None else Mark(int(row.uidvalidity), int(row.last_uid))


def save_mark(engine: Engine, account: str, mark: Mark) -> None:
    """Write the mark (insert or update) and commit."""
    try:
        with begin_write(engine) as conn:
            write_mark(conn, account, mark)
    except exc.DBAPIError as e:
        raise StoreError(f"cannot write the IMAP state: {describe(e)}") from None


def write_mark(conn: Connection, account: str, mark: Mark) -> None:
    """Insert or update the mark inside the caller's transaction."""
    values = {"uidvalidity": mark.uidvalidity, "last_uid": mark.last_uid, "updated_at": utcnow()}
    done = conn.execute(imap_state.update().where(imap_state.c.account == account)
                        .values(**values))
    if done.rowcount == 0:
        conn.execute(imap_state.insert().values(account=account, **values))
