"""SMTP intake: accept mail for the csba addresses, store it, then say 250.

Intake stores; it does not decide.  A message is answered "250" only after
its row in `received` is committed, so a crash after the 250 loses nothing;
any storage failure is a 451 and the sender retries.  Deciding and acting
happen later, from the database.

The aiosmtpd hooks live on :class:`IntakeHandler`, one per connection, built
from the config current when the client connected: a reload changes
recipients and limits for new sessions, never in the middle of one.  The
protocol around them (connection limits, timeouts, DATA within the memory
budget, draining) is router.intake.protocol.

A message the database refuses for what it holds is refused alone: the
group commit stores the others of its transaction one by one
(router.store.arrivals.store_each).
"""

from __future__ import annotations

import asyncio
import logging
import re
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy.engine import Engine

from router.config import Config
from router.intake.headers import clean_message
from router.store import StoreError, utcnow
from router.store.arrivals import Arrival, store_each

log = logging.getLogger("router.intake.smtp")

REPLY_TOO_BIG = "552 5.3.4 Message too big"
REPLY_TOO_MANY = "452 4.5.3 Too many recipients"
REPLY_STORAGE_FAILED = "451 4.3.0 Temporary storage failure, try again later"
REPLY_LOCAL_ERROR = "451 4.3.0 Local error in processing, try again later"
REPLY_RCPT_OK = "250 2.1.5 OK"
REPLY_MAIL_OK = "250 OK"
REPLY_BAD_SENDER = "501 5.1.7 Bad sender address syntax"
REPLY_BAD_HELO = "501 5.5.4 Invalid domain name"

# No SMTP address or host name holds these; PostgreSQL text cannot hold NUL.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

# --- bytes-level message editing -------------------------------------------


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
        if _CONTROL.search(hostname):
            return [REPLY_BAD_HELO]
        session.host_name = hostname  # aiosmtpd leaves this to an EHLO hook
        return [line for line in responses if not line[4:].upper().startswith("AUTH")]

    async def handle_HELO(self, server: SMTP, session: Session, envelope: Envelope,
                          hostname: str) -> str:
        if _CONTROL.search(hostname):
            return REPLY_BAD_HELO
        session.host_name = hostname
        return f"250 {server.hostname}"

    async def handle_MAIL(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, mail_options: list[str]) -> str:
        """A sender with a control character (NUL) is no address: 501 before anything."""
        if _CONTROL.search(address):
            return REPLY_BAD_SENDER
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return REPLY_MAIL_OK

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
        # The protocol's buffer goes as soon as the stored copy exists (memory).
        envelope.original_content = envelope.content = None
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
        # Stripped with our stamp on top: the stored bytes, as the classifier reads them.
        stored, message_id = clean_message(stamp + raw)
        del raw
        mail_from = envelope.mail_from or ""
        arrival = _Arrival(
            raw=stored,
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


def _store_and_log(engine: Engine, arrivals: list[_Arrival]) -> list[int | StoreError]:
    results = store_each(engine, [
        Arrival(a.raw, a.mail_from, a.rcpt_tos, "smtp", a.peer, a.arrived_at, a.message_id,
                a.helo)
        for a in arrivals])
    for result, arrival in zip(results, arrivals, strict=True):
        if isinstance(result, int):
            log.info("received", extra={"id": result, **arrival.facts("received")})
    return results


class GroupCommit:
    """One committer per engine and event loop: many sessions' messages, one commit.

    A session hands its message to :meth:`store` and waits.  While a commit
    is running in the worker thread, the messages that arrive meanwhile
    queue up; when it ends, they are all inserted in the next transaction.
    Each waiting session learns its row id only after the commit that holds
    its message (so "250" still means "durably stored").  A message the
    database refuses raises StoreError in its own session only (the others
    are stored without it); when the database fails as a whole, every
    session of the batch gets the error and nothing of it was stored.  No
    task runs while nothing is waiting.
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
                    results = await asyncio.to_thread(
                        _store_and_log, self._engine, [arrival for arrival, _ in batch])
                except BaseException as exc:
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc if isinstance(exc, Exception)
                                                 else StoreError("storing was interrupted"))
                    if not isinstance(exc, Exception):
                        raise
                    continue
                for (_, future), result in zip(batch, results, strict=True):
                    if future.done():
                        continue
                    if isinstance(result, StoreError):
                        future.set_exception(result)
                    else:
                        future.set_result(result)
        finally:
            self._committing = False
