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

import hashlib
import re
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.charset import SHORTEST, Charset
from email.header import Header
from email.message import EmailMessage, MIMEPart
from email.policy import SMTP
from email.utils import format_datetime, formataddr
from typing import Any, Literal, cast

from router.act.templates import NoticeTemplates
from router.config.model import Config, Region, Seller
from router.decide.classify import Decision
from router.decide.parse import parse_message
from router.decide.unwrap import strip_forward_prefix, unwrap

Kind = Literal["forward", "notice", "redirect"]

# SMTP's CRLF and 78-column folding; `7bit` so that text parts the
# package encodes itself are quoted-printable or base64, never raw 8-bit.
POLICY = SMTP.clone(cte_type="7bit")
FROM_NAME = "CSBA router"
ATTACHMENT_NAME = "original.eml"
MAX_LINE = 998
MAX_REFERENCES = 20
MAX_SUBJECT_CHARS = 300

_SAFE_KEY = re.compile(r"[A-Za-z0-9_-]{1,64}")
_MSGID = re.compile(r"<[^<>\s]+>")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
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


def message_id_for(kind: str, key: str | int, hostname: str) -> str:
    """`<csba-KIND-KEY@HOST>`; a key that is no plain token is hashed."""
    text = str(key)
    if not _SAFE_KEY.fullmatch(text):
        text = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return f"<csba-{kind}-{text}@{hostname}>"


def compose_forward(config: Config, decision: Decision, original: bytes, *,
                    key: str | int, now: datetime, seller_address: str | None = None,
                    received_at: datetime | None = None) -> Composed:
    """The inquiry for the region's CSBA team, the seller's mail attached."""
    region = _region(config, decision)
    seller = config.seller(decision.seller_id) if decision.seller_id else None
    facts = _Original.read(original)
    order = _order(decision)
    message_id = message_id_for("forward", key, config.instance.hostname)

    label = " ".join(p for p in (decision.seller_id, order) if p) or "unknown seller"
    subject = f"[CSBA {decision.region}] {label}: {facts.customer_subject or '(no subject)'}"

    msg = _new_message(config, message_id, now, region.forward_to, subject)
    if seller_address:
        msg["Reply-To"] = _address(seller_address, "seller_address")
    _thread(msg, facts)
    msg["Auto-Submitted"] = "auto-forwarded"
    msg["X-Loop"] = config.outbound.from_address
    msg["X-CSBA-Message-Id"] = _text(decision.message_id or facts.message_id or "(none)")
    msg["X-CSBA-Region"] = _text(decision.region or "")  # set: _region() checked it
    if decision.seller_id:
        msg["X-CSBA-Seller"] = _text(decision.seller_id)
    msg["X-CSBA-Category"] = _text(decision.category)
    if order:
        msg["X-CSBA-Order"] = order
    if decision.contact_id is not None:
        msg["X-CSBA-Contact"] = str(decision.contact_id)
    msg.set_content(_forward_text(decision, region, seller, seller_address, facts,
                                  _utc(received_at or now)))
    return Composed("forward", message_id, config.outbound.from_address,
                    (region.forward_to,), _with_original(msg, original, message_id))


def compose_notice(config: Config, decision: Decision, original: bytes, *,
                   seller_address: str, key: str | int, now: datetime,
                   templates: NoticeTemplates,
                   received_at: datetime | None = None) -> Composed:
    """The seller's notice: why CSBA does not take it, and where to answer."""
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
    facts = _Original.read(original)
    variables = notice_variables(decision, seller, region_name, region, facts,
                                 _utc(received_at or now), language)
    rendered = templates.render_notice(decision.category, language, variables)

    message_id = message_id_for("notice", key, config.instance.hostname)
    msg = _new_message(config, message_id, now, to, rendered.subject)
    _thread(msg, facts)
    msg["Auto-Submitted"] = "auto-replied"
    msg["X-Loop"] = config.outbound.from_address
    msg["X-CSBA-Message-Id"] = _text(decision.message_id or facts.message_id or "(none)")
    msg["X-CSBA-Category"] = _text(decision.category)
    msg.set_content(rendered.body)
    msg["Content-Language"] = rendered.language  # after set_content, which clears Content-*
    return Composed("notice", message_id, config.outbound.from_address, (to,),
                    _with_original(msg, original, message_id))


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
    def read(cls, raw: bytes) -> _Original:
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
    return " ".join(_CONTROL.sub(" ", value).split())


