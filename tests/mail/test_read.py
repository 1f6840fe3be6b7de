"""parse_message on hand-built bytes and on every public corpus file."""

from __future__ import annotations

import base64
import os
import time
from pathlib import Path

import pytest

from router.decide.unwrap import unwrap
from router.mail import read as parse_module
from router.mail.message import ParsedMail
from router.mail.read import MAX_TEXT_CHARS, parse_message

REPO_ROOT = Path(__file__).resolve().parents[2]
CORPORA = REPO_ROOT.parent / "shared" / "corpora"


def mail(
    body: bytes,
    *,
    ctype: str = "text/plain",
    charset: str | None = "utf-8",
    cte: str | None = None,
    headers: bytes = b"",
) -> bytes:
    params = f"; charset={charset}" if charset else ""
    head = (
        b"From: Kunde <Kunde@Example.DE>\r\n"
        b"To: csba-de2de@amazon.de\r\n"
        b"Subject: Test\r\n"
        b"Date: Tue, 14 Oct 2025 09:12:41 +0200\r\n"
        b"Message-ID: <abc@example.de>\r\n" + headers + b"MIME-Version: 1.0\r\n"
        b"Content-Type: " + f"{ctype}{params}".encode() + b"\r\n"
    )
    if cte:
        head += b"Content-Transfer-Encoding: " + cte.encode() + b"\r\n"
    return head + b"\r\n" + body


# -- charsets -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "label", "codec"),
    [
        ("Grüße aus Köln, Straße", "iso-8859-1", "latin-1"),
        ("Preis 20 € – „Angebot“", "windows-1252", "cp1252"),
        ("您好，我的订单还没到。", "GBK", "gbk"),
        ("您好，我的订单还没到。", "gb18030", "gb18030"),
        ("台灣的訂單還沒收到", "big5", "big5"),
        ("日本語のメールです", "ISO-2022-JP", "iso-2022-jp"),
        ("Zażółć gęślą jaźń ✓", "utf-8", "utf-8"),
        ("Привет, заказ не пришёл", "koi8-r", "koi8-r"),
    ],
)
def test_declared_charset(text: str, label: str, codec: str) -> None:
    parsed = parse_message(mail(text.encode(codec), charset=label, cte="8bit"))
    assert parsed.text == text
    assert parsed.parse_error is None


def test_gb2312_label_on_gbk_text_decodes_as_gb18030() -> None:
    text = "朱镕基 囧 喆"  # characters outside GB2312, inside GBK
    parsed = parse_message(mail(text.encode("gbk"), charset="gb2312", cte="8bit"))
    assert parsed.text == text


def test_unknown_charset_with_utf8_bytes() -> None:
    parsed = parse_message(mail("Bestellung fällig".encode(), charset="x-unknown-foo"))
    assert parsed.text == "Bestellung fällig"


def test_misspelled_charset_labels() -> None:
    assert parse_message(mail("Grüße".encode(), charset="utf8")).text == "Grüße"
    assert parse_message(mail("Grüße".encode("cp1252"), charset='"windows1252"')).text == "Grüße"
    parsed = parse_message(mail("订单".encode("gbk"), charset="iso-gb2312"))
    assert (parsed.text, parsed.defects) == ("订单", ())


def test_unknown_charset_with_latin1_bytes_falls_back() -> None:
    parsed = parse_message(mail("Grüße".encode("latin-1"), charset="bogus-42"))
    assert parsed.text == "Grüße"
    assert any("windows-1252" in d for d in parsed.defects)


def test_utf8_bytes_mislabelled_latin1() -> None:
    parsed = parse_message(mail("Grüße".encode(), charset="iso-8859-1"))
    assert parsed.text == "Grüße"


def test_no_charset_8bit() -> None:
    assert parse_message(mail("Grüße".encode(), charset=None)).text == "Grüße"
    assert parse_message(mail("Grüße".encode("latin-1"), charset=None)).text == "Grüße"


# -- transfer encodings -------------------------------------------------------------


def test_quoted_printable() -> None:
    body = b"Gr=C3=BC=C3=9Fe, ein sehr langer Satz der umgebrochen wird =\r\nund weitergeht.\r\n"
    parsed = parse_message(mail(body, cte="quoted-printable"))
    assert parsed.text == "Grüße, ein sehr langer Satz der umgebrochen wird und weitergeht."


