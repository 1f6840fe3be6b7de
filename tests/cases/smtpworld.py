"""A case over SMTP: the config, the parties' mail, and what reached the outbox.

Shared by the SMTP, crash and PostgreSQL tests of cases.  The test plays
the mail server in front (`trust.authserv_id`): it writes the
Authentication-Results that prove the seller's and the team's addresses,
or fail a forger's.  A second seller (A2OTHER) can try to answer the
first one's case.
"""

from __future__ import annotations

import email.parser
import email.policy
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from router.store import cases, open_engine, outgoing

FRONT = "mx.csba.example.internal"
CSBA = "csba-de2de@amazon.de"
TEAM = "csba-team-de@example.internal"
SELLER = "service@musterhandel.de"
NOTIFY = "inhaber@musterhandel.de"
OTHER = "service@other-shop.de"
HOP = f"Received: from mail.example.net by {FRONT} with ESMTPS; Tue, 3 Nov 2026 09:12:10 +0100\r\n"
QUESTION = "Guten Tag,\n\nbitte senden Sie uns die Sendungsnummer und ein Foto der Ware."


def case_config(within: str, remind: str) -> dict[str, str]:
    """`config_text` extras: trust, the case durations, and a second seller."""
    return {
        r"(?m)^auto_reply:$": f"trust:\n  authserv_id: {FRONT}\nauto_reply:",
        r"answer_within: 24h": f"answer_within: {within}",
        r"remind_after: 12h": f"remind_after: {remind}",
        r"(?m)^classification:$": ("  - id: A2OTHER\n    name: Other Shop\n    region: de2de\n"
                                   f"    addresses: [{OTHER}]\n    enrollment:\n"
                                   "      - {start: 2026-06-01}\n\nclassification:"),
    }


def proven(address: str, raw: bytes) -> bytes:
    """`raw` as the front server relays it: SPF and DMARC pass for `address`."""
    domain = address.rpartition("@")[2]
    return (HOP + f"Authentication-Results: {FRONT}; spf=pass smtp.mailfrom={address}; "
            f"dmarc=pass header.from={domain}\r\n").encode() + raw


def forged(address: str, raw: bytes) -> bytes:
    """`raw` as the front server relays a forgery of `address`: SPF and DMARC fail."""
    domain = address.rpartition("@")[2]
    return (HOP + f"Authentication-Results: {FRONT}; spf=fail smtp.mailfrom={address}; "
            f"dmarc=fail header.from={domain}\r\n").encode() + raw


def team_reply(in_reply_to: str, message_id: str, text: str = QUESTION,
               subject: str = "AW: [CSBA de2de] A1MUSTERHANDEL") -> bytes:
    """The team's reply written above the quoted forward, as Outlook writes it."""
    body = text.replace("\n", "\r\n")
    return (f"From: CSBA Team <{TEAM}>\r\nTo: {CSBA}\r\nSubject: {subject}\r\n"
            f"Message-ID: {message_id}\r\nIn-Reply-To: {in_reply_to}\r\n"
            f"References: {in_reply_to}\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
            f"{body}\r\n\r\n________________________________\r\n"
            "From: CSBA router <csba-noreply@amazon.de>\r\nSent: Tuesday, November 3, 2026\r\n"
            f"To: {TEAM}\r\nSubject: [CSBA de2de] A1MUSTERHANDEL\r\n\r\n"
            "A customer inquiry handed over to CSBA, forwarded by csba-router.\r\n").encode()


def seller_answer(case_id: int, message_id: str, text: str, sender: str = SELLER) -> bytes:
    return (f"From: {sender}\r\nTo: {CSBA}\r\n"
            f"Subject: AW: [CSBA case {case_id}] Frage des CSBA-Teams\r\n"
            f"Message-ID: {message_id}\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
            f"{text}\r\n\r\nAm 03.11.2026 schrieb CSBA <{CSBA}>:\r\n> Guten Tag,\r\n").encode()


def send(port: int, raw: bytes, sender: str) -> int:
    """One SMTP transaction; the stored row's id from the 250 reply."""
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        client.ehlo(FRONT)
        client.mail(sender)
        client.rcpt(CSBA)
        code, reply = client.data(raw)
    assert code == 250, reply
    return int(reply.decode().rsplit(" ", 1)[1])


@dataclass(frozen=True)
class Mail:
    """One file of the Maildir outbox, as the recipient reads it."""

    path: Path
    message: EmailMessage

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])

    @property
    def case(self) -> int | None:
        value = self.message["X-CSBA-Case"]
        return None if value is None else int(value)

    @property
    def to(self) -> str:
        return str(self.message["To"])

    @property
    def text(self) -> str:
        body = self.message.get_body(("plain",))
        assert body is not None
        return str(body.get_content()).replace("\r\n", "\n")


def outbox(*folders: Path) -> list[Mail]:
    """Every file in the Maildirs' `new/`, parsed (files replaced meanwhile are skipped)."""
    parser = email.parser.BytesParser(policy=email.policy.default)
    found = []
    for folder in folders:
        new = folder / "new"
        if not new.is_dir():
            continue
        for path in sorted(new.iterdir()):
            try:
                with path.open("rb") as handle:
                    message = parser.parse(handle)
            except FileNotFoundError:
                continue
            assert isinstance(message, EmailMessage)
            found.append(Mail(path, message))
    return found


def case_mail(folders: tuple[Path, ...], case_id: int) -> list[Mail]:
    return [m for m in outbox(*folders) if m.case == case_id]


def query(url: str, statement: sa.Select[Any]) -> list[Any]:
    engine = open_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(statement))
    finally:
        engine.dispose()


def case_row(url: str, case_id: int) -> Any:
    (row,) = query(url, sa.select(cases).where(cases.c.id == case_id))
    return row


def forward_of(url: str, received_id: int) -> str:
    """The Message-ID of the forward of received message `received_id`."""
    rows = query(url, sa.select(outgoing.c.message_id).where(
        outgoing.c.received_id == received_id, outgoing.c.kind == "forward"))
    return str(rows[0][0]) if rows else ""


def sent_at(url: str, message_id: str) -> Any:
    rows = query(url, sa.select(outgoing.c.sent_at).where(outgoing.c.message_id == message_id))
    return rows[0][0] if rows else None
