"""Hypothesis strategies that write what parsers are sent: tag soup, MIME, YAML, reports.

Each builds its input from the grammar's own pieces (tags, boundaries,
encodings, YAML keys of the contract) mixed with junk, so generated inputs
reach deep into a parser instead of failing at its first byte.
"""

from __future__ import annotations

import base64
import quopri

from hypothesis import strategies as st

# -- HTML ------------------------------------------------------------------------------------

_TAG_NAMES = (
    "p", "div", "br", "pre", "td", "th", "tr", "table", "b", "i", "a", "span", "li", "ul",
    "script", "style", "head", "title", "body", "html", "rt", "rp", "ruby", "template",
    "textarea", "blockquote", "font", "o:p", "svg", "noscript", "hr", "h1", "tbody", "x",
)
_ENTITIES = ("&nbsp;", "&amp;", "&lt;", "&#160;", "&#x41;", "&#99999999;", "&amp", "&;", "&#",
             "&uuml;", "&zwnj;")
_TEXTS = ("Von:", "From: a@b.de", "302-1234567-1234567", "Hallo", "\u00a0", " ", "\n", "\t",
          "\r\n", "\u200b", "\u2028", "订单", "\ue000", "\ue002", ">", "<", "=", '"', "'")


@st.composite
def _attributes(draw: st.DrawFn) -> str:
    names = draw(st.lists(st.sampled_from(("href", "x", "style", "class", "a:b", "=", "")),
                          max_size=4))
    parts = []
    for name in names:
        value = draw(st.sampled_from(("", "=1", '="v"', "='v'", '="unclosed', "=a>b")))
        parts.append(f" {name}{value}")
    return "".join(parts)


@st.composite
def _html_token(draw: st.DrawFn) -> str:
    kind = draw(st.integers(0, 9))
    name = draw(st.sampled_from(_TAG_NAMES))
    if kind == 0:
        return f"<{name}{draw(_attributes())}>"
    if kind == 1:
        return f"</{name}>"
    if kind == 2:
        return f"<{name}{draw(_attributes())}/>"
    if kind == 3:
        return draw(st.sampled_from(_ENTITIES))
    if kind == 4:
        return draw(st.sampled_from(("<!--", "-->", "<!-- c -->", "<!DOCTYPE html>", "<?x y?>",
                                     "<![CDATA[", "]]>", "<!", "</", "<<", "< p>", "<p",
                                     "<br", "</>")))
    if kind == 5:
        return draw(st.text(max_size=12))
    return draw(st.sampled_from(_TEXTS)) + draw(st.text(alphabet="abc xyz", max_size=6))


def html_soup() -> st.SearchStrategy[str]:
    return st.lists(_html_token(), max_size=60).map("".join)


# -- MIME ------------------------------------------------------------------------------------

_CHARSETS = ("utf-8", "iso-8859-1", "gb2312", "big5", "shift_jis", "utf-7", "utf-16", "koi8-r",
             "x-unknown", "", "utf-8*de", "iso-2022-jp", "bogus\"charset", "windows-1258")
_CTES = ("7bit", "8bit", "base64", "quoted-printable", "binary", "x-uuencode", "bogus", "")
_HEADER_NAMES = ("From", "To", "Subject", "Message-ID", "Date", "Reply-To", "Resent-From",
                 "Auto-Submitted", "Precedence", "X-Autoreply", "Return-Path", "In-Reply-To",
                 "References", "X-CSBA-Contact", "Authentication-Results", "List-Id",
                 "Content-Disposition", "X-Failed-Recipients", "Received", "From ", ":x", "")
_HEADER_VALUES = ("kunde@example.de", "Max <max@example.de>", "=?utf-8?b?w6TDtsO8?=",
                  "=?gb2312?q?=B6=A9=B5=A5?=", "=?bogus?x?y?=", "<a@b>", "auto-replied",
                  "bulk", "Mon, 1 Jun 2026 10:00:00 +0200", "Fri, 31 Dec 9999 23:59:60 -9999",
                  "302-1234567-1234567", "a@b@c.de", "<>", "\"quoted, name\" <q@x.de>",
                  "attachment; filename*=utf-8''x.txt", "12345678901234567890")


def _encode(body: bytes, cte: str) -> bytes:
    if cte == "base64":
        return base64.encodebytes(body)
    if cte == "quoted-printable":
        return quopri.encodestring(body)
    return body