def test_base64() -> None:
    body = base64.encodebytes(b"Bestellung 302-1234567-1234567 fehlt.")
    assert parse_message(mail(body, cte="base64")).text == "Bestellung 302-1234567-1234567 fehlt."


def test_base64_bad_padding_tolerated() -> None:
    body = base64.b64encode(b"Hallo Welt!").rstrip(b"=")
    parsed = parse_message(mail(body + b"\r\n", cte="base64"))
    assert parsed.text.startswith("Hallo Welt")


def test_unknown_transfer_encoding_keeps_text() -> None:
    parsed = parse_message(mail(b"plain words", cte="x-strange"))
    assert parsed.text == "plain words"


# -- HTML and structure -----------------------------------------------------------------


HTML = (
    b"<html><head><title>t</title><style>p{color:red}</style>"
    b"<script>alert('x')</script></head><body>"
    b"<div>Hallo <b>Team</b>,</div><p>Zeile eins<br>Zeile zwei</p>"
    b"<table><tr><td>Von:</td><td>Max &lt;max@example.de&gt;</td></tr>"
    b"<tr><td>Betreff:</td><td>Frage</td></tr></table>"
    b"<ul><li>eins</li><li>zwei</li></ul>"
    b"<blockquote>zitiert</blockquote></body></html>"
)


def test_html_only_body() -> None:
    parsed = parse_message(mail(HTML, ctype="text/html"))
    assert parsed.html_only
    lines = parsed.text.split("\n")
    assert lines[:3] == ["Hallo Team,", "Zeile eins", "Zeile zwei"]
    assert "Von: Max <max@example.de>" in lines
    assert "Betreff: Frage" in lines
    assert "eins" in lines and "zwei" in lines and "zitiert" in lines
    assert "alert" not in parsed.text and "color" not in parsed.text


def alternative(plain: bytes, html: bytes) -> bytes:
    return mail(
        b"--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + plain + b"\r\n"
        b"--b1\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + html + b"\r\n--b1--\r\n",
        ctype='multipart/alternative; boundary="b1"',
        charset=None,
    )


def test_alternative_prefers_plain() -> None:
    parsed = parse_message(alternative(b"plain text", b"<p>html text</p>"))
    assert parsed.text == "plain text"
    assert not parsed.html_only


def test_alternative_empty_plain_uses_html() -> None:
    parsed = parse_message(alternative(b"  \r\n", b"<p>html text</p>"))
    assert parsed.text == "html text"
    assert parsed.html_only


def test_mixed_with_attachment() -> None:
    raw = mail(
        b"--m\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSiehe Anhang.\r\n"
        b"--m\r\nContent-Type: application/pdf; name=\"rechnung.pdf\"\r\n"
        b"Content-Disposition: attachment; filename=\"rechnung.pdf\"\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--m--\r\n",
        ctype='multipart/mixed; boundary="m"',
        charset=None,
    )
    parsed = parse_message(raw)
    assert parsed.text == "Siehe Anhang."
    assert [(a.filename, a.content_type, a.size) for a in parsed.attachments] == [
        ("rechnung.pdf", "application/pdf", 9)
    ]


def rfc822(inner: bytes, outer_text: bytes = b"Note") -> bytes:
    boundary = b"o%d" % len(inner)
    return mail(
        b"--" + boundary + b"\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        + outer_text
        + b"\r\n--" + boundary + b"\r\nContent-Type: message/rfc822\r\n\r\n"
        + inner
        + b"\r\n--" + boundary + b"--\r\n",
        ctype=f'multipart/mixed; boundary="{boundary.decode()}"',
        charset=None,
    )


INNER = (
    b"From: =?iso-8859-1?q?J=FCrgen?= <JUERGEN@example.org>\r\n"
    b"Subject: Innere Nachricht\r\n"
    b"Content-Type: text/plain; charset=iso-8859-1\r\n"
    b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    b"Gr=FC=DFe von innen\r\n"
)


def test_nested_rfc822_is_parsed_recursively() -> None:
    parsed = parse_message(rfc822(rfc822(INNER, b"middle")))
    assert parsed.text == "Note"
    middle = parsed.attachments[0].message
    assert middle is not None and middle.text == "middle"
    inner = middle.attachments[0].message
    assert inner is not None
    assert inner.from_addr == "juergen@example.org"
    assert inner.subject == "Innere Nachricht"
    assert inner.text == "Grüße von innen"
    assert parsed.attachments[0].content_type == "message/rfc822"


