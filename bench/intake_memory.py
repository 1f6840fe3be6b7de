"""Intake memory under concurrent large DATA: `serve --intake-only`'s RSS, before and after.

Usage:  .venv/bin/python bench/intake_memory.py [--sessions S] [--size BYTES]
                                                [--one-address] [--code DIR]

S sessions (default 10) each send one message of BYTES (default 20 MB,
76-character lines) at the same time to `serve --intake-only` on the
embedded defaults (max_message_size 25MB).  Each session comes from its own
loopback address (127.0.0.2, .3, ...) unless --one-address; a session
answered 4xx tries again after a second, as a sending MTA would (later),
until its message is stored.

Printed: serve's RSS when idle (VmRSS after "listening") and its peak
(VmHWM) over the run, the replies of the first tries, and the seconds until
every message was stored.  `--code DIR` runs another checkout's `router`
package and config/router.yaml (for example a `git worktree` of an older
commit), so the same load measures the code before a change:

    git worktree add /tmp/before <commit> && \
        .venv/bin/python bench/intake_memory.py --code /tmp/before
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
START_TIMEOUT = 60.0
RETRY_FOR = 600.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def message(size: int, n: int) -> bytes:
    head = (f"From: seller{n}@musterhandel.de\r\nTo: csba-de2de@amazon.de\r\n"
            f"Message-ID: <memory-{n}-{os.getpid()}@musterhandel.de>\r\n"
            "Subject: Rechnungen als Anhang\r\n\r\n").encode()
    line = b"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAx\r\n"
    return head + line * max(0, (size - len(head)) // len(line))


class Client:
    """One SMTP session on a raw socket (smtplib would copy the 20 MB on its way)."""

    def __init__(self, port: int, source: str) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=300,
                                             source_address=(source, 0))
        self.file = self.sock.makefile("rb")
        self.reply()

    def reply(self) -> int:
        while True:
            line = self.file.readline()
            if not line:
                raise ConnectionError("closed by the server")
            if line[3:4] != b"-":
                return int(line[:3])

    def command(self, text: str) -> int:
        self.sock.sendall(text.encode() + b"\r\n")
        return self.reply()

    def send(self, data: bytes) -> int:
        if self.command("MAIL FROM:<seller@musterhandel.de>") != 250:
            return 0
        if self.command("RCPT TO:<csba-de2de@amazon.de>") != 250:
            return 0
        code = self.command("DATA")
        if code != 354:
            return code
        self.sock.sendall(data)
        self.sock.sendall(b".\r\n")
        return self.reply()

    def close(self) -> None:
        try:
            self.command("QUIT")
        except OSError:
            pass
        self.sock.close()


def vm(pid: int, field: str) -> int:
    """A /proc/PID/status figure in kB (VmRSS, VmHWM)."""
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(rf"^{field}:\s+(\d+) kB", status, re.M)
    return int(match.group(1)) if match else 0


def start_serve(code: Path, directory: Path) -> tuple[subprocess.Popen[bytes], int, Path]:
    port = free_port()
    text = (code / "config" / "router.yaml").read_text(encoding="utf-8")
    text = text.replace("listen: 127.0.0.1:2525", f"listen: 127.0.0.1:{port}")
    (directory / "router.yaml").write_text(text, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "CSBA_ROUTER_CONFIG"}
    env["PYTHONPATH"] = str(code)
    log = directory / "serve.log"
    with log.open("w") as err:
        serve = subprocess.Popen(
            [sys.executable, "-m", "router", "--config", "router.yaml", "serve",
             "--intake-only"], cwd=directory, env=env, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=err)
    deadline = time.monotonic() + START_TIMEOUT
    while '"listening"' not in log.read_text():
        if serve.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"intake_memory: serve did not start:\n{log.read_text()}")
        time.sleep(0.05)
    return serve, port, log


def run(code: Path, sessions: int, size: int, one_address: bool) -> None:
    directory = Path(tempfile.mkdtemp(prefix="csba-intake-memory-"))
    data = [message(size, n) for n in range(sessions)]
    serve, port, _log = start_serve(code, directory)
    try:
        idle_kb = vm(serve.pid, "VmRSS")
        first: Counter[int] = Counter()
        stored_at: list[float] = []
        lock = threading.Lock()
        ready = threading.Barrier(sessions + 1)

        def session(n: int) -> None:
            source = "127.0.0.1" if one_address else f"127.0.0.{2 + n}"
            client = Client(port, source)
            client.command("EHLO memory.bench")
            ready.wait()
            code_ = client.send(data[n])
            with lock:
                first[code_] += 1
            deadline = time.monotonic() + RETRY_FOR
            while code_ != 250 and time.monotonic() < deadline:
                client.close()
                time.sleep(1.0)  # a 4xx: the sender tries again later
                client = Client(port, source)
                client.command("EHLO memory.bench")
                code_ = client.send(data[n])
            with lock:
                stored_at.append(time.monotonic())
            client.close()

        threads = [threading.Thread(target=session, args=(n,)) for n in range(sessions)]
        for thread in threads:
            thread.start()
        ready.wait()
        began = time.monotonic()
        for thread in threads:
            thread.join()
        peak_kb = vm(serve.pid, "VmHWM")
    finally:
        serve.send_signal(signal.SIGTERM)
        serve.wait(60)
        shutil.rmtree(directory, ignore_errors=True)
    print(f"code: {code}")
    print(f"load: {sessions} sessions x {size / 1e6:.0f} MB at once, "
          f"{'one address' if one_address else 'one address each'}, {os.cpu_count()} CPUs")
    print(f"serve idle RSS:        {idle_kb / 1024:7.0f} MB")
    print(f"serve peak RSS:        {peak_kb / 1024:7.0f} MB  "
          f"(+{(peak_kb - idle_kb) / 1024:.0f} MB over idle)")
    print("first replies:         " + ", ".join(f"{n} x {c}" for c, n in sorted(first.items())))
    print(f"all stored after:      {max(stored_at) - began:7.1f} s "
          f"({len(stored_at)} of {sessions})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--size", type=int, default=20_000_000)
    parser.add_argument("--one-address", action="store_true",
                        help="every session from 127.0.0.1 (default: one address each)")
    parser.add_argument("--code", type=Path, default=REPO,
                        help="checkout whose router/ and config/ to run (default: this one)")
    args = parser.parse_args(argv)
    run(args.code.resolve(), args.sessions, args.size, args.one_address)
    return 0


if __name__ == "__main__":
    sys.exit(main())
