"""A case's step in the pipeline: composed before the write, recorded inside it.

`prepare` composes (outside the transaction, like every mail the pipeline
writes) the relay and, for a new case, the reminder and the overdue note.
`record` runs inside the pipeline's write transaction, beside the decision
and the relay it queues, so a crash leaves all of it or none:

- a new case: its row (number = the team message's id, asked now, due
  `answer_within` from now) and its reminder and overdue note, queued for
  their due times (`outgoing.next_try_at`; `created_at` is the due time
  too, so a row waiting for its time does not count as mail waiting to be
  sent);
- the team writes again: the case keeps its due time, the seller's answer
  will go to this team address;
- the seller answers: the case is answered (at the answer's arrival) and
  its reminder and overdue note, where still queued, are taken off the
  queue.

The decision was made on a snapshot: inside the write the case must still
be as it was (open, or for a new one no open case on the contact), else
`CaseChangedMeanwhile` makes the pipeline decide the message again, as a
contact opened meanwhile does.  On PostgreSQL the contact's row (the
forward's message where there is no contact) is locked first, so two
writers of one contact's case take turns; SQLite writes one at a time.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from router import states
from router.act.queue import enqueue
from router.act.templates import NoticeTemplates
from router.cases.mail import CaseMail, compose_case_mail
from router.config.model import Config
from router.decide.decision import CaseStep, Decision
from router.mail.message import ParsedMail
from router.store.schema import cases, contacts, outgoing, received


class CaseChangedMeanwhile(Exception):
    """The case is no longer as the message was decided on (answered, opened meanwhile)."""


@dataclass(frozen=True)
class CaseWork:
    """One case step ready to be written: the mail, and the message that caused it."""

    mail: CaseMail
    received_id: int
    arrived_at: datetime

    @property
    def step(self) -> CaseStep:
        step = self.mail.decision.case
        assert step is not None  # compose_case_mail refuses a decision without one
        return step


def prepare(config: Config, decision: Decision, row: Any, mail: ParsedMail,
            templates: NoticeTemplates, now: datetime) -> CaseWork:
    """Compose what the step sends (before the write transaction)."""
    composed = compose_case_mail(config, decision, row.raw, mail, received_id=row.id, now=now,
                                 templates=templates)
    return CaseWork(composed, row.id, row.arrived_at)


def keys(decision: Decision) -> frozenset[Hashable]:
    """What a case's decision read that another message's write could change."""
    step = decision.case
    if step is None:
        return frozenset()
    if step.contact_id is not None:
        return frozenset({("case-contact", step.contact_id)})
    return frozenset({("case-forward", step.forward_id)})


def record(conn: Connection, works: Sequence[CaseWork], now: datetime) -> None:
    """Write the steps inside the caller's transaction; raises CaseChangedMeanwhile."""
    for work in works:
        step = work.step
        _lock(conn, step)
        if step.kind == "open":
            _open(conn, work, now)
        elif step.kind == "continue":
            _continue(conn, work)
        else:
            _answer(conn, work)


def _lock(conn: Connection, step: CaseStep) -> None:
    if step.contact_id is not None:
        query = sa.select(contacts.c.id).where(contacts.c.id == step.contact_id)
    else:
        query = sa.select(received.c.id).where(received.c.id == step.forward_id)
    conn.execute(query.with_for_update())


def _open(conn: Connection, work: CaseWork, now: datetime) -> None:
    step = work.step
    if step.contact_id is not None:
        same = cases.c.contact_id == step.contact_id
    else:
        same = sa.and_(cases.c.contact_id.is_(None), cases.c.forward_id == step.forward_id)
    found = conn.execute(sa.select(cases.c.id).where(cases.c.state == states.OPEN, same)).first()
    if found is not None:
        raise CaseChangedMeanwhile(f"message {work.received_id}: case {found[0]} was opened "
                                   "on the same contact meanwhile")
    for due, mail in work.mail.scheduled:
        enqueue(conn, kind=mail.kind, message_id=mail.message_id, mail_from=mail.mail_from,
                rcpt_tos=mail.rcpt_tos, raw=mail.raw, received_id=work.received_id, now=due)
    reminder = work.mail.reminder[1].message_id if work.mail.reminder else None
    overdue = work.mail.overdue[1].message_id if work.mail.overdue else None
    assert step.case_id is not None and step.due_at is not None
    conn.execute(cases.insert().values(
        id=step.case_id, seller_id=step.seller_id, region=step.region,
        contact_id=step.contact_id, forward_id=step.forward_id, order_id=step.order_id,
        team_address=step.team_address, question_message_id=step.question_message_id,
        state=states.OPEN, asked_at=now, due_at=step.due_at, reminder_message_id=reminder,
        overdue_message_id=overdue))


def _continue(conn: Connection, work: CaseWork) -> None:
    step = work.step
    done = conn.execute(cases.update().where(cases.c.id == step.case_id,
                                             cases.c.state == states.OPEN).values(
        team_address=step.team_address, question_message_id=step.question_message_id))
    if done.rowcount != 1:
        raise CaseChangedMeanwhile(f"message {work.received_id}: case {step.case_id} was "
                                   "answered meanwhile")


def _answer(conn: Connection, work: CaseWork) -> None:
    step = work.step
    done = conn.execute(
        cases.update().where(cases.c.id == step.case_id, cases.c.state == states.OPEN)
        .values(state=states.ANSWERED, answered_at=work.arrived_at, answer_id=work.received_id)
        .returning(cases.c.reminder_message_id, cases.c.overdue_message_id)).all()
    if len(done) != 1:
        raise CaseChangedMeanwhile(f"message {work.received_id}: case {step.case_id} was "
                                   "answered meanwhile")
    due_mail = [m for m in done[0] if m]
    if due_mail:
        # Still waiting for its time (or being sent right now: then it goes
        # out, and its delivery finds the row gone).
        conn.execute(outgoing.delete().where(outgoing.c.message_id.in_(due_mail),
                                             outgoing.c.state == states.PENDING))