def test_nested_rfc822_depth_limit() -> None:
    raw = INNER
    for _ in range(parse_module.MAX_MESSAGE_DEPTH + 3):
        raw = rfc822(raw)
    parsed = parse_message(raw)
    depth = 0
    current: ParsedMail | None = parsed
    while current is not None and current.attachments:
        current = current.attachments[0].message
        depth += 1
    assert depth <= parse_module.MAX_MESSAGE_DEPTH + 1
    assert parse_message(raw).parse_error is None


def test_base64_encoded_rfc822_attachment() -> None:
    raw = mail(
        b"--o\r\nContent-Type: text/plain\r\n\r\nnote\r\n"
        b"--o\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + base64.encodebytes(INNER)
        + b"\r\n--o--\r\n",
        ctype='multipart/mixed; boundary="o"',
        charset=None,
    )
    inner = parse_message(raw).attachments[0].message
    assert inner is not None and inner.text == "Grüße von innen"


# -- broken MIME --------------------------------------------------------------------------


def test_missing_closing_boundary() -> None:
    raw = mail(
        b"--x\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nerster Teil\r\n"
        b"--x\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nzweiter Teil ohne Ende\r\n",
        ctype='multipart/mixed; boundary="x"',
        charset=None,
    )
    parsed = parse_message(raw)
    assert "erster Teil" in parsed.text and "zweiter Teil ohne Ende" in parsed.text
    assert parsed.defects  # recorded, in words
    assert all(" " in d or d.isalpha() for d in parsed.defects)


def test_boundary_never_found() -> None:
    raw = mail(b"just text\r\n", ctype='multipart/mixed; boundary="nope"', charset=None)
    parsed = parse_message(raw)
    assert "just text" in parsed.text
    assert any("boundary" in d for d in parsed.defects)


def test_raw_8bit_headers() -> None:
    raw = (
        "From: Jürgen Müller <jm@example.de>\r\nSubject: Lieferung verspätet\r\n\r\nx".encode()
    )
    parsed = parse_message(raw)
    assert parsed.subject == "Lieferung verspätet"
    assert parsed.header("From") == "Jürgen Müller <jm@example.de>"
    latin = "Subject: Grüße\r\n\r\nx".encode("latin-1")
    assert parse_message(latin).subject == "Grüße"


def test_leading_bom_and_blank_lines() -> None:
    raw = b"\xef\xbb\xbf\r\n\r\nFrom: a@b.de\r\nSubject: ok\r\n\r\nbody"
    parsed = parse_message(raw)
    assert (parsed.subject, parsed.from_addr, parsed.text) == ("ok", "a@b.de", "body")
    assert parsed.raw_size == len(raw)


def test_huge_header_line() -> None:
    raw = b"X-Junk: " + b"a" * 100_000 + b"\r\nSubject: ok\r\nFrom: a@b.de\r\n\r\nbody"
    # CPU time of this process: tests running beside it do not count.
    start = time.process_time()
    parsed = parse_message(raw)
    assert time.process_time() - start < 1.0
    assert parsed.subject == "ok" and parsed.text == "body"
    assert parsed.from_addr == "a@b.de"


def test_encoded_words() -> None:
    raw = (
        b"Subject: =?utf-8?B?QmVzdGVsbHVuZyDDvA==?= =?utf-8?q?ber_Amazon?=\r\n"
        b"From: =?ISO-8859-1?Q?Andr=E9?= Pirard <PIRARD@vm1.ulg.ac.be>\r\n"
        b"To: =?gb2312?B?" + base64.b64encode("赵磊".encode("gb2312")) + b"?= <zhao@example.cn>\r\n"
        b"Cc: broken =?utf-8?B?w7w?= padding\r\n"
        b"Reply-To: \"=?utf-8?q?J=C3=BCrgen?=\" <j@example.de>\r\n"
        b"X-Split: =?utf-8?B?w6Q=?==?utf-8?B?4oKs?=\r\n"
        b"X-Split-Char: =?utf-8?B?" + base64.b64encode(b"\xe2") + b"?= "
        b"=?utf-8?B?" + base64.b64encode(b"\x82\xac") + b"?=\r\n"
        b"X-Folded: eins\r\n zwei\r\n\tdrei\r\n\r\nbody"
    )
    parsed = parse_message(raw)
    assert parsed.subject == "Bestellung über Amazon"
    assert parsed.header("From") == "André Pirard <PIRARD@vm1.ulg.ac.be>"
    assert parsed.from_addr == "pirard@vm1.ulg.ac.be"
    assert parsed.header("To") == "赵磊 <zhao@example.cn>"
    assert parsed.header("Cc") == "broken ü padding"
    assert parsed.header("Reply-To") == '"Jürgen" <j@example.de>'
    assert parsed.header("X-Split") == "ä€"
    assert parsed.header("X-Split-Char") == "€"
    assert parsed.header("x-folded") == "eins zwei drei"


