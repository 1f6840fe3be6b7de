"""The mail the router writes: forwards, notices and redirects, as bytes.

Pure functions of config, decision, the original bytes, a `key` and
`now`: no clock, no database, no network.  The Message-ID comes from
`key` and the instance's host name, so composing the same step again
after a crash yields the same Message-ID and the outgoing table (UNIQUE
message_id) stores it once.

The original is never re-serialised: a forward or notice carries it as a
`message/rfc822` part whose body is the original's bytes, and a redirect
is the original's bytes with a `Resent-*` block on top.  The only change
is the wire form: line ends become CRLF, and an mbox `From ` line, a
byte-order mark or leading blank lines (found in archived files) are
dropped.  An original with 8-bit bytes makes the composed message 8-bit
(`Composed.eight_bit`: the transport must offer 8BITMIME); one with lines
over 998 octets or NUL bytes cannot travel as `message/rfc822` and is
attached base64-encoded as `application/octet-stream` instead.
"""

from __future__ import annotations

import binascii
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email import quoprimime
from email.charset import SHORTEST, Charset
from email.header import Header
from email.policy import SMTP
from email.utils import format_datetime, formataddr
from typing import TYPE_CHECKING, Any, Literal

from router.act.templates import NoticeTemplates
from router.config.model import Config, Region, Seller

if TYPE_CHECKING:  # the classifier is loaded where messages are decided, not in intake
    from router.decide.classify import Decision
    from router.mail.message import ParsedMail

Kind = Literal["forward", "notice", "redirect", "case"]

# SMTP's CRLF and 78-column folding; `7bit` so that text parts are
# quoted-printable or base64, never raw 8-bit.  (The forwards and notices
# are written as bytes by `_mime`, following these rules; the redirect's
# Resent-* block is folded by this policy.)
POLICY = SMTP.clone(cte_type="7bit")
CRLF = "\r\n"
MAX_HEADER_LINE = 78
FROM_NAME = "CSBA router"
ATTACHMENT_NAME = "original.eml"
MAX_LINE = 998
MAX_REFERENCES = 20
MAX_SUBJECT_CHARS = 300

_SAFE_KEY = re.compile(r"[A-Za-z0-9_-]{1,64}")
_MSGID = re.compile(r"<[^<>\s]+>")
# C0 and C1 controls, line and paragraph separators and bidi overrides:
# nothing from the original may break a header line or reorder its text.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]+")
_LINE_END = re.compile(rb"\r?\n")
_MBOX_FROM = re.compile(rb"From (?![ \t]*:)[^\n]*\n")


class ComposeError(Exception):
    """The mail cannot be written (no such region, no bsm_address, ...)."""


@dataclass(frozen=True)
class Composed:
    """One outgoing message, ready for the queue: envelope and bytes."""

    kind: Kind
    message_id: str
    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes

    @property
    def eight_bit(self) -> bool:
        """True when `raw` has 8-bit bytes (send with BODY=8BITMIME)."""
        return not self.raw.isascii()


# --------------------------------------------------------------------------
# Public API.


def plain_token(text: str) -> str:
    """`text` when it is a plain token (letters, digits, - and _, at most 64), else a hash.

    What goes into one of our Message-IDs must keep it one valid token.
    """
    if _SAFE_KEY.fullmatch(text):
        return text
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def message_id_for(kind: str, key: str | int, hostname: str) -> str:
    """`<csba-KIND-KEY@HOST>`; a key that is no plain token is hashed."""
    return f"<csba-{kind}-{plain_token(str(key))}@{hostname}>"


def mime_mail(fields: list[tuple[str, str]], text: str, original: bytes, message_id: str,
              text_fields: list[tuple[str, str]] | None = None) -> bytes:
    """Header `fields`, a text/plain part and `original` attached unchanged (`_mime`).

    The form of every mail the router writes about a message; the case
    mail of `router.cases` is written by it too.
    """
    return _mime(fields, text, text_fields or [], original, message_id)


