"""Claiming waiting messages: oldest first, worn-out ones set aside, cheap with a backlog."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from router.pipeline.claims import MAX_ATTEMPTS, abandon, claim
from router.store import open_engine, received, upgrade
from router.store.arrivals import store_received

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
LEASE = timedelta(seconds=60)


def add(engine: Engine, count: int) -> list[int]:
    return [store_received(engine, b"Subject: x\r\n\r\nbody\r\n", mail_from="a@b",
                           rcpt_tos=["csba-de2de@amazon.de"], channel="smtp",
                           channel_ref=None, arrived_at=NOW, message_id=None)
            for _ in range(count)]


def wear_out(engine: Engine, ids: list[int]) -> None:
    with engine.begin() as conn:
        conn.execute(received.update().where(received.c.id.in_(ids)).values(
            attempts=MAX_ATTEMPTS))


def state_of(engine: Engine, row_id: int) -> str:
    with engine.connect() as conn:
        return str(conn.execute(sa.select(received.c.state).where(
            received.c.id == row_id)).scalar_one())


def test_oldest_first_and_leased_rows_skipped(engine: Engine) -> None:
    ids = add(engine, 5)
    assert claim(engine, "a", NOW, LEASE, limit=2) == ids[:2]
    assert claim(engine, "b", NOW, LEASE, limit=10) == ids[2:]
    assert claim(engine, "c", NOW, LEASE, limit=10) == []
    assert claim(engine, "c", NOW + 2 * LEASE, LEASE, limit=1) == ids[:1]  # expired lease


def test_worn_out_head_is_failed_and_the_claim_looks_behind_it(engine: Engine) -> None:
    ids = add(engine, 4)
    wear_out(engine, ids[:3])  # more than one claim's worth at the head of the queue
    assert claim(engine, "a", NOW, LEASE, limit=2) == ids[3:]
    assert [state_of(engine, i) for i in ids] == ["failed"] * 3 + ["received"]
    with engine.connect() as conn:
        errors = conn.execute(sa.select(received.c.last_error).where(
            received.c.id.in_(ids[:3]))).scalars().all()
    assert errors == ["processing was interrupted 3 times"] * 3


def test_only_id_claims_that_message(engine: Engine) -> None:
    ids = add(engine, 3)
    assert claim(engine, "a", NOW, LEASE, only_id=ids[1]) == [ids[1]]
    assert claim(engine, "a", NOW, LEASE) == [ids[0], ids[2]]


def test_sqlite_claim_reads_the_state_id_index(tmp_path: Path) -> None:
    """The plan, not a timing: the claim's query walks (state, id) without sorting.

    SQLite only: PostgreSQL's planner choice depends on table statistics.
    """
    from router.pipeline.claims import _claimable

    engine = open_engine(f"sqlite:///{tmp_path / 'router.db'}")
    upgrade(engine)

    query = sa.select(received.c.id, received.c.attempts).where(
        _claimable(NOW)).order_by(received.c.id).limit(10)
    sql = str(query.compile(engine, compile_kwargs={"literal_binds": True}))
    with engine.connect() as conn:
        plan = " ".join(str(row[-1]) for row in conn.exec_driver_sql(
            f"EXPLAIN QUERY PLAN {sql}"))
    engine.dispose()
    assert "ix_received_state_id" in plan
    assert "TEMP B-TREE" not in plan


def test_abandon_fails_the_stuck_message_and_gives_back_its_batch_mates(engine: Engine) -> None:
    ids = add(engine, 5)
    assert claim(engine, "stuck", NOW, LEASE, limit=4) == ids[:4]
    assert claim(engine, "other", NOW, LEASE, limit=4) == ids[4:]
    released = abandon(engine, "stuck", ids[1], "deciding took longer than 1s")
    assert sorted(released) == [ids[0], ids[2], ids[3]]
    with engine.connect() as conn:
        found = {r.id: (r.state, r.lease_owner, r.attempts, r.last_error) for r in conn.execute(
            sa.select(received.c.id, received.c.state, received.c.lease_owner,
                      received.c.attempts, received.c.last_error))}
    assert found[ids[1]] == ("failed", None, 1, "deciding took longer than 1s")
    for mate in released:  # claimable at once, their claim not counted
        assert found[mate] == ("received", None, 0, None)
    assert found[ids[4]] == ("received", "other", 1, None)  # another worker's: untouched
    assert claim(engine, "next", NOW, LEASE, limit=10) == released
