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


# --- one message the database refuses (issue 12) -------------------------------

POISON = "<poison@b.example>"


def poison_trigger(engine: Engine) -> None:
    """A real database refusing one row: a trigger on `received` for one Message-ID."""
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql(
                "CREATE TRIGGER poison BEFORE INSERT ON received "
                f"WHEN NEW.message_id = '{POISON}' BEGIN SELECT RAISE(ABORT, 'poisoned'); END")
        else:
            conn.exec_driver_sql(
                "CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"IF NEW.message_id = '{POISON}' THEN RAISE EXCEPTION 'poisoned'; END IF; "
                "RETURN NEW; END $$")
            conn.exec_driver_sql("CREATE TRIGGER poison BEFORE INSERT ON received "
                                 "FOR EACH ROW EXECUTE FUNCTION poison()")


def store_together(engine: Engine, arrivals: list[_Arrival]) -> list[object]:
    """All of them handed over before the committer runs: one batch."""
    async def main() -> list[object]:
        committer = GroupCommit.of(engine)
        return await asyncio.gather(*(committer.store(a) for a in arrivals),
                                    return_exceptions=True)
    return asyncio.run(main())


def stored_ids(engine: Engine) -> dict[int, str | None]:
    with engine.connect() as conn:
        return dict(conn.execute(sa.select(received.c.id, received.c.message_id)).all())


def test_a_message_the_database_refuses_fails_alone(engine: Engine) -> None:
    poison_trigger(engine)
    batch = [arrival(n) for n in range(12)]
    batch[5] = _Arrival(**{**vars(batch[5]), "message_id": POISON})
    results = store_together(engine, batch)
    assert isinstance(results[5], StoreError) and "poisoned" in str(results[5])
    ids = [r for r in results if not isinstance(r, BaseException)]
    assert len(ids) == 11
    assert stored_ids(engine) == {row_id: batch[i].message_id
                                  for i, row_id in enumerate(results) if i != 5}


def test_nul_in_a_text_column_fails_only_its_own_message(engine: Engine) -> None:
    # Intake refuses NUL in the sender and drops such a Message-ID; this is
    # the store's own guard.  PostgreSQL text cannot hold NUL, SQLite can.
    batch = [arrival(n) for n in range(8)]
    batch[2] = _Arrival(**{**vars(batch[2]), "mail_from": "a\x00b@b.example"})
    batch[6] = _Arrival(**{**vars(batch[6]), "message_id": "<a\x00b@b.example>"})
    results = store_together(engine, batch)
    others = [r for i, r in enumerate(results) if i not in (2, 6)]
    assert all(isinstance(r, int) for r in others), results
    if engine.dialect.name == "postgresql":
        assert isinstance(results[2], StoreError) and isinstance(results[6], StoreError)
        assert "NUL" in str(results[2])
    assert len(stored_ids(engine)) == sum(isinstance(r, int) for r in results)


def test_a_database_that_fails_as_a_whole_fails_everyone_at_once(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE received RENAME TO received_away")
    results = store_together(engine, [arrival(n) for n in range(4)])
    assert all(isinstance(r, StoreError) for r in results)
