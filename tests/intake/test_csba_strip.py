"""X-CSBA-* stripping reads headers as the classifier's parser does (issue 12).

An `X-CSBA-*` field placed where only the parser still saw a header (after a
stray `From ` line, a `:value` line, a bare CR, a leading blank line or
byte-order mark) survived intake's strip and reached the classifier as if
the router had written it: "own mail" (dropped) or a forged
`X-CSBA-Contact` (joined to someone else's contact).
"""

from __future__ import annotations

import random
from email import message_from_bytes
from email.policy import compat32

import pytest

from router.decide.automatic import automatic_signals
from router.intake.headers import clean_message, strip_csba_headers
from router.mail.header import BOM, parser_start, read_header, section_span
from router.mail.message import Envelope
from router.mail.read import parse_message

STAMP = b"Received: from mx.example ([192.0.2.1])\r\n\tby csba-router; Mon, 1 Jun 2026\r\n"

# Each shape: a message whose X-CSBA-* field the parser reads as a header.
SHAPES = {
    "after a stray From line": b"Subject: hi\r\nFrom mallory Mon Jun  1 10:00:00 2026\r\n"
                               b"X-CSBA-Contact: 17\r\n\r\nbody\r\n",
    "after a :value line": b"Subject: hi\r\n:value without a name\r\n"
                           b"X-CSBA-Category: own\r\n\r\nbody\r\n",
    "after a bare CR": b"Subject: hi\rX-CSBA-Contact: 17\r\n\r\nbody\r\n",
    "LF lines, From line": b"Subject: hi\nFrom x\nX-CSBA-Seller: A1FAKE\n\nbody\n",
    "first line From, then CR lines": b"From x\rX-CSBA-Region: de2de\rSubject: a\r\rbody\r",
    "a continuation after From": b"Subject: hi\r\nFrom x\r\n folded\r\n"
                                 b"X-CSBA-Contact: 17\r\n folded too\r\n\r\nbody\r\n",
}
# Without our Received: stamp on top (IMAP, ingest), leading junk the parser skips.
UNSTAMPED = {
    "a leading blank line": b"\r\nX-CSBA-Category: own\r\nSubject: hi\r\n\r\nbody\r\n",
    "leading LF lines": b"\n\nX-CSBA-Contact: 17\n\nbody\n",
    "a byte-order mark": BOM + b"X-CSBA-Contact: 17\r\nSubject: hi\r\n\r\nbody\r\n",
}


def csba_names(raw: bytes) -> list[str]:
    """The X-CSBA-* header names the classifier sees in stored bytes."""
    return [name for name, _ in parse_message(raw).headers
            if name.lower().startswith("x-csba-")]


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_the_classifier_sees_no_csba_field_after_intake(shape: str) -> None:
    raw = SHAPES[shape]
    assert csba_names(STAMP + raw)  # the attack: the parser reads the field as a header
    stored = strip_csba_headers(STAMP + raw)  # what SMTP intake stores
    assert csba_names(stored) == []
    assert "own-mail" not in {e.name for e in automatic_signals(
        parse_message(stored), Envelope(), None)}
    assert b"body" in stored


@pytest.mark.parametrize("shape", sorted(UNSTAMPED))
def test_leading_junk_the_parser_skips_is_skipped_too(shape: str) -> None:
    raw = UNSTAMPED[shape]
    assert csba_names(raw)
    assert csba_names(strip_csba_headers(raw)) == []
    # With our stamp on top the same bytes are body to the parser: left alone.
    assert strip_csba_headers(STAMP + raw) == STAMP + raw


def test_only_the_field_lines_go() -> None:
    raw = SHAPES["a continuation after From"]
    assert strip_csba_headers(raw) == b"Subject: hi\r\nFrom x\r\n folded\r\n\r\nbody\r\n"
    raw = SHAPES["after a bare CR"]
    assert strip_csba_headers(raw) == b"Subject: hi\r\r\nbody\r\n"


