"""Plain-data model of a parsed message.

Everything in `router.decide` works on these values, never on sockets,
sessions or the database, so the rules can be tested on plain data and a
stored message can be decided again later with the same result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Attachment:
    """One non-body MIME part.

    `message` is set for a `message/rfc822` part: the embedded message,
    parsed the same way, so a forward-as-attachment can be unwrapped.
    """

    filename: str | None
    content_type: str
    size: int
    message: ParsedMail | None = None


@dataclass(frozen=True)
class ParsedMail:
    """What the deciding code needs from one message, decoded to `str`.

    `headers` keeps every header in order with duplicates (Received: and
    Resent-* matter in order), names as they appear, values decoded from
    RFC 2047 and unfolded.  `text` is the readable body: the text/plain
    part, or the HTML part turned into text where there is no plain one.
    `defects` lists what was wrong with the MIME structure, in words; a
    message that could not be parsed at all has `parse_error` set and as
    much of the rest as its headers allowed.
    """

    headers: tuple[tuple[str, str], ...]
    subject: str
    from_addr: str | None
    message_id: str | None
    date: datetime | None
    text: str
    html_only: bool = False
    attachments: tuple[Attachment, ...] = ()
    defects: tuple[str, ...] = ()
    parse_error: str | None = None
    raw_size: int = 0
    # The header values by lower-case name, derived from `headers` when the
    # mail is made: deciding asks for some fifty headers by name, and
    # scanning the list each time cost more than building this once.
    # Equality, hashing and repr leave it out.
    header_index: dict[str, tuple[str, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        found: dict[str, list[str]] = {}
        for key, value in self.headers:
            found.setdefault(key.lower(), []).append(value)
        # Frozen: the one assignment, while the mail is made.
        object.__setattr__(self, "header_index",
                           {key: tuple(values) for key, values in found.items()})

    def header(self, name: str) -> str | None:
        """First value of header `name` (case-insensitive), or None."""
        values = self.header_index.get(name.lower())
        return values[0] if values else None

    def header_all(self, name: str) -> list[str]:
        """Every value of header `name` in message order."""
        return list(self.header_index.get(name.lower(), ()))

    def has_header(self, name: str) -> bool:
        return self.header(name) is not None


@dataclass(frozen=True)
class Envelope:
    """The SMTP envelope, or what stands for it (IMAP account, ingest).

    `mail_from` is "" for the null sender `<>` and None when unknown
    (a file classified without `--sender`).
    """

    mail_from: str | None = None
    rcpt_tos: tuple[str, ...] = ()
    imap_region: str | None = None


@dataclass(frozen=True)
class Evidence:
    """One finding with where it came from, for `--explain`."""

    name: str
    detail: str
    source: str = ""
