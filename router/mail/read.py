"""Raw message bytes to a `ParsedMail`, for any mail the world sends.

Built on the standard `email` package with the compat32 policy: it is the
most forgiving parser at hand (it records defects instead of raising, keeps
raw 8-bit headers, tolerates missing boundaries) and it is fast.  The
modern `email.policy.default` header objects raise on malformed headers and
mail-parser adds per-message work (received-chain analysis, logging) that
deciding does not need, so decoding of headers, charsets and HTML is done
here with small, lenient helpers.  `parse_message` never raises.

Cost is linear in the message and bounded (hostile mail must not stall a
worker; each cap past which the rest is ignored leaves a defect):
`MAX_RAW_BYTES` of the message, the email parser's own budget of parts,
header fields and lines (see `mimeread`), `MAX_PARTS` parts and
`MAX_MIME_DEPTH` levels walked, `MAX_MESSAGE_DEPTH` attached messages,
`MAX_TEXT_CHARS` of body text, `MAX_HTML_PER_MESSAGE` characters of HTML
and per HTML part the caps of `html_text`.
Address and header patterns cannot retry over a run (see `addresses`).
"""

from __future__ import annotations

import base64
import binascii
import quopri
import re
from email.message import Message
from email.policy import compat32
from email.utils import collapse_rfc2231_value

from router.mail.addresses import first_address
from router.mail.charsets import decode_bytes, decode_surrogates
from router.mail.dates import header_date
from router.mail.encoded_words import decode_header_value
from router.mail.html_text import MAX_HTML_CHARS, html_to_text
from router.mail.message import Attachment, ParsedMail
from router.mail.mimeread import read_message

MAX_TEXT_CHARS = 1_000_000
MAX_RAW_BYTES = 40_000_000
MAX_HEADERS = 2_000
MAX_MIME_DEPTH = 40
MAX_MESSAGE_DEPTH = 6
MAX_PARTS = 2_000
# HTML characters converted per message (each part is also cut at
# html_text.MAX_HTML_CHARS): twelve 2 MB parts of hostile HTML took 5 s.
MAX_HTML_PER_MESSAGE = 2 * MAX_HTML_CHARS

_MSGID = re.compile(r"<[^<>\s]+>")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_HEADER_LINE = re.compile(rb"^([!-9;-~]{1,200}?)[ \t]*:[ \t]?(.*)$")
_CUT = "more MIME parts, header fields or lines than are read, rest ignored"


def parse_message(raw: bytes) -> ParsedMail:
    """Parse one message; on total failure return what the headers allow."""
    size = len(raw)
    try:
        # A BOM or blank lines before the first header would make the parser
        # see no headers at all (files saved by editors and some exporters).
        raw = raw.removeprefix(b"\xef\xbb\xbf").lstrip(b"\r\n")
        truncated = len(raw) > MAX_RAW_BYTES
        msg, cut = read_message(raw[:MAX_RAW_BYTES] if truncated else raw)
        parsed = _Builder(depth=0).build(msg, size)
        if truncated:
            parsed = _with_defect(parsed, f"message over {MAX_RAW_BYTES} bytes, rest ignored")
        if cut:
            parsed = _with_defect(parsed, _CUT)
        return parsed
    except Exception as exc:  # noqa: BLE001 - the contract is: never raise
        return _fallback(raw, exc)


def _mail(headers: tuple[tuple[str, str], ...], text: str, *, html_only: bool = False,
          attachments: tuple[Attachment, ...] = (), defects: tuple[str, ...] = (),
          parse_error: str | None = None, raw_size: int = 0) -> ParsedMail:
    """The `ParsedMail` of decoded `headers` and body `text`.

    Subject, sender, Message-ID and date are read from the first field of
    each name, the same way for a parsed tree and for the line-by-line
    fallback.
    """
    first: dict[str, str] = {}
    for name, value in headers:
        first.setdefault(name.lower(), value)
    return ParsedMail(
        headers=headers,
        subject=first.get("subject", ""),
        from_addr=first_address(first.get("from")),
        message_id=_message_id(first.get("message-id")),
        date=header_date(first.get("date")),
        text=text,
        html_only=html_only,
        attachments=attachments,
        defects=defects,
        parse_error=parse_error,
        raw_size=raw_size,
    )


def _with_defect(mail: ParsedMail, defect: str) -> ParsedMail:
    from dataclasses import replace

    return replace(mail, defects=(*mail.defects, defect))


