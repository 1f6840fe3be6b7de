"""The monitoring listener (`instance.http`): a small HTTP/1.1 server for GET only.

It runs on the daemon's own event loop, not in a thread: `/livez` is then
answered by the very loop it vouches for (a stuck loop answers nothing, which
is what a liveness probe must see), and what takes time (the database, the
counters' files) is awaited in threads, so a scrape never holds up an SMTP
session.  A few dozen lines of asyncio instead of a web framework: the
clients are Prometheus, a container's health check and curl, asking three
fixed paths; aiohttp or an ASGI server would add a dependency tree and, for
the ASGI servers, their own signal handling in the daemon's process.

Robustness: one request per connection (answered with `Connection: close`),
the request head limited in size (431) and in time (closed after
`REQUEST_SECONDS`), at most `MAX_CONNECTIONS` open at once (more are closed
unanswered), and any method but GET and HEAD refused (405).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus

from router.config.types import Listen

log = logging.getLogger("router.ops")

#: Bytes of a request head (request line and headers) at most.
HEAD_LIMIT = 16 * 1024
#: Seconds a client has to send its request head, and to take the answer.
REQUEST_SECONDS = 10.0
MAX_CONNECTIONS = 32

TEXT = "text/plain; charset=utf-8"


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # without the query
    headers: Mapping[str, str]  # names in lower case


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    content_type: str = TEXT


Handler = Callable[[Request], Awaitable[Response]]


def text(status: int, line: str) -> Response:
    """A one-line plain-text answer."""
    return Response(status, (line + "\n").encode("utf-8"))


class HttpServer:
    """Serves `routes` (path -> handler) until closed."""

    def __init__(self, routes: Mapping[str, Handler]) -> None:
        self._routes = dict(routes)
        self._server: asyncio.Server | None = None
        self._open: dict[asyncio.Task[None], asyncio.StreamWriter] = {}

    async def start(self, address: Listen) -> None:
        """Listen on `address` (raises OSError when it cannot)."""
        self._server = await asyncio.start_server(
            self._connection, address.host, address.port, limit=HEAD_LIMIT)

    @property
    def port(self) -> int:
        """The port listened on (the configured one, or the kernel's choice for 0)."""
        assert self._server is not None and self._server.sockets
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def connections(self) -> int:
        """Connections open now."""
        return len(self._open)

    async def close(self) -> None:
        """Stop listening and end the connections still open."""
        if self._server is None:
            return
        self._server.close()
        # Their sockets are cut rather than their tasks cancelled: each task
        # then ends on its own (Python 3.11's streams log a cancelled one).
        for writer in list(self._open.values()):
            writer.transport.abort()
        tasks = list(self._open)
        if tasks:
            await asyncio.wait(tasks, timeout=REQUEST_SECONDS)
        await self._server.wait_closed()
        self._server = None

    async def _connection(self, reader: asyncio.StreamReader,
                          writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        if len(self._open) >= MAX_CONNECTIONS:
            writer.close()
            return
        self._open[task] = writer
        try:
            await self._serve(reader, writer)
        except (ConnectionError, TimeoutError, asyncio.IncompleteReadError):
            pass  # the client went away or was too slow: nothing to answer
        except Exception:
            log.error("monitoring request failed", exc_info=True,
                      extra={"event": "http_error"})
        finally:
            self._open.pop(task, None)
            writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer.wait_closed(), REQUEST_SECONDS)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(REQUEST_SECONDS):
                head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.LimitOverrunError:
            await _send(writer, "GET", text(431, "request head too large"))
            return
        request = parse_head(head)
        if request is None:
            await _send(writer, "GET", text(400, "bad request"))
            return
        if request.method not in ("GET", "HEAD"):
            await _send(writer, "GET", text(405, "only GET and HEAD"), allow="GET, HEAD")
            return
        handler = self._routes.get(request.path)
        if handler is None:
            response = text(404, "not found: try /metrics, /livez or /readyz")
        else:
            try:
                response = await handler(request)
            except Exception:
                log.error("monitoring request failed", exc_info=True,
                          extra={"event": "http_error", "path": request.path})
                response = text(500, "internal error: see the daemon's log")
        await _send(writer, request.method, response)


def parse_head(head: bytes) -> Request | None:
    """The request line and headers; None when they are not HTTP/1.x."""
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[0].isalpha() or not parts[0].isupper():
        return None
    method, target, version = parts
    if not target.startswith("/") or version not in ("HTTP/1.0", "HTTP/1.1"):
        return None
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if not line:
            continue
        name, colon, value = line.partition(":")
        if not colon or not name or name != name.strip():
            return None
        headers[name.lower()] = value.strip()
    return Request(method, target.split("?", 1)[0], headers)


async def _send(writer: asyncio.StreamWriter, method: str, response: Response,
                allow: str | None = None) -> None:
    reason = HTTPStatus(response.status).phrase
    head = [f"HTTP/1.1 {response.status} {reason}",
            f"Content-Type: {response.content_type}",
            f"Content-Length: {len(response.body)}",
            "Cache-Control: no-store",
            "Connection: close"]
    if allow is not None:
        head.append(f"Allow: {allow}")
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode("ascii"))
    if method != "HEAD":
        writer.write(response.body)
    async with asyncio.timeout(REQUEST_SECONDS):
        await writer.drain()
