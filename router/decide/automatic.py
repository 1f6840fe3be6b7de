"""Is this message automatic mail?  (category 1, `auto_generated`)

Automatic mail must never get a notice (no backscatter, no mail loops), so
this module collects every signal that mail systems use to mark mail that no
person wrote: RFC 3834 `Auto-Submitted`, the vendor auto-reply headers,
`Precedence`, mailing-list headers, delivery reports (RFC 3464 DSN, RFC 8098
MDN, RFC 5965 ARF), the null sender, MAILER-DAEMON senders, the subjects that
auto-responders and bounce generators write, mail loops, and the router's own
mail coming back.

Every check returns `Evidence` so `--explain` can say which header decided.
The checks look at the message as handed to them; whether a signal on the
outer message belongs to a seller's own automatic forward (see
`automatic_headers.FORWARD_MARKERS`) is the classifier's concern.  The
tables the checks read are data modules of their own: `automatic_headers`
and `automatic_subjects`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from router.decide.automatic_headers import (
    AUTOMATIC_PRECEDENCE,
    LIST_HEADERS,
    PRESENCE_HEADERS,
    REPORT_PART_TYPES,
    SYSTEM_LOCAL_PARTS,
)
from router.decide.automatic_subjects import SUBJECT_ANYWHERE, SUBJECTS, SubjectTable
from router.decide.vocabulary import alternation
from router.mail.message import Envelope, Evidence, ParsedMail

# More Received: headers than this means the message is looping between
# mail systems (RFC 5321 section 6.3 suggests a limit of at least 100 for
# relays; a person's mail rarely passes 15, so 50 leaves a wide margin).
MAX_RECEIVED = 50

Check = Callable[[ParsedMail, Envelope, str | None], list[Evidence]]


def automatic_signals(
    mail: ParsedMail, envelope: Envelope, own_domain: str | None
) -> list[Evidence]:
    """Every sign that `mail` is automatic; empty when a person wrote it.

    `own_domain` is the router's `instance.hostname`: a `Message-ID` in that
    domain is the router's own mail coming back.
    """
    found: list[Evidence] = []
    for check in CHECKS:
        found.extend(check(mail, envelope, own_domain))
    return found


def is_automatic(mail: ParsedMail, envelope: Envelope, own_domain: str | None) -> bool:
    """True when any signal of `automatic_signals` is present."""
    return bool(automatic_signals(mail, envelope, own_domain))


# --- header checks -------------------------------------------------------


def _auto_submitted(mail: ParsedMail, _env: Envelope, _own: str | None) -> list[Evidence]:
    """RFC 3834: any keyword but `no` (parameters after ';' ignored)."""
    out = []
    for value in mail.header_all("Auto-Submitted"):
        keyword = _first_token(value)
        if keyword and keyword != "no":
            out.append(Evidence("auto-submitted", f"Auto-Submitted: {value.strip()}", "header"))
    return out


def _auto_response_suppress(mail: ParsedMail, _env: Envelope, _own: str | None) -> list[Evidence]:
    """Exchange asks others not to auto-reply to its own automatic mail.

    Exchange and Outlook set this on out-of-office replies, NDRs, meeting
    responses, and ticket/notification systems copy it.  Any non-empty value
    counts except `None`, which explicitly suppresses nothing.
    """
    out = []
    for value in mail.header_all("X-Auto-Response-Suppress"):
        if value.strip() and value.strip().lower() != "none":
            detail = f"X-Auto-Response-Suppress: {value.strip()}"
            out.append(Evidence("x-auto-response-suppress", detail, "header"))
    return out


def _presence_headers(mail: ParsedMail, _env: Envelope, _own: str | None) -> list[Evidence]:
    """Vendor auto-reply headers; a value of `no`/`false` is not a claim."""
    out = []
    for name in PRESENCE_HEADERS:
        for value in mail.header_all(name):
            if value.strip().lower() in ("no", "false", "0"):
                continue
            out.append(Evidence(name.lower(), f"{name}: {value.strip()}", "header"))
    return out


def _precedence(mail: ParsedMail, _env: Envelope, _own: str | None) -> list[Evidence]:
    out = []
    for value in mail.header_all("Precedence"):
        if _first_token(value) in AUTOMATIC_PRECEDENCE:
            out.append(Evidence("precedence", f"Precedence: {value.strip()}", "header"))
    return out


def _list_headers(mail: ParsedMail, _env: Envelope, _own: str | None) -> list[Evidence]:
    """Mail sent through a mailing list (RFC 2369/2919)."""
    out = []
    for name in LIST_HEADERS:
        value = mail.header(name)
        if value is not None and value.strip():
            out.append(Evidence("mailing-list", f"{name}: {_clip(value)}", "header"))
    return out


def _exchange_generated(mail: ParsedMail, _env: Envelope, _own: str | None) -> list[Evidence]:
    """Exchange names the agent that generated the message (OOF, rules, NDR)."""
    value = mail.header("X-MS-Exchange-Generated-Message-Source")
    if value is None or not value.strip():
        return []
    detail = f"X-MS-Exchange-Generated-Message-Source: {value.strip()}"
    return [Evidence("exchange-generated", detail, "header")]


def _x_loop(mail: ParsedMail, _env: Envelope, _own: str | None) -> list[Evidence]:
    """X-Loop is set by autoresponders, list servers and ticket systems."""
    value = mail.header("X-Loop")
    if value is None or not value.strip():
        return []
    return [Evidence("x-loop", f"X-Loop: {_clip(value)}", "header")]


def _report(mail: ParsedMail, _env: Envelope, _own: str | None) -> list[Evidence]:
    """Delivery, read (MDN) and abuse (ARF) reports, RFC 6522 and parts."""
    out = []
    ctype = mail.header("Content-Type") or ""
    top = _first_token(ctype)
    if top == "multipart/report":
        match = _REPORT_TYPE.search(ctype)
        kind = f"report-type={match.group(1).lower()}" if match else "no report-type"
        out.append(Evidence("report", f"multipart/report; {kind}", "header"))
    elif top in REPORT_PART_TYPES:
        # A bare report without its multipart/report wrapper (broken MTAs).
        out.append(Evidence("report", f"Content-Type: {top}", "header"))
    seen: set[str] = set()
    for part in mail.attachments:
        part_type = part.content_type.lower()
        if part_type in REPORT_PART_TYPES and part_type not in seen:
            seen.add(part_type)
            out.append(Evidence("report-part", f"{part_type} part", "mime"))
    return out


def _null_sender(mail: ParsedMail, envelope: Envelope, _own: str | None) -> list[Evidence]:
    """The null reverse-path `<>` is reserved for notifications (RFC 5321 4.5.5)."""
    out = []
    if envelope.mail_from == "":
        out.append(Evidence("null-sender", "MAIL FROM:<>", "envelope"))
    # Return-Path is written by the final delivery agent from the envelope;
    # only the topmost one is ours to trust, and it is there only when the
    # message was stored by a delivery agent (ingest, IMAP).
    return_path = mail.header("Return-Path")
    if return_path is not None and _NULL_PATH.fullmatch(return_path):
        out.append(Evidence("null-sender", "Return-Path: <>", "header"))
    return out


def _system_sender(mail: ParsedMail, envelope: Envelope, _own: str | None) -> list[Evidence]:
    """MAILER-DAEMON and postmaster send bounces, not inquiries.

    `no-reply` addresses are not counted: see SYSTEM_LOCAL_PARTS.
    """
    candidates: list[tuple[str, str]] = []
    if envelope.mail_from:
        candidates.append(("MAIL FROM", envelope.mail_from))
    for name in ("From", "Sender", "Return-Path"):
        candidates.extend((name, value) for value in mail.header_all(name))
    out = []
    for name, value in candidates:
        local = _local_part(value)
        # "From: MAILER DAEMON <>" names no address at all; an empty
        # Return-Path is the null sender, reported by _null_sender.
        empty = name in ("From", "Sender") and _is_empty_address(value)
        if local in SYSTEM_LOCAL_PARTS or empty:
            source = "envelope" if name == "MAIL FROM" else "header"
            out.append(Evidence("system-sender", f"{name}: {_clip(value)}", source))
    return out


def _subject(mail: ParsedMail, _env: Envelope, _own: str | None) -> list[Evidence]:
    subject = mail.subject or mail.header("Subject") or ""
    hit = match_subject(subject)
    if hit is None:
        return []
    lang, phrase = hit
    return [Evidence("subject", f"Subject: {_clip(subject)} ({lang}: {phrase!r})", "subject")]


def _received_loop(mail: ParsedMail, _env: Envelope, _own: str | None) -> list[Evidence]:
    count = len(mail.header_all("Received"))
    if count <= MAX_RECEIVED:
        return []
    return [Evidence("mail-loop", f"{count} Received: headers (> {MAX_RECEIVED})", "header")]


def _own_mail(mail: ParsedMail, _env: Envelope, own_domain: str | None) -> list[Evidence]:
    """The router's own forwards and notices coming back.

    External `X-CSBA-*` headers are stripped at SMTP intake, so any left
    here were written by the router.
    """
    out = []
    names = sorted({name for name, _ in mail.headers if name.lower().startswith("x-csba-")})
    if names:
        out.append(Evidence("own-mail", f"router headers: {', '.join(names)}", "header"))
    if own_domain and mail.message_id:
        domain = _message_id_domain(mail.message_id)
        if domain is not None and domain == own_domain.strip().lower().rstrip("."):
            detail = f"Message-ID {mail.message_id.strip()} is in the router's domain"
            out.append(Evidence("own-mail", detail, "header"))
    return out


CHECKS: tuple[Check, ...] = (
    _auto_submitted,
    _auto_response_suppress,
    _presence_headers,
    _precedence,
    _list_headers,
    _exchange_generated,
    _x_loop,
    _report,
    _null_sender,
    _system_sender,
    _subject,
    _received_loop,
    _own_mail,
)


# --- subject matching ----------------------------------------------------


def _normalise(text: str) -> str:
    """Case-, width- and accent-insensitive form, single spaces.

    Accents are dropped because responders and mangled encodings write
    "Reponse automatique" as often as "Réponse automatique".
    """
    if text.isascii():  # nothing to decompose, no combining mark
        return " ".join(text.casefold().split())
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.casefold().split())


def _phrase_regex(phrase: str) -> str:
    return r"\s*".join(re.escape(word) for word in _normalise(phrase).split())


# What may stand before a subject phrase: a bracket ("[Automatyczna
# odpowiedź] ...") and spaces.
_SUBJECT_LEAD = r"\[?\s*"


def _subject_bodies(tables: dict[str, SubjectTable]) -> list[tuple[str, str, str]]:
    """(language, phrase, regex after the lead) of every subject phrase, in table order."""
    bodies = []
    for lang, table in tables.items():
        for phrase in table.prefixes:
            bodies.append((lang, phrase, _phrase_regex(phrase) + r"\s*(?:[:\]]|$)"))
        for phrase in table.fixed:
            bodies.append((lang, phrase, _phrase_regex(phrase) + r"(?!\w)"))
    return bodies


def _one_pattern(bodies: list[tuple[str, str, str]]) -> re.Pattern[str]:
    """Every subject phrase in one pattern, matched at the start, a numbered group each.

    An alternation takes the first alternative that matches, as a loop over
    the phrases in table order would, in one call instead of one per phrase.
    The lead is matched once for all: every phrase starts with a letter,
    neither a bracket nor a space, so there is only one way to match the
    lead before any phrase, and the lead in each alternative would find
    the same.  The phrases then form a trie (see `vocabulary.alternation`).
    """
    assert all(not _normalise(phrase).startswith("[") for _, phrase, _ in bodies)
    return re.compile(_SUBJECT_LEAD + alternation(
        [(f"s{n}", body) for n, (_, _, body) in enumerate(bodies)]))


_SUBJECT_BODIES = _subject_bodies(SUBJECTS)
_SUBJECT_PATTERN = _one_pattern(_SUBJECT_BODIES)
_ANYWHERE = tuple(_normalise(p) for p in SUBJECT_ANYWHERE)


def match_subject(subject: str) -> tuple[str, str] | None:
    """(language, phrase) of the automatic subject phrase found, or None."""
    text = _normalise(subject)
    match = _SUBJECT_PATTERN.match(text)
    if match is not None and match.lastgroup is not None:
        lang, phrase, _ = _SUBJECT_BODIES[int(match.lastgroup[1:])]
        return lang, phrase
    for phrase in _ANYWHERE:
        if phrase in text:
            return "any", phrase
    return None


# --- small helpers -------------------------------------------------------

# Compiled once: `re.search(string, ...)` looks its pattern up in the re
# module's cache on every call, and these run for every message.
_REPORT_TYPE = re.compile(r"report-type\s*=\s*\"?([\w.-]+)", re.IGNORECASE)
_NULL_PATH = re.compile(r"\s*<\s*>\s*")
_TOKEN_END = re.compile(r"[;(\s]")
_ANGLE_LOCAL = re.compile(r"<\s*([^<>@\s]+)@[^<>]*>")
# Starts only where a run of local-part characters starts (retried at
# every character of a long header without "@" it was quadratic).
_BARE_LOCAL = re.compile(r"(?<![^\s<>\"'(),;:@])([^\s<>\"'(),;:@]+)@")
_EMPTY_ANGLE = re.compile(r"<\s*>\s*$")
_ID_DOMAIN = re.compile(r"@([^>@\s]+)>?\s*$")


def _first_token(value: str) -> str:
    """Lower-case value before any ';' parameter or comment."""
    return _TOKEN_END.split(value.strip(), maxsplit=1)[0].lower()


def _local_part(value: str) -> str | None:
    """Local part of the first address in a header value, lower-case."""
    match = _ANGLE_LOCAL.search(value)
    if match is None:
        match = _BARE_LOCAL.search(value)
    if match is None:
        # A bare "MAILER-DAEMON" with no domain.
        bare = value.strip().strip("<>").strip().lower()
        return bare if bare in SYSTEM_LOCAL_PARTS else None
    return match.group(1).lower()


def _is_empty_address(value: str) -> bool:
    """`From: MAILER DAEMON <>`: a header address that is the null path."""
    return _EMPTY_ANGLE.search(value) is not None


def _message_id_domain(message_id: str) -> str | None:
    match = _ID_DOMAIN.search(message_id.strip())
    return match.group(1).lower().rstrip(".") if match else None


def _clip(value: str, limit: int = 120) -> str:
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 1] + "…"