def compose_forward(config: Config, decision: Decision, original: bytes, *,
                    key: str | int, now: datetime, seller_address: str | None = None,
                    received_at: datetime | None = None,
                    mail: ParsedMail | None = None) -> Composed:
    """The inquiry for the region's CSBA team, the seller's mail attached.

    ``mail`` is ``original`` already parsed (the pipeline has it); without
    it the original is parsed here.
    """
    region = _region(config, decision)
    seller = config.seller(decision.seller_id) if decision.seller_id else None
    facts = _Original.read(original, mail)
    order = _order(decision)
    message_id = message_id_for("forward", key, config.instance.hostname)

    label = " ".join(p for p in (decision.seller_id, order) if p) or "unknown seller"
    subject = f"[CSBA {decision.region}] {label}: {facts.customer_subject or '(no subject)'}"

    fields = _top_fields(config, message_id, now, region.forward_to, subject)
    if seller_address:
        fields.append(("Reply-To", _address(seller_address, "seller_address")))
    fields += _thread(facts)
    fields += [
        ("Auto-Submitted", "auto-forwarded"),
        ("X-Loop", config.outbound.from_address),
        ("X-CSBA-Message-Id", decision.message_id or facts.message_id or "(none)"),
        ("X-CSBA-Region", decision.region or ""),  # set: _region() checked it
    ]
    if decision.seller_id:
        fields.append(("X-CSBA-Seller", decision.seller_id))
    fields.append(("X-CSBA-Category", decision.category))
    if order:
        fields.append(("X-CSBA-Order", order))
    if decision.contact_id is not None:
        fields.append(("X-CSBA-Contact", str(decision.contact_id)))
    text = _forward_text(decision, region, seller, seller_address, facts,
                         _utc(received_at or now))
    return Composed("forward", message_id, config.outbound.from_address,
                    (region.forward_to,), _mime(fields, text, [], original, message_id))


def compose_notice(config: Config, decision: Decision, original: bytes, *,
                   seller_address: str, key: str | int, now: datetime,
                   templates: NoticeTemplates,
                   received_at: datetime | None = None,
                   mail: ParsedMail | None = None) -> Composed:
    """The seller's notice: why CSBA does not take it, and where to answer.

    ``mail`` is ``original`` already parsed, as for :func:`compose_forward`.
    """
    to = _address(seller_address, "seller_address")
    seller = config.seller(decision.seller_id) if decision.seller_id else None
    if seller is None:
        # No backscatter: notices go to registered sellers only.
        raise ComposeError(f"no notice without a known seller (seller_id={decision.seller_id!r})")
    region_name = decision.region or seller.region
    region = config.regions.get(region_name) or config.regions.get(seller.region)
    if region is None:
        raise ComposeError(f"unknown region {region_name!r}")
    language = notice_language(config, seller, decision)
    facts = _Original.read(original, mail)
    variables = notice_variables(decision, seller, region_name, region, facts,
                                 _utc(received_at or now), language)
    rendered = templates.render_notice(decision.category, language, variables)

    message_id = message_id_for("notice", key, config.instance.hostname)
    fields = _top_fields(config, message_id, now, to, rendered.subject)
    fields += _thread(facts)
    fields += [
        ("Auto-Submitted", "auto-replied"),
        ("X-Loop", config.outbound.from_address),
        ("X-CSBA-Message-Id", decision.message_id or facts.message_id or "(none)"),
        ("X-CSBA-Category", decision.category),
    ]
    raw = _mime(fields, rendered.body, [("Content-Language", rendered.language)], original,
                message_id)
    return Composed("notice", message_id, config.outbound.from_address, (to,), raw)


def compose_redirect(config: Config, decision: Decision, original: bytes, *,
                     key: str | int, now: datetime) -> Composed:
    """The original, unchanged, re-sent to the region's BSM address (RFC 5322 §3.6.6)."""
    region = _region(config, decision)
    if not region.bsm_address:
        raise ComposeError(f"region {decision.region!r} has no bsm_address to redirect to")
    message_id = message_id_for("redirect", key, config.instance.hostname)
    block = "".join((
        POLICY.fold("Resent-Date", format_datetime(_utc(now))),
        POLICY.fold("Resent-From", formataddr((FROM_NAME, config.outbound.from_address))),
        POLICY.fold("Resent-To", region.bsm_address),
        POLICY.fold("Resent-Message-ID", message_id),
    ))
    raw = block.encode("ascii") + canonical_original(original)
    return Composed("redirect", message_id, config.outbound.from_address,
                    (region.bsm_address,), raw)


