"""The intake's group commit: many sessions' messages, one transaction, each its own id."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from router.intake.smtp import GroupCommit, _Arrival
from router.store import StoreError, received

WHEN = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)


def arrival(n: int) -> _Arrival:
    return _Arrival(raw=f"Subject: {n}\r\n\r\nbody {n}\r\n".encode(), mail_from="a@b.example",
                    rcpt_tos=["csba-de2de@amazon.de"], peer="192.0.2.1", arrived_at=WHEN,
                    message_id=f"<{n}@b.example>")


def test_concurrent_messages_are_stored_each_with_its_id(engine: Engine) -> None:
    async def main() -> list[int]:
        committer = GroupCommit.of(engine)
        return await asyncio.gather(*(committer.store(arrival(n)) for n in range(25)))

    ids = asyncio.run(main())
    assert len(set(ids)) == 25
    with engine.connect() as conn:
        stored = dict(conn.execute(sa.select(received.c.id, received.c.message_id)).all())
    assert {stored[row_id] for row_id in ids} == {f"<{n}@b.example>" for n in range(25)}
    assert [stored[row_id] for row_id in ids] == [f"<{n}@b.example>" for n in range(25)]


def test_a_failed_commit_fails_every_message_of_it(engine: Engine,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from router.intake import smtp

    def broken(*_args: object) -> list[int]:
        raise StoreError("cannot store the message: disk full")

    monkeypatch.setattr(smtp, "_store_and_log", broken)

    async def main() -> list[object]:
        committer = GroupCommit.of(engine)
        return await asyncio.gather(*(committer.store(arrival(n)) for n in range(5)),
                                    return_exceptions=True)

    results = asyncio.run(main())
    assert all(isinstance(result, StoreError) for result in results)
    with engine.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(received)) == 0
