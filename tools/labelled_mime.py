"""Raw RFC 5322 messages built by hand, so every header and encoding is chosen.

The stdlib's EmailMessage re-encodes what it is given (utf-8 words, its own
transfer encodings); a test set of what real clients send needs
latin-1 quoted-printable, GB18030 base64, 8-bit windows-1252 bodies and
RFC 2047 words in the sender's charset, so the bytes are written here.
"""

from __future__ import annotations

import base64
import quopri
from email.header import Header
from email.utils import formataddr

CRLF = "\r\n"


def encode_header(value: str, charset: str = "utf-8") -> str:
    """An RFC 2047 encoded header value where it is not ASCII."""
    if value.isascii():
        return value
    try:
        value.encode(charset)
    except (UnicodeEncodeError, LookupError):
        charset = "utf-8"
    return Header(value, charset, maxlinelen=76).encode()


def address(name: str, addr: str, charset: str = "utf-8") -> str:
    """`Name <addr>` with the name encoded where needed."""
    if not name:
        return addr
    if name.isascii():
        return formataddr((name, addr))
    return f"{encode_header(name, charset)} <{addr}>"


def leaf(text: str, *, subtype: str = "plain", charset: str = "utf-8",
         cte: str = "quoted-printable") -> bytes:
    """One text part: its Content-* headers, a blank line, the encoded body."""
    try:
        data = text.encode(charset)
    except (UnicodeEncodeError, LookupError):
        charset, data = "utf-8", text.encode("utf-8")
    data = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    if cte == "7bit" and not data.isascii():
        cte = "quoted-printable"
    if cte == "quoted-printable":
        body = quopri.encodestring(data).replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    elif cte == "base64":
        body = base64.encodebytes(data).replace(b"\n", b"\r\n")
    else:
        body = data
    head = (f"Content-Type: text/{subtype}; charset=\"{charset}\"{CRLF}"
            f"Content-Transfer-Encoding: {cte}{CRLF}{CRLF}")
    return head.encode() + body


def multipart(subtype: str, parts: list[bytes], boundary: str) -> bytes:
    """A multipart entity (headers included) of already built parts."""
    out = [f"Content-Type: multipart/{subtype};{CRLF} boundary=\"{boundary}\"{CRLF}{CRLF}"
           .encode()]
    for part in parts:
        out.append(f"--{boundary}{CRLF}".encode() + part.rstrip(b"\r\n") + CRLF.encode())
    out.append(f"--{boundary}--{CRLF}".encode())
    return b"".join(out)


def attached_message(raw: bytes, filename: str | None = None) -> bytes:
    """A message/rfc822 part carrying `raw`."""
    disposition = (f"Content-Disposition: attachment; filename=\"{filename}\"{CRLF}"
                   if filename else f"Content-Disposition: inline{CRLF}")
    return (f"Content-Type: message/rfc822{CRLF}{disposition}{CRLF}".encode() + raw)


def binary(data: bytes, ctype: str, filename: str) -> bytes:
    """A base64 attachment (a photo, a PDF)."""
    body = base64.encodebytes(data).replace(b"\n", b"\r\n")
    return (f"Content-Type: {ctype}; name=\"{filename}\"{CRLF}"
            f"Content-Disposition: attachment; filename=\"{filename}\"{CRLF}"
            f"Content-Transfer-Encoding: base64{CRLF}{CRLF}").encode() + body


def message(headers: list[tuple[str, str]], entity: bytes) -> bytes:
    """Headers (already encoded values) on top of an entity with its Content-* headers."""
    head = "".join(f"{name}: {value}{CRLF}" for name, value in headers)
    return head.encode("utf-8") + b"MIME-Version: 1.0\r\n" + entity


def html_from_text(text: str) -> str:
    """Plain text as a client's simple HTML: paragraphs and line breaks."""
    import html

    paragraphs = text.split("\n\n")
    rendered = "".join(
        "<div>" + "<br>\n".join(html.escape(line) for line in p.split("\n")) + "</div>\n"
        for p in paragraphs)
    return ("<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; "
            "charset=utf-8\"></head><body>\n" + rendered + "</body></html>\n")