def notice_language(config: Config, seller: Seller, decision: Decision) -> str:
    """The seller's language, else its region's (the template may fall back to en)."""
    if seller.language:
        return seller.language
    region = config.regions.get(seller.region) or config.regions.get(decision.region or "")
    return region.language if region else "en"


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


# --------------------------------------------------------------------------
# What the templates see.


@dataclass(frozen=True)
class SellerView:
    id: str
    name: str


@dataclass(frozen=True)
class RegionView:
    name: str
    address: str
    marketplace: str


def notice_variables(decision: Decision, seller: Seller, region_name: str, region: Region,
                     facts: _Original, received_at: datetime, language: str) -> dict[str, Any]:
    """The template variables (documented in templates/README.md)."""
    return {
        "seller": SellerView(seller.id, seller.name),
        "region": RegionView(region_name, region.address, region.marketplace),
        "order_id": _order(decision),
        "order_ids": list(decision.order_ids),
        "customer_subject": facts.customer_subject,
        "customer_from": facts.customer_from,
        "received_at": received_at,
        "category": decision.category,
        "rule": decision.rule,
        "reason": decision.reason,
        "language": language,
        "customer_language": decision.language,
        "message_id": decision.message_id or facts.message_id,
    }


# --------------------------------------------------------------------------
# The original, read once.


@dataclass(frozen=True)
class _Original:
    message_id: str | None
    references: tuple[str, ...]
    customer_subject: str
    customer_from: str | None

    @classmethod
    def read(cls, raw: bytes, mail: ParsedMail | None = None) -> _Original:
        # Imported here: `serve`'s intake process composes only statements and
        # so never loads the parser, the unwrapper and the language models.
        from router.decide.unwrap import strip_forward_prefix, unwrap
        from router.mail.read import parse_message

        if mail is None:
            mail = parse_message(raw)
        inquiry = unwrap(mail)
        refs = _MSGID.findall(mail.header("References") or "")
        if not refs:
            refs = _MSGID.findall(mail.header("In-Reply-To") or "")[:1]
        subject = strip_forward_prefix(inquiry.inquiry_subject or mail.subject or "")
        return cls(
            message_id=mail.message_id,
            references=tuple(refs),
            customer_subject=_text(subject)[:MAX_SUBJECT_CHARS],
            customer_from=_text(inquiry.inquiry_from) if inquiry.inquiry_from else None,
        )


# --------------------------------------------------------------------------
# Helpers.


def _region(config: Config, decision: Decision) -> Region:
    region = config.regions.get(decision.region or "")
    if region is None:
        raise ComposeError(f"unknown region {decision.region!r}")
    return region


def _order(decision: Decision) -> str | None:
    """The order the decision rests on, else the first one the customer named."""
    return decision.order_id or (decision.order_ids[0] if decision.order_ids else None)