class _Builder:
    """Walks one message tree; collects body text, attachments, defects."""

    def __init__(self, depth: int) -> None:
        self.depth = depth
        self.defects: list[str] = []
        self.attachments: list[Attachment] = []
        self.parts_seen = 0
        self.html_used = False
        self.plain_used = False
        self.html_left = MAX_HTML_PER_MESSAGE

    def build(self, msg: Message, raw_size: int) -> ParsedMail:
        headers = _headers(msg)
        self._note_defects(msg)
        text = self._body(msg, 0).strip("\n")
        if len(text) > MAX_TEXT_CHARS:
            text = text[:MAX_TEXT_CHARS]
            self._add_defect(f"body text over {MAX_TEXT_CHARS} characters, truncated")
        return _mail(headers, text, html_only=self.html_used and not self.plain_used,
                     attachments=tuple(self.attachments), defects=tuple(self.defects),
                     raw_size=raw_size)

    # -- defects -------------------------------------------------------
    def _add_defect(self, words: str) -> None:
        if words not in self.defects and len(self.defects) < 100:
            self.defects.append(words)

    def _note_defects(self, part: Message) -> None:
        for defect in getattr(part, "defects", ()):
            name = _CAMEL.sub(" ", type(defect).__name__.removesuffix("Defect")).lower()
            self._add_defect(name)

    # -- body ------------------------------------------------------------
    def _body(self, part: Message, level: int) -> str:
        """Readable text of `part`; non-body parts become attachments."""
        self.parts_seen += 1
        if self.parts_seen > MAX_PARTS:
            self._add_defect(f"more than {MAX_PARTS} MIME parts, rest ignored")
            return ""
        if level > MAX_MIME_DEPTH:
            self._add_defect(f"MIME nesting deeper than {MAX_MIME_DEPTH}, rest ignored")
            return ""
        if level:
            self._note_defects(part)
        ctype = _content_type(part)
        if ctype.startswith("multipart/"):
            return self._multipart(part, ctype, level)
        if self._is_attachment(part, ctype, level):
            self._attach(part, ctype)
            return ""
        if ctype == "text/html":
            html = self._decoded_text(part)
            if len(html) > self.html_left:
                self._add_defect(f"HTML over {MAX_HTML_PER_MESSAGE} characters, rest ignored")
                html = html[: max(self.html_left, 0)]
            self.html_left -= min(len(html), MAX_HTML_CHARS)
            text = html_to_text(html)
            self.html_used = self.html_used or bool(text.strip())
            return text
        text = self._decoded_text(part)
        self.plain_used = self.plain_used or bool(text.strip())
        return text

    def _multipart(self, part: Message, ctype: str, level: int) -> str:
        children = part.get_payload()
        if not isinstance(children, list):
            # A multipart without parseable parts: read its payload as text.
            self._add_defect("multipart without parts")
            text = children if isinstance(children, str) else ""
            return decode_surrogates(text)
        parts = [child for child in children if isinstance(child, Message)]
        if ctype == "multipart/alternative":
            return self._alternative(parts, level)
        texts = [self._body(child, level + 1) for child in parts]
        return "\n\n".join(t for t in texts if t.strip())

    def _alternative(self, children: list[Message], level: int) -> str:
        """Prefer text/plain; fall back to the richest part that has text."""
        plain = [c for c in children if _content_type(c) == "text/plain"]
        others = [c for c in children if _content_type(c) != "text/plain"]
        for child in plain:
            text = self._body(child, level + 1)
            if text.strip():
                return text
        for child in reversed(others):
            before = len(self.attachments)
            text = self._body(child, level + 1)
            if text.strip():
                return text
            del self.attachments[before:]
        return ""

    def _is_attachment(self, part: Message, ctype: str, level: int) -> bool:
        if not ctype.startswith("text/") or ctype in ("text/rfc822-headers", "text/calendar"):
            return True
        disposition = (part.get("Content-Disposition") or "").split(";", 1)[0].strip().lower()
        return disposition == "attachment" and level > 0

    def _attach(self, part: Message, ctype: str) -> None:
        filename = _filename(part)
        nested: ParsedMail | None = None
        size = 0
        is_eml = filename is not None and filename.lower().endswith(".eml")
        if ctype == "message/rfc822" or ctype == "message/global" or is_eml:
            nested, size = self._nested(part)
        else:
            payload = _payload_bytes(part)
            size = len(payload)
        self.attachments.append(Attachment(filename, ctype, size, nested))

    def _nested(self, part: Message) -> tuple[ParsedMail | None, int]:
        """The embedded message of a message/rfc822 (or .eml) part."""
        if self.depth + 1 > MAX_MESSAGE_DEPTH:
            self._add_defect(f"messages nested deeper than {MAX_MESSAGE_DEPTH}, not parsed")
            return None, 0
        payload = part.get_payload()
        cte = (part.get("Content-Transfer-Encoding") or "").strip().lower()
        sub: Message | None = None
        if isinstance(payload, list) and payload and cte not in ("base64", "quoted-printable"):
            first = payload[0]
            sub = first if isinstance(first, Message) else None
        if sub is None:
            # Encoded (against RFC 2046) or an .eml file: decode, then parse.
            data = _payload_bytes(part, whole=True)
            if isinstance(payload, list) and cte in ("base64", "quoted-printable"):
                data = _transfer_decode(data, cte)
            if not data.strip():
                return None, 0
            sub, cut = read_message(data)
            if cut:
                self._add_defect(_CUT)
            size = len(data)
        else:
            size = _approx_size(sub)
        return _Builder(self.depth + 1).build(sub, size), size

    def _decoded_text(self, part: Message) -> str:
        data = _payload_bytes(part)
        charset = _charset(part)
        if data[:3] == b"\xef\xbb\xbf":
            data, charset = data[3:], "utf-8"
        text, defect = decode_bytes(data, charset)
        if defect:
            self._add_defect(defect)
        return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")


