"""The start-up integrity check on a sound database: ok, bounded, PostgreSQL unchecked."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from router.store.arrivals import Arrival, store_many
from router.store.integrity import check_integrity


def fill(engine: Engine, count: int) -> None:
    now = datetime.now(UTC)
    store_many(engine, [Arrival(b"Subject: x\r\n\r\n" + b"y" * 2000, "a@example.org",
                                ("csba-de2de@amazon.de",), "smtp", None, now, f"<{n}@x>")
                        for n in range(count)])


def test_a_sound_database_is_ok(engine: Engine) -> None:
    fill(engine, 20)
    result = check_integrity(engine)
    expected = "ok" if engine.dialect.name == "sqlite" else "unchecked"
    assert (result.status, result.problems) == (expected, ())


def test_the_check_stops_at_its_time_bound(engine: Engine) -> None:
    fill(engine, 500)
    result = check_integrity(engine, seconds=0.0)
    expected = "unfinished" if engine.dialect.name == "sqlite" else "unchecked"
    assert result.status == expected
    # The connection goes back to the pool usable: the handler is removed.
    assert check_integrity(engine).status in ("ok", "unchecked")
