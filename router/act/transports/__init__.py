"""Transports: how outgoing mail leaves the router (`outbound.transport`).

`maildir://DIR` writes into a local Maildir (the embedded default, and what
tests and single-host set-ups read); `smtp://HOST:PORT` hands mail to a relay.
"""

from __future__ import annotations

import re

from router.act.transports.base import DeliveryResult, RecipientResult, Status, Transport
from router.act.transports.maildir import MaildirTransport
from router.act.transports.smtp import SmtpTransport
from router.config import Config

__all__ = [
    "DeliveryResult",
    "MaildirTransport",
    "RecipientResult",
    "SmtpTransport",
    "Status",
    "Transport",
    "transport_for",
]

_SMTP = re.compile(r"smtp://(?P<host>[^:/\s]+)(?::(?P<port>\d{1,5}))?/?")


def transport_for(config: Config) -> Transport:
    """The transport that `outbound.transport` names (validated by the config)."""
    url = config.outbound.transport
    if url.startswith("maildir://"):
        return MaildirTransport(url[len("maildir://"):])
    match = _SMTP.fullmatch(url)
    if match is None:  # the config validator lets nothing else through
        raise ValueError(f"bad transport {url!r}: use maildir://DIR or smtp://HOST:PORT")
    return SmtpTransport(match["host"], int(match["port"] or 25),
                         local_hostname=config.instance.hostname)
