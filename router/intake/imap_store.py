"""Store one fetched IMAP batch in `received`, with the account's UID mark, in one commit.

The rows are written by :func:`router.store.arrivals.insert_arrivals`, as
for SMTP (same columns, sha256 and size of the stored bytes), but a whole
batch goes in one transaction together with the new UID mark:

- a mailbox of thousands drains at the speed of IMAP, not of one durable
  commit per message;
- the rows and the mark are committed together, so after a crash a message
  is either stored and below the mark (only moved later) or neither
  (fetched again): never stored twice, never moved unstored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exc
from sqlalchemy.engine import Engine

from router.intake.imap_state import Mark, write_mark
from router.store import StoreError, begin_write
from router.store.arrivals import Arrival, insert_arrivals
from router.store.engine import describe


@dataclass(frozen=True)
class Fetched:
    """One message as fetched, ready to store."""

    uid: int
    raw: bytes
    arrived_at: datetime
    message_id: str | None
    channel_ref: str


def store_batch(engine: Engine, account: str, items: Sequence[Fetched],
                mark: Mark | None) -> list[int]:
    """Insert the batch (and write `mark`, when given) in one commit; the new ids in order."""
    # IMAP carries no envelope: decide reads the headers and the account's region.
    arrivals = [Arrival(item.raw, None, (), "imap", item.channel_ref, item.arrived_at,
                        item.message_id) for item in items]
    try:
        with begin_write(engine) as conn:
            ids = insert_arrivals(conn, arrivals)
            if mark is not None:
                write_mark(conn, account, mark)
    except exc.DBAPIError as e:
        raise StoreError(f"cannot store the messages: {describe(e)}") from None
    except exc.SQLAlchemyError as e:
        raise StoreError(f"cannot store the messages: {e}") from None
    return ids
