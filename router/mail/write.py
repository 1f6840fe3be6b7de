"""Writing MIME: the bytes of the mail the router sends, without the email package.

What every mail of the router needs, whoever composes it (`router.act.compose`:
forwards, notices, redirects; `router.cases.mail`: case mail;
`router.account.statements`: statements): header fields folded to SMTP's
rules and safe against injection, a text part in the transfer encoding
`email.contentmanager` would choose, the original attached unchanged in
wire form, and boundaries and tokens derived from the Message-ID, so the
same inputs always give the same bytes.  Pure functions, no clock.
"""

from __future__ import annotations

import binascii
import hashlib
import re
from collections.abc import Iterable
from email import quoprimime
from email.charset import SHORTEST, Charset
from email.header import Header
from email.policy import SMTP

# SMTP's CRLF and 78-column folding; `7bit` so that text parts are
# quoted-printable or base64, never raw 8-bit.  (`mime_mail` writes bytes
# following these rules; the policy folds what the email package writes:
# a redirect's Resent-* block, a statement.)
POLICY = SMTP.clone(cte_type="7bit")
CRLF = "\r\n"
MAX_HEADER_LINE = 78
ATTACHMENT_NAME = "original.eml"
MAX_LINE = 998

_SAFE_KEY = re.compile(r"[A-Za-z0-9_-]{1,64}")
# C0 and C1 controls, line and paragraph separators and bidi overrides:
# nothing from the original may break a header line or reorder its text.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]+")
_LINE_END = re.compile(rb"\r?\n")
_MBOX_FROM = re.compile(rb"From (?![ \t]*:)[^\n]*\n")


class ComposeError(Exception):
    """The mail cannot be written (no such region, no bsm_address, ...)."""


def plain_token(text: str) -> str:
    """`text` when it is a plain token (letters, digits, - and _, at most 64), else a hash.

    What goes into one of our Message-IDs must keep it one valid token.
    """
    if _SAFE_KEY.fullmatch(text):
        return text
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def canonical_original(raw: bytes) -> bytes:
    """The original in wire form: CRLF line ends, no mbox line, BOM or leading blanks."""
    raw = raw.removeprefix(b"\xef\xbb\xbf").lstrip(b"\r\n")
    if _MBOX_FROM.match(raw):
        raw = raw[raw.index(b"\n") + 1:]
    # Mail that arrived by SMTP is in wire form already: every LF ends a
    # CRLF.  Two counts in C tell that, where the substitution would copy
    # the message through the regex engine to change nothing.
    if raw.count(b"\n") == raw.count(b"\r\n"):
        return raw
    return _LINE_END.sub(b"\r\n", raw)


def one_line(value: str) -> str:
    """One header-safe line: control characters (CR, LF...) become spaces."""
    # Most values are one line already.  A printable string has no control
    # character and no white space but the ASCII space, so it is its own
    # result unless spaces need collapsing: a cheaper test than the rewrite.
    if (value.isprintable() and "  " not in value
            and not value.startswith(" ") and not value.endswith(" ")):
        return value
    return " ".join(CONTROL.sub(" ", value).split())


def header_field(name: str, value: str) -> str:
    """One header field, CRLF-terminated, ASCII, folded to lines of 78 octets.

    The value is made one line first (control characters become spaces, so
    nothing from the original can add a header).  An ASCII value is folded
    at its spaces (a word longer than a line keeps a line of its own, up to
    998 octets); a non-ASCII one (or an ASCII one with a word over 998
    octets) is RFC 2047-encoded by `email.header`, quoted-printable or
    base64, whichever is shorter.  The modern folder of Python 3.11's
    policy.SMTP can emit an empty encoded word (`=?utf-8?q??=`), which
    RFC 2047 forbids; the legacy `Header` encoder does not.
    """
    value = one_line(value)
    if value.isascii():
        line = f"{name}: {value}"
        if len(line) <= MAX_HEADER_LINE:
            return line + CRLF
        lines: list[str] = []
        for word in value.split(" "):
            if not lines:
                lines.append(f"{name}: {word}")
            elif len(lines[-1]) + 1 + len(word) <= MAX_HEADER_LINE:
                lines[-1] += f" {word}"
            else:
                lines.append(f" {word}")
        if max(len(line) for line in lines) <= MAX_LINE:  # a long word keeps its line
            return CRLF.join(lines) + CRLF
    charset = Charset("utf-8")
    charset.header_encoding = SHORTEST
    encoded = Header(value, charset, maxlinelen=MAX_HEADER_LINE, header_name=name)
    return f"{name}: {encoded.encode(linesep=CRLF)}{CRLF}"


