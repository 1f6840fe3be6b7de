"""Find the customer's inquiry inside a seller's forward.

Sellers hand inquiries over by forwarding: inline with a client's
separator and header block, as an attached message, or by a server rule
that passes the customer's mail on unchanged.  Classification must read
the customer's words (order ids, language, pre-/post-sale), not the
seller's note, so this peels forward layers off down to the innermost
customer message.  The client styles are data in `forward_styles`; where
a forward starts inside a text, and how a layer splits there, is
`forward_markers`.

Line-based on purpose: quote markers ("> ") are read per line, so a quoted
forward is found and unquoted by the same pass, and every regex runs on
one short line, which keeps a typical message well under a millisecond.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from router.decide import forward_styles as fs
from router.decide.forward_markers import any_of, find_marker, split_layer
from router.mail.addresses import addresses_in, named_address
from router.mail.message import Evidence, ParsedMail

# --------------------------------------------------------------------------
# Patterns compiled once (the forward markers' are in `forward_markers`).

_FORWARD_PREFIX = re.compile(
    rf"^\s*(?:\[[^\]]{{0,40}}\]\s*)?(?:{any_of(fs.FORWARD_PREFIXES)})"
    r"\s*(?:\[\d+\]|\(\d+\))?\s*[:：]\s*",
    re.IGNORECASE,
)


# --------------------------------------------------------------------------
# Result.


@dataclass(frozen=True)
class Unwrapped:
    """The customer's inquiry found inside one message.

    `style` names how the seller handed the message over (the outermost
    forward layer); `styles` lists every layer outer to inner; `depth` is
    the number of layers peeled off (0 for "none" and "auto-forward").
    """

    inquiry_text: str
    seller_note: str
    inquiry_from: str | None
    inquiry_subject: str
    inquiry_date: str | None
    style: str
    depth: int
    evidence: tuple[Evidence, ...] = ()
    styles: tuple[str, ...] = ()


# --------------------------------------------------------------------------
# Public API.


def unwrap(mail: ParsedMail, depth_limit: int = 5) -> Unwrapped:
    """Peel forward layers off `mail` down to the innermost customer message.

    Deciding asks once per message (`Context.unwrapped` keeps the answer);
    the later stages take what they show of the customer's inquiry from the
    Decision, so nothing asks twice.
    """
    return _unwrap(mail, depth_limit)


def _unwrap(mail: ParsedMail, depth_limit: int) -> Unwrapped:
    evidence: list[Evidence] = []
    outer_subject = strip_forward_prefix(mail.subject)
    forwarded_subject = is_forward_subject(mail.subject)
    auto = _auto_forward_evidence(mail)
    if auto and not forwarded_subject:
        return _auto_forwarded(mail, auto, evidence)

    notes: list[str] = []
    styles: list[str] = []
    text = _normalise(mail.text)
    current: ParsedMail | None = mail
    subject: str = outer_subject
    inquiry_from: str | None = None
    inquiry_date: str | None = None
    ambiguous_ok = True
    while len(styles) < depth_limit:
        depth = len(styles)
        lines = text.split("\n")
        attribution_ok = depth == 0 and forwarded_subject
        marker = find_marker(lines, ambiguous_ok, attribution_ok)
        attached = _attached_message(current) if current is not None else None
        if attached is not None and (marker is None or not marker.forward_only):
            notes.append(text.strip())
            styles.append("rfc822-attachment")
            evidence.append(
                Evidence("forward", "message attached as message/rfc822", f"layer {depth + 1}")
            )
            current = attached
            text = _normalise(attached.text)
            inquiry_from = attached.from_addr
            inquiry_date = attached.header("Date")
            if attached.subject:
                subject = strip_forward_prefix(attached.subject)
            ambiguous_ok = is_forward_subject(attached.subject)
            continue
        if marker is None:
            break
        layer = split_layer(lines, marker)
        notes.append(layer.note)
        styles.append(marker.style)
        evidence.append(
            Evidence(
                "forward",
                f"{marker.style} separator {marker.line[:80]!r} at line {marker.index + 1}",
                f"layer {depth + 1}",
            )
        )
        current = None
        text = layer.body
        inquiry_from = named_address(layer.fields.get("from", ""))
        inquiry_date = layer.fields.get("date")
        layer_subject = layer.fields.get("subject")
        if layer_subject:
            subject = strip_forward_prefix(layer_subject)
        ambiguous_ok = layer_subject is not None and is_forward_subject(layer_subject)
        if inquiry_from:
            evidence.append(Evidence("inquiry-from", inquiry_from, f"layer {depth + 1} header"))

    if not styles:
        if auto:
            return _auto_forwarded(mail, auto, evidence)
        evidence.append(Evidence("forward", "no forward recognised: whole body is the inquiry"))
        return Unwrapped(
            inquiry_text=text.strip(),
            seller_note="",
            inquiry_from=None,
            inquiry_subject=outer_subject,
            inquiry_date=mail.header("Date"),
            style="none",
            depth=0,
            evidence=tuple(evidence),
            styles=(),
        )
    return Unwrapped(
        inquiry_text=text.strip(),
        seller_note="\n\n".join(n for n in notes if n),
        inquiry_from=inquiry_from,
        inquiry_subject=subject,
        inquiry_date=inquiry_date,
        style=styles[0],
        depth=len(styles),
        evidence=tuple(evidence),
        styles=tuple(styles),
    )


def quote_start(text: str) -> int | None:
    """The line where a reply's quoted or forwarded message starts in `text`; None: none.

    The markers are the forward table's (separators, Outlook's header block,
    an attribution line such as "On ... wrote:" / "Am ... schrieb ...:"),
    searched as for the outermost layer of a forward with a forward's
    subject: the lines above the first one are what the writer wrote now.
    """
    marker = find_marker(_normalise(text).split("\n"), True, True)
    if marker is None:
        return None
    return marker.start if marker.start is not None else marker.index


def strip_forward_prefix(subject: str) -> str:
    """Subject without leading Fwd:/WG:/TR:/转发: prefixes (repeated)."""
    previous = None
    subject = subject.strip()
    while previous != subject:
        previous = subject
        subject = _FORWARD_PREFIX.sub("", subject, count=1).strip()
    return subject


def is_forward_subject(subject: str | None) -> bool:
    """True when the subject's first prefix marks a forward."""
    return bool(subject) and _FORWARD_PREFIX.match(subject or "") is not None


