"""The mail a case writes: relays both ways, the reminder, the overdue note.

Pure, like `router.act.compose`: config, decision, the relayed message, its
received id, `now` and the templates in; bytes out, the same for the same
inputs.  Message-IDs come from the relayed message's received id (a relay)
or the case number (reminder, overdue note), so a step retried after a
crash queues nothing twice (the outgoing table stores a Message-ID once).

A relay is a person's message passed on, not an auto-reply: no
`Auto-Submitted`, `X-CSBA-Case: N`, the author's own words exactly as
written inside a short frame from `templates/notices/case_*.<lang>.txt.j2`
(the seller's language to the seller, the region's to its team), and the
whole message attached as it arrived.  `From:` and `Reply-To:` are the
region's csba address, so a reply from any client (reply or reply-all)
comes back to the router, and the Subject carries `[CSBA case N]`.  The
reminder and the overdue note are the router's own (`Auto-Submitted:
auto-generated`), dated at their due times.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, formataddr
from typing import Any

from router.act.compose import (
    Composed,
    ComposeError,
    RegionView,
    SellerView,
    message_id_for,
)
from router.act.templates import NoticeTemplates
from router.cases.text import own_text
from router.config.model import Config, Region, Seller
from router.decide.cases import case_tag, with_number
from router.decide.decision import CaseStep, Decision
from router.mail.message import ParsedMail
from router.mail.write import mime_mail

#: Template names under templates/notices/ (`<name>.<lang>.txt.j2`).
TO_SELLER = "case_message"
TO_TEAM = "case_reply"
REMINDER = "case_reminder"
OVERDUE = "case_overdue"
#: Stands for the author's words while the frame is rendered and tidied:
#: the words go in afterwards, so no template filter or blank-line rule
#: touches them.
_WORDS = "\x00csba-author-words\x00"


@dataclass(frozen=True)
class CaseMail:
    """What one case step sends: the relay now, and mail due later (with its time)."""

    decision: Decision  # with the case's number and due time filled in
    relay: Composed
    reminder: tuple[datetime, Composed] | None = None  # a new case's, with its time
    overdue: tuple[datetime, Composed] | None = None

    @property
    def scheduled(self) -> list[tuple[datetime, Composed]]:
        """The mail due later, with its time."""
        return [m for m in (self.reminder, self.overdue) if m is not None]


def relay_message_id(received_id: int, hostname: str) -> str:
    """The Message-ID of the relay of received message `received_id`."""
    return message_id_for("relay", received_id, hostname)


def reminder_message_id(case_id: int, hostname: str) -> str:
    return message_id_for("reminder", case_id, hostname)


def overdue_message_id(case_id: int, hostname: str) -> str:
    return message_id_for("overdue", case_id, hostname)


def compose_case_mail(config: Config, decision: Decision, raw: bytes, mail: ParsedMail, *,
                      received_id: int, now: datetime, templates: NoticeTemplates) -> CaseMail:
    """The relay of a case's message, and for a new case its reminder and overdue note.

    A new case is asked now: its number is `received_id`, its answer due
    `cases.answer_within` from now, its reminder `cases.remind_after` from
    now (none where that is not before the due time, or zero).
    """
    if decision.case is None:
        raise ComposeError("a relay needs the case the message belongs to")
    now = _utc(now)
    step = with_number(decision.case, received_id)
    if step.kind == "open":
        step = replace(step, due_at=now + config.cases.answer_within)
    decision = replace(decision, case=step)
    seller = config.seller(step.seller_id)
    region = config.regions.get(step.region)
    if seller is None or region is None:
        raise ComposeError(f"case {step.case_id}: seller {step.seller_id!r} or region "
                           f"{step.region!r} is not configured")
    words = own_text(mail)
    if step.kind == "answer":
        relay = _to_team(config, step, seller, region, raw, mail, words, received_id, now,
                         templates)
        return CaseMail(decision, relay)
    relay = _to_seller(config, step, seller, region, raw, words, received_id, now, templates)
    if step.kind != "open":
        return CaseMail(decision, relay)
    reminder = None
    remind = config.cases.remind_after
    if timedelta(0) < remind < config.cases.answer_within:
        reminder = (now + remind, _reminder(config, step, seller, region, raw, words, now,
                                            now + remind, templates))
    assert step.due_at is not None
    overdue = (step.due_at, _overdue(config, step, seller, region, raw, mail, words, now,
                                     templates))
    return CaseMail(decision, relay, reminder, overdue)


# --------------------------------------------------------------------------
# The four mails.


def _to_seller(config: Config, step: CaseStep, seller: Seller, region: Region, raw: bytes,
               words: str, received_id: int, now: datetime,
               templates: NoticeTemplates) -> Composed:
    case_id = _number(step)
    host = config.instance.hostname
    message_id = relay_message_id(received_id, host)
    first = relay_message_id(case_id, host)
    thread = [] if message_id == first else [("In-Reply-To", first), ("References", first)]
    language = seller_language(config, seller)
    variables = _variables(step, seller, region, words, now, again=step.kind == "continue")
    return _compose(config, TO_SELLER, language, variables, templates, step, raw, now,
                    message_id=message_id, to=_to(seller.notify_address, "notify address"),
                    sender=formataddr(("CSBA", region.address)), thread=thread,
                    automatic=False)


def _to_team(config: Config, step: CaseStep, seller: Seller, region: Region, raw: bytes,
             mail: ParsedMail, words: str, received_id: int, now: datetime,
             templates: NoticeTemplates) -> Composed:
    message_id = relay_message_id(received_id, config.instance.hostname)
    thread = _under(step.question_message_id)
    variables = _variables(step, seller, region, words, now, answered_at=now)
    return _compose(config, TO_TEAM, region.language, variables, templates, step, raw, now,
                    message_id=message_id, to=_to(step.team_address, "team address"),
                    sender=formataddr((f"{seller.name or seller.id} (CSBA)", region.address)),
                    thread=thread, automatic=False, for_team=True, relayed=mail.message_id)


def _reminder(config: Config, step: CaseStep, seller: Seller, region: Region, raw: bytes,
              words: str, asked_at: datetime, at: datetime,
              templates: NoticeTemplates) -> Composed:
    case_id = _number(step)
    host = config.instance.hostname
    first = relay_message_id(case_id, host)
    variables = _variables(step, seller, region, words, asked_at)
    return _compose(config, REMINDER, seller_language(config, seller), variables, templates,
                    step, raw, at, message_id=reminder_message_id(case_id, host),
                    to=_to(seller.notify_address, "notify address"),
                    sender=formataddr(("CSBA", region.address)),
                    thread=[("In-Reply-To", first), ("References", first)], automatic=True)


def _overdue(config: Config, step: CaseStep, seller: Seller, region: Region, raw: bytes,
             mail: ParsedMail, words: str, asked_at: datetime,
             templates: NoticeTemplates) -> Composed:
    case_id = _number(step)
    assert step.due_at is not None
    variables = _variables(step, seller, region, words, asked_at)
    return _compose(config, OVERDUE, region.language, variables, templates, step, raw,
                    step.due_at, message_id=overdue_message_id(case_id, config.instance.hostname),
                    to=_to(step.team_address, "team address"),
                    sender=formataddr(("CSBA router", config.outbound.from_address)),
                    thread=_under(step.question_message_id), automatic=True, for_team=True,
                    relayed=mail.message_id)


# --------------------------------------------------------------------------
# Writing one.


def _compose(config: Config, template: str, language: str, variables: dict[str, Any],
             templates: NoticeTemplates, step: CaseStep, raw: bytes, date: datetime, *,
             message_id: str, to: str, sender: str, thread: list[tuple[str, str]],
             automatic: bool, for_team: bool = False, relayed: str | None = None) -> Composed:
    """One case mail: the rendered frame with the author's words, the message attached.

    Mail to the team carries the forward's `X-CSBA-*` facts, with
    `X-CSBA-Message-Id` the Message-ID of the message attached (`relayed`).
    """
    case_id = _number(step)
    words = variables["text"]
    rendered = templates.render_notice(template, language, {**variables, "text": _WORDS})
    tag = case_tag(case_id)
    subject = rendered.subject if tag in rendered.subject else f"{tag} {rendered.subject}"
    body = rendered.body
    body = body.replace(_WORDS, words, 1) if _WORDS in body else f"{body}\n{words}\n"
    body = body.replace(_WORDS, "")
    region = config.regions[step.region]
    fields = [
        ("From", sender),
        ("To", to),
        ("Subject", subject),
        ("Date", format_datetime(date)),
        ("Message-ID", message_id),
        ("Reply-To", region.address),
        *thread,
    ]
    if automatic:
        fields += [("Auto-Submitted", "auto-generated"), ("X-Loop", config.outbound.from_address)]
    fields.append(("X-CSBA-Case", str(case_id)))
    if for_team:
        fields += [("X-CSBA-Message-Id", relayed or "(none)"),
                   ("X-CSBA-Region", step.region), ("X-CSBA-Seller", step.seller_id)]
        if step.order_id:
            fields.append(("X-CSBA-Order", step.order_id))
        if step.contact_id is not None:
            fields.append(("X-CSBA-Contact", str(step.contact_id)))
    raw_mail = mime_mail(fields, body, raw, message_id,
                         [("Content-Language", rendered.language)])
    return Composed("case", message_id, config.outbound.from_address, (to,), raw_mail)


def _variables(step: CaseStep, seller: Seller, region: Region, words: str, asked_at: datetime,
               *, again: bool = False, answered_at: datetime | None = None) -> dict[str, Any]:
    """What a case template sees (documented in templates/README.md)."""
    return {
        "case": _number(step),
        "seller": SellerView(seller.id, seller.name),
        "region": RegionView(step.region, region.address, region.marketplace),
        "order_id": step.order_id,
        "text": words,
        "asked_at": asked_at,
        "due_at": step.due_at,
        "answered_at": answered_at,
        "late": step.late,
        "again": again,
        "team_address": step.team_address,
    }


def seller_language(config: Config, seller: Seller) -> str:
    """The seller's language, else its region's."""
    if seller.language:
        return seller.language
    region = config.regions.get(seller.region)
    return region.language if region else "en"


def _number(step: CaseStep) -> int:
    if step.case_id is None:
        raise ComposeError("the case has no number yet")
    return step.case_id


def _under(message_id: str | None) -> list[tuple[str, str]]:
    if not message_id:
        return []
    return [("In-Reply-To", message_id), ("References", message_id)]


def _to(address: str | None, what: str) -> str:
    if not address or "@" not in address or any(c in address for c in "<>\r\n\t "):
        raise ComposeError(f"bad {what} {address!r}")
    return address


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