def _content_type(part: Message) -> str:
    try:
        return part.get_content_type().lower()
    except Exception:  # noqa: BLE001
        return "text/plain"


def _charset(part: Message) -> str | None:
    try:
        label = part.get_param("charset")
        if isinstance(label, tuple):
            label = collapse_rfc2231_value(label)
    except Exception:  # noqa: BLE001
        return None
    return label if isinstance(label, str) else None


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except Exception:  # noqa: BLE001
        name = None
    if name is None:
        return None
    return decode_header_value(str(name))


def _payload_bytes(part: Message, whole: bool = False) -> bytes:
    """Transfer-decoded payload; tolerant of bad base64 and unknown encodings."""
    try:
        payload = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001
        payload = None
    if isinstance(payload, bytes):
        return payload
    if whole:
        # message/rfc822 parsed as a list: flatten its first message back.
        inner = part.get_payload()
        if isinstance(inner, list) and inner and isinstance(inner[0], Message):
            try:
                return inner[0].as_bytes(policy=compat32)
            except Exception:  # noqa: BLE001
                return b""
    raw = part.get_payload()
    if isinstance(raw, str):
        return raw.encode("utf-8", "surrogateescape")
    return b""


def _transfer_decode(data: bytes, cte: str) -> bytes:
    """Undo base64/QP on bytes the parser took for a headerless message."""
    try:
        if cte == "base64":
            clean = re.sub(rb"[^A-Za-z0-9+/]", b"", data)
            clean = clean[: len(clean) - len(clean) % 4 if len(clean) % 4 == 1 else None]
            return base64.b64decode(clean + b"=" * (-len(clean) % 4))
        return quopri.decodestring(data)
    except (binascii.Error, ValueError):
        return data


def _approx_size(msg: Message) -> int:
    """Size of an embedded message without re-serialising it."""
    size = sum(len(k) + len(str(v)) + 3 for k, v in msg.raw_items())
    stack = [msg]
    while stack:
        current = stack.pop()
        payload = current.get_payload()
        if isinstance(payload, list):
            stack.extend(p for p in payload if isinstance(p, Message))
        elif isinstance(payload, str):
            size += len(payload)
    return size


def _headers(msg: Message) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    for name, value in list(msg.raw_items())[:MAX_HEADERS]:
        out.append((decode_surrogates(str(name)).strip(), decode_header_value(str(value))))
    return tuple(out)


def _message_id(value: str | None) -> str | None:
    if not value:
        return None
    match = _MSGID.search(value)
    return match.group(0) if match else value.strip() or None


def _fallback(raw: bytes, exc: BaseException) -> ParsedMail:
    """Read headers line by line when the MIME parser itself failed."""
    head, _sep, body = raw.replace(b"\r\n", b"\n").partition(b"\n\n")
    headers: list[tuple[str, str]] = []
    for line in head.split(b"\n"):
        if line[:1] in (b" ", b"\t") and headers:
            name, value = headers[-1]
            headers[-1] = (name, value + " " + line.strip().decode("utf-8", "replace"))
            continue
        match = _HEADER_LINE.match(line)
        if match and len(headers) < MAX_HEADERS:
            name = match.group(1).decode("ascii", "replace")
            headers.append((name, match.group(2).decode("utf-8", "surrogateescape")))
    decoded = tuple((n, _safe_decode_header(v)) for n, v in headers)
    text = decode_bytes(body[: MAX_TEXT_CHARS * 4])[0][:MAX_TEXT_CHARS]
    return _mail(decoded, text, defects=("message could not be parsed as MIME",),
                 parse_error=f"{type(exc).__name__}: {exc}"[:500], raw_size=len(raw))


def _safe_decode_header(value: str) -> str:
    try:
        return decode_header_value(value)
    except Exception:  # noqa: BLE001
        return value.encode("utf-8", "replace").decode("utf-8")
