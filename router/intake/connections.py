"""SMTP connections: how many, from whom, and what happens when there are too many.

No one sender may hold what the others need (the contract's "Limits under
abuse"): past `smtp.max_connections` open sessions, or
`smtp.max_connections_per_ip` from one address, a new connection is told
``421 4.7.0`` and closed by :class:`ConnectionGate`, the first protocol of
every accepted socket, before any session object is built (building one
costs more than half a millisecond in aiosmtpd).  The count per address
takes an IPv6 peer's /64 as one address: one host is given a whole /64.

When the process runs out of file descriptors anyway, asyncio's accept loop
reports every failed ``accept()`` through the loop's exception handler, a
hundred times per wake-up; :class:`AcceptErrors` is that handler and logs it
once a minute with a count.
"""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import logging
import resource
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from router.config.model import Smtp

log = logging.getLogger("router.intake.smtp")

REPLY_TOO_MANY = "421 4.7.0 Too many connections, try again later"
REPLY_TOO_MANY_FROM_YOU = "421 4.7.0 Too many connections from your address, try again later"
REPLY_SHUTTING_DOWN = "421 4.3.2 Service shutting down, try again later"

#: How often a repeated problem (accept failures, refused connections) is logged.
REPORT_EVERY = 60.0
#: Descriptors the daemon needs besides its SMTP sessions (database, log,
#: pipes to the pipeline processes, IMAP, the listening socket).
FD_RESERVE = 64

_RESOURCE_ERRNOS = (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM)


@dataclass(frozen=True)
class ConnectionLimits:
    total: int
    per_peer: int

    @classmethod
    def of(cls, smtp: Smtp) -> ConnectionLimits:
        return cls(smtp.max_connections, smtp.max_connections_per_ip)


def peer_key(peer: Any) -> str | None:
    """The address a connection is counted under: the IP, or an IPv6 peer's /64."""
    if not isinstance(peer, tuple) or not peer:
        return None
    try:
        address = ipaddress.ip_address(str(peer[0]).split("%", 1)[0])
    except ValueError:
        return str(peer[0])
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


class Session(Protocol):
    """What the registry needs of an SMTP session (router.intake.smtp.IntakeSMTP)."""

    @property
    def idle(self) -> bool: ...

    def goodbye(self, reply: str = ...) -> None: ...

    def abort(self) -> None: ...


class Sessions:
    """The open sessions: counted per peer, drained at shutdown."""

    def __init__(self) -> None:
        self._open: dict[Session, str | None] = {}
        self._by_peer: Counter[str | None] = Counter()
        self._empty = asyncio.Event()
        self._empty.set()
        self.draining = False

    def __len__(self) -> int:
        return len(self._open)

    def refusal(self, key: str | None, limits: ConnectionLimits) -> str | None:
        """The 421 for one more connection from `key`, or None when it may come in."""
        if len(self._open) >= limits.total:
            return REPLY_TOO_MANY
        if key is not None and self._by_peer[key] >= limits.per_peer:
            return REPLY_TOO_MANY_FROM_YOU
        return None

    def add(self, session: Session, key: str | None) -> None:
        if session in self._open:  # connection_made again after STARTTLS
            return
        self._open[session] = key
        self._by_peer[key] += 1
        self._empty.clear()

    def discard(self, session: Session) -> None:
        if session not in self._open:
            return
        key = self._open.pop(session)
        self._by_peer[key] -= 1
        if not self._by_peer[key]:
            del self._by_peer[key]
        if not self._open:
            self._empty.set()

    def drain(self) -> None:
        """Close idle sessions now; busy ones close after their current reply."""
        self.draining = True
        for session in list(self._open):
            if session.idle:
                session.goodbye(REPLY_SHUTTING_DOWN)

    async def wait_closed(self, timeout: float) -> int:
        """Wait until every session has ended; return how many are still open."""
        try:
            await asyncio.wait_for(self._empty.wait(), timeout)
        except TimeoutError:
            pass
        return len(self._open)

    def abort(self) -> None:
        """Cut the sessions that overran the grace period (they get no 250)."""
        for session in list(self._open):
            session.abort()


