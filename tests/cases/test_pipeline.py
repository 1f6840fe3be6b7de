"""A case through the pipeline on a real database (SQLite and PostgreSQL).

The seller's inquiry is forwarded; the team answers the forward; the
router relays it, opens the case and queues the reminder and the overdue
note for their times, in the decision's transaction; the seller answers
and the due mail leaves the queue.  No contact is added or joined.
"""

from __future__ import annotations

import email
import email.policy
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from router.config import Config
from router.config.model import Cases
from router.store import cases, contacts, decisions, outgoing, received
from tests.pipeline.test_process import forward, rows, run, store

TEAM = "csba-team-de@example.internal"
SELLER = "service@musterhandel.de"
ORDER = "302-1234567-1234567"
QUESTION = ("Guten Tag,\n\nbitte senden Sie uns die Sendungsnummer.  \n"
            "-- \nIhr CSBA-Team")


def team_reply(in_reply_to: str, *, text: str = QUESTION, subject: str | None = None,
               message_id: str = "<team-1@example.internal>") -> bytes:
    """The team's reply above the quoted forward, as a mail client writes it."""
    quoted = "\r\n".join("> " + line for line in (
        "A customer inquiry handed over to CSBA, forwarded by csba-router.", "",
        "Seller:         A1MUSTERHANDEL (Musterhandel GmbH)"))
    return (f"From: CSBA Team <{TEAM}>\r\nTo: csba-de2de@amazon.de\r\n"
            f"Subject: {subject or 'AW: [CSBA de2de] A1MUSTERHANDEL ' + ORDER}\r\n"
            f"Message-ID: {message_id}\r\nIn-Reply-To: {in_reply_to}\r\n"
            f"References: {in_reply_to}\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
            f"{text.replace(chr(10), chr(13) + chr(10))}\r\n\r\n"
            "Am 03.11.2026 um 10:00 schrieb CSBA router <csba-noreply@amazon.de>:\r\n"
            f"{quoted}\r\n").encode()


def seller_answer(case_id: int, text: str = "Die Sendungsnummer ist 1Z999AA10123456784.",
                  message_id: str = "<answer-1@musterhandel.de>",
                  sender: str = SELLER) -> bytes:
    return (f"From: {sender}\r\nTo: csba-de2de@amazon.de\r\n"
            f"Subject: AW: [CSBA case {case_id}] Frage des CSBA-Teams\r\n"
            f"Message-ID: {message_id}\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n"
            f"{text}\r\n\r\n> Guten Tag,\r\n> bitte senden Sie uns die Sendungsnummer.\r\n"
            ).encode()


def with_cases(config: Config, within: str = "24h", remind: str = "12h") -> Config:
    from router.config.types import parse_duration

    return config.model_copy(update={"cases": Cases(answer_within=parse_duration(within),
                                                    remind_after=parse_duration(remind))})


def parsed(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def text_of(raw: bytes) -> str:
    body = parsed(raw).get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def forwarded(engine: Engine, config: Config) -> str:
    """Forward the seller's inquiry; the forward's Message-ID."""
    store(engine, forward(ORDER))
    assert run(engine, config) == {"done": 1}
    (mail,) = rows(engine, outgoing)
    return str(mail.message_id)


def case_mail(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(outgoing).where(outgoing.c.kind == "case")
                                 .order_by(outgoing.c.id)))


def test_the_teams_question_is_relayed_and_its_due_mail_queued(world: Engine,
                                                               config: Config) -> None:
    config = with_cases(config)
    forward_id = forwarded(world, config)
    contacts_before = rows(world, contacts)
    team = store(world, team_reply(forward_id), sender=TEAM)
    assert run(world, config) == {"done": 1}

    (case,) = rows(world, cases)
    assert (case.id, case.seller_id, case.region, case.order_id, case.state) == (
        team, "A1MUSTERHANDEL", "de2de", ORDER, "open")
    assert case.contact_id == contacts_before[0].id and case.team_address == TEAM
    assert case.due_at - case.asked_at == timedelta(hours=24)
    decision = rows(world, decisions)[-1]
    assert (decision.category, decision.action, decision.case_id) == (
        "case_message", "relay", team)
    assert rows(world, contacts) == contacts_before  # no contact, no follow-up

    relay, reminder, overdue = sorted(case_mail(world), key=lambda m: m.next_try_at)
    assert relay.rcpt_tos == ["inhaber@musterhandel.de"]  # the seller's notify address
    head = parsed(relay.raw)
    assert head["Subject"].startswith(f"[CSBA case {team}] ")
    assert head["Reply-To"] == "csba-de2de@amazon.de" and head["X-CSBA-Case"] == str(team)
    assert head["Auto-Submitted"] is None  # a person's message, not an auto-reply
    body = text_of(relay.raw)
    assert QUESTION in body.replace("\r\n", "\n")  # the team's words, trailing space too
    assert "A customer inquiry handed over" not in body  # not the whole forward again
    (attached,) = [p for p in head.iter_attachments()]
    assert attached.get_content_type() == "message/rfc822"
    # Due mail: queued now, due later; not handed to anyone before its time.
    assert reminder.state == overdue.state == "pending"
    assert reminder.next_try_at == case.asked_at + timedelta(hours=12)
    assert overdue.next_try_at == case.due_at
    assert reminder.rcpt_tos == ["inhaber@musterhandel.de"] and overdue.rcpt_tos == [TEAM]
    assert parsed(reminder.raw)["Auto-Submitted"] == "auto-generated"
    assert (case.reminder_message_id, case.overdue_message_id) == (
        reminder.message_id, overdue.message_id)


