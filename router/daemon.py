"""`csba-router serve`: a parent process that receives, and children that decide and deliver.

The parent runs one asyncio loop: the SMTP intake (commits each accepted
message to `received` before its 250), the IMAP pollers (router.intake.imap,
one thread per `imap:` account, storing the same way), the monthly
statements (apscheduler, router.account.schedule) and the monitoring
listener (router.ops).  The pipeline workers (router.pipeline: lease a
stored message, decide, write decision, contact and outgoing mail in one
transaction) and the delivery loop (router.act: send the `outgoing` queue
by the configured transport) run in `instance.workers` child processes
(router.pipeline.workerproc), so deciding does not hold the interpreter
lock the SMTP sessions need.  Parent and children talk only through the
database; pipes merely wake a child early, reload it or stop it.  Several
`serve` processes on one PostgreSQL database share the work the same way.

The SMTP server runs inside this process's event loop (``loop.create_server``
with aiosmtpd's protocol, not its threaded Controller), so signals, reloads
and shutdown are plain asyncio.  Signals:

- SIGTERM / SIGINT: stop listening, close idle sessions with 421, let the
  sessions with a message in hand finish it (at most ``GRACE_SECONDS``),
  exit 0.  A second SIGTERM/SIGINT ends the process at once.
- SIGHUP: load the config again from the same path.  A broken one is
  logged, problem by problem, and the old one kept; a good one applies to
  sessions that start after it (recipients, limits, TLS certificate);
  IMAP accounts that were added, changed or removed are started, restarted
  or stopped (unchanged ones keep their session).
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import ssl
import sys
from pathlib import Path

from sqlalchemy.engine import Engine

from router.account.schedule import build_scheduler, reschedule
from router.act.templates import NoticeTemplates
from router.aio import Coalesced, settle_heap
from router.config import Config, ConfigError, load_config
from router.config.model import Smtp
from router.heap import long_lived
from router.intake.connections import Sessions
from router.intake.imap import ImapPollers
from router.intake.protocol import Intake
from router.ops.service import Operations, metrics_directory
from router.pipeline.workerproc import WorkerPool, worker_count
from router.store import StoreError, open_engine, upgrade
from router.store.engine import prefer_writes
from router.store.integrity import check_integrity

log = logging.getLogger("router.daemon")

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_BAD_CONFIG = 2

#: How long a shutdown waits for sessions that have a message in hand.
GRACE_SECONDS = 30.0


def serve(config_path: Path, *, workers: bool = True) -> int:
    """Run until SIGTERM/SIGINT; the exit status of the `serve` command.

    A broken config at start raises ConfigError (the CLI prints it, exit 2);
    a database or port that cannot be used is one line on stderr, exit 1.
    """
    config = load_config(config_path)
    try:
        tls = tls_context(config.smtp)
    except (OSError, ssl.SSLError) as exc:
        _say(f"cannot load the TLS certificate: {exc}")
        return EXIT_BAD_CONFIG
    try:
        engine = open_engine(config.storage_url)
    except StoreError as exc:
        _say(str(exc))
        return EXIT_FAILURE
    # Intake's commits go before the pipeline's: senders are waiting.
    prefer_writes(engine)
    try:
        if not sound(engine, config.storage_url):
            return EXIT_FAILURE
        upgrade(engine)
        with metrics_directory(config):  # before the pipeline processes start
            return asyncio.run(Daemon(config_path, config, engine, tls, workers=workers).run())
    except StoreError as exc:
        _say(str(exc))
        return EXIT_FAILURE
    finally:
        engine.dispose()


def sound(engine: Engine, url: str) -> bool:
    """The database passes the bounded start-up check (`router.store.integrity`).

    A damaged SQLite file is refused: the daemon would otherwise start and
    answer every sender 451 for as long as it runs.  A check that runs out
    of time is logged and the daemon starts.
    """
    result = check_integrity(engine)
    if result.status == "damaged":
        path = engine.url.database or url
        _say(f"the database {path} is damaged ({'; '.join(result.problems)}); "
             "restore it from a backup (or save what is readable with "
             f"`sqlite3 {path} .recover`) before starting")
        return False
    if result.status == "unfinished":
        log.warning("the database integrity check did not finish; starting without it",
                    extra={"event": "integrity_unfinished", "seconds": round(result.seconds, 1)})
    return True


def tls_context(smtp: Smtp) -> ssl.SSLContext | None:
    """A server context for STARTTLS when a certificate is configured."""
    if smtp.tls_cert is None:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(smtp.tls_cert, smtp.tls_key)
    return context


class Daemon:
    """The running process: its current config, its store, its SMTP sessions."""

    def __init__(self, path: Path, config: Config, engine: Engine,
                 tls: ssl.SSLContext | None, *, workers: bool = True) -> None:
        self._path = path
        self._config = config
        self._engine = engine
        self._tls = tls
        self._sessions = Sessions()
        self._intake = Intake(engine, self._sessions, on_stored=self._stored)
        self._stop = asyncio.Event()
        self._templates = NoticeTemplates.from_config(config)
        self._workers = workers
        self._reloads = Coalesced(self._reload)  # SIGHUP: one reload at a time
        # Workers and delivery, in child processes.
        self._pipeline = WorkerPool(path, config, worker_count(config), engine)
        self._work = asyncio.Event()  # a message was stored
        # Metrics, health, systemd (router.ops).
        self._ops = Operations(config, engine,
                               workers=self._pipeline.running if workers else None)
        self._imap = ImapPollers(engine, on_stored=self._work.set,
                                 on_count=lambda count: self._ops.stored("imap", count))
        # Monthly statements (router.account.schedule); the delivery loop in
        # the worker process picks the queued mail up on its next pass.
        self._statements = build_scheduler(engine, lambda: self._config,
                                           wake_delivery=self._work.set)

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        listen = self._config.smtp.listen
        self._intake.install(loop, self._config.smtp)
        try:
            server = await loop.create_server(self._new_session, listen.host, listen.port)
        except OSError as exc:
            # asyncio rewords the error; the errno's own text is the short one.
            _say(f"cannot listen on {listen}: {os.strerror(exc.errno) if exc.errno else exc}")
            return EXIT_FAILURE
        try:
            await self._ops.listen()
        except OSError as exc:
            server.close()
            _say(f"cannot listen on {self._config.instance.http} (instance.http): "
                 f"{os.strerror(exc.errno) if exc.errno else exc}")
            return EXIT_FAILURE
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self._stop.set)
        loop.add_signal_handler(signal.SIGHUP, self.reload)
        tasks = [] if not self._workers else [
            asyncio.create_task(self._pipeline.run(stop=self._stop, wake=self._work),
                                name="pipeline"),
        ]
        self._imap.apply(self._config.imap)
        if self._workers:
            self._statements.start()
        log.info("listening", extra={"event": "listening", "address": str(listen),
                                     "tls": self._tls is not None})
        await self._ops.start(server, self._stop)  # READY=1
        settle_heap()
        await self._stop.wait()
        self._ops.stopping()
        if self._statements.running:
            self._statements.shutdown(wait=False)
        # A second SIGTERM/SIGINT now ends the process at once (default
        # action): an operator's way out of the grace period.  Nothing is
        # lost by it: a message not yet committed was not yet answered 250.
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
        log.info("stopping", extra={"event": "stopping", "sessions": len(self._sessions)})
        imap_closed = asyncio.create_task(self._imap.close(GRACE_SECONDS))
        server.close()
        self._sessions.drain()
        left = await self._sessions.wait_closed(GRACE_SECONDS)
        if left:
            log.warning("sessions still open after the grace period; cutting them",
                        extra={"event": "sessions_cut", "sessions": left})
            self._sessions.abort()
        await server.wait_closed()
        await imap_closed  # pollers finish their batch and LOGOUT
        await self._reloads.wait()  # a reload in its thread: not cut off half-applied
        # Workers finish the message in hand; delivery its batch.  What is cut
        # off here keeps its lease and is taken up again after the next start.
        done, pending = await asyncio.wait(tasks, timeout=GRACE_SECONDS) if tasks else (
            set(), set())
        for task in pending:
            task.cancel()
        for task in done:
            if task.exception() is not None:
                log.error("task failed", exc_info=task.exception(),
                          extra={"event": "task_failed", "task": task.get_name()})
        await self._ops.close()
        log.info("stopped", extra={"event": "stopped"})
        return EXIT_OK

    def _new_session(self) -> asyncio.Protocol:
        # Called by the server for each connection: it reads the config of
        # this moment, so a reload applies to sessions that start later.
        return self._intake.protocol(self._config, self._tls)

    def _stored(self, _received_id: int) -> None:
        """Intake committed a message: wake the pipeline, count it."""
        self._work.set()
        self._ops.stored("smtp")

    def reload(self) -> None:
        """SIGHUP: load the config again, in a thread (`_reload`)."""
        self._reloads.request()

    async def _reload(self) -> None:
        """Take a good config for new sessions; keep the old one otherwise.

        Loading (YAML, validation, the TLS certificate, the notice
        templates) runs in a thread: 20,000 sellers take seconds, and on the
        event loop every SMTP session waited for them.  The new config is
        swapped in on the loop in one step, so a session starts either
        wholly on the old config or wholly on the new one.
        """
        log.info("reloading the config", extra={"event": "reloading", "path": str(self._path)})
        try:
            config, tls, templates = await asyncio.to_thread(_load, self._path)
        except ConfigError as exc:
            for problem in exc.problems:
                log.error(str(problem), extra={"event": "config_problem"})
            log.error("config not reloaded; the old one stays in use",
                      extra={"event": "reload_failed", "path": str(self._path)})
            return
        except (OSError, ssl.SSLError) as exc:
            log.error(f"cannot load the TLS certificate: {exc}",
                      extra={"event": "config_problem"})
            log.error("config not reloaded; the old one stays in use",
                      extra={"event": "reload_failed", "path": str(self._path)})
            return
        old = self._config
        if config.smtp.listen != old.smtp.listen:
            log.warning("smtp.listen changed; it takes effect at the next start",
                        extra={"event": "restart_needed", "setting": "smtp.listen"})
        if config.instance.workers != old.instance.workers:
            log.warning("instance.workers changed; it takes effect at the next start",
                        extra={"event": "restart_needed", "setting": "instance.workers"})
        if config.instance.http != old.instance.http:
            log.warning("instance.http changed; it takes effect at the next start",
                        extra={"event": "restart_needed", "setting": "instance.http"})
        if config.storage_url != old.storage_url:
            log.warning("storage changed; it takes effect at the next start",
                        extra={"event": "restart_needed", "setting": "storage.url"})
        self._config, self._tls, self._templates = config, tls, templates
        self._pipeline.reload(config)
        reschedule(self._statements, config)
        self._imap.apply(config.imap)
        log.info("config reloaded", extra={
            "event": "reloaded", "path": str(self._path),
            "addresses": sorted(r.address for r in config.regions.values()),
        })


def _load(path: Path) -> tuple[Config, ssl.SSLContext | None, NoticeTemplates]:
    """Everything a reload reads from disk (run in a thread); raises as `load_config`.

    What it builds lives until the next reload: out of the garbage
    collector's passes (`long_lived`), which over 20,000 sellers held the
    interpreter lock, and with it the SMTP sessions, for a quarter second.
    """
    with long_lived():
        config = load_config(path)
        return config, tls_context(config.smtp), NoticeTemplates.from_config(config)

def _say(message: str) -> None:
    """One line for the operator, outside the JSON log: why the daemon cannot run."""
    print(f"csba-router: {message}", file=sys.stderr)