class Occasional:
    """Counts a repeated event and logs it at most once per `every` seconds."""

    def __init__(self, every: float = REPORT_EVERY) -> None:
        self._every = every
        self._last: float | None = None
        self.count = 0  # since the last line

    def note(self, emit: Callable[[int], None]) -> None:
        """One more; `emit(count)` when a line is due (the first at once)."""
        self.count += 1
        now = time.monotonic()
        if self._last is None or now - self._last >= self._every:
            self._last = now
            emit(self.count)
            self.count = 0

    def take(self) -> int:
        """The count not yet logged, now told elsewhere (the clock runs on)."""
        count, self.count = self.count, 0
        return count


class AcceptErrors:
    """The loop's exception handler: failed accepts logged once a minute, the rest passed on.

    asyncio's accept loop retries a listening socket a second after
    ``accept()`` fails for want of descriptors (EMFILE, ENFILE, ENOBUFS,
    ENOMEM), and reports each failure of its up to 100 tries per wake-up;
    logged as they come, that was some 2,000 lines a second.
    """

    def __init__(self, every: float = REPORT_EVERY) -> None:
        self._failures = Occasional(every)
        self._recoveries = Occasional(every)
        self._failing = False
        self._previous: Callable[[asyncio.AbstractEventLoop, dict[str, Any]], object] | None = None

    def install(self, loop: asyncio.AbstractEventLoop) -> None:
        self._previous = loop.get_exception_handler()
        loop.set_exception_handler(self)

    def __call__(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        error = context.get("exception")
        if ("socket" in context and isinstance(error, OSError)
                and error.errno in _RESOURCE_ERRNOS):
            self._failing = True
            self._failures.note(lambda count: log.error(
                f"cannot accept connections: {error.strerror or error}; retrying every "
                f"second ({count} failed tries since the last report)",
                extra={"event": "accept_failed", "errno": errno.errorcode.get(
                    error.errno or 0, str(error.errno)), "failed": count}))
            return
        if self._previous is not None:
            self._previous(loop, context)
        else:
            loop.default_exception_handler(context)

    def accepted(self) -> None:
        """A connection was accepted: if accepting had failed, say that it works again."""
        if self._failing:
            self._failing = False
            self._recoveries.note(lambda _count: self._recovered(self._failures.take()))

    def _recovered(self, failed: int) -> None:
        log.warning(f"accepting connections again ({failed} failed tries not reported before)",
                    extra={"event": "accept_recovered", "failed": failed})


class ConnectionGate(asyncio.Protocol):
    """The first protocol of a connection: a 421 past the limits, else the SMTP session.

    A refused connection costs a counter lookup, one write and a close;
    refusals are logged once a minute with their count.
    """

    def __init__(self, sessions: Sessions, limits: ConnectionLimits,
                 start: Callable[[], asyncio.Protocol], *,
                 accept_errors: AcceptErrors | None = None,
                 refused: Occasional | None = None) -> None:
        self._sessions = sessions
        self._limits = limits
        self._start = start
        self._accept_errors = accept_errors
        self._refused = refused

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if self._accept_errors is not None:
            self._accept_errors.accepted()
        key = peer_key(transport.get_extra_info("peername"))
        refusal = self._sessions.refusal(key, self._limits)
        if refusal is not None:
            if isinstance(transport, asyncio.WriteTransport):
                transport.write(refusal.encode("ascii") + b"\r\n")
            transport.close()
            if self._refused is not None:
                self._refused.note(lambda count: log.warning(
                    f"connection refused: {refusal[10:]} ({count} refused since the last "
                    "report)", extra={"event": "connection_refused", "peer": key,
                                      "refused": count, "sessions": len(self._sessions)}))
            return
        protocol = self._start()
        transport.set_protocol(protocol)
        protocol.connection_made(transport)


def check_fd_limit(smtp: Smtp) -> None:
    """Make room for `max_connections` sessions in the descriptor limit, or say there is none.

    The soft limit is raised up to the hard one as far as needed; when even
    that is too low, connections beyond it wait in the kernel's queue
    instead of being told 421, so the operator is warned at start.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = smtp.max_connections + FD_RESERVE
    if soft != resource.RLIM_INFINITY and soft < wanted:
        raised = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        if raised > soft:
            try:
                resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))
                soft = raised
            except (ValueError, OSError):
                pass
    if soft != resource.RLIM_INFINITY and soft < wanted:
        log.warning(
            f"the file descriptor limit ({soft}) is below smtp.max_connections + {FD_RESERVE} "
            f"({wanted}): raise it (ulimit -n, LimitNOFILE=) or lower smtp.max_connections",
            extra={"event": "fd_limit_low", "limit": soft, "wanted": wanted})
