"""Everything an operator watches, around one running `serve`.

The daemon makes one `Operations`, starts it once SMTP listens, counts
what intake stores through it, and closes it last: the monitoring listener
keeps answering while the daemon drains (`/readyz` then says "stopping",
`/livez` stays 200), and systemd hears READY=1, the watchdog pings and
STOPPING=1 from here.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from sqlalchemy.engine import Engine

from router.config import Config
from router.ops import metrics, systemd
from router.ops.health import DATABASE_SECONDS, Health, probe_engine, retrieved
from router.ops.http import Handler, HttpServer, Request, Response, text
from router.ops.queues import QueueSnapshot, read_snapshot
from router.store import utcnow

log = logging.getLogger("router.ops")

#: (running, expected) pipeline processes.
WorkerCount = Callable[[], tuple[int, int]]


@contextlib.contextmanager
def metrics_directory(config: Config) -> Iterator[Path | None]:
    """This `serve`'s counters directory while it runs, when it serves metrics.

    Entered before anything imports prometheus-client and before the
    pipeline processes start (they inherit it).  Without `instance.http`
    nothing is counted: a directory inherited from the environment is
    dropped, so the children do not write into it either.
    """
    if config.instance.http is None:
        os.environ.pop(metrics.ENV, None)
        yield None
        return
    runtime = os.environ.get("RUNTIME_DIRECTORY")  # systemd's RuntimeDirectory=
    path = metrics.start_directory(Path(runtime.split(":")[0]) if runtime else None)
    try:
        yield path
    finally:
        metrics.end_directory(path)


class Operations:
    """Metrics and health over HTTP, and systemd's notifications."""

    def __init__(self, config: Config, engine: Engine, *,
                 workers: WorkerCount | None) -> None:
        self._address = config.instance.http
        self._probe_engine = probe_engine(engine)
        self._workers = workers
        self.counters = (metrics.counters()
                         if self._address is not None and metrics.counting() else None)
        self._health: Health | None = None
        self._http: HttpServer | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._snapshot: asyncio.Future[QueueSnapshot] | None = None

    @property
    def http_port(self) -> int | None:
        return self._http.port if self._http is not None else None

    async def listen(self) -> None:
        """Listen on `instance.http`, if set (raises OSError when it cannot)."""
        if self._address is None:
            return
        routes: dict[str, Handler] = {"/livez": self._livez, "/readyz": self._readyz}
        if self.counters is not None:
            routes["/metrics"] = self._metrics
        self._http = HttpServer(routes)
        await self._http.start(self._address)
        log.info("monitoring listening", extra={
            "event": "http_listening", "address": str(self._address), "port": self._http.port})

    async def start(self, smtp: asyncio.Server, stop: asyncio.Event) -> None:
        """Start the checks and the watchdog; tell systemd READY=1.

        Called once the daemon listens and runs everything; `stop` ends the
        checks (the daemon is then "stopping") and the watchdog.
        """
        health = self._health = Health(self._probe_engine, smtp_serving=smtp.is_serving,
                                        workers=self._workers)
        await health.check_database()  # a first answer for /readyz
        self._tasks = [asyncio.create_task(health.run(stop), name="health"),
                       asyncio.create_task(systemd.watchdog(stop), name="watchdog")]
        systemd.notify("READY=1", "STATUS=accepting mail")

    def stored(self, via: str, count: int = 1) -> None:
        """Intake committed `count` messages received by `via`."""
        if self.counters is not None:
            self.counters.stored(via, count)

    def stopping(self) -> None:
        systemd.notify("STOPPING=1", "STATUS=stopping")

    async def close(self) -> None:
        """The end of the daemon: the checks and the listener stop."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._health is not None:
            self._health.close()
        if self._http is not None:
            await self._http.close()
        self._probe_engine.dispose()

    # --- the routes -----------------------------------------------------------

    async def _livez(self, _request: Request) -> Response:
        return text(200, "alive")  # answered by the event loop itself

    async def _readyz(self, _request: Request) -> Response:
        if self._health is None:
            return text(503, "starting")
        reason = self._health.reason()
        return text(200, "ready") if reason is None else text(503, reason)

    async def _metrics(self, request: Request) -> Response:
        snapshot = await self._read_snapshot()
        workers = self._workers()[0] if self._workers is not None else None
        checks = self._health.checks() if self._health is not None else {}
        body, content_type = await asyncio.to_thread(
            metrics.render, request.headers.get("accept"), snapshot, checks, workers)
        return Response(200, body, content_type)

    async def _read_snapshot(self) -> QueueSnapshot | None:
        """The queues' gauges, or None when the database does not answer in time.

        One read at a time: a read still hanging is waited for again.
        """
        if self._snapshot is None or self._snapshot.done():
            self._snapshot = asyncio.ensure_future(
                asyncio.to_thread(read_snapshot, self._probe_engine, utcnow()))
            self._snapshot.add_done_callback(retrieved)
        try:
            return await asyncio.wait_for(asyncio.shield(self._snapshot), DATABASE_SECONDS)
        except Exception as error:
            log.warning(f"queue gauges left out: {type(error).__name__}: {error}",
                        extra={"event": "metrics_partial"})
            return None
