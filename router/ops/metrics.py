"""Prometheus metrics of one `serve`, counted in all of its processes.

`serve` receives in its main process and decides and delivers in child
processes (router.pipeline.workerproc), so a counter lives in several
interpreters.  They are added up with prometheus-client's multiprocess
mode: every process writes its counters to a memory-mapped file of its own
in one directory, and a scrape of the main process sums the files.  Chosen
over sending counts to the parent through the pipes because nothing new has
to travel between the processes (a child killed mid-batch loses nothing it
had counted, and a restarted child's predecessor's counts stay in its
file), and because the library does the adding up and the exposition.

The mode is chosen when prometheus-client is first imported, from the
`PROMETHEUS_MULTIPROC_DIR` environment variable.  `start_directory` sets it
in the main process before anything imports the library; the children are
plain interpreters started with the parent's environment, so they inherit
it.  Every `serve` start makes a fresh directory: counters begin at 0 after
a restart, as Prometheus expects, and each `serve` counts only its own
processes' work, never totals read from a database other instances share.

Gauges of states (waiting, held and failed messages; pending, deferred and
dead mail; the age of the oldest of each) are read from the database at
scrape time instead (`router.ops.queues`): they describe the shared queue.
No label carries an address or any other per-person value.
"""

from __future__ import annotations

import functools
import os
import shutil
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from router.act.delivery_outcomes import Attempted
    from router.decide.decision import Decision
    from router.ops.queues import QueueSnapshot

#: prometheus-client's switch to multiprocess mode, read at its import.
ENV = "PROMETHEUS_MULTIPROC_DIR"

VIA = ("smtp", "imap", "ingest")
MAIL_KINDS = ("forward", "notice", "redirect", "case", "statement")
FAILURE_KINDS = ("temporary", "permanent")
#: Seconds from queueing a mail to its delivery: a local Maildir takes
#: milliseconds, a relay seconds, a retry minutes to hours.
LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0,
                   900.0, 1800.0, 3600.0, 7200.0, 21600.0, 86400.0)


def start_directory(base: Path | None = None) -> Path:
    """A fresh, empty directory for this `serve`'s counters, exported as `ENV`.

    Call it in the main process before prometheus-client is imported; the
    child processes started afterwards inherit the variable.
    """
    values = sys.modules.get("prometheus_client.values")
    if values is not None and not getattr(values.ValueClass, "_multiprocess", False):
        raise RuntimeError("prometheus_client was imported before the metrics directory "
                           "was set: its counters would not be shared between processes")
    _remove_orphans(Path(base or tempfile.gettempdir()))
    path = Path(tempfile.mkdtemp(prefix=f"{_PREFIX}{os.getpid()}-", dir=base))
    os.environ[ENV] = str(path)
    return path


_PREFIX = "csba-router-metrics-"


def _remove_orphans(base: Path) -> None:
    """Remove the directories of `serve` processes that died without cleaning up (SIGKILL)."""
    for path in base.glob(f"{_PREFIX}*-*"):
        pid = path.name[len(_PREFIX):].split("-", 1)[0]
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(path, ignore_errors=True)
        except OSError:
            pass  # alive (another user's): not ours to remove


def end_directory(path: Path) -> None:
    """Remove the directory at exit (the next start makes a new one)."""
    if os.environ.get(ENV) == str(path):
        del os.environ[ENV]
    shutil.rmtree(path, ignore_errors=True)


def counting() -> bool:
    """Whether this process counts: its `serve` exposes metrics (`instance.http`)."""
    return bool(os.environ.get(ENV))


