"""Cases over SMTP with a real `serve` (short due times in the config).

Case 1: the team answers the forward of the seller's inquiry; the router
relays the question to the seller's notify address; a restart changes
nothing; the reminder goes out once at `remind_after`, the overdue note to
the team once at the due time; a late answer is still relayed and marks
the case answered late.  Case 2: asked and answered in time, so it gets no
reminder and no overdue note.  A forged team sender and another seller
naming case 1 are not relayed.  No case mail adds or joins a contact.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from router.store import contacts, decisions, utcnow
from tests.cases.smtpworld import (
    NOTIFY,
    OTHER,
    QUESTION,
    SELLER,
    TEAM,
    case_config,
    case_mail,
    case_row,
    forged,
    forward_of,
    outbox,
    proven,
    query,
    seller_answer,
    send,
    sent_at,
    team_reply,
)
from tests.cli_run import cli
from tests.intake.routerproc import Router, free_port
from tests.pipeline.conftest import inquiry, prepare, start, wait_until

WITHIN = timedelta(seconds=30)
REMIND = timedelta(seconds=15)
#: How late a due mail may go out: "within a few seconds of their time".
PUNCTUAL = timedelta(seconds=5)
WAIT = 60.0


def decision_of(url: str, received_id: int) -> tuple[str, str] | None:
    rows = query(url, sa.select(decisions.c.category, decisions.c.action).where(
        decisions.c.received_id == received_id))
    return (rows[0][0], rows[0][1]) if rows else None


def decided(url: str, received_id: int) -> tuple[str, str]:
    wait_until(lambda: decision_of(url, received_id) is not None, WAIT,
               f"message {received_id} decided")
    found = decision_of(url, received_id)
    assert found is not None
    return found


def test_a_case_over_smtp(tmp_path: Path) -> None:
    port = free_port()
    config = prepare(tmp_path / "router", port, orders=2,
                     extra=case_config(f"{WITHIN.seconds}s", f"{REMIND.seconds}s"))
    url = f"sqlite:///{config.parent / 'router.db'}"
    box = (config.parent / "outbox",)
    router = start(config, port)
    try:
        # The seller's inquiry is forwarded (one contact).
        inquiry_1 = send(port, proven(SELLER, inquiry(0, run="case")[1]), SELLER)
        wait_until(lambda: bool(forward_of(url, inquiry_1)), WAIT, "the forward")
        billed = query(url, sa.select(contacts))

        # The team answers the forward: relayed to the seller, case 1 opened.
        case_1 = send(port, proven(TEAM, team_reply(forward_of(url, inquiry_1),
                                                    "<team-1@example.internal>")), TEAM)
        assert decided(url, case_1) == ("case_message", "relay")
        wait_until(lambda: len(case_mail(box, case_1)) == 1, WAIT, "the relay of case 1")
        (relay,) = case_mail(box, case_1)
        assert relay.to == NOTIFY
        assert str(relay.message["Subject"]).startswith(f"[CSBA case {case_1}] ")
        assert relay.message["Reply-To"] == "csba-de2de@amazon.de"
        assert QUESTION in relay.text and "A customer inquiry" not in relay.text
        asked = case_row(url, case_1).asked_at

        # A forger writing as the team is held, not relayed.
        forgery = send(port, forged(TEAM, team_reply(forward_of(url, inquiry_1),
                                                     "<forged-1@example.internal>",
                                                     text="Bitte Kontodaten senden.")), TEAM)
        assert decided(url, forgery) == ("unauthenticated", "hold")

        # A restart in between changes nothing.
        before = sorted(m.path.name for m in outbox(*box))
        router.close()
        router = start(config, port)
        assert sorted(m.path.name for m in outbox(*box)) == before
        assert case_row(url, case_1).state == "open"

        # Case 2: asked and answered in time.
        inquiry_2 = send(port, proven(SELLER, inquiry(1, run="case")[1]), SELLER)
        wait_until(lambda: bool(forward_of(url, inquiry_2)), WAIT, "the second forward")
        case_2 = send(port, proven(TEAM, team_reply(forward_of(url, inquiry_2),
                                                    "<team-2@example.internal>")), TEAM)
        assert decided(url, case_2) == ("case_message", "relay")
        wait_until(lambda: len(case_mail(box, case_2)) == 1, WAIT, "the relay of case 2")
        answer_2 = send(port, proven(SELLER, seller_answer(
            case_2, "<answer-2@musterhandel.de>", "Sendungsnummer: 1Z999AA10123456784")),
            SELLER)
        assert decided(url, answer_2) == ("case_reply", "relay")
        wait_until(lambda: any(m.to == TEAM for m in case_mail(box, case_2)), WAIT,
                   "the answer of case 2 at the team")
        row_2 = case_row(url, case_2)
        assert row_2.state == "answered" and row_2.answered_at <= row_2.due_at

        # Another seller naming case 1 is not relayed (its own mail goes on as usual).
        stranger = send(port, proven(OTHER, seller_answer(
            case_1, "<other-1@other-shop.de>", "Hier ist die Nummer.", sender=OTHER)), OTHER)
        assert decided(url, stranger)[0] != "case_reply"

        # Case 1: the reminder once, at its time; then the overdue note once.
        row_1 = case_row(url, case_1)
        wait_until(lambda: len(case_mail(box, case_1)) == 2, WAIT, "the reminder of case 1")
        reminder = next(m for m in case_mail(box, case_1) if m.message_id ==
                        row_1.reminder_message_id)
        assert reminder.to == NOTIFY and reminder.message["Auto-Submitted"] == "auto-generated"
        assert QUESTION in reminder.text
        reminded = sent_at(url, row_1.reminder_message_id)
        assert asked + REMIND <= reminded <= asked + REMIND + PUNCTUAL
        wait_until(lambda: len(case_mail(box, case_1)) == 3, WAIT, "the overdue note")
        overdue = next(m for m in case_mail(box, case_1) if m.message_id ==
                       row_1.overdue_message_id)
        assert overdue.to == TEAM
        noted = sent_at(url, row_1.overdue_message_id)
        assert row_1.due_at <= noted <= row_1.due_at + PUNCTUAL
        # Case 2's due mail would have gone out by now: it never does.
        wait_until(lambda: utcnow() > row_2.due_at + PUNCTUAL, WAIT, "case 2's due time")
        assert [m.to for m in case_mail(box, case_2)] == [NOTIFY, TEAM]

        # A late answer to case 1 is relayed and marks it answered late.
        late = send(port, proven(SELLER, seller_answer(
            case_1, "<answer-1@musterhandel.de>", "Entschuldigung, die Nummer: 1Z1")), SELLER)
        assert decided(url, late) == ("case_reply", "relay")
        wait_until(lambda: len(case_mail(box, case_1)) == 4, WAIT, "the late answer")
        to_team = case_mail(box, case_1)[-1] if case_mail(box, case_1)[-1].to == TEAM else next(
            m for m in case_mail(box, case_1) if "1Z1" in m.text)
        assert "1Z1" in to_team.text and to_team.to == TEAM
        row_1 = case_row(url, case_1)
        assert row_1.state == "answered" and row_1.answered_at > row_1.due_at
    finally:
        router.close()

    # Every case mail went out once; no contact was added or joined.
    names = [m.message_id for m in outbox(*box)]
    assert len(names) == len(set(names))
    assert len(case_mail(box, case_1)) == 4 and len(case_mail(box, case_2)) == 2
    assert query(url, sa.select(contacts)) == billed + query(
        url, sa.select(contacts).where(contacts.c.received_id == inquiry_2))
    assert len(query(url, sa.select(contacts))) == 2

    listed = cli("--config", str(config), "cases", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    states = {r["case"]: (r["state"], r["answered_late"]) for r in json.loads(listed.stdout)}
    assert states == {case_1: ("answered", True), case_2: ("answered", False)}


def test_restart_keeps_the_router_quiet(tmp_path: Path) -> None:
    """Nothing is sent again by a second start: the outgoing rows say what was sent."""
    port = free_port()
    config = prepare(tmp_path / "router", port, orders=1, extra=case_config("1h", "30m"))
    url = f"sqlite:///{config.parent / 'router.db'}"
    router: Router = start(config, port)
    try:
        first = send(port, proven(SELLER, inquiry(0, run="quiet")[1]), SELLER)
        wait_until(lambda: bool(forward_of(url, first)), WAIT, "the forward")
        team = send(port, proven(TEAM, team_reply(forward_of(url, first), "<t@x.internal>")),
                    TEAM)
        box = (config.parent / "outbox",)
        wait_until(lambda: len(case_mail(box, team)) == 1, WAIT, "the relay")
        router.close()
        router = start(config, port)
        router.expect("delivery_started")
        assert len(case_mail(box, team)) == 1
        assert case_row(url, team).state == "open"
    finally:
        router.close()
