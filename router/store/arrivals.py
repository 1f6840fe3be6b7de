"""Writing arrived messages into `received`: the commit that makes them safe.

(Not named `received.py`: a submodule of that name would replace the
`received` table that `router.store` exports.)

Intake calls :func:`store_received` before it tells a sender "250"; once the
function returns, the message survives a crash (SQLite runs with
``synchronous=FULL``, see :mod:`router.store.engine`).  It is blocking, so
async callers run it in a worker thread.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import exc
from sqlalchemy.engine import Engine

from router.store.engine import describe
from router.store.errors import StoreError
from router.store.schema import received


def store_received(
    engine: Engine,
    raw: bytes,
    *,
    mail_from: str | None,
    rcpt_tos: Sequence[str],
    channel: str,
    channel_ref: str | None,
    arrived_at: datetime,
    message_id: str | None,
) -> int:
    """Insert one message in state 'received' and commit; return its id.

    ``mail_from`` is "" for the null sender ``<>`` and None where the envelope
    is unknown.  ``sha256`` and ``size`` describe exactly the stored bytes, so
    a later reader can check that what it acts on is what was accepted.
    Raises :class:`StoreError` (a sentence, no SQL) when nothing was stored.
    """
    row = {
        "message_id": message_id,
        "sha256": hashlib.sha256(raw).hexdigest(),
        "raw": raw,
        "size": len(raw),
        "mail_from": mail_from,
        "rcpt_tos": list(rcpt_tos),
        "channel": channel,
        "channel_ref": channel_ref,
        "arrived_at": arrived_at,
        "state": "received",
        "attempts": 0,
    }
    try:
        with engine.begin() as conn:
            result = conn.execute(received.insert().values(**row))
            (row_id,) = result.inserted_primary_key or (None,)
    except exc.DBAPIError as e:
        raise StoreError(f"cannot store the message: {describe(e)}") from None
    except exc.SQLAlchemyError as e:
        raise StoreError(f"cannot store the message: {e}") from None
    if row_id is None:  # every supported backend returns the key; be loud if not
        raise StoreError("cannot store the message: the database returned no id")
    return int(row_id)
