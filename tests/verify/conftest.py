"""The DNS of the sender-trust tests: keys, SPF and DMARC records in a real dnsmasq.

One dnsmasq per test session serves a small world:

- musterhandel.de, the seller: SPF allows 127.0.0.1 (where the tests send
  from), a DKIM key (selector `s2026`), DMARC `p=reject`;
- evil.test, the forger: SPF allows no one, no DMARC;
- gmail.com, a mail provider that forwards: SPF allows 127.0.0.1, and
  google.com seals ARC with the key `arc-2026`;
- web.de, a customer's provider: a DKIM key, DMARC `p=none`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.verify.dnsmasq import DkimKey, Dnsmasq, dnsmasq_binary, make_key


@dataclass(frozen=True)
class World:
    dns: Dnsmasq
    seller: DkimKey  # musterhandel.de
    customer: DkimKey  # web.de
    sealer: DkimKey  # google.com's ARC key
    forger: DkimKey  # evil.test (published), for a forger who signs his own mail


@pytest.fixture(scope="session")
def dns_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    dnsmasq_binary()  # no dnsmasq: skip (or fail under CI) before making keys
    keys = tmp_path_factory.mktemp("dkim")
    seller = make_key(keys, "s2026", "musterhandel.de")
    customer = make_key(keys, "mail", "web.de")
    sealer = make_key(keys, "arc-2026", "google.com")
    forger = make_key(keys, "x", "evil.test", bits=1024)
    txt = {
        "musterhandel.de": ["v=spf1 ip4:127.0.0.1 -all"],
        "_dmarc.musterhandel.de": ["v=DMARC1; p=reject"],
        seller.name: [seller.record],
        "evil.test": ["v=spf1 -all"],
        forger.name: [forger.record],
        "gmail.com": ["v=spf1 ip4:127.0.0.1 ~all"],
        "_dmarc.gmail.com": ["v=DMARC1; p=none"],
        sealer.name: [sealer.record],
        "web.de": ["v=spf1 ip4:192.0.2.25 -all"],
        "_dmarc.web.de": ["v=DMARC1; p=none"],
        customer.name: [customer.record],
    }
    server = Dnsmasq(txt, a={"mx.csba.example.internal": "127.0.0.1"})
    server.start()
    try:
        yield World(server, seller, customer, sealer, forger)
    finally:
        server.close()


@pytest.fixture
def dead_resolver(tmp_path: Path) -> str:
    """`HOST:PORT` where no DNS server answers (a loopback port nothing listens on)."""
    from tests.verify.dnsmasq import free_udp_tcp_port

    return f"127.0.0.1:{free_udp_tcp_port()}"
