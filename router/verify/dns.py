"""DNS for the router's own authentication checks: dnspython, bounded in time.

One `Resolver` per configured server (`trust.resolver: HOST:PORT`, else the
system's resolv.conf) and process, with dnspython's LRU cache, so a seller's
keys and records are asked for once per TTL, not once per message.  Each
message's checks share one `Budget`: however many lookups a hostile message
causes (signatures, includes, ARC instances), its checks end when the budget
does, with a temporary error, well inside `instance.decide_timeout`.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import dns.exception
import dns.name
import dns.rdatatype
import dns.resolver

from router.config.types import Listen

#: Seconds one lookup may take; a message's checks all together: `BUDGET`.
LOOKUP_SECONDS = 3.0
BUDGET_SECONDS = 10.0
_CACHE_ENTRIES = 10_000


class DnsTemporaryError(Exception):
    """No answer in time, or the server failed: the result is `temperror`."""


@dataclass
class Budget:
    """The time one message's checks may still spend on DNS."""

    deadline: float = field(default_factory=lambda: time.monotonic() + BUDGET_SECONDS)

    def lifetime(self) -> float:
        """Seconds the next lookup may take; raises once the budget is spent."""
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise DnsTemporaryError("the time for this message's DNS lookups is spent")
        return min(LOOKUP_SECONDS, left)


class Resolver:
    """Lookups through one DNS server (or the system's), cached, each within a budget."""

    def __init__(self, server: Listen | None) -> None:
        if server is None:
            try:
                self._resolver = dns.resolver.Resolver()
            except dns.resolver.NoResolverConfiguration:
                # No resolv.conf: every lookup is a temporary error, said once per lookup.
                self._resolver = dns.resolver.Resolver(configure=False)
        else:
            self._resolver = dns.resolver.Resolver(configure=False)
            address = _address_of(server.host)
            self._resolver.nameservers = [address] if address else []
            self._resolver.port = server.port
        self._resolver.cache = dns.resolver.LRUCache(_CACHE_ENTRIES)
        self.server = f"{server.host}:{server.port}" if server else "the system resolver"

    def answers(self, name: str, rdtype: str, budget: Budget) -> Sequence[Any]:
        """The records of one type at `name`: empty where there are none (NXDOMAIN too)."""
        if not self._resolver.nameservers:
            raise DnsTemporaryError("no DNS server is configured")
        try:
            answer = self._resolver.resolve(name, rdtype, lifetime=budget.lifetime(),
                                            search=False, raise_on_no_answer=False)
        except dns.resolver.NXDOMAIN:
            return []
        except (dns.exception.Timeout, dns.resolver.NoNameservers,
                dns.resolver.LifetimeTimeout) as exc:
            raise DnsTemporaryError(f"DNS {rdtype} {name}: {type(exc).__name__}") from None
        except dns.exception.DNSException as exc:  # a bad name and the like: no records
            if isinstance(exc, (dns.name.EmptyLabel, dns.name.LabelTooLong,
                                dns.name.NameTooLong)):
                return []
            raise DnsTemporaryError(f"DNS {rdtype} {name}: {type(exc).__name__}") from None
        return list(answer) if answer.rrset is not None else []

    def txt(self, name: str, budget: Budget) -> list[bytes]:
        """Each TXT record at `name`, its strings joined."""
        return [b"".join(r.strings) for r in self.answers(name, "TXT", budget)]


def _address_of(host: str) -> str | None:
    """The server's IP address: as written, or its name looked up once (hosts file too)."""
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    try:
        return str(socket.getaddrinfo(host, 53, proto=socket.IPPROTO_UDP)[0][4][0])
    except OSError:
        return None


_resolvers: dict[str, Resolver] = {}
_lock = threading.Lock()


def resolver_for(server: Listen | None) -> Resolver:
    """The process's resolver for this server (kept across messages and reloads)."""
    key = f"{server.host}:{server.port}" if server else ""
    with _lock:
        found = _resolvers.get(key)
        if found is None:
            found = _resolvers[key] = Resolver(server)
        return found
