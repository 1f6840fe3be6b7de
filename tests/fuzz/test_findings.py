"""What fuzzing and the hostile-input review found, one regression test each.

docs/fuzzing.md lists them with the command that found them.
"""

from __future__ import annotations

import base64
import time
from pathlib import Path

import pytest

from router.config.errors import ConfigError
from router.config.loader import load_config
from router.decide import vocabulary
from router.decide.classify import classify
from router.decide.language import detect_language, warm_up
from router.decide.unwrap import unwrap
from router.intake.arrival import ArchivedEnvelope, archived_envelope
from router.mail.read import parse_message
from router.orders.report import LineError, OrderLine, parse_report
from tests.fuzz.hostile import html_case, repeat, text_mail
from tests.fuzz.strategies import REPORT_COLUMNS
from tests.fuzz.targets import ENVELOPES, world


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "router.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("text", ["\x1f", "instance:\n  hostname: a\x07b\n", "\ufffe"])
def test_config_with_a_control_character_is_a_config_error(tmp_path: Path, text: str) -> None:
    # Found by the config target: PyYAML's reader refuses non-printable
    # characters when the loader is made, which was outside the try.
    with pytest.raises(ConfigError) as caught:
        load_config(_config(tmp_path, text))
    [problem] = caught.value.problems
    assert "special characters are not allowed" in problem.message


# -- super-linear patterns over attacker-controlled text ---------------------------------------
# Each took seconds to minutes before (figures in docs/fuzzing.md); linear
# now, they take milliseconds.  The bound is a hundred times what they take,
# in CPU time of this process: tests running beside it do not count.

def _decide(raw: bytes) -> float:
    start = time.process_time()
    mail = parse_message(raw)
    w = world()
    classify(w.config, mail, ENVELOPES[2], orders=w.orders, history=w.history,
             now=w.now)
    return time.process_time() - start


@pytest.mark.parametrize("header", ["From", "Return-Path", "Sender", "Resent-From",
                                    "X-Forwarded-For", "Delivered-To"])
@pytest.mark.parametrize("unit", ["a", "a.", "1-", "\u2013"])
def test_long_address_header_without_an_address_decides_fast(header: str, unit: str) -> None:
    # The address patterns of read (From), automatic._BARE_LOCAL (Return-Path,
    # From) and identify (To, X-Forwarded-For, ...) were retried at every
    # character of the run: a 20,000-character From took 13-23 s.
    world()  # loaded outside the timing
    raw = text_mail(unit, 200_000, header=header)
    seconds = _decide(raw)
    assert seconds < 2.0, f"{header}: {seconds:.1f} s"


def test_long_word_before_an_at_sign_cleans_fast() -> None:
    # language._EMAIL over the first 100,000 characters the cleaner reads.
    text = "Guten Tag " + "a" * 99_000 + "@"
    start = time.process_time()
    detect_language(text)
    assert time.process_time() - start < 1.0


@pytest.mark.parametrize("label", ["From: <", "From: x [mailto:"])
def test_forwarded_header_with_many_at_signs_unwraps_fast(label: str) -> None:
    # unwrap's bracketed-address pattern tried every "@" of the token, each time to its end:
    # 40,000 characters of "<a@a@..." took 138 s.
    body = ("-----Original Message-----\n" + label + repeat("a@", 200_000)
            + "\nSent: Monday\nTo: b@example.de\nSubject: x\n\nHallo")
    raw = ("From: a@b.de\r\nSubject: Fwd: x\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
           + body).encode()
    mail = parse_message(raw)
    start = time.process_time()
    unwrap(mail)
    assert time.process_time() - start < 1.0


def test_address_patterns_still_find_what_they_found() -> None:
    def sender(value: str) -> str | None:
        return parse_message(f"From: {value}\r\n\r\nHallo".encode()).from_addr

    assert sender("Max Muster <max@example.de>") == "max@example.de"
    assert sender("junk " + "a" * 5000 + " x <y@z.de") == "y@z.de"
    mail = parse_message(b"From: a@b.de\r\nSubject: Fwd: x\r\n\r\n-----Original Message-----\n"
                         b"From: Kunde [mailto:kunde@example.de]\nSent: Monday\n"
                         b"To: service@musterhandel.de\nSubject: Frage\n\nHallo")
    assert unwrap(mail).inquiry_from == "kunde@example.de"


@pytest.mark.parametrize("header", [b"Return-Path", b"Delivered-To", b"X-Original-To"])
def test_archived_envelope_of_a_long_header_is_fast(header: bytes) -> None:
    # intake.arrival's address pattern: 20,000 characters without "@" took 6 s.
    raw = header + b": " + b"a" * 200_000 + b"\r\nFrom: x@y.de\r\n\r\nHallo"
    start = time.process_time()
    envelope = archived_envelope(raw)
    assert time.process_time() - start < 1.0
    assert envelope.mail_from is None and envelope.rcpt_tos == ()
    assert archived_envelope(b"Return-Path: <a@b.de>\r\nDelivered-To: c@d.de\r\n\r\nx") == (
        ArchivedEnvelope("a@b.de", ("c@d.de",)))