# --------------------------------------------------------------------------
# Auto-forward (server rules).


def _auto_forward_evidence(mail: ParsedMail) -> list[Evidence]:
    found = [
        Evidence("auto-forward", f"{name}: {mail.header(name)}"[:200], "header")
        for name in fs.AUTO_FORWARD_HEADERS
        if mail.has_header(name)
    ]
    delivered = {a for v in mail.header_all("Delivered-To") for a in addresses_in(v)}
    if delivered:
        visible = {
            a for name in ("To", "Cc") for v in mail.header_all(name) for a in addresses_in(v)
        }
        if len(delivered) > 1 or not delivered <= visible:
            found.append(
                Evidence("auto-forward", f"Delivered-To: {', '.join(sorted(delivered))}", "header")
            )
    return found


def _auto_forwarded(mail: ParsedMail, auto: list[Evidence], evidence: list[Evidence]) -> Unwrapped:
    evidence.extend(auto)
    evidence.append(Evidence("forward", "forwarded unchanged by a mail server", "headers"))
    if mail.from_addr:
        evidence.append(Evidence("inquiry-from", mail.from_addr, "From header"))
    return Unwrapped(
        inquiry_text=mail.text.strip(),
        seller_note="",
        inquiry_from=mail.from_addr,
        inquiry_subject=strip_forward_prefix(mail.subject),
        inquiry_date=mail.header("Date"),
        style="auto-forward",
        depth=0,
        evidence=tuple(evidence),
        styles=("auto-forward",),
    )


def _attached_message(mail: ParsedMail) -> ParsedMail | None:
    for attachment in mail.attachments:
        if attachment.message is not None:
            return attachment.message
    return None


# --------------------------------------------------------------------------
# Inline forwards (their markers and the split of a layer: `forward_markers`).


def _normalise(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
