"""UTCDateTime stores aware UTC datetimes the same way on both engines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from router.store import imap_state


def _put(engine: Engine, account: str, when: datetime) -> None:
    with engine.begin() as conn:
        conn.execute(
            sa.insert(imap_state),
            {"account": account, "uidvalidity": 1, "last_uid": 2**40, "updated_at": when},
        )


def test_aware_datetimes_come_back_as_utc(engine: Engine) -> None:
    berlin = timezone(timedelta(hours=2))
    when = datetime(2026, 10, 3, 22, 15, 9, 123456, tzinfo=berlin)
    _put(engine, "a", when)
    with engine.connect() as conn:
        got = conn.execute(sa.select(imap_state.c.updated_at, imap_state.c.last_uid)).one()
    assert got.updated_at == when
    assert got.updated_at.tzinfo == UTC
    assert got.updated_at.hour == 20
    assert got.last_uid == 2**40


def test_comparisons_in_sql_use_utc(engine: Engine) -> None:
    # 23:30 at +02:00 is 21:30 UTC: before 22:00 UTC although "later" locally.
    _put(engine, "local", datetime(2026, 10, 3, 23, 30, tzinfo=timezone(timedelta(hours=2))))
    _put(engine, "utc", datetime(2026, 10, 3, 22, 30, tzinfo=UTC))
    cutoff = datetime(2026, 10, 3, 22, 0, tzinfo=UTC)
    with engine.connect() as conn:
        before = conn.scalars(
            sa.select(imap_state.c.account).where(imap_state.c.updated_at < cutoff)
        ).all()
        ordered = conn.scalars(
            sa.select(imap_state.c.account).order_by(imap_state.c.updated_at)
        ).all()
    assert before == ["local"]
    assert ordered == ["local", "utc"]


def test_naive_datetimes_are_refused(engine: Engine) -> None:
    with pytest.raises(sa.exc.StatementError, match="naive"):
        _put(engine, "naive", datetime(2026, 10, 3, 12, 0))
