"""SMTP intake: accept mail for the csba addresses, store it, then say 250.

Intake stores; it does not decide.  A message is answered "250" only after
its row in `received` is committed, so a crash after the 250 loses nothing;
any storage failure is a 451 and the sender retries.  Deciding and acting
happen later, from the database.

The aiosmtpd hooks live on :class:`IntakeHandler`, one per connection, built
from the config current when the client connected: a reload changes
recipients and limits for new sessions, never in the middle of one.
:class:`IntakeSMTP` is a thin subclass of aiosmtpd's ``SMTP``, needed for two
things a handler cannot do: aiosmtpd refuses oversize mail itself (both for
``MAIL FROM ... SIZE=`` and while reading DATA, where it stops buffering at
the limit) with a reply that lacks the RFC 3463 code 5.3.4, and a graceful
shutdown must see when a session is between transactions.
"""

from __future__ import annotations

import asyncio
import logging
import re
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import format_datetime
from typing import Any, AnyStr

from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy.engine import Engine

from router.config import Config
from router.store import StoreError, utcnow
from router.store.arrivals import Arrival, store_many

log = logging.getLogger("router.intake.smtp")

REPLY_TOO_BIG = "552 5.3.4 Message too big"
REPLY_TOO_MANY = "452 4.5.3 Too many recipients"
REPLY_STORAGE_FAILED = "451 4.3.0 Temporary storage failure, try again later"
REPLY_LOCAL_ERROR = "451 4.3.0 Local error in processing, try again later"
REPLY_SHUTTING_DOWN = "421 4.3.2 Service shutting down, try again later"
REPLY_RCPT_OK = "250 2.1.5 OK"

# aiosmtpd's own size refusals ("552 Error: message size exceeds fixed
# maximum message size", "552 Error: Too much mail data").  It sends no other
# 552, so the prefix identifies them; a test pins both texts.
_AIOSMTPD_TOO_BIG = "552 Error"

# A header field line: a name of printable characters without ":", then
# optional blanks (obsolete syntax, RFC 5322 4.5.3) and the colon.
_FIELD = re.compile(rb"([\x21-\x39\x3b-\x7e]+)[ \t]*:")
_CSBA_PREFIX = b"x-csba-"


# --- bytes-level message editing -------------------------------------------


@dataclass(frozen=True)
class _HeaderLine:
    name: bytes | None  # lower-cased field name; None for a continuation line
    line: bytes  # the line with its own line ending


def _scan_header(raw: bytes) -> tuple[list[_HeaderLine], int]:
    """The header section's lines, and the offset where the rest begins.

    The section ends before the first empty line, or before the first line
    that is neither a field nor a continuation (a message without the blank
    separator), like Python's own parser.  CRLF and LF endings both work;
    each line keeps its own ending so the rest can be put back unchanged.
    """
    lines: list[_HeaderLine] = []
    pos = 0
    while pos < len(raw):
        end = raw.find(b"\n", pos)
        end = len(raw) if end < 0 else end + 1
        line = raw[pos:end]
        if line in (b"\r\n", b"\n"):
            break
        if line[:1] in (b" ", b"\t"):
            lines.append(_HeaderLine(None, line))
        else:
            match = _FIELD.match(line)
            if match is None:
                break
            lines.append(_HeaderLine(match.group(1).lower(), line))
        pos = end
    return lines, pos


def strip_csba_headers(raw: bytes) -> bytes:
    """``raw`` without header fields named ``X-CSBA-*``, byte for byte otherwise.

    Our own forwards carry X-CSBA-* headers that the CSBA team trusts (region,
    seller, category); the same names coming from outside must not survive
    into anything the router later writes.  Only the header section is
    touched, folded continuations go with their field, a body line that
    merely looks like such a header stays.
    """
    return clean_message(raw)[0]


def message_id_of(raw: bytes) -> str | None:
    """The Message-ID field's value, unfolded; None when absent or unreadable.

    Later stages recognise the same message arriving twice by it.
    """
    return clean_message(raw)[1]


def clean_message(raw: bytes) -> tuple[bytes, str | None]:
    """`strip_csba_headers` and `message_id_of` from one pass over the header.

    Every arriving message needs both, and intake's cost per message is what
    a sender waits for.
    """
    lines, body_start = _scan_header(raw)
    kept: list[bytes] = []
    dropping = False
    id_lines: list[bytes] | None = None  # the first Message-ID field, while it is read
    id_done = False
    for item in lines:
        if item.name is not None:
            dropping = item.name.startswith(_CSBA_PREFIX)
            if id_lines is not None:
                id_done = True
            elif not id_done and item.name == b"message-id":
                id_lines = []
        if id_lines is not None and not id_done:
            id_lines.append(item.line)
        if not dropping:
            kept.append(item.line)
    cleaned = raw if len(kept) == len(lines) else b"".join(kept) + raw[body_start:]
    return cleaned, _message_id(id_lines, raw[:body_start])