def _utc(moment: datetime) -> datetime:
    """Aware UTC; a naive datetime is taken as UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _text(value: str) -> str:
    """One header-safe line: control characters (CR, LF...) become spaces."""
    # Most values are one line already.  A printable string has no control
    # character and no white space but the ASCII space, so it is its own
    # result unless spaces need collapsing: a cheaper test than the rewrite.
    if (value.isprintable() and "  " not in value
            and not value.startswith(" ") and not value.endswith(" ")):
        return value
    return " ".join(_CONTROL.sub(" ", value).split())


def _address(value: str, what: str) -> str:
    address = value.strip()
    if not re.fullmatch(r"[^\s<>@]+@[^\s<>@]+", address):
        raise ComposeError(f"bad {what} {value!r}")
    return address


def _top_fields(config: Config, message_id: str, now: datetime, to: str,
                subject: str) -> list[tuple[str, str]]:
    return [
        ("From", formataddr((FROM_NAME, config.outbound.from_address))),
        ("To", to),
        ("Subject", subject),
        ("Date", format_datetime(_utc(now))),
        ("Message-ID", message_id),
    ]


def _thread(facts: _Original) -> list[tuple[str, str]]:
    """In-Reply-To/References to the original (RFC 5322 §3.6.4)."""
    if not facts.message_id:
        return []
    refs = [r for r in facts.references if r != facts.message_id]
    if len(refs) >= MAX_REFERENCES:
        refs = refs[:1] + refs[-(MAX_REFERENCES - 2):]
    return [("In-Reply-To", facts.message_id),
            ("References", " ".join([*refs, facts.message_id]))]


def _field(name: str, value: str) -> str:
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
    value = _text(value)
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


def _encode_text(text: str) -> tuple[str, bytes]:
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
        return "base64", _base64_lines(body)
    encoded = quoprimime.body_encode(body.decode("latin-1"), MAX_HEADER_LINE, eol=CRLF)
    if not encoded.endswith(CRLF):
        encoded += CRLF
    return "quoted-printable", encoded.encode("ascii")


def _base64_lines(data: bytes) -> bytes:
    """base64 in CRLF lines of 76 characters."""
    step = 57  # bytes per 76-character line
    return b"".join(binascii.b2a_base64(data[i:i + step]).replace(b"\n", b"\r\n")
                    for i in range(0, len(data), step))


def _mime(fields: list[tuple[str, str]], text: str, text_fields: list[tuple[str, str]],
          original: bytes, message_id: str) -> bytes:
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
    cte, encoded_text = _encode_text(text)
    boundary = mime_boundary(message_id, (body, encoded_text))
    longest = max(map(len, body.split(b"\r\n")))
    verbatim = longest <= MAX_LINE and b"\x00" not in body
    head = "".join(_field(name, value) for name, value in fields)
    head += f'MIME-Version: 1.0{CRLF}Content-Type: multipart/mixed;{CRLF} boundary="{boundary}"'
    text_head = (f'Content-Type: text/plain; charset="utf-8"{CRLF}'
                 f"Content-Transfer-Encoding: {cte}{CRLF}")
    text_head += "".join(_field(name, value) for name, value in text_fields)
    disposition = f'Content-Disposition: attachment; filename="{ATTACHMENT_NAME}"{CRLF}'
    if verbatim:
        attached_head = (f"Content-Type: message/rfc822{CRLF}{disposition}"
                         f"Content-Transfer-Encoding: {'7bit' if body.isascii() else '8bit'}"
                         f"{CRLF}")
        attached = body
    else:
        attached_head = (f"Content-Type: application/octet-stream{CRLF}{disposition}"
                         f"Content-Transfer-Encoding: base64{CRLF}")
        attached = _base64_lines(body)
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


def _forward_text(decision: Decision, region: Region, seller: Seller | None,
                  seller_address: str | None, facts: _Original, received_at: datetime) -> str:
    """The short cover note the CSBA team reads above the attachment."""
    who = decision.seller_id or "an unknown seller"
    if seller and seller.name:
        who += f" ({seller.name})"
    rows: list[tuple[str, str]] = [
        ("Seller", who),
        ("Handed over by", seller_address or "(unknown)"),
        ("Region", f"{decision.region} ({region.address}, {region.marketplace})"),
        ("Order", _order(decision) or "(none)"),
    ]
    if len(decision.order_ids) > 1:
        rows.append(("All order ids", ", ".join(decision.order_ids)))
    rows += [
        ("Category", decision.category),
        ("Rule", decision.rule),
        ("Reason", decision.reason),
        ("Customer", facts.customer_from or "(not found)"),
        ("Customer subject", facts.customer_subject or "(none)"),
        ("Customer language", decision.language or "(unknown)"),
        ("Received", received_at.strftime("%Y-%m-%d %H:%M UTC")),
        ("Message-ID", decision.message_id or facts.message_id or "(none)"),
    ]
    if decision.contact_id is not None:
        rows.append(("Contact", str(decision.contact_id)))
    lines = ["A customer inquiry handed over to CSBA, forwarded by csba-router.", ""]
    lines += _table(rows)
    lines += ["", f"The seller's message is attached unchanged ({ATTACHMENT_NAME}).",
              "Reply-To is the address that handed it over." if seller_address else ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def _table(rows: Iterable[tuple[str, str]]) -> list[str]:
    rows = list(rows)
    width = max(len(name) for name, _ in rows) + 2
    out: list[str] = []
    for name, value in rows:
        wrapped = _wrap(_text(value), 76 - width)
        out.append(f"{name + ':':<{width}}{wrapped[0]}")
        out += [" " * width + more for more in wrapped[1:]]
    return out


def _wrap(line: str, width: int) -> list[str]:
    """`textwrap.wrap(line, width, break_long_words=False, break_on_hyphens=False) or [""]`.

    For a line as `_text` makes it (words between single spaces, no blank
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
