"""The batch store and the UID mark, on SQLite and PostgreSQL; UID sets and batches."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from router.intake.imap_state import Mark, load_mark, save_mark
from router.intake.imap_store import Fetched, store_batch
from router.intake.imap_uids import batches, uid_set
from router.store import StoreError, received

WHEN = datetime(2026, 11, 3, 8, 30, tzinfo=UTC)


def fetched(uid: int, raw: bytes | None = None) -> Fetched:
    body = raw if raw is not None else f"Message-ID: <{uid}@x>\r\n\r\nhi\r\n".encode()
    return Fetched(uid=uid, raw=body, arrived_at=WHEN, message_id=f"<{uid}@x>",
                   channel_ref=f"box:7:{uid}")


def stored(engine: Engine) -> list[sa.Row]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(received).order_by(received.c.id)))


def test_a_batch_and_its_mark_commit_together(engine: Engine) -> None:
    assert load_mark(engine, "box") is None
    save_mark(engine, "box", Mark(7, 0))
    ids = store_batch(engine, "box", [fetched(1), fetched(2), fetched(3)], Mark(7, 3))
    rows = stored(engine)
    assert ids == [r.id for r in rows] and ids == sorted(ids)
    assert [r.channel_ref for r in rows] == ["box:7:1", "box:7:2", "box:7:3"]
    first = rows[0]
    assert (first.channel, first.mail_from, first.rcpt_tos, first.state) == (
        "imap", None, [], "received")
    assert first.size == len(first.raw) and first.arrived_at == WHEN
    assert load_mark(engine, "box") == Mark(7, 3)


def test_a_failed_batch_leaves_neither_rows_nor_mark(engine: Engine) -> None:
    save_mark(engine, "box", Mark(7, 1))
    # The rows go in first; writing the mark then fails (no account name).
    with pytest.raises(StoreError):
        store_batch(engine, None, [fetched(2), fetched(3)], Mark(7, 3))  # type: ignore[arg-type]
    assert stored(engine) == []
    assert load_mark(engine, "box") == Mark(7, 1)


def test_marks_are_per_account(engine: Engine) -> None:
    save_mark(engine, "a", Mark(1, 5))
    save_mark(engine, "b", Mark(2, 9))
    save_mark(engine, "a", Mark(3, 0))  # a new UIDVALIDITY starts again from 0
    assert (load_mark(engine, "a"), load_mark(engine, "b")) == (Mark(3, 0), Mark(2, 9))


def test_uid_sets_cover_only_listed_uids() -> None:
    assert uid_set([7, 1, 2, 3, 10, 9]) == "1:3,7,9:10"
    assert uid_set([5]) == "5" and uid_set([]) == ""


def test_batches_are_bounded_in_count_and_bytes() -> None:
    assert list(batches(range(1, 8), {}, count=3)) == [[1, 2, 3], [4, 5, 6], [7]]
    sizes = {2: 900, 3: 900}
    assert list(batches([1, 2, 3, 4], sizes, count=10, max_bytes=1000)) == [
        [1, 2], [3, 4]]
    assert list(batches([1], {1: 5000}, max_bytes=1000)) == [[1]]  # alone, but fetched