def _message_id(id_lines: list[bytes] | None, header: bytes) -> str | None:
    """The Message-ID value from its field's lines, blanks removed.

    Plain ASCII (all real Message-IDs) is read directly; anything else goes
    through Python's header parser, which knows encoded and 8-bit forms.
    """
    if id_lines is None:
        return None
    field = b"".join(id_lines)
    if field.isascii():
        text = re.sub(r"\s+", "", field.decode("ascii").split(":", 1)[1])
        return text or None
    try:
        value = BytesHeaderParser(policy=compat32).parsebytes(header).get("Message-ID")
    except Exception:  # a message is accepted even when its header is unreadable
        return None
    text = re.sub(r"\s+", "", str(value)) if value is not None else ""
    return text or None


def line_ending(raw: bytes) -> bytes:
    """The message's own line ending (CRLF unless its first line ends in bare LF)."""
    end = raw.find(b"\n")
    return b"\n" if end == 0 or (end > 0 and raw[end - 1 : end] != b"\r") else b"\r\n"


def received_header(
    *,
    helo: str | None,
    peer: Any,
    by: str,
    protocol: str,
    rcpt_tos: Sequence[str],
    when: datetime,
    eol: bytes = b"\r\n",
) -> bytes:
    """Our trace field (RFC 5321 4.4): who handed the message over, when, to whom.

    The client's HELO name is recorded as given (unsafe characters replaced)
    next to the IP address it really came from; no DNS lookup is made, so a
    slow resolver cannot hold up intake.
    """
    name = re.sub(r"[^A-Za-z0-9.:_\-\[\]]", "_", helo or "")[:255] or "unknown"
    from_clause = f"from {name}"
    if isinstance(peer, tuple) and peer:
        ip = str(peer[0])
        from_clause += f" ([IPv6:{ip}])" if ":" in ip else f" ([{ip}])"
    lines = [f"Received: {from_clause}", f"\tby {by} (csba-router) with {protocol}"]
    if len(rcpt_tos) == 1:
        lines.append(f"\tfor <{rcpt_tos[0]}>")
    lines[-1] += ";"
    lines.append(f"\t{format_datetime(when)}")
    return eol.join(line.encode("ascii", "replace") for line in lines) + eol


# --- the aiosmtpd handler --------------------------------------------------