def test_a_bare_cr_line_next_to_the_blank_line_does_not_swallow_it() -> None:
    # Removing the field between "...hi\r" and "\n" would make one CRLF of them:
    # the blank line gone, the body's X-CSBA line read as a header.
    raw = b"Subject: hi\rX-CSBA-Seller: x\r\n\nX-CSBA-Contact: 17\r\nbody\r\n"
    stripped = strip_csba_headers(raw)
    assert stripped == b"Subject: hi\r\n\nX-CSBA-Contact: 17\r\nbody\r\n"
    assert csba_names(stripped) == []


def test_when_every_field_goes_the_next_block_is_read_as_the_parser_will() -> None:
    # Without the fields, the blank line leads and the parser skips it.
    raw = b"X-CSBA-Seller: x\r\n\r\nX-CSBA-Contact: 17\r\n\r\nSubject: body\r\n"
    assert strip_csba_headers(raw) == b"\r\n\r\nSubject: body\r\n"
    assert csba_names(strip_csba_headers(raw)) == []


def test_message_id_after_a_stray_from_line_is_found_as_the_parser_finds_it() -> None:
    raw = b"Subject: hi\r\nFrom x\r\nMessage-ID: <a@b>\r\n\r\nbody\r\n"
    assert clean_message(raw)[1] == "<a@b>" == parse_message(raw).message_id
    raw = b"Subject: hi\r\nX-Obsolete : form\r\nMessage-ID: <a@b>\r\n\r\nbody\r\n"
    assert parse_message(raw).message_id is None  # body to the parser
    assert clean_message(raw)[1] is None


# --- the rule itself against Python's parser, on generated messages -----------

PIECES = [
    b"Message-ID: <first@x>", b"message-id:\t<second@x>", b"Message-ID : <obsolete@x>",
    b"Subject: hi", b"X-CSBA-Contact: 17", b"x-csba-category: own", b"From x", b"From: a@b",
    b":value", b" folded", b"\tfolded", b"Message-ID: <m@x>", b"X-Obs : v", b"no colon here",
    b"To:", b"A:b:c", b"From  two blanks", b"Fro", b"\x00: nul name", b"\xff: 8bit name",
    b"X-CSBA-Seller:\x0bvertical tab", b"", b" ", b"\f: form feed",
]
ENDINGS = [b"\r\n", b"\n", b"\r", b"\r\n", b"\r\n"]


def generated(rng: random.Random) -> bytes:
    lead = rng.choice([b"", b"", b"", b"\r\n", b"\n", BOM, BOM + b"\r\n"])
    lines = [rng.choice(PIECES) + rng.choice(ENDINGS) for _ in range(rng.randint(0, 9))]
    return lead + b"".join(lines) + rng.choice([b"", b"body\r\n", b"\r\nX-CSBA-Contact: 1\r\n"])


def parser_fields(raw: bytes) -> list[str]:
    """Field names as Python's email parser (compat32) reads them, lower-cased."""
    data = raw[parser_start(raw):]
    return [name.lower() for name in message_from_bytes(data, policy=compat32).keys()]


def test_the_rule_is_the_parsers_on_generated_messages() -> None:
    rng = random.Random(12)
    for _ in range(6_000):
        raw = generated(rng)
        section = read_header(raw)
        ours = [line.field.decode("ascii", "surrogateescape") for line in section.lines
                if line.first and line.field is not None]
        assert ours == parser_fields(raw), raw
        stripped, message_id = clean_message(raw)
        assert not [n for n in parser_fields(stripped) if n.startswith("x-csba-")], raw
        assert csba_names(stripped) == [], raw
        assert message_id == parser_message_id(stripped), raw  # as the stored bytes say
        # The one-pass bounds agree with the line by line reading.
        begin, parser_end, _ = section_span(raw)
        assert (begin, parser_end) == ((section.lines[0].start, section.lines[-1].end)
                                       if section.lines else (begin, begin)), raw


def parser_message_id(raw: bytes) -> str | None:
    """The first Message-ID as Python's parser reads it, blanks removed, control chars: none."""
    value = message_from_bytes(raw[parser_start(raw):], policy=compat32).get("Message-ID")
    text = "".join(str(value).split()) if value is not None else ""
    return None if not text or any(ord(c) < 32 or ord(c) == 127 for c in text) else text