def test_the_answer_is_relayed_to_the_team_and_the_due_mail_leaves(world: Engine,
                                                                    config: Config) -> None:
    config = with_cases(config)
    forward_id = forwarded(world, config)
    team = store(world, team_reply(forward_id), sender=TEAM)
    run(world, config)
    store(world, team_reply(forward_id, text="Und ein Foto bitte.",
                            message_id="<team-2@example.internal>"), sender=TEAM)
    run(world, config)
    answer = store(world, seller_answer(team))
    assert run(world, config) == {"done": 1}

    (case,) = rows(world, cases)
    assert (case.state, case.answer_id, case.question_message_id) == (
        "answered", answer, "<team-2@example.internal>")
    assert case.answered_at is not None and case.answered_at <= case.due_at
    mail = case_mail(world)
    assert [m.message_id for m in mail if m.message_id in (
        case.reminder_message_id, case.overdue_message_id)] == []
    first, again, to_team = mail
    assert parsed(again.raw)["In-Reply-To"] == first.message_id
    head = parsed(to_team.raw)
    assert to_team.rcpt_tos == [TEAM]
    assert head["Subject"].startswith(f"[CSBA case {team}] ")
    assert head["In-Reply-To"] == "<team-2@example.internal>"
    assert (head["X-CSBA-Seller"], head["X-CSBA-Order"]) == ("A1MUSTERHANDEL", ORDER)
    body = text_of(to_team.raw)
    assert "Die Sendungsnummer ist 1Z999AA10123456784." in body
    assert "> bitte senden" not in body
    assert len(rows(world, contacts)) == 1


def test_another_sellers_answer_is_not_relayed(world: Engine, config: Config) -> None:
    config = with_cases(config).model_copy(update={"sellers": [
        *config.sellers,
        config.sellers[0].model_copy(update={"id": "A2OTHER", "addresses": ["x@other.de"],
                                             "notify": None})]})
    forward_id = forwarded(world, config)
    team = store(world, team_reply(forward_id), sender=TEAM)
    run(world, config)
    store(world, seller_answer(team, sender="x@other.de"), sender="x@other.de")
    run(world, config)
    (case,) = rows(world, cases)
    assert case.state == "open"
    assert rows(world, decisions)[-1].category != "case_reply"
    assert len(case_mail(world)) == 3  # the relay and the due mail only


def test_two_team_messages_in_one_batch_make_one_case(world: Engine, config: Config) -> None:
    config = with_cases(config)
    forward_id = forwarded(world, config)
    first = store(world, team_reply(forward_id), sender=TEAM)
    store(world, team_reply(forward_id, text="Noch etwas.",
                            message_id="<team-2@example.internal>"), sender=TEAM)
    assert run(world, config) == {"done": 2}
    (case,) = rows(world, cases)
    assert case.id == first and case.question_message_id == "<team-2@example.internal>"
    kinds = [d.evidence["case"]["kind"] for d in rows(world, decisions)[1:]]
    assert kinds == ["open", "continue"]


def test_a_late_answer_is_relayed_and_marked_late(world: Engine, config: Config) -> None:
    config = with_cases(config, within="1s", remind="0s")
    forward_id = forwarded(world, config)
    team = store(world, team_reply(forward_id), sender=TEAM)
    run(world, config)
    (case,) = rows(world, cases)
    assert case.reminder_message_id is None  # remind_after 0s: no reminder
    with world.begin() as conn:  # the answer arrives after the due time
        conn.execute(received.update().values(arrived_at=case.due_at + timedelta(seconds=5))
                     .where(received.c.id == team))
    store_late = seller_answer(team)
    answer = store(world, store_late)
    with world.begin() as conn:
        conn.execute(received.update().values(arrived_at=case.due_at + timedelta(seconds=5))
                     .where(received.c.id == answer))
    run(world, config)
    (case,) = rows(world, cases)
    assert case.state == "answered" and case.answered_at > case.due_at
    to_team = case_mail(world)[-1]
    assert "(nach Fristablauf)" in parsed(to_team.raw)["Subject"]
