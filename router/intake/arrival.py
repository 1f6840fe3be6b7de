"""What an archived message says about its own arrival: when, and the envelope.

An archive (an .eml file, an mbox, a Maildir) keeps the message but not the
SMTP session that brought it, so `ingest` recovers both from the headers a
delivery agent wrote on arrival.  Everything here is pure: bytes in, values
out, never an exception for junk; the caller supplies the file's time and
"now" for the fallbacks.

When: the date of the topmost `Received:` field (the last hop, i.e. the
moment the mail reached the mailbox it was archived from), read after the
field's last ``;`` (RFC 5321 4.4).  A topmost field without a readable date
falls through to the next one down, the nearest hop that has one; then
`Date:` (the sender's claim, the best left); then the time the archive
stored the message (file mtime, or an mbox ``From `` line); then now.

The standard library reads these dates.  mail-parser's ``received`` was
considered: it parses the whole message for one header, lists the hops in
reverse (hop 1 is the bottom-most field) and hands back dates as strings to
re-parse, so it adds work and a library's idea of order where a single
``parsedate_to_datetime`` of the topmost field is all that is needed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import parsedate_to_datetime
from typing import Literal

from router.mail.addresses import recorded_addresses

Source = Literal["Received", "Date", "stored", "now"]

# Dates before this are a broken clock (1970-01-01, 0001), not an arrival.
_EARLIEST = datetime(1980, 1, 1, tzinfo=UTC)
_COMMENT = re.compile(r"\([^()]*\)")


@dataclass(frozen=True)
class ArrivalTime:
    """An aware UTC time and the header (or fallback) it came from."""

    at: datetime
    source: Source


@dataclass(frozen=True)
class ArchivedEnvelope:
    """The envelope a delivery agent recorded: None / () where it recorded none.

    ``mail_from`` is "" for the null sender (``Return-Path: <>``), as in
    `received.mail_from`.
    """

    mail_from: str | None
    rcpt_tos: tuple[str, ...]


def header_arrival(raw: bytes) -> ArrivalTime | None:
    """The arrival time the headers give (Received:, then Date:), or None."""
    headers = _headers(raw)
    if headers is None:
        return None
    for value in _all(headers, "Received"):
        _, sep, when = value.rpartition(";")
        at = parse_date(when) if sep else None
        if at is not None:
            return ArrivalTime(at, "Received")
    for value in _all(headers, "Date"):
        at = parse_date(value)
        if at is not None:
            return ArrivalTime(at, "Date")
    return None


def arrival_time(raw: bytes, *, stored_at: datetime | None, now: datetime) -> ArrivalTime:
    """When the message arrived: headers, else ``stored_at``, else ``now``; aware UTC."""
    found = header_arrival(raw)
    if found is not None:
        return found
    return fallback_arrival(stored_at, now)


def fallback_arrival(stored_at: datetime | None, now: datetime) -> ArrivalTime:
    """For a message whose headers carry no usable date."""
    if stored_at is not None:
        return ArrivalTime(_utc(stored_at), "stored")
    return ArrivalTime(_utc(now), "now")


def parse_date(text: str) -> datetime | None:
    """An RFC 5322 date in aware UTC; None for junk or an implausible year.

    A date without zone (``-0000`` or none) is taken as UTC: it is the best
    guess, and arrival times only need to be about right.
    """
    text = " ".join(_COMMENT.sub(" ", text).split())
    if not text:
        return None
    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed is None:
        return None
    try:
        at = _utc(parsed)
    except (ValueError, OverflowError):  # offsets that push past year 1 / 9999
        return None
    return at if at >= _EARLIEST else None


def archived_envelope(raw: bytes) -> ArchivedEnvelope:
    """Envelope from `Return-Path:` and `X-Original-To:` / `Delivered-To:`.

    Only the topmost `Return-Path:` counts (the last delivery wrote it); the
    recipients keep the contract's region order, X-Original-To (the address
    as sent) before Delivered-To (the mailbox after aliasing), no repeats.
    """
    headers = _headers(raw)
    if headers is None:
        return ArchivedEnvelope(None, ())
    paths = _all(headers, "Return-Path")
    mail_from = _return_path(paths[0]) if paths else None
    rcpts: list[str] = []
    for name in ("X-Original-To", "Delivered-To"):
        for value in _all(headers, name):
            for address in recorded_addresses(value):
                if address not in rcpts:
                    rcpts.append(address)
    return ArchivedEnvelope(mail_from, tuple(rcpts))


def _return_path(value: str) -> str | None:
    text = value.strip()
    if re.fullmatch(r"<\s*>", text):
        return ""
    found = recorded_addresses(text)
    return found[0] if found else None


def _headers(raw: bytes) -> Sequence[tuple[str, str]] | None:
    """Header fields as (name, unfolded value); None when unreadable."""
    try:
        message = BytesHeaderParser(policy=compat32).parsebytes(_header_block(raw))
        return [(name, " ".join(str(value).split())) for name, value in message.items()]
    except Exception:  # noqa: BLE001 - junk headers mean "no date here", not a crash
        return None


def _header_block(raw: bytes) -> bytes:
    """The bytes up to the first empty line (the parser needs no body)."""
    ends = [i + len(sep) // 2 for sep in (b"\n\n", b"\r\n\r\n")
            if (i := raw.find(sep)) >= 0]
    return raw[: min(ends)] if ends else raw


def _all(headers: Sequence[tuple[str, str]], name: str) -> list[str]:
    wanted = name.lower()
    return [value for key, value in headers if key.lower() == wanted]


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