def test_header_helpers_and_fields() -> None:
    parsed = parse_message(mail(b"x", headers=b"Received: one\r\nReceived: two\r\n"))
    assert parsed.header_all("received") == ["one", "two"]
    assert parsed.message_id == "<abc@example.de>"
    assert parsed.from_addr == "kunde@example.de"
    assert parsed.date is not None and parsed.date.utcoffset() is not None
    assert parsed.raw_size > 0


def test_text_capped() -> None:
    body = b"a" * (MAX_TEXT_CHARS + 5000)
    parsed = parse_message(mail(body))
    assert len(parsed.text) == MAX_TEXT_CHARS
    assert any("truncated" in d for d in parsed.defects)


@pytest.mark.parametrize(
    "raw",
    [b"", b"\x00" * 100, bytes(range(256)) * 20, b"no headers at all", b":\r\n\r\n", b"\xff\xfe"],
)
def test_garbage_never_raises(raw: bytes) -> None:
    assert isinstance(parse_message(raw), ParsedMail)


def test_parser_failure_returns_headers(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*_args: object, **_kwargs: object) -> None:
        raise RecursionError("too deep")

    monkeypatch.setattr(parse_module, "read_message", boom)
    raw = b"From: Max <MAX@example.de>\r\nSubject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\n\r\nBody"
    parsed = parse_message(raw)
    assert parsed.parse_error is not None and "too deep" in parsed.parse_error
    assert parsed.subject == "Grüße"
    assert parsed.from_addr == "max@example.de"
    assert parsed.text == "Body"


def test_deep_multipart_nesting() -> None:
    depth = 300
    opening = b"".join(
        b"--b%d\r\nContent-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n" % (i, i + 1)
        for i in range(depth)
    )
    raw = mail(
        opening + b"--b%d\r\nContent-Type: text/plain\r\n\r\ndeep\r\n" % depth,
        ctype='multipart/mixed; boundary="b0"',
        charset=None,
    )
    assert isinstance(parse_message(raw), ParsedMail)


def test_typical_message_is_fast() -> None:
    body = ("Guten Tag, meine Bestellung 302-1234567-1234567 ist nicht da.\n" * 80).encode()
    raw = mail(body, cte="8bit")
    parse_message(raw)
    # CPU time of this process: tests running beside it do not count.
    start = time.process_time()
    for _ in range(50):
        parse_message(raw)
    assert (time.process_time() - start) / 50 < 0.005


# -- the public corpora ---------------------------------------------------------------------

_SKIP_SUFFIXES = {".py", ".js", ".md", ".rb", ".pl", ".go", ".rs", ".cs", ".json", ".yml", ".yaml"}
_SKIP_NAMES = {"license", "licence", "copying", "notice", "readme", "setup"}


def corpus_files() -> list[Path]:
    files = []
    for path in sorted(CORPORA.rglob("*")):
        if not path.is_file() or path.suffix.lower() in _SKIP_SUFFIXES:
            continue
        if path.stem.lower().split("-")[0] in _SKIP_NAMES:
            continue
        files.append(path)
    return files


def test_every_corpus_file_parses_and_unwraps() -> None:
    if not CORPORA.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"corpora missing at {CORPORA} (CI is set)")
        pytest.skip(f"corpora not found at {CORPORA}")
    files = corpus_files()
    assert len(files) > 300
    failures = []
    for path in files:
        try:
            parsed = parse_message(path.read_bytes())
            if not isinstance(parsed, ParsedMail):
                failures.append(f"{path}: returned {type(parsed).__name__}")
                continue
            unwrap(parsed)
        except Exception as exc:  # noqa: BLE001 - collect them all
            failures.append(f"{path}: {exc!r}")
    assert not failures, "\n".join(failures)
