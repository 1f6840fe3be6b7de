"""A bare SMTP client on a socket, for attacks smtplib will not send.

smtplib fixes line endings in DATA, refuses NUL in arguments and cannot
choose its source address per connection or hold a reply unread; these
tests need all of that.  Every read has a deadline (the socket timeout).
"""

from __future__ import annotations

import socket

from tests.intake.routerproc import WAIT


class RawSMTP:
    """One connection; replies are read whole (multi-line ones joined)."""

    def __init__(self, port: int, *, source: str = "127.0.0.1", timeout: float = WAIT) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout,
                                             source_address=(source, 0))
        self._buffer = b""

    def reply(self) -> tuple[int, str]:
        """The next reply: its code and its text (lines joined by newlines)."""
        lines = []
        while True:
            line = self._line()
            lines.append(line[4:].decode("ascii", "replace"))
            if line[3:4] != b"-":
                return int(line[:3]), "\n".join(lines)

    def _line(self) -> bytes:
        while b"\r\n" not in self._buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError(f"closed by the server; unread: {self._buffer!r}")
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\r\n", 1)
        return line

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def command(self, line: bytes | str) -> tuple[int, str]:
        self.send((line.encode("ascii") if isinstance(line, str) else line) + b"\r\n")
        return self.reply()

    def greet(self, helo: str = "mx.musterhandel.de") -> None:
        code, text = self.reply()
        assert code == 220, text
        code, text = self.command(f"EHLO {helo}")
        assert code == 250, text

    def message(self, sender: str, rcpt: str, data: bytes) -> tuple[int, str]:
        """MAIL, RCPT, DATA with `data` sent as it is (CRLF added before the dot if missing)."""
        assert self.command(f"MAIL FROM:<{sender}>")[0] == 250
        assert self.command(f"RCPT TO:<{rcpt}>")[0] == 250
        code, text = self.command("DATA")
        if code != 354:
            return code, text
        self.send(data + (b"" if data.endswith(b"\r\n") else b"\r\n") + b".\r\n")
        return self.reply()

    def wait_closed(self) -> bytes:
        """Wait until the server closes the connection; what it sent meanwhile, unread.

        A server that stays open past the socket's timeout fails the test
        (socket.timeout).
        """
        while True:
            try:
                chunk = self.sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            self._buffer += chunk
        rest, self._buffer = self._buffer, b""
        return rest

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> RawSMTP:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
