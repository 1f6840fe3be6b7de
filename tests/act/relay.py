"""A real SMTP relay for delivery tests: aiosmtpd on a free loopback port.

It answers as a test scripts it (per recipient at RCPT, per message at
DATA) and records what it accepted, so tests check the real SMTP dialogue
instead of a mock of aiosmtplib.
"""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Accepted:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    helo: str | None
    tls: bool


@dataclass
class Relay:
    """The handler: scripted replies, and the messages it took.

    ``data_replies`` are used one per DATA, in order, then 250.  ``rcpt_replies``
    maps a recipient to its RCPT reply (every time it is given).
    """

    data_replies: list[str] = field(default_factory=list)
    rcpt_replies: dict[str, str] = field(default_factory=dict)
    accepted: list[Accepted] = field(default_factory=list)
    port: int = 0

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        reply = self.rcpt_replies.get(address)
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        reply = self.data_replies.pop(0) if self.data_replies else "250 OK queued"
        if reply.startswith("250"):
            self.accepted.append(Accepted(
                envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content,
                session.host_name, session.ssl is not None))
        return reply


@contextmanager
def running(relay: Relay, *, tls_context: ssl.SSLContext | None = None) -> Iterator[Relay]:
    """Serve ``relay`` on 127.0.0.1 for the duration of the block."""
    relay.port = free_port()
    kwargs: dict[str, Any] = {}
    if tls_context is not None:
        kwargs.update(tls_context=tls_context, require_starttls=False)
    controller = Controller(relay, hostname="127.0.0.1", port=relay.port, **kwargs)
    controller.start()
    try:
        yield relay
    finally:
        controller.stop()


def self_signed_context(directory: Path) -> ssl.SSLContext | None:
    """A server context with a throwaway certificate; None without openssl."""
    if shutil.which("openssl") is None:
        return None
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=relay.test", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context