class Counters:
    """The counters and the histogram one process adds to.

    One instance per process (`counters()`): two objects counting the same
    series in one process would overwrite each other's file entries.
    """

    def __init__(self) -> None:
        from prometheus_client import Counter, Histogram

        self.received = Counter(
            "csba_router_messages_received", "Messages stored by intake, by channel.",
            ["via"], registry=None)
        self.decisions = Counter(
            "csba_router_decisions", "Messages decided, by category and the action taken.",
            ["category", "action"], registry=None)
        self.mail_sent = Counter(
            "csba_router_mail_sent", "Mail delivered to every recipient, by kind.",
            ["kind"], registry=None)
        self.delivery_failures = Counter(
            "csba_router_delivery_failures",
            "Delivery attempts that failed: temporary (retried) or permanent (dead).",
            ["kind"], registry=None)
        self.delivery_latency = Histogram(
            "csba_router_delivery_latency_seconds",
            "Seconds from queueing a mail to its delivery.",
            buckets=LATENCY_BUCKETS, registry=None)
        # Every series that can appear exists from the start at 0, so that a
        # rate() sees its first increase.
        for via in VIA:
            self.received.labels(via)
        for kind in MAIL_KINDS:
            self.mail_sent.labels(kind)
        for failure in FAILURE_KINDS:
            self.delivery_failures.labels(failure)

    def stored(self, via: str, count: int = 1) -> None:
        """Intake committed `count` messages received by `via`."""
        self.received.labels(via).inc(count)

    def decided(self, decision: Decision) -> None:
        """A decision was committed (the action after the plan's guards)."""
        self.decisions.labels(decision.category, decision.action).inc()

    def attempted(self, attempt: Attempted) -> None:
        """A delivery attempt's outcome was recorded."""
        if attempt.outcome == "sent":
            self.mail_sent.labels(attempt.kind).inc()
            if attempt.waited is not None:
                self.delivery_latency.observe(max(attempt.waited, 0.0))
        if attempt.failure is not None:
            self.delivery_failures.labels(attempt.failure).inc()


@functools.cache
def counters() -> Counters:
    """This process's counters (created on first use, in the mode `ENV` chose)."""
    return Counters()


def render(accept: str | None, snapshot: QueueSnapshot | None,
           health: Mapping[str, bool], workers_alive: int | None) -> tuple[bytes, str]:
    """The exposition of every process's counters plus the gauges; (body, content type).

    `snapshot` is None when the database did not answer: its gauges are left
    out rather than reported as zero.  Blocking (reads the processes' files).
    """
    from prometheus_client import CollectorRegistry
    from prometheus_client.exposition import choose_encoder
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = CollectorRegistry(auto_describe=False)
    MultiProcessCollector(registry, os.environ[ENV])
    registry.register(_Gauges(snapshot, health, workers_alive))
    encoder, content_type = choose_encoder(accept or "")
    return encoder(registry), content_type


class _Gauges:
    """A collector of the values read at this scrape (a registry is made per scrape)."""

    def __init__(self, snapshot: QueueSnapshot | None, health: Mapping[str, bool],
                 workers_alive: int | None) -> None:
        self._snapshot = snapshot
        self._health = health
        self._workers = workers_alive

    def collect(self) -> Any:
        from prometheus_client.core import GaugeMetricFamily

        health = GaugeMetricFamily(
            "csba_router_health", "1 when the readiness check passes, 0 when it fails.",
            labels=["check"])
        for check, ok in self._health.items():
            health.add_metric([check], 1.0 if ok else 0.0)
        yield health
        if self._workers is not None:
            yield GaugeMetricFamily("csba_router_workers_alive",
                                    "Pipeline processes of this serve that are running.",
                                    value=self._workers)
        snapshot = self._snapshot
        if snapshot is None:
            return
        messages = GaugeMetricFamily(
            "csba_router_messages", "Stored messages not done, by state (whole database).",
            labels=["state"])
        for state, count in snapshot.messages.items():
            messages.add_metric([state], count)
        yield messages
        outgoing = GaugeMetricFamily(
            "csba_router_outgoing", "Mail not yet sent, by state (whole database).",
            labels=["state"])
        for state, count in snapshot.outgoing.items():
            outgoing.add_metric([state], count)
        yield outgoing
        yield GaugeMetricFamily(
            "csba_router_oldest_waiting_seconds",
            "Age of the oldest message waiting for a decision; 0 when none waits.",
            value=snapshot.oldest_waiting)
        yield GaugeMetricFamily(
            "csba_router_oldest_outgoing_seconds",
            "Age of the oldest mail waiting for delivery (pending or deferred); 0 when none.",
            value=snapshot.oldest_outgoing)
