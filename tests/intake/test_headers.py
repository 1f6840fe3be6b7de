"""The bytes-level editing intake does before storing: no server needed."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime
from email.parser import BytesHeaderParser
from email.policy import compat32

import pytest
from aiosmtpd.smtp import SMTP

from router.intake.headers import clean_message, message_id_of, strip_csba_headers
from router.intake.smtp import IntakeHandler, line_ending, received_header


def crlf(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode("utf-8")


@pytest.mark.parametrize("eol", ["\r\n", "\n"])
def test_strips_csba_fields_with_their_continuations(eol: str) -> None:
    raw = eol.join([
        "Received: from a by b; Mon, 1 Jun 2026 10:00:00 +0000",
        "X-CSBA-Category: post_sale_seller_fulfilled",
        "\tstill the category",
        "  and more of it",
        "Subject: =?utf-8?q?Bestellung?=",
        "x-csba-seller: A1FAKE",
        "X-Csba-Region : de2de",
        "From: kunde@example.org",
        " (folded From)",
        "",
        "Body line",
        "X-CSBA-x: looks like a header but is body",
        "",
    ]).encode()
    expected = eol.join([
        "Received: from a by b; Mon, 1 Jun 2026 10:00:00 +0000",
        "Subject: =?utf-8?q?Bestellung?=",
        "From: kunde@example.org",
        " (folded From)",
        "",
        "Body line",
        "X-CSBA-x: looks like a header but is body",
        "",
    ]).encode()
    assert strip_csba_headers(raw) == expected


def test_keeps_similar_names_and_8bit_bytes() -> None:
    raw = b"X-CSBA: no dash after the prefix\r\nX-CSBAx-Foo: other\r\n" \
          b"Subject: Gr\xfc\xdfe\r\nX-CSBA-Order: 1\r\n\r\n\xff\xfe binary body\r\n"
    assert strip_csba_headers(raw) == (
        b"X-CSBA: no dash after the prefix\r\nX-CSBAx-Foo: other\r\n"
        b"Subject: Gr\xfc\xdfe\r\n\r\n\xff\xfe binary body\r\n"
    )


@pytest.mark.parametrize("raw", [
    b"",
    b"just text without a header\r\nX-CSBA-Category: x\r\n",
    b"Subject: no body, no final newline",
])
def test_leaves_messages_without_csba_headers_alone(raw: bytes) -> None:
    assert strip_csba_headers(raw) == raw


def test_leading_blank_lines_are_skipped_as_the_parser_skips_them() -> None:
    # Not "body only": the classifier's parser drops leading blank lines and
    # reads these as header fields (see test_csba_strip).
    assert strip_csba_headers(b"\r\nX-CSBA-Category: x\r\n\r\nbody\r\n") == b"\r\n\r\nbody\r\n"
    assert strip_csba_headers(b"\nX-CSBA-Category: x, LF\n") == b"\n"


def test_header_only_message_and_missing_final_newline() -> None:
    assert strip_csba_headers(b"Subject: x\r\nX-CSBA-Seller: y") == b"Subject: x\r\n"
    assert strip_csba_headers(b"X-CSBA-Seller: y\r\n  folded") == b""


def test_message_id_is_unfolded_and_optional() -> None:
    assert message_id_of(crlf("Subject: a\nMessage-ID:\n <abc@example.org>\n\nbody\n")) \
        == "<abc@example.org>"
    assert message_id_of(crlf("Subject: a\n\nMessage-ID: <in-body@x>\n")) is None
    assert message_id_of(b"") is None


def test_message_id_fast_path_agrees_with_the_email_parser() -> None:
    """The direct read of an ASCII field and Python's parser give the same value."""
    samples = [
        "Message-ID: <a@b>\nSubject: x\n\n",
        "Subject: x\nMessage-Id:   <folded\n  -part@b>  \nTo: y\n\n",
        "Message-ID: <first@b>\nMessage-ID: <second@b>\n\n",
        "X-CSBA-Category: forged\nMessage-ID: <after-csba@b>\n\n",
        "Message-ID:\n\n",
        "Subject: =?utf-8?q?caf=C3=A9?=\nMessage-ID: <plain@b>\n\n",
    ]
    for text in samples:
        raw = crlf(text)
        expected = BytesHeaderParser(policy=compat32).parsebytes(raw).get("Message-ID")
        expected_id = "".join(str(expected).split()) or None if expected is not None else None
        cleaned, found = clean_message(raw)
        assert found == expected_id, text
        assert cleaned == strip_csba_headers(raw)


def test_non_ascii_message_id_goes_through_the_parser() -> None:
    raw = "Message-ID: <caf\u00e9@b>\r\n\r\n".encode()
    assert message_id_of(raw) is not None
    assert message_id_of(raw).startswith("<caf")  # type: ignore[union-attr]


def test_line_ending_follows_the_message() -> None:
    assert line_ending(b"Subject: x\r\n") == b"\r\n"
    assert line_ending(b"Subject: x\n") == b"\n"
    assert line_ending(b"") == b"\r\n"


def test_received_header_names_client_and_recipient() -> None:
    when = datetime(2026, 6, 1, 10, 0, 0, tzinfo=UTC)
    header = received_header(helo="mx.seller.example", peer=("192.0.2.7", 40000),
                             by="router.example", protocol="ESMTPS",
                             rcpt_tos=["csba-de2de@amazon.de"], when=when)
    assert header == (
        b"Received: from mx.seller.example ([192.0.2.7])\r\n"
        b"\tby router.example (csba-router) with ESMTPS\r\n"
        b"\tfor <csba-de2de@amazon.de>;\r\n"
        b"\tMon, 01 Jun 2026 10:00:00 +0000\r\n"
    )


def test_received_header_many_recipients_ipv6_odd_helo() -> None:
    when = datetime(2026, 6, 1, 10, 0, 0, tzinfo=UTC)
    header = received_header(helo="bad (name); x", peer=("2001:db8::1", 25, 0, 0),
                             by="r.example", protocol="SMTP",
                             rcpt_tos=["a@amazon.de", "b@amazon.de"], when=when, eol=b"\n")
    assert header == (
        b"Received: from bad__name___x ([IPv6:2001:db8::1])\n"
        b"\tby r.example (csba-router) with SMTP;\n"
        b"\tMon, 01 Jun 2026 10:00:00 +0000\n"
    )


def test_handler_hooks_are_ones_aiosmtpd_calls() -> None:
    # aiosmtpd finds hooks by name; a misspelt one is silently never called.
    hooks = [name for name in dir(IntakeHandler) if name.startswith("handle_")]
    assert "handle_DATA" in hooks and "handle_RCPT" in hooks
    for name in hooks:
        if name == "handle_exception":  # looked up by SMTP.handle_exception
            assert "event_handler.handle_exception" in inspect.getsource(SMTP.handle_exception)
        else:
            assert hasattr(SMTP, "smtp_" + name.removeprefix("handle_")), name
