"""A real `csba-router serve` process for intake tests, and its config.

Tests talk to it over real SMTP (smtplib) and read what it stored from its
database.  Readiness and every later step are awaited by reading its JSON
log lines from stderr (each wait has a deadline), never by sleeping.
"""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from router.store import open_engine, received

REPO = Path(__file__).resolve().parents[2]
#: Seconds to wait for one step: generous for a loaded machine (a daemon's pipeline
#: processes took over 15 s to start beside other tests), never reached when all is well.
WAIT = 60.0

LIMIT = 10_000  # max_message_size of the test config, in bytes
MAX_RCPT = 2
# A third address, so that "too many recipients" can be reached with valid ones.
EXTRA_REGION = {"uk2de": "csba-uk2de@amazon.de"}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def config_text(
    directory: Path,
    port: int,
    *,
    regions: dict[str, str] | None = None,
    extra: dict[str, str] | None = None,
    storage: str | None = None,
) -> str:
    """config/router.yaml with the test's port, storage, limits and regions.

    `storage` is a database URL (a PostgreSQL schema from tests/conftest.py);
    default: SQLite in `directory`.
    """
    text = (REPO / "config" / "router.yaml").read_text(encoding="utf-8")
    replacements = {
        r"listen: 127\.0\.0\.1:2525": f"listen: 127.0.0.1:{port}",
        r"data_dir: \./var": f"data_dir: {directory / 'var'}",
        r"url: sqlite:///\./var/router\.db":
            f"url: {storage or 'sqlite:///' + str(directory / 'router.db')}",
        r"max_message_size: 25MB": f"max_message_size: {LIMIT}",
        r"max_recipients: 10": f"max_recipients: {MAX_RCPT}",
        r"transport: maildir://\./var/outbox": f"transport: maildir://{directory / 'outbox'}",
    }
    replacements.update(extra or {})
    for pattern, new in replacements.items():
        text, count = re.subn(pattern, lambda _m, new=new: new, text)
        assert count == 1, f"config/router.yaml changed: {pattern!r} found {count} times"
    block = "".join(
        f"  {name}:\n    address: {address}\n    marketplace: amazon.de\n"
        f"    forward_to: csba-team-{name}@example.internal\n"
        for name, address in (regions or {}).items()
    )
    text, count = re.subn(r"(?m)^regions:.*\n", lambda m: m.group(0) + block, text)
    assert count == 1
    return text


class Router:
    """One `csba-router serve` subprocess and the log lines it wrote."""

    def __init__(self, config: Path, port: int, args: tuple[str, ...] = ("--intake-only",),
                 storage: str | None = None) -> None:
        env = {k: v for k, v in os.environ.items() if k != "CSBA_ROUTER_CONFIG"}
        self.config = config
        self.port = port
        self.storage = storage or f"sqlite:///{config.parent / 'router.db'}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "router", "--config", str(config), "serve", *args],
            cwd=config.parent, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, text=True,
        )
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line)
            self._queue.put(line)
        self._queue.put(None)

    def expect(self, event: str, where: Callable[[dict[str, Any]], bool] = lambda r: True,
               timeout: float = WAIT) -> dict[str, Any]:
        """The next log record with this event (and condition); fail at the deadline."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            try:
                line = self._queue.get(timeout=max(left, 0.0))
            except queue.Empty:
                pytest.fail(f"no {event!r} log line within {timeout}s; log:\n{self.log}")
            if line is None:
                pytest.fail(f"router exited ({self.proc.wait()}) before {event!r}:\n{self.log}")
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if record.get("event") == event and where(record):
                return record

    @property
    def log(self) -> str:
        return "".join(self.lines)

    @property
    def db(self) -> sa.Engine:
        return open_engine(self.storage)

    def row(self, row_id: int) -> Any:
        engine = self.db
        try:
            with engine.connect() as conn:
                return conn.execute(sa.select(received).where(received.c.id == row_id)).one()
        finally:
            engine.dispose()

    def count(self) -> int:
        engine = self.db
        try:
            with engine.connect() as conn:
                return int(conn.scalar(sa.select(sa.func.count()).select_from(received)) or 0)
        finally:
            engine.dispose()

    def signal(self, signum: int) -> None:
        self.proc.send_signal(signum)

    def records(self, event: str) -> list[dict[str, Any]]:
        """Every log record of this event so far (those already read from stderr)."""
        found = []
        for line in list(self.lines):
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict) and record.get("event") == event:
                found.append(record)
        return found

    def descendants(self) -> list[int]:
        """Pids of the processes this router started (its pipeline children), from /proc."""
        found: list[int] = []
        todo = [self.proc.pid]
        while todo:
            parent = todo.pop()
            try:
                tasks = list(Path(f"/proc/{parent}/task").iterdir())
            except OSError:  # gone meanwhile
                continue
            for task in tasks:
                try:
                    children = (task / "children").read_text().split()
                except OSError:
                    continue
                for child in map(int, children):
                    if child not in found:
                        found.append(child)
                        todo.append(child)
        return found

    def kill_main(self, timeout: float = WAIT) -> list[int]:
        """SIGKILL the main `serve` process only, as `kill -9 PID` does.

        Its pipeline children see their pipe close and stop as on SIGTERM:
        the batch in hand is finished.  Returns their pids once every process
        is gone (the log reached its end).
        """
        children = self.descendants()
        assert children, f"the router has no pipeline process:\n{self.log}"
        self.proc.kill()
        self._all_ended(timeout)
        return children

    def kill_all(self, timeout: float = WAIT) -> list[int]:
        """SIGKILL the daemon and every process it started, as a power cut would.

        `proc.kill()` alone ends only the main process: its pipeline children
        see their pipe close and stop gracefully (finishing the batch in
        hand), which is no crash for them.  Here they die where they stand,
        mid-decision or mid-delivery.  Returns the children's pids once every
        process is gone: each held this router's stderr, so the log reaching
        its end proves it.
        """
        children = self.descendants()
        assert children, f"the router has no pipeline process to kill:\n{self.log}"
        for pid in children:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.kill()
        self._all_ended(timeout)
        return children

    def _all_ended(self, timeout: float) -> None:
        """Wait for the main process and for the end of the log (every process gone)."""
        self.proc.wait(timeout)
        self._reader.join(timeout)
        if self._reader.is_alive():
            pytest.fail(f"a process of the killed router still writes its log:\n{self.log}")

    def wait(self, timeout: float = WAIT) -> int:
        code = self.proc.wait(timeout)
        self._reader.join(timeout)
        return code

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(WAIT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def launch(directory: Path, port: int, args: tuple[str, ...] = ("--intake-only",),
           **options: Any) -> Router:
    """Write a config into `directory` and start a router on it.

    Intake tests run `--intake-only`, so they see messages exactly as stored;
    the pipeline tests pass `args=()` for the whole daemon.
    """
    directory.mkdir(exist_ok=True)
    config = directory / "router.yaml"
    config.write_text(config_text(directory, port, **options), encoding="utf-8")
    return Router(config, port, args, options.get("storage"))