@st.composite
def _header_lines(draw: st.DrawFn) -> bytes:
    lines = []
    for _ in range(draw(st.integers(0, 8))):
        name = draw(st.sampled_from(_HEADER_NAMES))
        value = draw(st.one_of(st.sampled_from(_HEADER_VALUES), st.text(max_size=30)))
        fold = draw(st.sampled_from(("", "\r\n\t", "\n ")))
        line = f"{name}: {value}{fold}{draw(st.text(alphabet='ab =?', max_size=5))}"
        lines.append(line.encode("utf-8", "surrogatepass"))
    return b"\r\n".join(lines)


@st.composite
def _leaf(draw: st.DrawFn) -> bytes:
    ctype = draw(st.sampled_from(("text/plain", "text/html", "message/rfc822",
                                  "application/octet-stream", "message/delivery-status",
                                  "text/rfc822-headers", "image/png", "text/calendar", "")))
    charset = draw(st.sampled_from(_CHARSETS))
    cte = draw(st.sampled_from(_CTES))
    if ctype == "text/html":
        text = draw(html_soup())
    else:
        text = draw(st.one_of(st.text(max_size=80), st.sampled_from(_TEXTS)))
    try:
        body = text.encode(charset or "utf-8", "replace")
    except (LookupError, UnicodeError, ValueError):
        body = text.encode("utf-8", "surrogatepass")
    if draw(st.booleans()):
        body += draw(st.binary(max_size=20))
    head = f"Content-Type: {ctype}; charset=\"{charset}\"\r\nContent-Transfer-Encoding: {cte}"
    return head.encode() + b"\r\n" + draw(_header_lines()) + b"\r\n\r\n" + _encode(body, cte)


def _multipart(children: st.SearchStrategy[bytes]) -> st.SearchStrategy[bytes]:
    @st.composite
    def build(draw: st.DrawFn) -> bytes:
        sub = draw(st.sampled_from(("mixed", "alternative", "related", "report", "digest")))
        boundary = draw(st.sampled_from(("b1", "b1", "=_x", "", "b1--", "a b", "--")))
        parts = draw(st.lists(children, max_size=4))
        close = draw(st.sampled_from(("--", "", "--junk")))
        head = f"Content-Type: multipart/{sub}; boundary=\"{boundary}\"\r\n\r\n".encode()
        body = b"".join(b"--" + boundary.encode() + b"\r\n" + p + b"\r\n" for p in parts)
        return head + b"preamble\r\n" + body + b"--" + boundary.encode() + close.encode()
    return build()


def mime_message() -> st.SearchStrategy[bytes]:
    """Whole messages: headers, then a leaf or nested multiparts, then maybe junk."""
    tree = st.recursive(_leaf(), _multipart, max_leaves=6)

    @st.composite
    def build(draw: st.DrawFn) -> bytes:
        raw = draw(_header_lines()) + b"\r\n" + draw(tree)
        if draw(st.integers(0, 3)) == 0:  # splice junk bytes somewhere
            at = draw(st.integers(0, len(raw)))
            raw = raw[:at] + draw(st.binary(max_size=30)) + raw[at:]
        if draw(st.booleans()):
            raw = raw.replace(b"\r\n", draw(st.sampled_from((b"\n", b"\r", b"\r\n"))))
        return raw

    return st.one_of(build(), st.binary(max_size=300))


def mutated(seed: bytes) -> st.SearchStrategy[bytes]:
    """A seed file with a few bytes deleted, inserted or overwritten."""
    @st.composite
    def build(draw: st.DrawFn) -> bytes:
        data = bytearray(seed)
        for _ in range(draw(st.integers(1, 4))):
            at = draw(st.integers(0, len(data)))
            op = draw(st.integers(0, 2))
            chunk = draw(st.binary(min_size=1, max_size=16))
            if op == 0:
                del data[at:at + len(chunk)]
            elif op == 1:
                data[at:at] = chunk
            else:
                data[at:at + len(chunk)] = chunk
        return bytes(data)
    return build()


# -- config YAML -----------------------------------------------------------------------------

_CONFIG_KEYS = (
    "instance", "hostname", "storage", "url", "smtp", "listen", "imap", "outbound", "regions",
    "de2de", "address", "marketplace", "language", "forward_to", "sellers", "id", "name",
    "region", "addresses", "enrollment", "start", "end", "classification", "rules", "actions",
    "auto_reply", "trust", "cases", "billing", "sellers_file", "any_keywords", "subject_regex",
    "category", "authserv_id", "verify", "arc_sealers", "max_size", "x", "<<", "? ",
)
_SCALARS = ("1", "-1", "0x1F", "1e999", ".inf", ".nan", "~", "null", "true", "no", "2026-06-01",
            "2026-13-45", "99999999999999999999999", '"${HOME}"', "'${NOPE}'", "!!binary aGk=",
            "!!python/object:os.system x", "!!timestamp 2026-01-01", "!!float x", "&a 1", "*a",
            "*missing", "[", "{", "|", ">", "'unclosed", '"\\x"', "a@b.de", "*@x.de", "[a, b]",
            "{a: 1}", "%TAG", "---", "...", "\t", "(?P<x", "de2de", "csba-de2de@amazon.de")


