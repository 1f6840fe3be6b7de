"""The SQLite write gate: one writer at a time, intake's writes first.

Each `WriteGate` opens its own lock files, so two gates in one process meet
each other exactly as two processes would (flock locks belong to the open
file).  A writer blocked in `flock` is seen in /proc/locks (a "->" line), so
the test waits for that instead of sleeping.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from router.store.engine import WriteGate


def blocked_locks(database: str) -> int:
    """Requests waiting on the gate's two lock files (by inode), from /proc/locks."""
    inodes = {str(os.stat(database + suffix).st_ino) for suffix in (".write-first",
                                                                     ".write-lock")}
    return sum(1 for line in Path("/proc/locks").read_text().splitlines()
               if "->" in line and line.split()[6].rsplit(":", 1)[-1] in inodes)


def wait_blocked(database: str, count: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while blocked_locks(database) < count:
        assert time.monotonic() < deadline, f"{count} blocked writers not seen in /proc/locks"
        time.sleep(0.01)


def test_intake_waiting_goes_before_a_pipeline_writer(tmp_path: Path) -> None:
    database = str(tmp_path / "router.db")
    first, intake, pipeline = WriteGate(database), WriteGate(database), WriteGate(database)
    first.urgent = intake.urgent = True
    order: list[str] = []

    def write(gate: WriteGate, name: str) -> None:
        with gate.held():
            order.append(name)

    with first.held():
        worker = threading.Thread(target=write, args=(pipeline, "pipeline"))
        worker.start()
        wait_blocked(database, 1)  # the pipeline waits: an urgent write is under way
        urgent = threading.Thread(target=write, args=(intake, "intake"))
        urgent.start()
        wait_blocked(database, 2)  # intake waits for the gate itself
        order.append("first")
    worker.join(10)
    urgent.join(10)
    assert order == ["first", "intake", "pipeline"]
    # The pipeline's gate remembers that it gave way (the workers then pause
    # between batches while a burst arrives); intake's never does.
    assert time.monotonic() - pipeline.gave_way_at < 10
    assert intake.gave_way_at == float("-inf")


def test_one_writer_at_a_time_and_reentrant(tmp_path: Path) -> None:
    database = str(tmp_path / "router.db")
    one, two = WriteGate(database), WriteGate(database)
    inside: list[int] = []
    peak: list[int] = []

    def write(gate: WriteGate) -> None:
        for _ in range(50):
            with gate.held(), gate.held():  # nested use in one thread does not deadlock
                inside.append(1)
                peak.append(len(inside))
                inside.pop()

    threads = [threading.Thread(target=write, args=(g,)) for g in (one, two)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert len(peak) == 100
    assert max(peak) == 1


def test_a_lease_write_skips_the_fsync_and_leaves_the_connection_durable(
        tmp_path: Path) -> None:
    """`durable=False` runs at synchronous=NORMAL; the pooled connection is FULL again after."""
    import sqlalchemy as sa

    from router.store import begin_write, open_engine

    engine = open_engine(f"sqlite:///{tmp_path / 'router.db'}")
    engine.pool.dispose()
    try:
        with begin_write(engine, durable=False) as conn:
            inside = conn.exec_driver_sql("PRAGMA synchronous").scalar()
            conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        with engine.connect() as conn:  # the same pooled connection
            after = conn.exec_driver_sql("PRAGMA synchronous").scalar()
            rows = conn.execute(sa.text("SELECT count(*) FROM t")).scalar()
        with begin_write(engine) as conn:
            durable = conn.exec_driver_sql("PRAGMA synchronous").scalar()
    finally:
        engine.dispose()
    assert (inside, after, durable) == (1, 2, 2)  # NORMAL, then FULL, FULL
    assert rows == 0
