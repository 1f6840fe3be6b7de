"""Cases: the CSBA team asks a seller, the seller answers (pure checks).

Two rows of the contract's table, each a check over a `Context`:

- `case_message` (row 3, after `unauthenticated`): the mail comes from a
  team address (under `trust:` one the mail proves: row 2 holds the rest)
  and answers a forward of the router (`In-Reply-To`/`References` name its
  Message-ID), a case mail of the router, or names a case (`[CSBA case N]`
  in the Subject); the team address must be one of the region's whose team
  got the forward (`team_addresses`, default `forward_to`).  It continues
  the open case of the forward's contact, or opens one.
- `case_reply` (row 5, after `unknown_sender`): a seller's address names
  an open case of that seller, by the Subject tag or `In-Reply-To` a case
  mail of the router.  Another seller's case, or one answered already, is
  not relayed: the mail goes on to the usual checks.

What the checks need from the store (the forwards and cases a message
names) comes through the `CaseBook` protocol of `casefacts`, read by the
pipeline (`router.cases.book.DbCaseBook`), as orders and history do.
"""

from __future__ import annotations

import re
from dataclasses import replace

from router import states
from router.categories import CASE_MESSAGE, CASE_REPLY
from router.config.model import Config
from router.decide.casefacts import CaseRef
from router.decide.context import Context
from router.decide.decision import CaseStep, Hit, Miss, Result
from router.decide.facts import normalise_message_id
from router.decide.identify import team_addresses
from router.mail.addresses import strip_tag
from router.mail.message import Evidence, ParsedMail

#: The tag that names a case in a Subject; the router writes it into every
#: case mail, so a reply from any client keeps it.
CASE_TAG = re.compile(r"\[CSBA case (\d{1,18})\]", re.IGNORECASE)
_MESSAGE_ID = re.compile(r"<[^<>\s]{1,500}>")
#: The newest Message-IDs of `References` that are looked up (a long thread
#: names its whole history; the router's mail is among the last ones).
MAX_REFERENCES = 50
MAX_TAGS = 5


def case_tag(case_id: int) -> str:
    """`[CSBA case N]`, as the Subject of every case mail carries it."""
    return f"[CSBA case {case_id}]"


# --------------------------------------------------------------------------
# What a message names.


def case_tags(subject: str) -> list[int]:
    """The case numbers named by `[CSBA case N]` tags in a Subject, first first."""
    found: dict[int, None] = {}
    if "csba" in subject.lower():
        for match in CASE_TAG.finditer(subject):
            found.setdefault(int(match.group(1)), None)
            if len(found) >= MAX_TAGS:
                break
    return list(found)


def referenced_ids(mail: ParsedMail) -> list[str]:
    """The Message-IDs the message answers: In-Reply-To, then References newest first."""
    ids: dict[str, None] = {}
    for value in mail.header_all("In-Reply-To"):
        for found in _MESSAGE_ID.findall(value):
            ids.setdefault(normalise_message_id(found), None)
    references: list[str] = []
    for value in mail.header_all("References"):
        references.extend(_MESSAGE_ID.findall(value))
    for found in reversed(references[-MAX_REFERENCES:]):
        ids.setdefault(normalise_message_id(found), None)
    return list(ids)[:MAX_REFERENCES]


def _named_cases(ctx: Context, refs: list[str], tags: list[int]) -> list[CaseRef]:
    """The cases a message names: by Subject tag first, then by the mail it answers."""
    book = ctx.cases
    ids = list(tags)
    if refs:
        ids += [i for i in book.mail_cases(refs) if i not in ids]
    return book.cases(ids) if ids else []


def _teams(config: Config, region: str | None) -> frozenset[str]:
    found = config.regions.get(region or "")
    return frozenset(a.lower() for a in found.teams) if found else frozenset()


def _is_team(address: str, teams: frozenset[str]) -> bool:
    return address in teams or strip_tag(address) in teams


# --------------------------------------------------------------------------
# 3. case_message