class IntakeHandler:
    """aiosmtpd hooks for one connection: refuse what is not ours, store the rest."""

    def __init__(self, config: Config, engine: Engine,
                 on_stored: Callable[[int], None] | None = None) -> None:
        self._config = config
        self._engine = engine
        self._on_stored = on_stored  # wakes the pipeline; called after the commit
        self._addresses = {region.address.lower() for region in config.regions.values()}

    async def handle_EHLO(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        hostname: str,
        responses: list[str],
    ) -> list[str]:
        """aiosmtpd's EHLO reply minus AUTH: the router takes no logins.

        After STARTTLS aiosmtpd would offer AUTH mechanisms that always fail;
        a sending MTA configured with credentials might try them and defer.
        """
        session.host_name = hostname  # aiosmtpd leaves this to an EHLO hook
        return [line for line in responses if not line[4:].upper().startswith("AUTH")]

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        """Only the regions' addresses, and at most `max_recipients` of them.

        Accepting anything else would make the router an open relay.  A
        recipient given twice is accepted once.
        """
        bare = address.lower()
        if bare not in self._addresses:
            return f"550 5.1.1 <{address}>: no such csba address"
        if bare in envelope.rcpt_tos:
            return REPLY_RCPT_OK
        if len(envelope.rcpt_tos) >= self._config.smtp.max_recipients:
            return REPLY_TOO_MANY
        envelope.rcpt_tos.append(bare)
        envelope.rcpt_options.extend(rcpt_options)
        return REPLY_RCPT_OK

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        """Clean, stamp and commit the message; answer 250 only after the commit."""
        raw = envelope.original_content or b""
        limit = self._config.smtp.max_message_size
        if limit and len(raw) > limit:  # aiosmtpd checks too; this keeps the rule local
            return REPLY_TOO_BIG
        arrived_at = utcnow()
        protocol = ("ESMTP" if session.extended_smtp else "SMTP") + (
            "S" if session.ssl is not None else ""
        )
        stamp = received_header(
            helo=session.host_name,
            peer=session.peer,
            by=self._config.instance.hostname,
            protocol=protocol,
            rcpt_tos=envelope.rcpt_tos,
            when=arrived_at,
            eol=line_ending(raw),
        )
        cleaned, message_id = clean_message(raw)
        mail_from = envelope.mail_from or ""
        arrival = _Arrival(
            raw=stamp + cleaned,
            mail_from="" if mail_from == "<>" else mail_from,
            rcpt_tos=list(envelope.rcpt_tos),
            peer=str(session.peer[0]) if isinstance(session.peer, tuple) else None,
            arrived_at=arrived_at,
            message_id=message_id,
            helo=session.host_name,
        )
        try:
            # Group commit: stored together with the messages of the other
            # sessions that arrive meanwhile, in one transaction (one fsync),
            # by a worker thread, so other sessions keep going.  If the
            # client hangs up meanwhile, the commit still happens and is
            # logged; the sender will retry and later stages drop the duplicate.
            row_id = await GroupCommit.of(self._engine).store(arrival)
        except StoreError as exc:
            log.error(str(exc), extra=arrival.facts("store_failed"))
            return REPLY_STORAGE_FAILED
        except Exception:
            log.error("storing the message failed", exc_info=True,
                      extra=arrival.facts("store_failed"))
            return REPLY_STORAGE_FAILED
        if self._on_stored is not None:
            self._on_stored(row_id)
        return f"250 2.0.0 OK queued as {row_id}"

    async def handle_exception(self, error: Exception) -> str:
        """A bug while handling a command: log it, and let the client retry later.

        aiosmtpd would answer "500 Error: (TypeError) ..." with our internals.
        """
        log.error("error in the SMTP session", exc_info=error,
                  extra={"event": "session_error"})
        return REPLY_LOCAL_ERROR


@dataclass(frozen=True)
class _Arrival:
    """A message as it is written to `received`."""

    raw: bytes
    mail_from: str
    rcpt_tos: list[str]
    peer: str | None
    arrived_at: datetime
    message_id: str | None
    helo: str | None = None  # the client's HELO/EHLO name, for SPF (trust.verify)

    def facts(self, event: str) -> dict[str, Any]:
        return {
            "event": event,
            "message_id": self.message_id,
            "mail_from": self.mail_from,
            "rcpt_tos": self.rcpt_tos,
            "size": len(self.raw),
            "peer": self.peer,
        }


def _store_and_log(engine: Engine, arrivals: list[_Arrival]) -> list[int]:
    ids = store_many(engine, [
        Arrival(a.raw, a.mail_from, a.rcpt_tos, "smtp", a.peer, a.arrived_at, a.message_id,
                a.helo)
        for a in arrivals])
    for row_id, arrival in zip(ids, arrivals, strict=True):
        log.info("received", extra={"id": row_id, **arrival.facts("received")})
    return ids


class GroupCommit:
    """One committer per engine and event loop: many sessions' messages, one commit.

    A session hands its message to :meth:`store` and waits.  While a commit
    is running in the worker thread, the messages that arrive meanwhile
    queue up; when it ends, they are all inserted in the next transaction.
    Each waiting session learns its row id only after the commit that holds
    its message (so "250" still means "durably stored"); a failed commit
    raises in every session of that batch (each answers 451), and nothing of
    it was stored.  No task runs while nothing is waiting.
    """

    #: Most messages in one transaction (bounds the memory of one batch).
    MAX_BATCH = 200

    _instances: weakref.WeakKeyDictionary[Engine, GroupCommit] = weakref.WeakKeyDictionary()

    def __init__(self, engine: Engine, loop: asyncio.AbstractEventLoop) -> None:
        self._engine = engine
        self._loop = loop
        self._waiting: list[tuple[_Arrival, asyncio.Future[int]]] = []
        self._committing = False
        self._task: asyncio.Task[None] | None = None

    @classmethod
    def of(cls, engine: Engine) -> GroupCommit:
        """The committer of `engine` in the running event loop."""
        loop = asyncio.get_running_loop()
        committer = cls._instances.get(engine)
        if committer is None or committer._loop is not loop:
            committer = cls._instances[engine] = cls(engine, loop)
        return committer

    async def store(self, arrival: _Arrival) -> int:
        """Store one message with whatever else is waiting; its row id once committed."""
        future: asyncio.Future[int] = self._loop.create_future()
        # A session that went away meanwhile does not read its outcome.
        future.add_done_callback(lambda f: f.cancelled() or f.exception())
        self._waiting.append((arrival, future))
        if not self._committing:
            self._committing = True
            self._task = self._loop.create_task(self._commit_all())
        # shield: a session cancelled meanwhile must not cancel the batch's future
        return await asyncio.shield(future)

    async def _commit_all(self) -> None:
        try:
            while self._waiting:
                batch = self._waiting[:self.MAX_BATCH]
                del self._waiting[:self.MAX_BATCH]
                try:
                    ids = await asyncio.to_thread(
                        _store_and_log, self._engine, [arrival for arrival, _ in batch])
                except BaseException as exc:
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc if isinstance(exc, Exception)
                                                 else StoreError("storing was interrupted"))
                    if not isinstance(exc, Exception):
                        raise
                    continue
                for (_, future), row_id in zip(batch, ids, strict=True):
                    if not future.done():
                        future.set_result(row_id)
        finally:
            self._committing = False