def _address(value: str, what: str) -> str:
    address = value.strip()
    if not re.fullmatch(r"[^\s<>@]+@[^\s<>@]+", address):
        raise ComposeError(f"bad {what} {value!r}")
    return address


def _new_message(config: Config, message_id: str, now: datetime, to: str,
                 subject: str) -> EmailMessage:
    msg = EmailMessage(policy=POLICY)
    msg["From"] = formataddr((FROM_NAME, config.outbound.from_address))
    msg["To"] = to
    _set_subject(msg, _text(subject))
    msg["Date"] = format_datetime(_utc(now))
    msg["Message-ID"] = message_id
    return msg


def _set_subject(msg: EmailMessage, subject: str) -> None:
    """Subject, RFC 2047-encoded by `email.header` when it is not ASCII.

    The modern folder (policy.SMTP, Python 3.11) can emit an empty encoded
    word (`=?utf-8?q??=`) when it breaks a line next to non-ASCII text;
    RFC 2047 forbids those.  The legacy `Header` encoder does not, and a
    stored value whose lines fit is written out as it is.
    """
    if subject.isascii():
        msg["Subject"] = subject
        return
    charset = Charset("utf-8")
    charset.header_encoding = SHORTEST  # quoted-printable or base64, whichever is shorter
    folded = Header(subject, charset, maxlinelen=78, header_name="Subject")
    msg.set_raw("Subject", folded.encode(linesep=POLICY.linesep))


def _thread(msg: EmailMessage, facts: _Original) -> None:
    """In-Reply-To/References to the original (RFC 5322 §3.6.4)."""
    if not facts.message_id:
        return
    refs = [r for r in facts.references if r != facts.message_id]
    if len(refs) >= MAX_REFERENCES:
        refs = refs[:1] + refs[-(MAX_REFERENCES - 2):]
    msg["In-Reply-To"] = facts.message_id
    msg["References"] = " ".join([*refs, facts.message_id])


def _with_original(msg: EmailMessage, original: bytes, message_id: str) -> bytes:
    """The message's bytes with the original attached as it is.

    The email package is not trusted with the original: its generator
    rejects 8-bit bytes in a message/rfc822 body and would refold a parsed
    one.  So the part gets an ASCII placeholder, and the placeholder is
    swapped for the original's bytes after serialising.  The MIME boundary
    comes from the Message-ID (not random), so the same inputs give the
    same bytes; it is checked against the content.
    """
    body = canonical_original(original)
    text = str(msg.get_payload()).encode("utf-8", "surrogateescape")
    boundary = _boundary(message_id, (body, text))
    part = MIMEPart(policy=POLICY)
    longest = max((len(line) for line in body.split(b"\r\n")), default=0)
    verbatim = longest <= MAX_LINE and b"\x00" not in body
    placeholder = f"{boundary}-original".encode()
    if verbatim:
        part["Content-Type"] = "message/rfc822"
        part["Content-Disposition"] = f'attachment; filename="{ATTACHMENT_NAME}"'
        part["Content-Transfer-Encoding"] = "7bit" if body.isascii() else "8bit"
        part.set_payload(placeholder.decode())
    else:
        part.set_content(body, maintype="application", subtype="octet-stream",
                         disposition="attachment", filename=ATTACHMENT_NAME)
    msg.make_mixed()
    msg.attach(cast(EmailMessage, part))  # typeshed: attach() wants EmailMessage
    msg.set_boundary(boundary)
    raw = msg.as_bytes()
    if not verbatim:
        return raw
    if raw.count(placeholder) != 1:
        raise ComposeError("the attachment placeholder is not unique")  # cannot happen
    return raw.replace(placeholder, body)


def _boundary(seed: str, contents: Iterable[bytes]) -> str:
    """A boundary from `seed` that occurs in none of `contents`."""
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
        wrapped = textwrap.wrap(_text(value), 76 - width, break_long_words=False,
                                break_on_hyphens=False) or [""]
        out.append(f"{name + ':':<{width}}{wrapped[0]}")
        out += [" " * width + more for more in wrapped[1:]]
    return out
