"""The pipeline workers and the delivery loop in a process of their own.

Size: both ends of the parent-child pipes (the writer of the start-up pickle
and the signal bytes, and their reader in the child) stay in one module so
that the protocol below is checked in one file.

`serve` receives in its main process (SMTP sessions, IMAP pollers) and
decides, acts and delivers in child processes (`WorkerPool`, one per CPU
unless `instance.workers` says otherwise), so they use all cores instead of
sharing one interpreter lock: deciding a message costs
milliseconds of Python, and while the workers held the lock the SMTP
sessions waited for it.  (Mailman 3 likewise runs a process per queue.)

The child is a fresh interpreter (``python -m router.pipeline.workerproc
FD FD2``: no threads, locks or pooled database connections copied from the
parent; and not multiprocessing's 'spawn', which adds a resource-tracker
process of its own to every daemon).  It opens its own engine and meets the
parent only in the database, like a second `serve` would.  A pipe, inherited
as file descriptor FD, first carries the parent's config (length-prefixed
pickle: the child starts on exactly the parent's config, not a re-read of a
file that may have changed), then three signals, one byte each, written
without blocking (a full pipe already holds a wake):

- ``w``: messages were stored, look for work now (the child also polls);
- ``h``: the config was reloaded (SIGHUP); the child loads it again from
  the same file and keeps its old one if that fails;
- end of file: stop.  The parent closes the pipe on SIGTERM/SIGINT, and the
  kernel closes it when the parent dies, even by SIGKILL: the child never
  outlives its parent.  It stops as the in-process tasks did: the batch in
  hand is finished and written, delivery finishes its batch, exit 0.

The child runs at a lower CPU priority (`NICENESS`): in a burst the
intake answers first and the pipeline catches up when it is over.

A second pipe, FD2, goes the other way: the child reports which message
it is deciding, and the parent's `Watchdog` (router.pipeline.watchdog)
kills a child stuck on one message past `instance.decide_timeout`; that
message goes to `failed` with the reason, its batch-mates are given back
at once, and a new child starts at once to decide them.

The child also takes SIGTERM/SIGINT (stop) and SIGHUP (reload) itself, for
a supervisor that signals the whole process group.  A child that dies
otherwise is logged and started again after `RESTART_SECONDS`; what it
held comes back when its leases expire.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import pickle
import signal
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from router.aio import Coalesced, first_of, settle_heap
from router.config import Config, ConfigError, load_config
from router.heap import long_lived
from router.pipeline.claims import abandon
from router.pipeline.watchdog import Reporter, Watchdog, seconds

if TYPE_CHECKING:  # loaded in the child, where it decides
    from router.act.templates import NoticeTemplates

log = logging.getLogger("router.pipeline")

WAKE = b"w"
RELOAD = b"h"
#: Pause before a child that died is started again.
RESTART_SECONDS = 5.0
#: The child's scheduling priority below the parent's: when the CPU is short,
#: a sender waiting for its 250 goes first; what is stored is safe and is
#: decided as soon as the burst leaves CPU time over.
NICENESS = 10

#: Children when `instance.workers` is not set: one per CPU, at most this many.
AUTO_WORKERS_MAX = 4
#: Bytes of the length prefix in front of the pickled start-up arguments.
_LENGTH = 8


class WorkerProcess:
    """The parent's side: start the child, wake it, reload it, stop it."""

    def __init__(self, path: Path, config: Config, engine: Engine | None = None) -> None:
        self._path = path
        self._config = config  # the child's first config: the parent's, not a re-read
        self._engine = engine  # to settle what a child killed by its watchdog held
        self._writer: int | None = None  # the pipe to the child
        self._process: asyncio.subprocess.Process | None = None  # the running child

    @property
    def alive(self) -> bool:
        """Whether a child runs now (between a death and its restart, not)."""
        return self._process is not None and self._process.returncode is None

    def wake(self) -> None:
        self._send(WAKE)

    def reload(self, config: Config) -> None:
        """The parent took a new config: the child loads it too (a restart gets it)."""
        self._config = config
        self._send(RELOAD)

    async def run(self, *, stop: asyncio.Event) -> None:
        """Keep a child running until `stop`; then stop it and wait.

        Cancelled (the parent's grace period ran out), it kills the child.
        """
        while not stop.is_set():
            started_with = self._config
            process, startup, watchdog = await self._start()
            self._process = process
            waiting = asyncio.ensure_future(process.wait())
            ended = asyncio.Event()
            waiting.add_done_callback(functools.partial(_set_event, ended))
            try:
                with contextlib.suppress(OSError):  # a child that died early: seen below
                    await asyncio.to_thread(_write_fully, *startup)
                    if self._config is not started_with:  # a reload came meanwhile
                        self._send(RELOAD)
                await first_of(stop, ended)
                if not ended.is_set():  # stop: close the pipe, the child finishes its batch
                    self._close()
                    await waiting
            except asyncio.CancelledError:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                raise
            finally:
                self._close()
                watchdog.close()
                if not waiting.done():
                    waiting.cancel()
            exitcode = process.returncode
            if watchdog.overdue is not None:  # our own kill: settle, and a new child at once
                await self._settle(watchdog, process.pid)
                continue
            if stop.is_set() and exitcode == 0:
                break
            # Exit status 0 without our stop: someone signalled the child itself.
            log.log(logging.WARNING if exitcode == 0 else logging.ERROR,
                    "pipeline process ended", extra={
                        "event": "worker_exited", "pid": process.pid,
                        "exitcode": exitcode,
                        "restart_in": None if stop.is_set() else RESTART_SECONDS})
            if not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), RESTART_SECONDS)

    async def _start(self) -> tuple[asyncio.subprocess.Process, tuple[int, bytes], Watchdog]:
        """Start a child; it waits for its start-up arguments on the pipe.

        They are written by the caller, in a thread (a large config may not
        fit the pipe before the child reads it), before any signal.  A
        second pipe carries what the child is deciding to its `Watchdog`.
        """
        reader, writer = os.pipe()
        watched, reporter = os.pipe()
        try:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "router.pipeline.workerproc", str(reader), str(reporter),
                pass_fds=(reader, reporter), stdin=subprocess.DEVNULL,
                env=_child_environment())
        except BaseException:
            os.close(writer)
            os.close(watched)
            raise
        finally:
            os.close(reader)  # the child has its own; ours would hide the parent's death
            os.close(reporter)  # likewise: the child's end of file is the child's end

        def kill() -> None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()

        watchdog = Watchdog(watched, kill, self._decide_timeout)
        payload = pickle.dumps((self._path, self._config, logging.getLogger().level))
        self._writer = writer
        log.info("pipeline process started",
                 extra={"event": "worker_started", "pid": process.pid})
        return process, (writer, len(payload).to_bytes(_LENGTH, "big") + payload), watchdog

    def _decide_timeout(self) -> float:
        return self._config.instance.decide_timeout.total_seconds()

    async def _settle(self, watchdog: Watchdog, pid: int) -> None:
        """After a kill for `decide_timeout`: fail that message, give the others back."""
        stuck, owner = watchdog.overdue, watchdog.owner
        assert stuck is not None
        error = f"deciding took longer than {seconds(watchdog.limit)} (instance.decide_timeout)"
        released: list[int] = []
        if self._engine is not None and owner is not None:
            try:
                released = await asyncio.to_thread(abandon, self._engine, owner, stuck, error)
            except Exception:  # the leases expire and the claims' count ends it then
                log.error("recording the timed-out message failed", exc_info=True,
                          extra={"event": "decide_timeout_unrecorded", "id": stuck})
                released = []
        log.warning(f"message {stuck} failed: {error}; pipeline process {pid} replaced",
                    extra={"event": "decide_failed", "id": stuck, "pid": pid,
                           "released": released, "error": error})

    def _send(self, signal_byte: bytes) -> None:
        if self._writer is None or os.get_blocking(self._writer):
            return  # no child, or its start-up arguments are still being written
        try:
            os.write(self._writer, signal_byte)
        except BlockingIOError:
            pass  # the pipe is full of signals the child has yet to read
        except OSError:
            pass  # the child is gone; run() notices and starts another

    def _close(self) -> None:
        if self._writer is not None:
            os.close(self._writer)
            self._writer = None


