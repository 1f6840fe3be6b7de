"""The monitoring listener over real sockets: the answers, and what it refuses."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from router.config.types import Listen
from router.ops import http
from router.ops.http import HttpServer, Request, Response, parse_head, text

Exchange = Callable[[bytes], Awaitable[bytes]]


async def hello(request: Request) -> Response:
    return text(200, f"hello {request.headers.get('x-name', 'nobody')}")


async def broken(_request: Request) -> Response:
    raise RuntimeError("a bug")


async def with_server(body: Callable[[HttpServer, Exchange], Awaitable[None]]) -> None:
    server = HttpServer({"/hello": hello, "/broken": broken})
    await server.start(Listen("127.0.0.1", 0))

    async def exchange(data: bytes) -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(data)
        await writer.drain()
        try:
            answer = await asyncio.wait_for(reader.read(), 10)
        except ConnectionResetError:  # closed unanswered before reading what we sent
            answer = b""
        writer.close()
        return answer

    try:
        await body(server, exchange)
    finally:
        await server.close()


def run(body: Callable[[HttpServer, Exchange], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(with_server(body), 30))


def test_get_answers_with_length_and_closes() -> None:
    async def body(_server: HttpServer, exchange: Exchange) -> None:
        answer = await exchange(b"GET /hello?x=1 HTTP/1.1\r\nHost: a\r\nX-Name: ops\r\n\r\n")
        head, _, content = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200 OK\r\n")
        assert b"Content-Length: 10\r\n" in head + b"\r\n"
        assert b"Connection: close" in head
        assert content == b"hello ops\n"

    run(body)


def test_head_has_no_body_and_unknown_paths_and_methods_are_refused() -> None:
    async def body(_server: HttpServer, exchange: Exchange) -> None:
        answer = await exchange(b"HEAD /hello HTTP/1.1\r\n\r\n")
        assert answer.startswith(b"HTTP/1.1 200 OK") and answer.endswith(b"\r\n\r\n")
        assert (await exchange(b"GET /nope HTTP/1.1\r\n\r\n")).startswith(
            b"HTTP/1.1 404 Not Found")
        refused = await exchange(b"POST /hello HTTP/1.1\r\nContent-Length: 0\r\n\r\n")
        assert refused.startswith(b"HTTP/1.1 405 Method Not Allowed")
        assert b"Allow: GET, HEAD" in refused

    run(body)


def test_a_failing_handler_answers_500_and_the_next_request_is_served() -> None:
    async def body(_server: HttpServer, exchange: Exchange) -> None:
        answer = await exchange(b"GET /broken HTTP/1.1\r\n\r\n")
        assert answer.startswith(b"HTTP/1.1 500 Internal Server Error")
        assert (await exchange(b"GET /hello HTTP/1.1\r\n\r\n")).startswith(b"HTTP/1.1 200")

    run(body)


@pytest.mark.parametrize("head", [
    b"GARBAGE\r\n\r\n",
    b"GET hello HTTP/1.1\r\n\r\n",
    b"GET /hello SPDY/3\r\n\r\n",
    b"get /hello HTTP/1.1\r\n\r\n",
    b"GET /hello HTTP/1.1\r\nno colon here\r\n\r\n",
    b"GET /hello HTTP/1.1\r\n folded: header\r\n\r\n",
])
def test_a_malformed_request_gets_400(head: bytes) -> None:
    async def body(_server: HttpServer, exchange: Exchange) -> None:
        assert (await exchange(head)).startswith(b"HTTP/1.1 400 Bad Request")

    run(body)


def test_an_oversized_head_gets_431_without_reading_it_all() -> None:
    async def body(_server: HttpServer, exchange: Exchange) -> None:
        huge = b"GET /hello HTTP/1.1\r\nX-Pad: " + b"a" * (2 * http.HEAD_LIMIT) + b"\r\n\r\n"
        assert (await exchange(huge)).startswith(b"HTTP/1.1 431")

    run(body)


def test_a_client_that_sends_nothing_is_cut_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(http, "REQUEST_SECONDS", 0.2)

    async def body(_server: HttpServer, exchange: Exchange) -> None:
        assert await exchange(b"GET /hel") == b""  # closed unanswered, not held open

    run(body)


def test_connections_past_the_limit_are_closed_and_the_listener_lives_on(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(http, "MAX_CONNECTIONS", 2)

    async def body(server: HttpServer, exchange: Exchange) -> None:
        idle = [await asyncio.open_connection("127.0.0.1", server.port) for _ in range(2)]
        # The two idle clients hold both places: a third is closed unanswered.
        while server.connections < 2:  # the server has taken both
            await asyncio.sleep(0.01)
        assert await exchange(b"GET /hello HTTP/1.1\r\n\r\n") == b""
        for _, writer in idle:
            writer.close()
        while server.connections:
            await asyncio.sleep(0.01)
        assert (await exchange(b"GET /hello HTTP/1.1\r\n\r\n")).startswith(b"HTTP/1.1 200")

    run(body)


def test_close_ends_open_connections_and_a_new_server_takes_the_port() -> None:
    async def body() -> None:
        server = HttpServer({"/hello": hello})
        await server.start(Listen("127.0.0.1", 0))
        port = server.port
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while not server.connections:
            await asyncio.sleep(0.01)
        await asyncio.wait_for(server.close(), 10)
        assert server.connections == 0
        try:  # cut (an end of file or a reset), not left hanging
            rest = await asyncio.wait_for(reader.read(), 10)
        except ConnectionResetError:
            rest = b""
        assert rest == b""
        writer.close()
        again = HttpServer({"/hello": hello})
        await again.start(Listen("127.0.0.1", port))  # as after a restart
        await again.close()

    asyncio.run(asyncio.wait_for(body(), 30))


def test_parse_head_lower_cases_names_and_drops_the_query() -> None:
    request = parse_head(b"GET /metrics?name[]=x HTTP/1.0\r\nAccept: text/plain\r\n\r\n")
    assert request == Request("GET", "/metrics", {"accept": "text/plain"})
