"""RFC 2047 encoded-words in header values, decoded leniently.

`email.header.decode_header` gives up on common breakage (encoded-words
inside quoted strings or glued to other text, bad base64 padding, a UTF-8
character split across two words, unknown charsets).  Headers feed
deciding and `--explain`, so a best-effort readable value beats an error.
"""

from __future__ import annotations

import base64
import binascii
import re

from router.mail.charsets import decode_bytes, decode_surrogates

# Lenient: any charset token (with RFC 2231 *lang), B or Q, text up to ?=.
_WORD = re.compile(r"=\?([^?\s]{1,64})\?([bBqQ])\?([^?]*?)\?=")
_FOLD = re.compile(r"\r?\n[ \t]*|\r[ \t]*")
_QP_HEX = re.compile(rb"=([0-9A-Fa-f]{2})")
_B64_JUNK = re.compile(rb"[^A-Za-z0-9+/]")

MAX_HEADER_CHARS = 32_768


def _decode_q(text: str) -> bytes:
    raw = text.encode("ascii", "replace").replace(b"_", b" ")
    return _QP_HEX.sub(lambda m: bytes([int(m.group(1), 16)]), raw)


def _decode_b(text: str) -> bytes:
    raw = _B64_JUNK.sub(b"", text.encode("ascii", "replace"))
    raw = raw[: len(raw) - len(raw) % 4] if len(raw) % 4 == 1 else raw
    raw += b"=" * (-len(raw) % 4)
    try:
        return base64.b64decode(raw)
    except (binascii.Error, ValueError):
        return b""


def decode_header_value(value: str) -> str:
    """Unfold and decode one header value; never raises.

    Adjacent encoded-words in the same charset are joined as bytes before
    decoding, since senders split multi-byte characters between words.
    Whitespace between two encoded-words is dropped (RFC 2047 section 6.2).
    """
    value = decode_surrogates(value)
    value = _FOLD.sub(" ", value)
    if len(value) > MAX_HEADER_CHARS:
        value = value[:MAX_HEADER_CHARS]
    if "=?" not in value:
        return value.strip()
    out: list[str] = []
    pos = 0
    pending: bytes = b""
    pending_charset = ""

    def flush() -> None:
        nonlocal pending, pending_charset
        if pending_charset:
            out.append(decode_bytes(pending, pending_charset)[0])
        pending, pending_charset = b"", ""

    for match in _WORD.finditer(value):
        between = value[pos : match.start()]
        if between and not (pending_charset and between.isspace()):
            flush()
            out.append(between)
        charset, enc, payload = match.group(1), match.group(2), match.group(3)
        data = _decode_b(payload) if enc in "bB" else _decode_q(payload)
        if pending_charset and charset.lower() != pending_charset.lower():
            flush()
        pending += data
        pending_charset = charset
        pos = match.end()
    flush()
    out.append(value[pos:])
    return "".join(out).replace("\r", " ").replace("\n", " ").strip()