def _set_event(event: asyncio.Event, _: object) -> None:
    event.set()


def _child_environment() -> dict[str, str]:
    """The parent's environment, with glibc's malloc arenas capped.

    glibc gives threads their own arenas (up to eight per core), and the
    child's worker and fsync threads would each keep one's worth of freed
    memory; two arenas cost nothing measurable in speed here.  An operator's
    own MALLOC_ARENA_MAX wins.
    """
    return {"MALLOC_ARENA_MAX": "2", **os.environ}


def _write_fully(fd: int, data: bytes) -> None:
    """Write `data` to the pipe (blocking), then make the pipe non-blocking for signals."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
    os.set_blocking(fd, False)


def worker_count(config: Config) -> int:
    """`instance.workers`, or one per CPU (at most `AUTO_WORKERS_MAX`)."""
    if config.instance.workers is not None:
        return config.instance.workers
    return max(1, min(os.cpu_count() or 1, AUTO_WORKERS_MAX))


class WorkerPool:
    """Several worker children, woken together.

    Each child claims its own batches (leases keep them apart), so after a
    burst every core decides and delivers; during one, their low priority
    leaves the CPU to intake.  Each child is restarted on its own.
    """

    def __init__(self, path: Path, config: Config, count: int,
                 engine: Engine | None = None) -> None:
        self.children = [WorkerProcess(path, config, engine) for _ in range(count)]

    def running(self) -> tuple[int, int]:
        """(children running, children wanted), for the readiness check."""
        return sum(child.alive for child in self.children), len(self.children)

    def reload(self, config: Config) -> None:
        for child in self.children:
            child.reload(config)

    async def run(self, *, stop: asyncio.Event, wake: asyncio.Event) -> None:
        """Run every child until `stop`; pass each `wake` on to all of them."""
        runs = [asyncio.ensure_future(child.run(stop=stop)) for child in self.children]
        try:
            while not stop.is_set():
                await first_of(stop, wake)
                if wake.is_set():
                    wake.clear()
                    for child in self.children:
                        child.wake()
            await asyncio.gather(*runs)
        finally:
            for run in runs:
                run.cancel()


# --- the child ---------------------------------------------------------------


class _Current:
    """The child's config and templates of this moment (a reload replaces both)."""

    def __init__(self, config: Config, templates: NoticeTemplates) -> None:
        self.config = config
        self.templates = templates


