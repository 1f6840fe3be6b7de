"""The pipeline workers and the delivery loop in a process of their own.

`serve` receives in its main process (SMTP sessions, IMAP pollers) and
decides, acts and delivers in one child process, so the two use two cores
instead of sharing one interpreter lock: deciding a message costs
milliseconds of Python, and while the workers held the lock the SMTP
sessions waited for it.  (Mailman 3 likewise runs a process per queue.)

The child is started with the 'spawn' method (a fresh interpreter: no
threads, locks or pooled database connections copied from the parent), opens
its own engine, and meets the parent only in the database, like a second
`serve` would.  A pipe carries three signals from the parent, one byte
each, written without blocking (a full pipe already holds a wake):

- ``w``: messages were stored, look for work now (the child also polls);
- ``h``: the config was reloaded (SIGHUP); the child loads it again from
  the same file and keeps its old one if that fails;
- end of file: stop.  The parent closes the pipe on SIGTERM/SIGINT, and the
  kernel closes it when the parent dies, even by SIGKILL: the child never
  outlives its parent.  It stops as the in-process tasks did: the batch in
  hand is finished and written, delivery finishes its batch, exit 0.

The child runs at a lower CPU priority (`NICENESS`): in a burst the
intake answers first and the pipeline catches up when it is over.

The child also takes SIGTERM/SIGINT (stop) and SIGHUP (reload) itself, for
a supervisor that signals the whole process group.  A child that dies is
logged and started again after `RESTART_SECONDS`; what it held comes back
when its leases expire.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import signal
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from router.aio import first_of
from router.config import Config, ConfigError, load_config

log = logging.getLogger("router.pipeline")

WAKE = b"w"
RELOAD = b"h"
#: Pause before a child that died is started again.
RESTART_SECONDS = 5.0
#: The child's scheduling priority below the parent's: when the CPU is short,
#: a sender waiting for its 250 goes first; what is stored is safe and is
#: decided as soon as the burst leaves CPU time over.
NICENESS = 10

_SPAWN = multiprocessing.get_context("spawn")


class WorkerProcess:
    """The parent's side: start the child, wake it, reload it, stop it."""

    def __init__(self, path: Path, config: Config) -> None:
        self._path = path
        self._config = config  # the child's first config: the parent's, not a re-read
        self._writer: Connection | None = None

    def wake(self) -> None:
        self._send(WAKE)

    def reload(self, config: Config) -> None:
        """The parent took a new config: the child loads it too (a restart gets it)."""
        self._config = config
        self._send(RELOAD)

    async def run(self, *, stop: asyncio.Event, wake: asyncio.Event) -> None:
        """Keep a child running until `stop`; forward `wake`; then stop it and wait.

        Cancelled (the parent's grace period ran out), it kills the child.
        """
        loop = asyncio.get_running_loop()
        while not stop.is_set():
            process = self._start()
            ended = asyncio.Event()
            loop.add_reader(process.sentinel, ended.set)
            try:
                while not stop.is_set() and not ended.is_set():
                    await first_of(stop, wake, ended)
                    if wake.is_set():
                        wake.clear()
                        self.wake()
                if not ended.is_set():  # stop: close the pipe, the child finishes its batch
                    self._close()
                    await ended.wait()
            except asyncio.CancelledError:
                process.kill()
                raise
            finally:
                loop.remove_reader(process.sentinel)
                self._close()
                process.join(5)
            if stop.is_set() and process.exitcode == 0:
                break
            # Exit status 0 without our stop: someone signalled the child itself.
            log.log(logging.WARNING if process.exitcode == 0 else logging.ERROR,
                    "pipeline process ended", extra={
                        "event": "worker_exited", "pid": process.pid,
                        "exitcode": process.exitcode,
                        "restart_in": None if stop.is_set() else RESTART_SECONDS})
            if not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), RESTART_SECONDS)

    def _start(self) -> BaseProcess:
        reader, writer = _SPAWN.Pipe(duplex=False)
        process = _SPAWN.Process(
            target=child_main, name="csba-router pipeline", daemon=True,
            args=(self._path, self._config, reader, logging.getLogger().level))
        process.start()
        reader.close()  # the child has its own copy; ours would hide the parent's death
        os.set_blocking(writer.fileno(), False)
        self._writer = writer
        log.info("pipeline process started",
                 extra={"event": "worker_started", "pid": process.pid})
        return process

    def _send(self, signal_byte: bytes) -> None:
        if self._writer is None:
            return
        try:
            os.write(self._writer.fileno(), signal_byte)
        except BlockingIOError:
            pass  # the pipe is full of signals the child has yet to read
        except OSError:
            pass  # the child is gone; run() notices and starts another

    def _close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None


# --- the child ---------------------------------------------------------------


class _Current:
    """The child's config and templates of this moment (a reload replaces both)."""

    def __init__(self, config: Config, templates: Any) -> None:
        self.config = config
        self.templates = templates


def child_main(path: Path, config: Config, reader: Connection, log_level: int) -> None:
    """The child process: the workers and the delivery loop until told to stop."""
    from router.logs import setup_logging

    setup_logging("json", logging.getLevelName(log_level).lower())
    with contextlib.suppress(OSError):
        os.nice(NICENESS)
    raise SystemExit(asyncio.run(_serve_child(path, config, reader)))


async def _serve_child(path: Path, config: Config, reader: Connection) -> int:
    from router.act.delivery import default_owner, run_delivery
    from router.act.templates import NoticeTemplates
    from router.decide.language import warm_up
    from router.pipeline.runner import run_workers
    from router.store import open_engine

    loop = asyncio.get_running_loop()
    stop, work, mail = asyncio.Event(), asyncio.Event(), asyncio.Event()
    current = _Current(config, NoticeTemplates.from_config(config))

    def reload() -> None:
        try:
            fresh = load_config(path)
        except ConfigError as exc:
            log.error("pipeline process keeps its config: the file does not load now",
                      extra={"event": "reload_failed", "path": str(path),
                             "problems": [str(p) for p in exc.problems]})
            return
        except OSError as exc:
            log.error(f"pipeline process keeps its config: {exc}",
                      extra={"event": "reload_failed", "path": str(path)})
            return
        current.config, current.templates = fresh, NoticeTemplates.from_config(fresh)
        log.info("config reloaded", extra={"event": "reloaded", "path": str(path),
                                           "stage": "pipeline"})

    fd = reader.fileno()
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
            try:
                reload()
            except Exception:  # a bug here must not stop the pipe being read
                log.error("pipeline process: reload failed", exc_info=True,
                          extra={"event": "reload_failed", "path": str(path)})
        work.set()

    loop.add_reader(fd, readable)
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    loop.add_signal_handler(signal.SIGHUP, reload)

    engine = open_engine(config.storage_url)
    try:
        await asyncio.to_thread(warm_up)  # language models: not on the first message
        owner = default_owner()
        await asyncio.gather(
            run_workers(engine, lambda: current.config, lambda: current.templates,
                        owner=owner, stop=stop, wake=work, on_acted=mail.set),
            run_delivery(engine, lambda: current.config, stop=stop, owner=owner,
                         wake=mail),
        )
    finally:
        engine.dispose()
        reader.close()
    return 0
