"""A private dnsmasq for tests: the DNS of sender trust, on a loopback port.

It runs Debian's ``dnsmasq`` in the foreground with its own config in a
temp directory: no upstream servers, no hosts file, every name local (an
unknown name is NXDOMAIN, not a question sent anywhere), listening on
127.0.0.1 at a port free for both UDP and TCP.  The records are what a
test gives: DKIM keys, SPF and DMARC policies as TXT, and A records.

Test DKIM keys are made here by ``openssl`` (PKCS#1, as dkimpy signs with).
"""

from __future__ import annotations

import base64
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import dns.exception
import dns.resolver
import pytest

READY_SECONDS = 15.0


def dnsmasq_binary() -> str:
    """The dnsmasq program; fails under CI (it must run there), skips elsewhere."""
    path = shutil.which("dnsmasq") or ("/usr/sbin/dnsmasq" if os.path.exists(
        "/usr/sbin/dnsmasq") else None)
    if path is None:
        reason = "dnsmasq is not installed (.ci/run installs it)"
        if os.environ.get("CI"):
            pytest.fail(reason + "; CI is set: the DNS tests must run")
        pytest.skip(reason)
    return path


def free_udp_tcp_port() -> int:
    """A loopback port free for UDP and TCP at once (DNS answers on both)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind(("127.0.0.1", 0))
            port = int(udp.getsockname()[1])
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                try:
                    tcp.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
    raise RuntimeError("no free UDP+TCP port on 127.0.0.1")


@dataclass(frozen=True)
class DkimKey:
    """A test signing key: the PEM for dkimpy, the TXT record for DNS."""

    selector: str
    domain: str
    private_pem: bytes
    public_b64: str

    @property
    def name(self) -> str:
        return f"{self.selector}._domainkey.{self.domain}"

    @property
    def record(self) -> str:
        return f"v=DKIM1; k=rsa; p={self.public_b64}"


def make_key(directory: Path, selector: str, domain: str, bits: int = 2048) -> DkimKey:
    """A fresh RSA key pair for `selector._domainkey.domain`."""
    path = directory / f"{selector}.{domain}.pem"
    subprocess.run(["openssl", "genrsa", "-traditional", "-out", str(path), str(bits)],
                   check=True, capture_output=True, timeout=60)
    public = subprocess.run(["openssl", "rsa", "-in", str(path), "-pubout", "-outform", "DER"],
                            check=True, capture_output=True, timeout=60).stdout
    return DkimKey(selector, domain, path.read_bytes(), base64.b64encode(public).decode())


def _quoted(text: str) -> str:
    """A TXT value for dnsmasq's config: strings of at most 255 characters, quoted."""
    chunks = [text[i:i + 255] for i in range(0, len(text), 255)] or [""]
    return ",".join('"' + c.replace("\\", "\\\\").replace('"', '\\"') + '"' for c in chunks)


class Dnsmasq:
    """One private dnsmasq serving `txt` (name -> records) and `a` (name -> address)."""

    def __init__(self, txt: dict[str, list[str]], a: dict[str, str] | None = None) -> None:
        self.binary = dnsmasq_binary()
        self.root = Path(tempfile.mkdtemp(prefix="csba-dnsmasq-"))
        self.port = free_udp_tcp_port()
        lines = ["no-resolv", "no-hosts", "local=/#/", "bind-interfaces",
                 "listen-address=127.0.0.1", f"port={self.port}", "cache-size=0"]
        for name, records in txt.items():
            lines.extend(f"txt-record={name},{_quoted(r)}" for r in records)
        for name, address in (a or {}).items():
            lines.append(f"host-record={name},{address}")
        self.conf = self.root / "dnsmasq.conf"
        self.conf.write_text("\n".join(lines) + "\n", encoding="utf-8")
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        """`HOST:PORT`, as `trust.resolver` takes it."""
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start and wait (bounded) until it answers; its log is shown on failure."""
        user = ["--user=root", "--group=root"] if os.getuid() == 0 else []
        with open(self.root / "stderr.log", "ab") as log:
            self._proc = subprocess.Popen(
                [self.binary, "--keep-in-foreground", f"--conf-file={self.conf}",
                 "--pid-file=", "--log-facility=-", *user],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = ["127.0.0.1"]
        resolver.port = self.port
        deadline = time.monotonic() + READY_SECONDS
        while True:
            if self._proc.poll() is not None:
                pytest.fail(f"dnsmasq exited ({self._proc.returncode}):\n{self.log()}")
            try:
                resolver.resolve("ready.invalid", "TXT", lifetime=1.0)
            except dns.resolver.NXDOMAIN:
                return  # it answers
            except dns.exception.DNSException:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"dnsmasq did not answer within {READY_SECONDS}s:\n{self.log()}")
            time.sleep(0.05)  # polling the port for readiness, not waiting for an effect

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(READY_SECONDS)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def log(self) -> str:
        path = self.root / "stderr.log"
        return path.read_text(errors="replace") if path.exists() else ""