def check_case_message(ctx: Context) -> Result:
    """The CSBA team writes about a case: relay it to the seller.

    Only from a team address of the region whose team got the forward: a
    team of another region, or any other sender, is not relayed.  Under
    `trust:` the address must be the one the mail proves.
    """
    if ctx.seller is not None:
        return Miss("a seller's address handed it over, no team address")
    candidates = team_addresses(ctx.config, ctx.mail, ctx.envelope)
    if not candidates:
        return Miss("not from a team address")
    sender = candidates[0][1]
    if ctx.config.trust is not None:
        verdict = ctx.trust_verdict
        if verdict is None or not verdict.authenticated or verdict.address is None:
            return Miss(f"{sender}: the team address is not proven")
        sender = verdict.address
    refs = referenced_ids(ctx.mail)
    tags = case_tags(ctx.mail.subject)
    if not refs and not tags:
        return Miss(f"{sender} answers no forward and names no case")
    notes: list[str] = []
    for case in _named_cases(ctx, refs, tags):
        if not _is_team(sender, _teams(ctx.config, case.region)):
            notes.append(f"case {case.case_id} is for the team of region {case.region}")
            continue
        if ctx.config.seller(case.seller_id) is None:
            notes.append(f"case {case.case_id}: seller {case.seller_id} is not configured")
            continue
        if case.state == states.OPEN:
            return _continue(ctx, case, sender, f"case {case.case_id}")
        current = ctx.cases.open_case(case.contact_id, case.forward_id)
        if current is not None:
            return _continue(ctx, current, sender, f"case {case.case_id} (answered)")
        return _open(ctx, sender, case.seller_id, case.region, case.contact_id,
                     case.forward_id, case.order_id,
                     f"case {case.case_id}, answered already")
    forwards = ctx.cases.forwards(refs) if refs else []
    for forward in forwards:
        seller = ctx.config.seller(forward.seller_id) if forward.seller_id else None
        if seller is None:
            notes.append(f"the forward {forward.message_id} has no configured seller")
            continue
        region = forward.region if forward.region in ctx.config.regions else seller.region
        if not _is_team(sender, _teams(ctx.config, region)):
            notes.append(f"the forward {forward.message_id} went to the team of region "
                         f"{region}")
            continue
        current = ctx.cases.open_case(forward.contact_id, forward.forward_id)
        if current is not None:
            return _continue(ctx, current, sender, f"the forward {forward.message_id}")
        return _open(ctx, sender, seller.id, region, forward.contact_id, forward.forward_id,
                     forward.order_id, f"the forward {forward.message_id}")
    if not notes:
        notes.append("it names no forward or case of the router")
    return Miss(f"from team address {sender}, but " + "; ".join(notes))


def _open(ctx: Context, sender: str, seller_id: str, region: str, contact_id: int | None,
          forward_id: int, order_id: str | None, via: str) -> Hit:
    step = CaseStep("open", None, seller_id, region, contact_id, forward_id, order_id,
                    sender, question_message_id=ctx.mail.message_id)
    return Hit(CASE_MESSAGE,
                   f"The CSBA team ({sender}) asks seller {seller_id} a new question "
                   f"({via}).", _evidence(step, via), case=step)


def _continue(ctx: Context, case: CaseRef, sender: str, via: str) -> Hit:
    late = ctx.now >= case.due_at
    step = CaseStep("continue", case.case_id, case.seller_id, case.region, case.contact_id,
                    case.forward_id, case.order_id, sender, due_at=case.due_at, late=late,
                    question_message_id=ctx.mail.message_id)
    overdue = " (overdue)" if late else ""
    return Hit(CASE_MESSAGE,
                   f"The CSBA team ({sender}) writes again about open case "
                   f"{case.case_id}{overdue} of seller {case.seller_id} ({via}).",
                   _evidence(step, via), case=step)


# --------------------------------------------------------------------------
# 5. case_reply


def check_case_reply(ctx: Context) -> Result:
    """The seller answers an open case of its own: relay it to the team address that asked."""
    seller = ctx.seller
    if seller is None:  # unknown_sender comes first; kept for a reordered table
        return Miss("no seller")
    refs = referenced_ids(ctx.mail)
    tags = case_tags(ctx.mail.subject)
    if not refs and not tags:
        return Miss("names no case")
    notes: list[str] = []
    for case in _named_cases(ctx, refs, tags):
        if case.seller_id != seller.id:
            notes.append(f"case {case.case_id} is another seller's")
            continue
        if case.state != states.OPEN:
            notes.append(f"case {case.case_id} was answered already")
            continue
        late = ctx.now > case.due_at
        step = CaseStep("answer", case.case_id, case.seller_id, case.region, case.contact_id,
                        case.forward_id, case.order_id, case.team_address,
                        due_at=case.due_at, late=late,
                        question_message_id=case.question_message_id)
        when = "after its due time" if late else "in time"
        return Hit(CASE_REPLY,
                       f"Seller {seller.id} answers case {case.case_id} {when}.",
                       _evidence(step, f"case {case.case_id}"), case=step)
    if not notes:
        notes.append("it names no case of the router")
    return Miss("; ".join(notes))


def _evidence(step: CaseStep, via: str) -> tuple[Evidence, ...]:
    number = "new" if step.case_id is None else str(step.case_id)
    detail = (f"{step.kind} case {number} of seller {step.seller_id} (region {step.region}, "
              f"contact {step.contact_id}, order {step.order_id or '-'}); team address "
              f"{step.team_address}")
    if step.due_at is not None:
        detail += f"; due {step.due_at:%Y-%m-%d %H:%M:%S} UTC" + (" (past)" if step.late else "")
    return (Evidence("case", detail, via),)


def with_number(step: CaseStep, case_id: int) -> CaseStep:
    """An opening step with the number its case gets when it is written."""
    return step if step.case_id is not None else replace(step, case_id=case_id)