# -- the email parser's cost per line, header field and part -----------------------------------
# 5 MB built of one of them took 22 s (parts), 8 s (header fields) and
# 6.7 s (blank lines in a part) before the parser had a budget
# (router/mail/mimeread.py).

_HEAD = b"From: kunde@example.de\r\nTo: csba-de2de@amazon.de\r\nSubject: x\r\n"
_MIXED = (b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
          b"Content-Type: text/plain\r\n\r\nHallo\r\n--b\r\nContent-Type: text/plain\r\n\r\n")
FIVE_MB = 5_000_000


@pytest.mark.parametrize("name", ["parts", "header_fields", "blank_lines_in_a_part"])
def test_five_megabytes_of_parser_work_parse_fast(name: str) -> None:
    raw = {
        "parts": _HEAD + b"Content-Type: multipart/mixed; boundary=b\r\n\r\n"
        + b"--b\n\n" * (FIVE_MB // 5) + b"--b--",
        "header_fields": _HEAD + b"X:a\n" * (FIVE_MB // 4) + b"\r\nHallo",
        "blank_lines_in_a_part": _HEAD + _MIXED + b"\n" * FIVE_MB + b"--b--",
    }[name]
    start = time.process_time()
    mail = parse_message(raw)
    seconds = time.process_time() - start
    assert seconds < 2.5, f"{seconds:.1f} s"
    assert mail.from_addr == "kunde@example.de"
    assert any("rest ignored" in defect for defect in mail.defects)


def test_big_real_attachment_is_read_whole() -> None:
    # 25 MB of base64 (the size the router accepts) is 330,000 lines: within the budget.
    data = bytes(range(256)) * (18_750_000 // 256)
    raw = (_HEAD + b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
           b"Content-Type: text/plain\r\n\r\nHallo\r\n--b\r\n"
           b"Content-Type: application/pdf; name=a.pdf\r\n"
           b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.encodebytes(data) + b"--b--")
    mail = parse_message(raw)
    assert not any("rest ignored" in defect for defect in mail.defects)
    assert [a.filename for a in mail.attachments] == ["a.pdf"]


def test_many_big_html_parts_convert_fast() -> None:
    # Twelve 2 MB parts of hostile HTML took 5 s: the per-part caps alone
    # multiply with the parts; now the HTML a message converts has a cap too.
    part = html_case("paragraphs", 2_000_000).encode()
    raw = (_HEAD + b"Content-Type: multipart/mixed; boundary=b\r\n\r\n" + b"".join(
        b"--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + part + b"\r\n"
        for _ in range(12)) + b"--b--")
    start = time.process_time()
    mail = parse_message(raw)
    seconds = time.process_time() - start
    assert seconds < 3.0, f"{seconds:.1f} s"
    assert any(defect.startswith("HTML over") for defect in mail.defects)
    assert mail.text.startswith("a\na\n")


def test_warm_up_compiles_the_phrase_patterns_for_chinese_text() -> None:
    # Found by the classify target: the first message with text beyond
    # Latin-1 compiled the phrase patterns for it inside its decide
    # (3.8-8.5 s); the worker's warm-up at start now does it.
    warm_up()
    assert all(matcher.prepared for matcher in vocabulary.MATCHERS)


@pytest.mark.parametrize("date", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_report_date_outside_the_utc_range_is_a_line_error(date: str) -> None:
    # Found by the report target: OverflowError from astimezone(UTC) ended
    # the whole import instead of skipping the line.
    header = "\t".join(REPORT_COLUMNS)
    good = "302-1234567-1234567\t2026-06-01T10:00:00+00:00\tShipped\tAmazon\tAmazon.de\tx\t1\tx"
    bad = good.replace("2026-06-01T10:00:00+00:00", date)
    rows = list(parse_report([header, bad, good]))
    assert isinstance(rows[0], LineError) and rows[0].line_no == 2 and date in rows[0].reason
    assert isinstance(rows[1], OrderLine)


# -- found in the config loader (issue 12 defect 5): depth and alias limits --------------------
# RecursionError escaped load_config, and aliases were expanded without limit;
# yamlsource's limits (tests/config/test_hostile_configs.py) refuse both now.

@pytest.mark.parametrize("text", ["[" * 600 + "]" * 600,
                                  "".join("  " * i + "a:\n" for i in range(1500))])
def test_deeply_nested_config_is_a_config_error(tmp_path: Path, text: str) -> None:
    with pytest.raises(ConfigError):
        load_config(_config(tmp_path, text))


def test_alias_bomb_is_refused_as_one(tmp_path: Path) -> None:
    # 9^9 values once expanded (the bomb took 17 s, then MemoryError).
    lines = ["a: &a [" + ", ".join(['"x"'] * 9) + "]"]
    lines += [f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 9) + "]"
              for i in range(8)]
    with pytest.raises(ConfigError) as caught:
        load_config(_config(tmp_path, "\n".join(lines) + "\n"))
    assert any("alias" in problem.message for problem in caught.value.problems)
