"""SMTP intake against a real `csba-router serve` process, over real SMTP."""

from __future__ import annotations

import hashlib
import re
import smtplib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from tests.intake.routerproc import EXTRA_REGION, LIMIT, Router

DE = "csba-de2de@amazon.de"
CN = "csba-cn2de@amazon.de"
UK = EXTRA_REGION["uk2de"]
SELLER = "service@musterhandel.de"

# What a seller's server hands over: CRLF lines, 8-bit text, a body line
# starting with "." (dot-stuffed on the wire), and X-CSBA headers from outside.
INQUIRY = (
    b"Received: from mail.kunde.example by mx.musterhandel.de; Mon, 1 Jun 2026 09:59:00 +0200\r\n"
    b"From: Kunde <kunde@example.org>\r\n"
    b"To: csba-de2de@amazon.de\r\n"
    b"X-CSBA-Category: post_sale_seller_fulfilled\r\n"
    b"\tforged by someone outside\r\n"
    b"Subject: Bestellung 302-1234567-1234567\r\n"
    b"x-csba-seller: A1FAKE\r\n"
    b"Message-ID: <inquiry-1@musterhandel.de>\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: 8bit\r\n"
    b"\r\n"
    b"Wo bleibt meine Bestellung? Gr\xc3\xbc\xc3\x9fe\r\n"
    b".a line that starts with a dot\r\n"
    b"X-CSBA-Category: this is body text and stays\r\n"
)
CLEANED = INQUIRY.replace(
    b"X-CSBA-Category: post_sale_seller_fulfilled\r\n\tforged by someone outside\r\n", b""
).replace(b"x-csba-seller: A1FAKE\r\n", b"")

_STAMP = re.compile(
    rb"\AReceived: from (?P<helo>\S+) \(\[127\.0\.0\.1\]\)\r\n"
    rb"\tby csba-router\.example\.internal \(csba-router\) with (?P<proto>ESMTPS?)"
    rb"(?:;|\r\n\tfor <(?P<rcpt>[^>]+)>;)\r\n"
    rb"\t(?P<date>[^\r\n]+)\r\n"
)


@contextmanager
def smtp(router: Router) -> Iterator[smtplib.SMTP]:
    client = smtplib.SMTP("127.0.0.1", router.port, timeout=10)
    try:
        client.ehlo("mx.musterhandel.de")
        yield client
    finally:
        try:
            client.quit()
        except smtplib.SMTPServerDisconnected:
            pass


def queued_id(reply: bytes) -> int:
    match = re.fullmatch(rb"2\.0\.0 OK queued as (\d+)", reply)
    assert match, reply
    return int(match.group(1))


def test_stores_message_then_answers_250(router: Router) -> None:
    with smtp(router) as client:
        assert client.mail(SELLER) == (250, b"OK")
        assert client.rcpt(DE) == (250, b"2.1.5 OK")
        code, reply = client.data(INQUIRY)
    assert code == 250
    row_id = queued_id(reply)

    row = router.row(row_id)
    stamp = _STAMP.match(row.raw)
    assert stamp, row.raw[:300]
    assert stamp["helo"] == b"mx.musterhandel.de"
    assert stamp["proto"] == b"ESMTP"
    assert stamp["rcpt"] == DE.encode()
    arrived = parsedate_to_datetime(stamp["date"].decode())
    assert abs(arrived - datetime.now(UTC)) < timedelta(minutes=1)
    # Everything after our stamp is the client's message minus X-CSBA-*, byte for byte.
    assert row.raw[stamp.end():] == CLEANED
    assert (row.state, row.channel, row.mail_from, row.rcpt_tos) == (
        "received", "smtp", SELLER, [DE])
    assert row.message_id == "<inquiry-1@musterhandel.de>"
    assert row.size == len(row.raw)
    assert row.sha256 == hashlib.sha256(row.raw).hexdigest()
    assert abs(row.arrived_at - arrived) < timedelta(seconds=1)
    assert row.attempts == 0

    event = router.expect("received", lambda r: r["id"] == row_id)
    assert event["message_id"] == "<inquiry-1@musterhandel.de>"
    assert (event["mail_from"], event["rcpt_tos"], event["size"]) == (SELLER, [DE], row.size)


def test_null_sender_is_accepted(router: Router) -> None:
    with smtp(router) as client:
        assert client.mail("")[0] == 250  # MAIL FROM:<>
        assert client.rcpt(CN)[0] == 250
        code, reply = client.data(b"Subject: Delivery Status Notification\r\n\r\nbounce\r\n")
    assert code == 250
    assert router.row(queued_id(reply)).mail_from == ""


def test_unknown_csba_address_and_relay_are_refused(router: Router) -> None:
    before = router.count()
    with smtp(router) as client:
        client.mail(SELLER)
        assert client.rcpt("csba-xx2de@amazon.de") == (
            550, b"5.1.1 <csba-xx2de@amazon.de>: no such csba address")
        assert client.rcpt("victim@example.com") == (
            550, b"5.1.1 <victim@example.com>: no such csba address")
        # No recipient was accepted, so there is nothing to send.
        assert client.docmd("DATA")[0] == 503
    assert router.count() == before


def test_recipient_matching_ignores_case(router: Router) -> None:
    with smtp(router) as client:
        client.mail(SELLER)
        assert client.rcpt("CSBA-DE2DE@Amazon.DE")[0] == 250
        code, reply = client.data(b"Subject: x\r\n\r\ny\r\n")
    assert code == 250
    assert router.row(queued_id(reply)).rcpt_tos == [DE]


def test_too_many_recipients(router: Router) -> None:
    with smtp(router) as client:
        client.mail(SELLER)
        assert client.rcpt(DE)[0] == 250
        assert client.rcpt(CN)[0] == 250
        assert client.rcpt(UK) == (452, b"4.5.3 Too many recipients")
        code, reply = client.data(b"Subject: two regions\r\n\r\nbody\r\n")
    assert code == 250
    row = router.row(queued_id(reply))
    assert row.rcpt_tos == [DE, CN]
    stamp = _STAMP.match(row.raw)
    assert stamp and stamp["rcpt"] is None  # "for <...>" only for a single recipient


def test_size_is_advertised_and_announced_oversize_refused(router: Router) -> None:
    with smtp(router) as client:
        assert client.has_extn("size") and client.esmtp_features["size"] == str(LIMIT)
        assert client.mail(SELLER, [f"SIZE={LIMIT + 1}"]) == (552, b"5.3.4 Message too big")
        assert client.mail(SELLER, [f"SIZE={LIMIT}"])[0] == 250


def test_oversize_data_refused_and_session_goes_on(router: Router) -> None:
    before = router.count()
    big = b"Subject: big\r\n\r\n" + b"x" * 998 + b"\r\n"
    big *= LIMIT // len(big) + 1
    with smtp(router) as client:
        client.mail(SELLER)  # no SIZE= announced: the data itself is measured
        client.rcpt(DE)
        assert client.data(big) == (552, b"5.3.4 Message too big")
        assert router.count() == before
        client.mail(SELLER)
        client.rcpt(DE)
        assert client.data(b"Subject: small\r\n\r\nok\r\n")[0] == 250
    assert router.count() == before + 1