def child_main(argv: list[str] | None = None) -> None:
    """The child process: the workers and the delivery loop until told to stop."""
    from router.logs import setup_logging

    args = sys.argv[1:] if argv is None else argv
    fd = int(args[0])
    report = int(args[1])
    length = int.from_bytes(_read_exactly(fd, _LENGTH), "big")
    path, config, log_level = pickle.loads(_read_exactly(fd, length))
    setup_logging("json", logging.getLevelName(log_level).lower())
    with contextlib.suppress(OSError):
        os.nice(NICENESS)
    raise SystemExit(asyncio.run(_serve_child(path, config, fd, report)))


def _read_exactly(fd: int, size: int) -> bytes:
    """`size` bytes from the pipe; the parent gone before sending them ends the child."""
    chunks: list[bytes] = []
    while size:
        chunk = os.read(fd, min(size, 1 << 16))
        if not chunk:
            raise SystemExit(0)
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


async def _serve_child(path: Path, config: Config, fd: int, report: int) -> int:
    from router.act.delivery import Handoff, default_owner, run_delivery
    from router.act.templates import NoticeTemplates
    from router.decide.language import warm_up
    from router.ops.metrics import counters, counting
    from router.pipeline.runner import run_workers
    from router.store import open_engine

    loop = asyncio.get_running_loop()
    stop, work, mail = asyncio.Event(), asyncio.Event(), asyncio.Event()
    current = _Current(config, NoticeTemplates.from_config(config))

    async def reload() -> None:
        # In a thread: 20,000 sellers take seconds, and the delivery loop
        # shares this event loop.
        try:
            fresh, templates = await asyncio.to_thread(_load, path)
        except ConfigError as exc:
            log.error("pipeline process keeps its config: the file does not load now",
                      extra={"event": "reload_failed", "path": str(path),
                             "problems": [str(p) for p in exc.problems]})
            return
        except OSError as exc:
            log.error(f"pipeline process keeps its config: {exc}",
                      extra={"event": "reload_failed", "path": str(path)})
            return
        current.config, current.templates = fresh, templates
        log.info("config reloaded", extra={"event": "reloaded", "path": str(path),
                                           "stage": "pipeline"})

    reloads = Coalesced(reload)

    os.set_blocking(fd, False)

    def readable() -> None:
        try:
            data = os.read(fd, 4096)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:  # the parent closed the pipe, or died
            loop.remove_reader(fd)
            stop.set()
            return
        if RELOAD in data:
            reloads.request()
        work.set()

    loop.add_reader(fd, readable)
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    loop.add_signal_handler(signal.SIGHUP, reloads.request)

    engine = open_engine(config.storage_url)
    counted = counters() if counting() else None  # the parent serves metrics
    on_attempt = counted.attempted if counted is not None else None
    handoff = Handoff(engine, lambda: current.config, on_attempt=on_attempt)

    def acted() -> None:
        # Wake the delivery loop: it sends what was queued for it (SMTP), and
        # learns the due time of mail queued for later (a case's reminder).
        mail.set()

    try:
        await asyncio.to_thread(warm_up)  # language models: not on the first message
        settle_heap()
        owner = default_owner()
        reporter = Reporter(report, owner,  # for the parent's watchdog
                            lambda: current.config.instance.decide_timeout.total_seconds())
        await asyncio.gather(
            run_workers(engine, lambda: current.config, lambda: current.templates,
                        owner=owner, stop=stop, wake=work, on_acted=acted,
                        deliverer=handoff, watch=reporter,
                        on_decided=counted.decided if counted is not None else None),
            run_delivery(engine, lambda: current.config, stop=stop, owner=owner,
                         wake=mail, on_attempt=on_attempt),
        )
    finally:
        await reloads.wait()
        engine.dispose()
        os.close(fd)
    return 0


def _load(path: Path) -> tuple[Config, NoticeTemplates]:
    """The config and notice templates a reload reads (in a thread; see daemon._load)."""
    from router.act.templates import NoticeTemplates

    with long_lived():
        config = load_config(path)
        return config, NoticeTemplates.from_config(config)


if __name__ == "__main__":
    child_main()
