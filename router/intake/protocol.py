"""The SMTP protocol of the intake: aiosmtpd's, with limits, timeouts and draining.

:class:`IntakeSMTP` is aiosmtpd's ``SMTP`` with what a handler cannot do:

- DATA is read within the intake's memory budget (router.intake.data), and
  oversize mail gets ``552 5.3.4`` (aiosmtpd's own reply lacks the code);
- a session silent for `smtp.idle_timeout` is told ``421 4.4.2`` and closed.
  aiosmtpd's `timeout` is that clock, but it only restarts on a recognised
  command, never while DATA arrives (a large message sent slowly but
  steadily would be cut), and it hangs up without a reply; here every line
  of DATA counts as heard, and the client is told why;
- a session that has had no message accepted for `smtp.session_timeout`
  (since it connected or since its last 250) is closed the same way, so
  NOOP every minute does not hold a session forever.  A message being
  committed at that moment is answered first;
- a graceful shutdown sees when a session is between transactions.

:class:`Intake` is what every session of a daemon shares (the session
registry, the DATA budget, the accept-error log) and builds the protocol
for each new connection: the connection gate first (router.intake.connections).
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, AnyStr

from aiosmtpd.smtp import SMTP, syntax
from sqlalchemy.engine import Engine

from router.config import Config
from router.config.model import Smtp
from router.intake.connections import (
    REPLY_SHUTTING_DOWN,
    AcceptErrors,
    ConnectionGate,
    ConnectionLimits,
    Occasional,
    Sessions,
    check_fd_limit,
    peer_key,
)
from router.intake.data import REPLY_NO_ROOM, DataBudget, Progress, data_budget, read_data
from router.intake.smtp import REPLY_TOO_BIG, IntakeHandler

log = logging.getLogger("router.intake.smtp")

REPLY_IDLE = "421 4.4.2 Idle too long, closing connection"
REPLY_SESSION_OVER = "421 4.4.2 Session too long without mail, closing connection"

# aiosmtpd's own size refusal for MAIL FROM ... SIZE= ("552 Error: message
# size exceeds fixed maximum message size").  It sends no other 552, so the
# prefix identifies it; a test pins the reply.
_AIOSMTPD_TOO_BIG = "552 Error"
#: aiosmtpd always runs its idle clock; "no idle timeout" is this long.
_NEVER = 10.0 ** 9

_ADDRESS_CACHE: dict[tuple[str, int], tuple[str | None, str | None]] = {}
_ADDRESS_CACHE_SIZE = 4096


@dataclass(frozen=True)
class Timeouts:
    """Seconds; None: no such limit (a configured 0s)."""

    idle: float | None
    session: float | None

    @classmethod
    def of(cls, smtp: Smtp) -> Timeouts:
        return cls(smtp.idle_timeout.total_seconds() or None,
                   smtp.session_timeout.total_seconds() or None)


class IntakeSMTP(SMTP):
    """aiosmtpd's SMTP with the intake's limits (see the module's docstring)."""

    def __init__(self, handler: IntakeHandler, *, sessions: Sessions, budget: DataBudget,
                 timeouts: Timeouts, **kwargs: Any) -> None:
        super().__init__(handler, timeout=timeouts.idle or _NEVER, **kwargs)
        self._sessions = sessions
        self._budget = budget
        self._timeouts = timeouts
        self._said_goodbye = False
        self._progress = Progress()
        self._in_data = False
        self._committing = False
        self._close_after_reply: str | None = None
        self._session_clock: asyncio.TimerHandle | None = None
        self.peer_key: str | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        first = self.transport is None  # not the second call, after STARTTLS
        super().connection_made(transport)
        if first:
            self.peer_key = peer_key(transport.get_extra_info("peername"))
            self._sessions.add(self, self.peer_key)
            self._restart_session_clock()

    def connection_lost(self, error: Exception | None) -> None:
        try:
            super().connection_lost(error)
        finally:
            if self._session_clock is not None:
                self._session_clock.cancel()
            self._sessions.discard(self)

    # --- the clocks ----------------------------------------------------------

    def _timeout_cb(self) -> None:
        """aiosmtpd's idle clock ran out: unless DATA still arrives or we commit, 421."""
        idle = self._timeouts.idle or _NEVER
        quiet = time.monotonic() - self._progress.heard
        if self._in_data and quiet < idle:
            self._reset_timeout(idle - quiet)
        elif self._committing:  # we are the slow one, not the client
            self._reset_timeout()
        else:
            self._timed_out("idle_timeout", REPLY_IDLE)

    def _restart_session_clock(self) -> None:
        if self._session_clock is not None:
            self._session_clock.cancel()
        if self._timeouts.session:
            self._session_clock = self.loop.call_later(self._timeouts.session,
                                                       self._session_over)

    def _session_over(self) -> None:
        if self._committing:
            self._close_after_reply = REPLY_SESSION_OVER  # unless that message gets its 250
        else:
            self._timed_out("session_timeout", REPLY_SESSION_OVER)

    def _timed_out(self, event: str, reply: str) -> None:
        log.info(f"closing the session: {reply[10:]}", extra={
            "event": event, "peer": self.peer_key, "in_data": self._in_data})
        self.goodbye(reply)

    # --- DATA ----------------------------------------------------------------

    @syntax("DATA")
    async def smtp_DATA(self, arg: str) -> None:
        """aiosmtpd's DATA, read within the budget (router.intake.data)."""
        if await self.check_helo_needed() or await self.check_auth_needed("DATA"):
            return
        assert self.envelope is not None
        if not self.envelope.rcpt_tos:
            await self.push("503 Error: need RCPT command")
            return
        if arg:
            await self.push("501 Syntax: DATA")
            return
        grant = self._budget.open(self.peer_key)
        if grant is None:
            await self.push(REPLY_NO_ROOM)
            return
        try:
            await self.push("354 End data with <CR><LF>.<CR><LF>")
            self._in_data = True
            try:
                read = await read_data(self._reader, grant, max_size=self.data_size_limit,
                                       line_limit=self.line_length_limit,
                                       progress=self._progress)
            finally:
                self._in_data = False
            if read.refusal is not None:
                self._set_post_data_state()
                await self.push(read.refusal)
                return
            self.envelope.content = self.envelope.original_content = read.content
            del read  # the handler frees the buffer once its stored copy exists
            self._committing = True
            try:
                status = await self.event_handler.handle_DATA(self, self.session, self.envelope)
            finally:
                self._committing = False
        finally:
            grant.release()
        self._set_post_data_state()
        if status.startswith("250"):
            self._restart_session_clock()
            if self._close_after_reply == REPLY_SESSION_OVER:
                self._close_after_reply = None
        await self.push(status)

    # --- addresses, replies, goodbyes ----------------------------------------

    def _getaddr(self, arg: str) -> tuple[str | None, str | None]:
        """aiosmtpd's parse of a MAIL/RCPT address, remembered; junk is a syntax error.

        Its parser costs more than the rest of the command (it also builds a
        class on every call), and a csba address sees the same few senders
        and recipients over and over.  The result depends only on the text
        and the local-part limit, so a bounded cache is exact.  Where the
        parser itself fails (``MAIL FROM:<`` raises IndexError in it), the
        address is empty: aiosmtpd answers 501.
        """
        key = (arg, self.local_part_limit)
        found = _ADDRESS_CACHE.get(key)
        if found is None:
            try:
                found = super()._getaddr(arg)
            except Exception:  # noqa: BLE001 - any text its parser cannot read
                found = ("", "")
            if len(_ADDRESS_CACHE) >= _ADDRESS_CACHE_SIZE:
                _ADDRESS_CACHE.clear()
            _ADDRESS_CACHE[key] = found
        return found

    @property
    def idle(self) -> bool:
        """Between transactions: no MAIL accepted, or its DATA already answered."""
        return self.envelope is None or self.envelope.mail_from is None

    def goodbye(self, reply: str = REPLY_SHUTTING_DOWN) -> None:
        """Tell the client why we hang up (RFC 5321 4.2.2 "421"), and hang up."""
        if self._said_goodbye or self.transport is None:
            return
        self._said_goodbye = True
        if isinstance(self.transport, asyncio.WriteTransport):
            self.transport.write(reply.encode("ascii") + b"\r\n")
        self.transport.close()

    def abort(self) -> None:
        """Cut the connection at once (a shutdown's grace period is over)."""
        if isinstance(self.transport, asyncio.WriteTransport):
            self.transport.abort()

    async def push(self, status: AnyStr) -> None:
        if self._said_goodbye:
            return
        text = status.decode("ascii", "replace") if isinstance(status, bytes) else status
        if text.startswith(_AIOSMTPD_TOO_BIG):
            text = REPLY_TOO_BIG
        await super().push(text)
        if text[3:4] == "-":  # a continuation line: the command is not answered yet
            return
        # A final reply ends a command: the moment a draining server may
        # close a session that has nothing in hand, and an expired one goes.
        if self._sessions.draining and self.idle:
            self.goodbye(REPLY_SHUTTING_DOWN)
        elif self._close_after_reply is not None:
            self._timed_out("session_timeout", self._close_after_reply)


class Intake:
    """What all SMTP sessions of one daemon share, and the protocol for each connection."""

    def __init__(self, engine: Engine, sessions: Sessions,
                 on_stored: Callable[[int], None] | None = None) -> None:
        self._engine = engine
        self.sessions = sessions
        self._on_stored = on_stored
        self.budget = DataBudget(0)
        self.accept_errors = AcceptErrors()
        self._refused = Occasional()

    def install(self, loop: asyncio.AbstractEventLoop, smtp: Smtp) -> None:
        """Before listening: the loop's handler for accept errors, room for the sessions."""
        self.accept_errors.install(loop)
        check_fd_limit(smtp)

    def protocol(self, config: Config, tls: ssl.SSLContext | None) -> asyncio.Protocol:
        """For a new connection, with the limits of the config of this moment."""
        smtp = config.smtp
        self.budget.resize(data_budget(smtp), smtp.max_message_size)
        loop = asyncio.get_running_loop()

        def session() -> IntakeSMTP:
            return IntakeSMTP(
                IntakeHandler(config, self._engine, on_stored=self._on_stored),
                sessions=self.sessions,
                budget=self.budget,
                timeouts=Timeouts.of(smtp),
                hostname=config.instance.hostname,
                ident="csba-router ESMTP",
                data_size_limit=smtp.max_message_size or None,
                tls_context=tls,
                require_starttls=False,
                loop=loop,
            )

        return ConnectionGate(self.sessions, ConnectionLimits.of(smtp), session,
                              accept_errors=self.accept_errors, refused=self._refused)
