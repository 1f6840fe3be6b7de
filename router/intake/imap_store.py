"""Store one fetched IMAP batch in `received`, with the account's UID mark, in one commit.

The rows are exactly those :func:`router.store.arrivals.store_received`
writes for SMTP (same columns, sha256 and size of the stored bytes), but a
whole batch goes in one transaction together with the new UID mark:

- a mailbox of thousands drains at the speed of IMAP, not of one durable
  commit per message;
- the rows and the mark are committed together, so after a crash a message
  is either stored and below the mark (only moved later) or neither
  (fetched again): never stored twice, never moved unstored.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exc
from sqlalchemy.engine import Engine

from router.intake.imap_state import Mark, write_mark
from router.store import StoreError, begin_write, received
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
    rows: list[dict[str, Any]] = [{
        "message_id": item.message_id,
        "sha256": hashlib.sha256(item.raw).hexdigest(),
        "raw": item.raw,
        "size": len(item.raw),
        "mail_from": None,  # IMAP carries no envelope; decide reads the headers
        "rcpt_tos": [],
        "channel": "imap",
        "channel_ref": item.channel_ref,
        "arrived_at": item.arrived_at,
        "state": "received",
        "attempts": 0,
    } for item in items]
    try:
        with begin_write(engine) as conn:
            ids: list[int] = []
            if rows:
                result = conn.execute(received.insert().returning(
                    received.c.id, sort_by_parameter_order=True), rows)
                ids = [int(row_id) for row_id in result.scalars()]
            if mark is not None:
                write_mark(conn, account, mark)
    except exc.DBAPIError as e:
        raise StoreError(f"cannot store the messages: {describe(e)}") from None
    except exc.SQLAlchemyError as e:
        raise StoreError(f"cannot store the messages: {e}") from None
    if len(ids) != len(rows):
        raise StoreError("cannot store the messages: the database returned no ids")
    return ids
