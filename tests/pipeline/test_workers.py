"""`serve`'s pipeline processes: how many, restarted when one dies, gone with the parent."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

from tests.intake.routerproc import WAIT, Router, config_text, free_port


def alive(pid: int) -> bool:
    """The process exists and is no zombie (a zombie's parent has not reaped it yet)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def until(done: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, f"not within {timeout}s: {what}"
        time.sleep(0.05)


def ready(router: Router, pids: set[int]) -> None:
    """Wait until every child in `pids` has started its loops (its delivery_started line)."""
    def started() -> set[int]:
        return {int(r["owner"].rsplit(":", 1)[1]) for r in router.records("delivery_started")}

    while not pids <= started():
        router.expect("delivery_started")  # the next one, within the deadline


def start(tmp_path: Path, workers: int) -> Router:
    port = free_port()
    config = tmp_path / "router.yaml"
    config.write_text(config_text(tmp_path, port, extra={
        r"data_dir: .*": f"data_dir: {tmp_path / 'var'}\n  workers: {workers}"}),
        encoding="utf-8")
    router = Router(config, port, args=())
    router.expect("listening")
    return router


def test_workers_setting_starts_that_many_children(tmp_path: Path) -> None:
    router = start(tmp_path, workers=3)
    try:
        pids = {router.expect("worker_started")["pid"] for _ in range(3)}
        assert len(pids) == 3
        assert set(router.descendants()) == pids
        ready(router, pids)
        router.signal(signal.SIGTERM)
        assert router.wait() == 0
        assert not any(alive(pid) for pid in pids)
    finally:
        router.close()


def test_a_child_that_dies_is_started_again(tmp_path: Path) -> None:
    router = start(tmp_path, workers=2)
    try:
        first = {router.expect("worker_started")["pid"] for _ in range(2)}
        victim = min(first)
        os.kill(victim, signal.SIGKILL)
        exited = router.expect("worker_exited", where=lambda r: r["pid"] == victim)
        assert exited["exitcode"] == -signal.SIGKILL
        fresh = router.expect("worker_started", timeout=WAIT + 5)["pid"]
        assert fresh not in first
        until(lambda: set(router.descendants()) == (first - {victim}) | {fresh},
              "the survivor and the new child are the only children")
    finally:
        router.close()


def test_children_end_when_the_parent_is_killed(tmp_path: Path) -> None:
    """No orphan keeps deciding: the pipe from the parent closes with it."""
    router = start(tmp_path, workers=2)
    try:
        pids = {router.expect("worker_started")["pid"] for _ in range(2)}
        ready(router, pids)  # running and reading their pipe, not still importing
        router.proc.kill()
        router.proc.wait(WAIT)
        until(lambda: not any(alive(pid) for pid in pids), "the children have exited")
    finally:
        router.close()