@st.composite
def _yaml_node(draw: st.DrawFn, depth: int) -> str:
    indent = "  " * depth
    kind = draw(st.integers(0, 3 if depth < 4 else 1))
    if kind <= 1:
        return draw(st.one_of(st.sampled_from(_SCALARS), st.text(max_size=10)))
    lines = []
    for _ in range(draw(st.integers(0, 4))):
        child = draw(_yaml_node(depth + 1))
        anchor = draw(st.sampled_from(("", "", "&a ", "&b ", "*a ")))
        if kind == 2:
            key = draw(st.one_of(st.sampled_from(_CONFIG_KEYS), st.text(max_size=6)))
            lines.append(f"{indent}{key}: {anchor}\n{child}" if "\n" in child or child == ""
                         else f"{indent}{key}: {anchor}{child}")
        else:
            lines.append(f"{indent}- {anchor}{child}")
    return "\n".join(lines)


def yaml_text() -> st.SearchStrategy[str]:
    return st.one_of(_yaml_node(0), st.text(max_size=200))


def mutated_text(seed: str) -> st.SearchStrategy[str]:
    """A text seed with some lines dropped, duplicated or overwritten."""
    @st.composite
    def build(draw: st.DrawFn) -> str:
        lines = seed.splitlines()
        for _ in range(draw(st.integers(1, 4))):
            if not lines:
                break
            at = draw(st.integers(0, len(lines) - 1))
            op = draw(st.integers(0, 3))
            if op == 0:
                del lines[at]
            elif op == 1:
                lines.insert(at, lines[at])
            elif op == 2:
                lines[at] = lines[at][: draw(st.integers(0, len(lines[at])))] + draw(
                    st.one_of(st.sampled_from(_SCALARS), st.text(max_size=8)))
            else:
                lines.insert(at, draw(_yaml_node(draw(st.integers(0, 3)))))
        return "\n".join(lines) + "\n"
    return build()


# -- orders report ---------------------------------------------------------------------------

REPORT_COLUMNS = ("amazon-order-id", "purchase-date", "order-status", "fulfillment-channel",
                  "sales-channel", "sku", "quantity", "item-status")
_FIELDS = {
    "amazon-order-id": ("302-1234567-1234567", "302-1234567-123456", "", "３０２-1234567-1234567"),
    "purchase-date": ("2026-06-01T10:00:00+00:00", "0001-01-01T00:00:00+01:00",
                      "9999-12-31T23:59:59-01:00", "2026-06-01", "2026-06-01T10:00:00",
                      "2026-02-30T00:00:00Z", "x"),
    "quantity": ("1", "-1", "0", "99999999999999999999999", "1.5", "١", ""),
    "fulfillment-channel": ("Amazon", "Merchant", "AFN", ""),
}


@st.composite
def _report_line(draw: st.DrawFn, header: list[str]) -> str | bytes:
    fields = []
    for name in header:
        choices = _FIELDS.get(name, ("x", "Shipped", "Amazon.de", ""))
        fields.append(draw(st.one_of(st.sampled_from(choices), st.text(max_size=8))))
    line = "\t".join(fields)
    if draw(st.integers(0, 5)) == 0:
        line += "\t" * draw(st.integers(-1, 2)) if draw(st.booleans()) else "\r\n"
    if draw(st.integers(0, 5)) == 0:
        return line.encode("utf-8", "surrogatepass") + draw(st.binary(max_size=4))
    return line


@st.composite
def report_lines(draw: st.DrawFn) -> list[str | bytes]:
    """A header (the required columns, shuffled, maybe some extra) and lines."""
    header = list(draw(st.permutations(REPORT_COLUMNS)))
    header += draw(st.lists(st.sampled_from(("asin", "item-price", "", "sku")), max_size=2))
    if draw(st.integers(0, 6)) == 0:
        header = header[: draw(st.integers(0, len(header)))]
    first: str | bytes = "\ufeff" * draw(st.integers(0, 1)) + "\t".join(header)
    lines = [first] + draw(st.lists(_report_line(header), max_size=6))
    if draw(st.integers(0, 8)) == 0:
        lines.insert(draw(st.integers(0, len(lines))), draw(st.binary(max_size=20)))
    return lines
