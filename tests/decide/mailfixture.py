"""Build `ParsedMail` values for unit tests without raw bytes.

Checks on plain data are easiest to read when a test states only the
header it is about; everything else is an ordinary person's mail.
"""

from __future__ import annotations

from router.mail.message import Attachment, ParsedMail

BASE_HEADERS = (
    ("From", "Erika Mustermann <erika@example.de>"),
    ("To", "service@musterhandel.de"),
    ("Message-ID", "<abc123@mail.example.de>"),
    ("Date", "Mon, 02 Mar 2026 10:00:00 +0100"),
)


def make_mail(
    headers: list[tuple[str, str]] | None = None,
    subject: str = "Frage zu meiner Bestellung",
    body: str = "Hallo, wo bleibt mein Paket?",
    attachments: tuple[Attachment, ...] = (),
    message_id: str = "<abc123@mail.example.de>",
) -> ParsedMail:
    """A person's mail plus `headers`; From, To, Subject, Message-ID filled in."""
    base = [(k, message_id if k == "Message-ID" else v) for k, v in BASE_HEADERS]
    base.append(("Subject", subject))
    return ParsedMail(
        headers=tuple(base + list(headers or [])),
        subject=subject,
        from_addr="erika@example.de",
        message_id=message_id,
        date=None,
        text=body,
        attachments=attachments,
    )
