"""`smtp://HOST:PORT`: hand the message to a relay, one SMTP transaction.

The transaction is driven command by command (MAIL, one RCPT per recipient,
DATA) rather than with aiosmtplib's `sendmail`, because the queue needs each
recipient's own answer: 2xx delivered, 5xx permanent (dead list), anything
else temporary (retry).  A relay that cannot be reached, times out or drops
the connection is a temporary failure for every recipient.

STARTTLS is used whenever the relay offers it, without checking its
certificate: this is opportunistic TLS as Postfix's `smtp_tls_security_level
= may` does it.  A man in the middle can strip STARTTLS from the EHLO answer
anyway, so verifying would stop no such attacker; it would only leave mail
stuck forever behind an internal relay with a self-signed certificate, and
the config has no key to name a CA.
"""

from __future__ import annotations

from collections.abc import Sequence

import aiosmtplib
from aiosmtplib import (
    SMTPDataError,
    SMTPException,
    SMTPRecipientRefused,
    SMTPResponseException,
    SMTPSenderRefused,
)

from router.act.transports.base import DeliveryResult, RecipientResult, Status, unique

#: Seconds to wait for the connection and for each reply.
TIMEOUT = 60.0


class SmtpTransport:
    def __init__(self, host: str, port: int = 25, *, local_hostname: str,
                 timeout: float = TIMEOUT) -> None:
        self.host = host
        self.port = port
        self.local_hostname = local_hostname
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"SmtpTransport({self.host!r}, {self.port})"

    async def deliver(self, mail_from: str, rcpt_tos: Sequence[str], raw: bytes, *,
                      message_key: str) -> DeliveryResult:
        recipients = unique(rcpt_tos)
        client = aiosmtplib.SMTP(
            hostname=self.host, port=self.port, local_hostname=self.local_hostname,
            timeout=self.timeout, start_tls=None, validate_certs=False,
        )
        try:
            await client.connect()
        except (TimeoutError, SMTPException, OSError) as exc:
            return DeliveryResult.all(recipients, "temporary", self._unreachable(exc))
        try:
            return await _transaction(client, mail_from, recipients, raw)
        except SMTPResponseException as exc:  # EHLO refused and the like: the relay's state
            return DeliveryResult.all(recipients, "temporary", _reply(exc))
        except (TimeoutError, SMTPException, OSError) as exc:
            return DeliveryResult.all(recipients, "temporary", f"relay: {_text(exc)}")
        finally:
            await _hang_up(client)

    def _unreachable(self, exc: BaseException) -> str:
        return f"cannot reach relay {self.host}:{self.port}: {_text(exc)}"


async def _transaction(client: aiosmtplib.SMTP, mail_from: str, recipients: list[str],
                       raw: bytes) -> DeliveryResult:
    options: list[str] = []
    encoding = "ascii"
    if not all(a.isascii() for a in (mail_from, *recipients)):
        if not client.supports_extension("smtputf8"):
            return DeliveryResult.all(
                recipients, "permanent", "relay does not offer SMTPUTF8, needed for a"
                " non-ASCII address")
        options.append("SMTPUTF8")
        encoding = "utf-8"
    if not raw.isascii() and client.supports_extension("8bitmime"):
        options.append("BODY=8BITMIME")
    if client.supports_extension("size"):  # an oversize message is refused up front
        options.append(f"SIZE={len(raw)}")
    try:
        await client.mail(mail_from, options=options, encoding=encoding)
    except SMTPSenderRefused as exc:
        return DeliveryResult.all(recipients, _status(exc.code), _reply(exc))
    outcomes: dict[str, RecipientResult] = {}
    accepted: list[str] = []
    for rcpt in recipients:
        try:
            await client.rcpt(rcpt, encoding=encoding)
            accepted.append(rcpt)
        except SMTPRecipientRefused as exc:
            outcomes[rcpt] = RecipientResult(_status(exc.code), _reply(exc))
    if accepted:
        try:
            await client.data(raw)
            data_outcome = RecipientResult("ok")
        except SMTPDataError as exc:
            data_outcome = RecipientResult(_status(exc.code), _reply(exc))
        for rcpt in accepted:
            outcomes[rcpt] = data_outcome
    return DeliveryResult({r: outcomes[r] for r in recipients})


def _status(code: int) -> Status:
    return "permanent" if 500 <= code <= 599 else "temporary"


def _reply(exc: SMTPResponseException) -> str:
    return f"{exc.code} {' '.join(exc.message.split())}"


def _text(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


async def _hang_up(client: aiosmtplib.SMTP) -> None:
    """QUIT politely; a relay that is already gone needs no goodbye."""
    if not client.is_connected:
        return
    try:
        await client.quit(timeout=5)
    except (TimeoutError, SMTPException, OSError):
        client.close()
