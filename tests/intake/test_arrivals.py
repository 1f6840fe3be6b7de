"""store_received on each database engine (fixtures from tests/conftest.py)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from router.store import StoreError, received
from router.store.arrivals import store_received

RAW = b"Subject: x\r\n\r\n\xff binary-safe body\r\n"
WHEN = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)


def store(engine: Engine, **changes: object) -> int:
    values: dict[str, object] = dict(
        mail_from="", rcpt_tos=["csba-de2de@amazon.de"], channel="smtp",
        channel_ref="192.0.2.1", arrived_at=WHEN, message_id="<m@x>",
    )
    values.update(changes)
    return store_received(engine, RAW, **values)  # type: ignore[arg-type]


def test_stores_one_committed_row(engine: Engine) -> None:
    first, second = store(engine), store(engine, message_id=None)
    assert second > first
    with engine.connect() as conn:
        row = conn.execute(sa.select(received).where(received.c.id == first)).one()
    assert row.raw == RAW and row.size == len(RAW)
    assert row.sha256 == hashlib.sha256(RAW).hexdigest()
    assert (row.mail_from, row.rcpt_tos, row.state, row.attempts) == (
        "", ["csba-de2de@amazon.de"], "received", 0)
    assert row.arrived_at == WHEN and row.message_id == "<m@x>"


def test_failure_is_a_store_error_and_nothing_is_stored(engine: Engine) -> None:
    with pytest.raises(StoreError, match="cannot store the message"):
        store(engine, channel="carrier-pigeon")  # refused by the CHECK constraint
    with engine.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(received)) == 0
