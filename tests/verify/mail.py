"""Test mail for sender trust: signed by the world's keys (dkimpy), sealed by its ARC key."""

from __future__ import annotations

import dkim

from tests.verify.dnsmasq import DkimKey

ORDER = "302-1234567-1234567"
SIGNED = [b"from", b"to", b"subject", b"message-id", b"date"]


def message(sender: str = "service@musterhandel.de", *, message_id: str = "<m1@musterhandel.de>",
            headers: tuple[str, ...] = (), text: str | None = None) -> bytes:
    """The seller's forward of an in-scope inquiry (order `ORDER`)."""
    body = text or (
        "Hallo CSBA-Team, bitte übernehmen.\r\n\r\n"
        "---------- Weitergeleitete Nachricht ---------\r\n"
        "Von: Erika Kundin <erika.kundin@web.de>\r\n"
        "Datum: Mo., 2. Nov. 2026 um 18:40 Uhr\r\nBetreff: Wo bleibt meine Bestellung?\r\n"
        "An: <service@musterhandel.de>\r\n\r\nGuten Tag,\r\n\r\n"
        f"ich habe die Bestellung {ORDER} aufgegeben und sie ist immer noch nicht "
        "angekommen. Wo ist das Paket?\r\n\r\nViele Grüße\r\nErika Kundin\r\n")
    top = "".join(f"{h}\r\n" for h in headers)
    return (f"{top}From: Musterhandel Service <{sender}>\r\nTo: csba-de2de@amazon.de\r\n"
            f"Subject: WG: Wo bleibt meine Bestellung?\r\nMessage-ID: {message_id}\r\n"
            "Date: Tue, 03 Nov 2026 09:12:00 +0100\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n"
            f"\r\n{body}").encode()


def sign(raw: bytes, key: DkimKey) -> bytes:
    """`raw` with a DKIM-Signature of `key` on top."""
    header = dkim.sign(raw, key.selector.encode(), key.domain.encode(), key.private_pem,
                       include_headers=SIGNED)
    return bytes(header) + raw


def seal(raw: bytes, key: DkimKey, authserv: str, results: str) -> bytes:
    """What a forwarding provider does: record its results, then seal (ARC, RFC 8617)."""
    with_results = f"Authentication-Results: {authserv}; {results}\r\n".encode() + raw
    lines = dkim.arc_sign(with_results, key.selector.encode(), key.domain.encode(),
                          key.private_pem, authserv.encode())
    return b"".join(lines) + with_results