# --- the protocol: aiosmtpd's SMTP, plus size codes and draining -------------


class Sessions:
    """The open connections, so a shutdown can let each finish its message."""

    def __init__(self) -> None:
        self._open: set[IntakeSMTP] = set()
        self._empty = asyncio.Event()
        self._empty.set()
        self.draining = False

    def __len__(self) -> int:
        return len(self._open)

    def add(self, session: IntakeSMTP) -> None:
        self._open.add(session)
        self._empty.clear()

    def discard(self, session: IntakeSMTP) -> None:
        self._open.discard(session)
        if not self._open:
            self._empty.set()

    def drain(self) -> None:
        """Close idle sessions now; busy ones close after their current reply."""
        self.draining = True
        for session in list(self._open):
            if session.idle:
                session.goodbye()

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
            if isinstance(session.transport, asyncio.WriteTransport):
                session.transport.abort()


_ADDRESS_CACHE: dict[tuple[str, int], tuple[str | None, str | None]] = {}
_ADDRESS_CACHE_SIZE = 4096


class IntakeSMTP(SMTP):
    """aiosmtpd's SMTP with 552 5.3.4 for oversize mail and a graceful drain."""

    def __init__(self, handler: IntakeHandler, *, sessions: Sessions, **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self._sessions = sessions
        self._said_goodbye = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # Also called again after STARTTLS; a set does not mind.
        super().connection_made(transport)
        self._sessions.add(self)

    def connection_lost(self, error: Exception | None) -> None:
        try:
            super().connection_lost(error)
        finally:
            self._sessions.discard(self)

    def _getaddr(self, arg: str) -> tuple[str | None, str | None]:
        """aiosmtpd's parse of a MAIL/RCPT address, remembered.

        Its parser costs more than the rest of the command (it also builds a
        class on every call), and a csba address sees the same few senders
        and recipients over and over.  The result depends only on the text
        and the local-part limit, so a bounded cache is exact.
        """
        key = (arg, self.local_part_limit)
        found = _ADDRESS_CACHE.get(key)
        if found is None:
            found = super()._getaddr(arg)
            if len(_ADDRESS_CACHE) >= _ADDRESS_CACHE_SIZE:
                _ADDRESS_CACHE.clear()
            _ADDRESS_CACHE[key] = found
        return found

    @property
    def idle(self) -> bool:
        """Between transactions: no MAIL accepted, or its DATA already answered."""
        return self.envelope is None or self.envelope.mail_from is None

    def goodbye(self) -> None:
        """Tell the client we are going away (RFC 5321 4.2.2 "421") and hang up."""
        if self._said_goodbye or self.transport is None:
            return
        self._said_goodbye = True
        if isinstance(self.transport, asyncio.WriteTransport):
            self.transport.write(REPLY_SHUTTING_DOWN.encode("ascii") + b"\r\n")
        self.transport.close()

    async def push(self, status: AnyStr) -> None:
        if self._said_goodbye:
            return
        text = status.decode("ascii", "replace") if isinstance(status, bytes) else status
        if text.startswith(_AIOSMTPD_TOO_BIG):
            text = REPLY_TOO_BIG
        await super().push(text)
        # A final reply (no "250-" continuation) ends a command: the moment a
        # draining server may close a session that has nothing in hand.
        if self._sessions.draining and text[3:4] != "-" and self.idle:
            self.goodbye()
