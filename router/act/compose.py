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
attached base64-encoded as `application/octet-stream` instead.  The
bytes are written by `router.mail.write`, which the case mail and the
statements share.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, formataddr
from typing import TYPE_CHECKING, Any, Literal

from router.act.templates import NoticeTemplates
from router.config.model import Config, Region, Seller
from router.mail.write import (
    ATTACHMENT_NAME,
    POLICY,
    ComposeError,
    canonical_original,
    mime_mail,
    one_line,
    plain_token,
    wrap_line,
)

if TYPE_CHECKING:  # the classifier is loaded where messages are decided, not in intake
    from router.decide.classify import Decision
    from router.mail.message import ParsedMail

Kind = Literal["forward", "notice", "redirect", "case"]

FROM_NAME = "CSBA router"
MAX_REFERENCES = 20
MAX_SUBJECT_CHARS = 300

_MSGID = re.compile(r"<[^<>\s]+>")


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
    return f"<csba-{kind}-{plain_token(str(key))}@{hostname}>"


def compose_forward(config: Config, decision: Decision, original: bytes, *,
                    key: str | int, now: datetime, seller_address: str | None = None,
                    received_at: datetime | None = None,
                    mail: ParsedMail | None = None) -> Composed:
    """The inquiry for the region's CSBA team, the seller's mail attached.

    The customer's subject and sender are the decision's (what deciding
    found in the forward).  ``mail`` is ``original`` already parsed (the
    pipeline has it); without it the original is parsed here for its
    Message-ID and References.
    """
    region = _region(config, decision)
    seller = config.seller(decision.seller_id) if decision.seller_id else None
    facts = _Original.read(original, decision, mail)
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
                    (region.forward_to,), mime_mail(fields, text, original, message_id))


def compose_notice(config: Config, decision: Decision, original: bytes, *,
                   seller_address: str, key: str | int, now: datetime,
                   templates: NoticeTemplates,
                   received_at: datetime | None = None,
                   mail: ParsedMail | None = None) -> Composed:
    """The seller's notice: why CSBA does not take it, and where to answer.

    The customer's subject and sender and ``mail`` as for :func:`compose_forward`.
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
    facts = _Original.read(original, decision, mail)
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
    raw = mime_mail(fields, rendered.body, original, message_id,
                    [("Content-Language", rendered.language)])
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
    def read(cls, raw: bytes, decision: Decision, mail: ParsedMail | None = None) -> _Original:
        """The original's threading fields; the customer's as deciding found them.

        The customer's subject and sender are the decision's (`classify`
        unwrapped the forward once); only the original's own Message-ID and
        references are read here, from `mail` where the caller has it.
        """
        if mail is None:
            # Imported here: `serve`'s intake process composes only statements
            # and so never loads the parser.
            from router.mail.read import parse_message

            mail = parse_message(raw)
        refs = _MSGID.findall(mail.header("References") or "")
        if not refs:
            refs = _MSGID.findall(mail.header("In-Reply-To") or "")[:1]
        subject = decision.customer_subject or ""
        return cls(
            message_id=mail.message_id,
            references=tuple(refs),
            customer_subject=one_line(subject)[:MAX_SUBJECT_CHARS],
            customer_from=one_line(decision.customer_from) if decision.customer_from else None,
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
        wrapped = wrap_line(one_line(value), 76 - width)
        out.append(f"{name + ':':<{width}}{wrapped[0]}")
        out += [" " * width + more for more in wrapped[1:]]
    return out

