"""SMTP sessions during a SIGHUP reload of a large config, beside a quiet run.

Usage:  .venv/bin/python bench/abuse_reload.py [--sellers N] [--workers W] [--keep]

`csba-router serve` (the whole daemon, W pipeline processes, SQLite in a
temporary directory) starts on config/router.yaml's content; the config
file is then rewritten with N more sellers (20,000 by default, each with
its own address).  One SMTP session sends NOOP after NOOP, one at a time,
and the latency of each is recorded:

1. quiet: for as long as the reload below takes (at least 2 s), no reload;
2. reload: from the SIGHUP until the daemon logs "reloaded" (the main
   process's line: the new config is in use by new sessions).

Printed side by side: NOOPs answered, the median and the worst latency;
then how long the reload took (SIGHUP to "reloaded"), and `load_config`
of the same file in this process (what the reload's thread spends).
`reload_noop_latency()` is the measurement, for bench/abuse.py to fold in.

For the figure before a change, run the same script with the old code
first on the path, e.g. a worktree of main:
``PYTHONPATH=/path/to/main-worktree .venv/bin/python bench/abuse_reload.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import smtplib
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.append(str(REPO))  # after PYTHONPATH: an old tree there is measured

from tests.intake.routerproc import config_text, free_port  # noqa: E402
from tests.intake.test_reload import with_sellers  # noqa: E402

START_TIMEOUT = 120.0
RELOAD_TIMEOUT = 600.0
QUIET_MINIMUM = 2.0  # seconds of quiet NOOPs at least


@dataclass(frozen=True)
class Latencies:
    """NOOP round trips of one run, in seconds."""

    samples: tuple[float, ...]

    @property
    def worst(self) -> float:
        return max(self.samples) if self.samples else float("nan")

    @property
    def median(self) -> float:
        return statistics.median(self.samples) if self.samples else float("nan")


@dataclass(frozen=True)
class ReloadFigures:
    quiet: Latencies
    reload: Latencies
    reload_seconds: float  # SIGHUP to "reloaded"
    load_config_seconds: float  # load_config of the same file in this process
    sellers: int


class Serve:
    """A `serve` subprocess whose JSON log lines are read as they come."""

    def __init__(self, config: Path, workers: int) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "router", "--config", str(config), "serve"],
            cwd=config.parent, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, text=True,
            env={k: v for k, v in os.environ.items() if k != "CSBA_ROUTER_CONFIG"})
        self.workers = workers
        self.events: list[dict[str, object]] = []
        self._changed = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            try:
                record = json.loads(line)
            except ValueError:
                sys.stderr.write(line)
                continue
            with self._changed:
                self.events.append(record)
                self._changed.notify_all()
        with self._changed:
            self.events.append({"event": "exited"})
            self._changed.notify_all()

    def count(self, event: str, **fields: object) -> int:
        with self._changed:
            return sum(1 for r in self.events if r.get("event") == event
                       and all(r.get(k) == v for k, v in fields.items()))

    def wait_for(self, what: str, done: Callable[[], bool], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not done():
                if any(r.get("event") == "exited" for r in self.events):
                    raise SystemExit(f"abuse_reload: serve exited while waiting for {what}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise SystemExit(f"abuse_reload: no {what} within {timeout:.0f}s")
                self._changed.wait(left)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def session(port: int) -> smtplib.SMTP:
    """An SMTP session past EHLO, opened before the measurement starts."""
    client = smtplib.SMTP("127.0.0.1", port, timeout=RELOAD_TIMEOUT)
    client.ehlo("bench.example")
    return client


def noops(client: smtplib.SMTP, until: threading.Event, out: list[Latencies]) -> None:
    """NOOP after NOOP until `until` is set; each round trip goes to `out`."""
    samples: list[float] = []
    while not until.is_set():
        began = time.perf_counter()
        code, _ = client.noop()
        samples.append(time.perf_counter() - began)
        if code != 250:
            raise SystemExit(f"abuse_reload: NOOP answered {code}")
    out.append(Latencies(tuple(samples)))


def measure(port: int, during: Callable[[], None]) -> Latencies:
    """The NOOP latencies on a fresh session while `during()` runs (in this thread)."""
    out: list[Latencies] = []
    stop = threading.Event()
    with session(port) as client:
        thread = threading.Thread(target=noops, args=(client, stop, out))
        thread.start()
        try:
            during()
        finally:
            stop.set()
            thread.join()
    if not out:
        raise SystemExit("abuse_reload: the NOOP session failed")
    return out[0]


def reload_noop_latency(sellers: int = 20_000, workers: int = 2,
                        keep: bool = False) -> ReloadFigures:
    """Worst NOOP latency during a SIGHUP reload of `sellers` sellers, and quiet."""
    from router.config import load_config

    directory = Path(tempfile.mkdtemp(prefix="abuse-reload-"))
    try:
        port = free_port()
        config = directory / "router.yaml"
        small = config_text(directory, port, extra={
            r"(?m)^instance:$": f"instance:\n  workers: {workers}"})
        config.write_text(small, encoding="utf-8")
        serve = Serve(config, workers)
        try:
            serve.wait_for("start", lambda: serve.count("listening") == 1
                           and serve.count("delivery_started") >= workers, START_TIMEOUT)
            big = with_sellers(small, sellers)
            config.write_text(big, encoding="utf-8")
            began = time.perf_counter()
            load_config(config)
            load_seconds = time.perf_counter() - began

            timing: dict[str, float] = {}

            def reload() -> None:
                began = time.perf_counter()
                serve.proc.send_signal(signal.SIGHUP)
                serve.wait_for('"reloaded"', lambda: serve.count("reloaded", stage=None) >= 1,
                               RELOAD_TIMEOUT)
                timing["reload"] = time.perf_counter() - began

            during_reload = measure(port, reload)
            # The pipeline processes reload from the same file: let them finish
            # before the quiet run, so that it is quiet.
            serve.wait_for("the pipeline's reloads",
                           lambda: serve.count("reloaded", stage="pipeline") >= workers,
                           RELOAD_TIMEOUT)
            quiet = measure(port, lambda: time.sleep(max(timing["reload"], QUIET_MINIMUM)))
        finally:
            serve.stop()
        return ReloadFigures(quiet, during_reload, timing["reload"], load_seconds, sellers)
    finally:
        if keep:
            print(f"kept {directory}")
        else:
            shutil.rmtree(directory, ignore_errors=True)


def report(figures: ReloadFigures) -> None:
    quiet, reload = figures.quiet, figures.reload
    print(f"NOOP latency on one SMTP session, {figures.sellers:,} sellers "
          f"({os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f})")
    print(f"  {'':24}{'quiet':>12}{'during SIGHUP':>16}")
    print(f"  {'NOOPs answered':24}{len(quiet.samples):>12}{len(reload.samples):>16}")
    print(f"  {'median (ms)':24}{quiet.median * 1000:>12.1f}{reload.median * 1000:>16.1f}")
    print(f"  {'worst (ms)':24}{quiet.worst * 1000:>12.1f}{reload.worst * 1000:>16.1f}")
    print(f"reload (SIGHUP to 'reloaded'): {figures.reload_seconds:.2f} s; "
          f"load_config of the file in this process: {figures.load_config_seconds:.2f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sellers", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=2, help="pipeline processes of serve")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)
    report(reload_noop_latency(args.sellers, args.workers, args.keep))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
