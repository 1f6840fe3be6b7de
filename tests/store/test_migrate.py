"""Migrations: the hand-written revision matches schema.py on both engines."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Engine

from router.store import (
    StoreError,
    current_revision,
    decisions,
    head_revision,
    metadata,
    open_engine,
    received,
    upgrade,
    utcnow,
)

#: The newest migration shipped; bump it with each new revision file.
LATEST = "0006"


def test_fresh_database_has_no_revision(db_url: str) -> None:
    engine = open_engine(db_url)
    try:
        assert current_revision(engine) is None
    finally:
        engine.dispose()


def test_migrated_database_matches_metadata(engine: Engine) -> None:
    assert current_revision(engine) == head_revision() == LATEST
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []
        tables = set(sa.inspect(conn).get_table_names())
    assert tables == set(metadata.tables) | {"alembic_version"}


def test_upgrade_again_is_a_no_op(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(sa.insert(received), [_received_row()])
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(received)) == 1


def test_database_from_a_newer_version_is_a_store_error(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(StoreError, match="9999.*known revisions end at " + LATEST):
        upgrade(engine)


def test_concurrent_upgrades_all_succeed(db_url: str) -> None:
    # Several processes may start at once on a new database: each must either
    # migrate or find the work done, never fail on "table already exists".
    workers = 4
    engines = [open_engine(db_url) for _ in range(workers)]
    barrier = threading.Barrier(workers)
    errors: list[BaseException] = []

    def run(engine: Engine) -> None:
        try:
            barrier.wait()
            upgrade(engine)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=run, args=(e,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert errors == []
        assert current_revision(engines[0]) == head_revision()
    finally:
        for e in engines:
            e.dispose()


def test_foreign_keys_are_enforced(engine: Engine) -> None:
    row = {
        "received_id": 4242,
        "category": "pre_sale",
        "action": "bounce",
        "rule": "pre_sale",
        "reason": "asks before buying",
        "order_ids": [],
        "evidence": {},
    }
    with pytest.raises(sa.exc.IntegrityError):
        with engine.begin() as conn:
            conn.execute(sa.insert(decisions), [row])


def test_state_values_are_checked(engine: Engine) -> None:
    with pytest.raises(sa.exc.IntegrityError):
        with engine.begin() as conn:
            conn.execute(sa.insert(received), [_received_row(state="shunted")])


def test_json_and_bytes_round_trip(engine: Engine) -> None:
    raw = b"From: a@example.org\r\n\r\n\xff\x00binary"
    with engine.begin() as conn:
        rid = conn.execute(
            sa.insert(received).returning(received.c.id),
            _received_row(raw=raw, rcpt_tos=["csba-de2de@amazon.de", "x@y.z"]),
        ).scalar_one()
        got = conn.execute(sa.select(received).where(received.c.id == rid)).one()
    assert got.raw == raw
    assert got.rcpt_tos == ["csba-de2de@amazon.de", "x@y.z"]
    assert got.attempts == 0
    assert got.state == "received"
    assert got.created_at.tzinfo is not None


def _received_row(**overrides: object) -> dict[str, object]:
    row: dict[str, object] = {
        "message_id": "<a@b>",
        "sha256": "00" * 32,
        "raw": b"x",
        "size": 1,
        "mail_from": "",
        "rcpt_tos": ["csba-de2de@amazon.de"],
        "channel": "smtp",
        "arrived_at": utcnow(),
    }
    row.update(overrides)
    return row


def test_upgrade_from_0001_keeps_data(db_url: str) -> None:
    # A database made by the first release is carried forward, rows intact.
    from alembic import command

    from router.store.migrate import alembic_config

    engine = open_engine(db_url)
    try:
        config = alembic_config()
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "0001")
            conn.exec_driver_sql(
                "INSERT INTO received (sha256, raw, size, rcpt_tos, channel, arrived_at, "
                "state, attempts, created_at) VALUES ('x', 'r', 1, '[]', 'smtp', "
                "'2026-11-01 00:00:00+00:00', 'received', 0, '2026-11-01 00:00:00+00:00')")
        upgrade(engine)
        assert current_revision(engine) == head_revision()
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM received").scalar() == 1
    finally:
        engine.dispose()


def test_upgrade_to_0006_copies_outgoing_with_its_references(db_url: str) -> None:
    # SQLite changes the kind constraint by copying `outgoing`, which a
    # statement's foreign key points at: the rows and the link survive, the
    # new kind `case` is accepted and an unknown kind still refused.
    from alembic import command

    from router.store import outgoing, statements
    from router.store.migrate import alembic_config

    engine = open_engine(db_url)
    try:
        config = alembic_config()
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "0005")
            conn.exec_driver_sql(
                "INSERT INTO outgoing (id, kind, message_id, mail_from, rcpt_tos, raw, state, "
                "attempts, next_try_at, created_at) VALUES (7, 'statement', '<s@x>', 'a@b.c', "
                "'[\"d@e.f\"]', 'r', 'pending', 0, '2026-11-01 00:00:00+00:00', "
                "'2026-11-01 00:00:00+00:00')")
            conn.exec_driver_sql(
                "INSERT INTO statements (seller_id, month, figures, outgoing_id, created_at) "
                "VALUES ('S', '2026-10', '{}', 7, '2026-11-01 00:00:00+00:00')")
        upgrade(engine)
        with engine.connect() as conn:
            assert conn.execute(sa.select(statements.c.outgoing_id)).scalar_one() == 7
            assert conn.execute(sa.select(outgoing.c.kind)).scalar_one() == "statement"
        row = {"kind": "case", "message_id": "<c@x>", "mail_from": "a@b.c",
               "rcpt_tos": ["d@e.f"], "raw": b"r", "state": "pending", "attempts": 0,
               "next_try_at": utcnow(), "created_at": utcnow()}
        with engine.begin() as conn:
            conn.execute(sa.insert(outgoing), [row])
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
            conn.execute(sa.insert(outgoing), [{**row, "kind": "fax", "message_id": "<f@x>"}])
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
            conn.exec_driver_sql("UPDATE statements SET outgoing_id = 99")
    finally:
        engine.dispose()
