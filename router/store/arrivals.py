"""Writing arrived messages into `received`: the commit that makes them safe.

(Not named `received.py`: a submodule of that name would replace the
`received` table that `router.store` exports.)

Intake calls :func:`store_received` before it tells a sender "250"; once the
function returns, the message survives a crash (SQLite runs with
``synchronous=FULL``, see :mod:`router.store.engine`).  It is blocking, so
async callers run it in a worker thread.

:func:`store_many` writes several messages in ONE transaction (one fsync):
the SMTP intake's group commit (:class:`router.intake.smtp.GroupCommit`)
collects the messages whose DATA completed while the previous commit was
running and stores them together; each sender gets its 250 only after that
commit.  It stores them with :func:`store_each`: when the database refuses
the transaction for what one row holds rather than for being unreachable,
each message is stored alone, so only the one that cannot be stored fails.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exc
from sqlalchemy.engine import Connection, Engine

from router import states
from router.store.engine import begin_write, describe
from router.store.errors import StoreError
from router.store.schema import received

_INSERT = received.insert().returning(received.c.id, sort_by_parameter_order=True)


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
    return store_many(engine, [Arrival(raw, mail_from, tuple(rcpt_tos), channel, channel_ref,
                                       arrived_at, message_id)])[0]


@dataclass(frozen=True)
class Arrival:
    """One message as it is written to `received` (the arguments of store_received)."""

    raw: bytes
    mail_from: str | None
    rcpt_tos: Sequence[str]
    channel: str
    channel_ref: str | None
    arrived_at: datetime
    message_id: str | None
    helo: str | None = None  # SMTP: the client's HELO/EHLO name


def _row(arrival: Arrival) -> dict[str, Any]:
    raw = arrival.raw
    return {
        "message_id": arrival.message_id,
        "sha256": hashlib.sha256(raw).hexdigest(),
        "raw": raw,
        "size": len(raw),
        "mail_from": arrival.mail_from,
        "rcpt_tos": list(arrival.rcpt_tos),
        "channel": arrival.channel,
        "channel_ref": arrival.channel_ref,
        "helo": _helo(arrival.helo),
        "arrived_at": arrival.arrived_at,
        "state": states.WAITING,
        "attempts": 0,
    }


def _helo(name: str | None) -> str | None:
    """The HELO name as a client gave it, printable ASCII only, at most 255 characters.

    A client writes what it likes there; a NUL byte must not reach the
    database (PostgreSQL refuses it, and with it the whole group commit).
    """
    if name is None:
        return None
    kept = "".join(c for c in name[:255] if "!" <= c <= "~")
    return kept or None


def store_many(engine: Engine, arrivals: Sequence[Arrival]) -> list[int]:
    """Insert the messages in ONE transaction and commit; their ids, in order.

    All or nothing: when it raises :class:`StoreError`, none was stored.
    """
    try:
        return _insert(engine, arrivals)
    except exc.SQLAlchemyError as e:
        raise _store_error(e) from None


#: The database itself failed (unreachable, locked, disk full): storing the
#: messages one by one would only fail as many times.
_DATABASE_FAILED = (exc.OperationalError, exc.InterfaceError, exc.DisconnectionError,
                    exc.TimeoutError, StoreError)


def store_each(engine: Engine, arrivals: Sequence[Arrival]) -> list[int | StoreError]:
    """Store the messages in one transaction, or each alone when a row spoils it.

    Returns, per message in order, its row id or the StoreError that kept it
    from being stored.  A failure of the database as a whole raises
    StoreError for all of them, as `store_many` does.
    """
    try:
        return list(_insert(engine, arrivals))
    except _DATABASE_FAILED as e:
        raise _store_error(e) from None
    except Exception as e:  # noqa: BLE001 - a row the database refused, or our bug
        if len(arrivals) == 1:
            return [_store_error(e)]
    results: list[int | StoreError] = []
    for arrival in arrivals:
        try:
            results.extend(_insert(engine, [arrival]))
        except _DATABASE_FAILED as e:
            raise _store_error(e) from None
        except Exception as e:  # noqa: BLE001 - this one alone cannot be stored
            results.append(_store_error(e))
    return results


def _insert(engine: Engine, arrivals: Sequence[Arrival]) -> list[int]:
    if not arrivals:
        return []
    with begin_write(engine) as conn:
        return insert_arrivals(conn, arrivals)


def _store_error(error: Exception) -> StoreError:
    if isinstance(error, StoreError):
        return error
    if isinstance(error, exc.DBAPIError):
        return StoreError(f"cannot store the message: {describe(error)}")
    return StoreError(f"cannot store the message: {error}")


def insert_arrivals(conn: Connection, arrivals: Sequence[Arrival]) -> list[int]:
    """Insert the rows inside the caller's transaction; their ids, in order.

    The one place that says what a stored message's row holds, for every
    intake (SMTP, IMAP with its UID mark in the same transaction, ingest).
    """
    if not arrivals:
        return []
    ids = [int(row_id) for row_id in
           conn.execute(_INSERT, [_row(arrival) for arrival in arrivals]).scalars()]
    if len(ids) != len(arrivals):  # every supported backend returns the keys
        raise StoreError("cannot store the message: the database returned no id")
    return ids