def encode_text(text: str) -> tuple[str, bytes]:
    """A text/plain body in CRLF lines and its transfer encoding.

    The choice `email.contentmanager` makes for policy.SMTP with
    `cte_type="7bit"`: `7bit` for ASCII lines of at most 78 octets, else
    quoted-printable or base64, whichever is shorter over the first lines.
    """
    lines = text.encode("utf-8").splitlines()
    body = b"\r\n".join(lines) + b"\r\n"
    if body.isascii() and max((len(line) for line in lines), default=0) <= MAX_HEADER_LINE:
        return "7bit", body
    sniff = b"\r\n".join(lines[:10]) + b"\r\n"
    sniff_qp = quoprimime.body_encode(sniff.decode("latin-1"), MAX_HEADER_LINE)
    if len(sniff_qp) > len(binascii.b2a_base64(sniff)):
        return "base64", base64_lines(body)
    encoded = quoprimime.body_encode(body.decode("latin-1"), MAX_HEADER_LINE, eol=CRLF)
    if not encoded.endswith(CRLF):
        encoded += CRLF
    return "quoted-printable", encoded.encode("ascii")


def base64_lines(data: bytes) -> bytes:
    """base64 in CRLF lines of 76 characters."""
    step = 57  # bytes per 76-character line
    return b"".join(binascii.b2a_base64(data[i:i + step]).replace(b"\n", b"\r\n")
                    for i in range(0, len(data), step))


def mime_mail(fields: list[tuple[str, str]], text: str, original: bytes, message_id: str,
              text_fields: list[tuple[str, str]] | None = None) -> bytes:
    """The message's bytes: the header, a text/plain part, the original attached as it is.

    Written directly rather than through `email.message`: the email package
    is not trusted with the original (its generator rejects 8-bit bytes in
    a message/rfc822 body and would refold a parsed one), and building the
    header through its header registry costs milliseconds per message.  The
    original travels verbatim as `message/rfc822` (7bit or 8bit); one with
    lines over 998 octets or NUL bytes cannot, and is attached base64-encoded
    as `application/octet-stream` instead.  The MIME boundary comes from the
    Message-ID (not random), so the same inputs give the same bytes; it is
    checked against the content.
    """
    body = canonical_original(original)
    cte, encoded_text = encode_text(text)
    boundary = mime_boundary(message_id, (body, encoded_text))
    longest = max(map(len, body.split(b"\r\n")))
    verbatim = longest <= MAX_LINE and b"\x00" not in body
    head = "".join(header_field(name, value) for name, value in fields)
    head += f'MIME-Version: 1.0{CRLF}Content-Type: multipart/mixed;{CRLF} boundary="{boundary}"'
    text_head = (f'Content-Type: text/plain; charset="utf-8"{CRLF}'
                 f"Content-Transfer-Encoding: {cte}{CRLF}")
    text_head += "".join(header_field(name, value) for name, value in text_fields or ())
    disposition = f'Content-Disposition: attachment; filename="{ATTACHMENT_NAME}"{CRLF}'
    if verbatim:
        attached_head = (f"Content-Type: message/rfc822{CRLF}{disposition}"
                         f"Content-Transfer-Encoding: {'7bit' if body.isascii() else '8bit'}"
                         f"{CRLF}")
        attached = body
    else:
        attached_head = (f"Content-Type: application/octet-stream{CRLF}{disposition}"
                         f"Content-Transfer-Encoding: base64{CRLF}")
        attached = base64_lines(body)
    delimiter = f"{CRLF}--{boundary}{CRLF}".encode("ascii")
    return b"".join((
        head.encode("ascii"), b"\r\n", delimiter,
        text_head.encode("ascii"), b"\r\n", encoded_text, delimiter,
        attached_head.encode("ascii"), b"\r\n", attached,
        f"{CRLF}--{boundary}--{CRLF}".encode("ascii"),
    ))


def mime_boundary(seed: str, contents: Iterable[bytes]) -> str:
    """A boundary from `seed` that occurs in none of `contents`.

    Derived, not random, so the same message composes to the same bytes.
    """
    contents = list(contents)
    for attempt in range(100):
        digest = hashlib.sha256(f"{seed}/{attempt}".encode()).hexdigest()[:32]
        boundary = f"=_csba_{digest}"
        if not any(boundary.encode() in content for content in contents):
            return boundary
    raise ComposeError("no MIME boundary found that the content does not contain")


def wrap_line(line: str, width: int) -> list[str]:
    """`textwrap.wrap(line, width, break_long_words=False, break_on_hyphens=False) or [""]`.

    For a line as `one_line` makes it (words between single spaces, no blank
    at either end), which is all that textwrap's chunking and whitespace
    rules come down to: words fill a line greedily, and a word longer than
    a line keeps a line of its own.  textwrap cost more than the rest of
    the cover note.
    """
    if len(line) <= width:
        return [line]
    lines: list[str] = []
    current = ""
    for word in line.split(" "):
        if not current:
            current = word
        elif len(current) + 1 + len(word) <= width:
            current += " " + word
        else:
            lines.append(current)
            current = word
    lines.append(current)
    return lines
