"""Recognising a case's mail: the team asks (case_message), the seller answers (case_reply).

Plain messages through the real parser and `classify`; the forwards and
cases of the store come in through an in-memory `CaseBook`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from router.config.model import Config
from router.decide.casefacts import CaseRef, ForwardRef, MemoryCaseBook
from router.decide.cases import case_tags, referenced_ids
from router.decide.classify import Decision, classify
from router.decide.explain import explain
from router.decide.facts import MemoryHistory
from router.mail.message import Envelope
from router.mail.read import parse_message
from tests.decide.test_classify import BOOK, ORDER, SELLER, make_config

NOW = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
TEAM = "team-de@example.internal"
TEAM_CN = "team-cn@example.internal"
FRONT = "mx.csba.example.internal"
FORWARD_ID = "<csba-forward-41@csba-router.example.internal>"
RELAY_ID = "<csba-relay-50@csba-router.example.internal>"
BRIGHT = "sales@brightlight-sz.cn"

FORWARD = ForwardRef(FORWARD_ID, 41, "MUSTER", "de2de", 41, ORDER)


def case(case_id: int = 50, *, state: str = "open", seller: str = "MUSTER",
         region: str = "de2de", due: datetime = NOW + timedelta(hours=3),
         contact: int | None = 41) -> CaseRef:
    return CaseRef(case_id, seller, region, contact, 41, ORDER, state, due - timedelta(hours=24),
                   due, TEAM, "<q-1@example.internal>")


def book(*cases: CaseRef) -> MemoryCaseBook:
    return MemoryCaseBook([FORWARD], list(cases), {RELAY_ID: 50} if cases else {})


def mail(sender: str, *, subject: str = "AW: [CSBA de2de] MUSTER", in_reply_to: str = "",
         body: str = "Bitte senden Sie uns die Sendungsnummer.", headers: str = "") -> bytes:
    thread = f"In-Reply-To: {in_reply_to}\r\nReferences: {in_reply_to}\r\n" if in_reply_to else ""
    return (f"{headers}From: {sender}\r\nTo: csba-de2de@amazon.de\r\nSubject: {subject}\r\n"
            f"Message-ID: <m-{abs(hash((sender, subject, in_reply_to)))}@x.example>\r\n"
            f"{thread}MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            f"{body}\r\n").encode()


def decide(raw: bytes, cases: MemoryCaseBook, *, config: Config | None = None,
           envelope_from: str | None = None, now: datetime = NOW) -> Decision:
    parsed = parse_message(raw)
    sender = envelope_from if envelope_from is not None else parsed.from_addr
    return classify(config or make_config(), parsed,
                    Envelope(mail_from=sender, rcpt_tos=("csba-de2de@amazon.de",)),
                    orders=BOOK, history=MemoryHistory(), now=now, cases=cases)


# --------------------------------------------------------------------------
# case_message


def test_the_team_answering_a_forward_opens_a_case() -> None:
    d = decide(mail(TEAM, in_reply_to=FORWARD_ID), book())
    assert (d.category, d.action, d.rule) == ("case_message", "relay", "case_message")
    assert d.case is not None
    assert (d.case.kind, d.case.case_id, d.case.seller_id, d.case.contact_id,
            d.case.forward_id, d.case.order_id, d.case.team_address) == (
        "open", None, "MUSTER", 41, 41, ORDER, TEAM)
    assert (d.seller_id, d.order_id, d.contact_id) == ("MUSTER", ORDER, None)
    assert d.hits == ("case_message",) and d.misses == ("auto_generated",)
    assert "case" in explain(d)


def test_the_team_writing_again_continues_the_open_case() -> None:
    by_forward = decide(mail(TEAM, in_reply_to=FORWARD_ID), book(case()))
    by_tag = decide(mail(TEAM, subject="Re: [CSBA case 50] Frage"), book(case()))
    by_relay = decide(mail(TEAM, in_reply_to=RELAY_ID), book(case()))
    for d in (by_forward, by_tag, by_relay):
        assert d.category == "case_message" and d.case is not None
        assert (d.case.kind, d.case.case_id, d.case.late) == ("continue", 50, False)


def test_an_overdue_case_stays_open_to_the_team() -> None:
    d = decide(mail(TEAM, subject="[CSBA case 50] noch offen"), book(case(due=NOW)))
    assert d.case is not None and (d.case.kind, d.case.late) == ("continue", True)


def test_a_question_after_the_answer_opens_a_new_case_on_the_contact() -> None:
    d = decide(mail(TEAM, subject="Re: [CSBA case 50] Danke, noch eine Frage"),
               book(case(state="answered")))
    assert d.case is not None
    assert (d.case.kind, d.case.case_id, d.case.contact_id) == ("open", None, 41)


def test_only_the_team_of_the_forwards_region_is_relayed() -> None:
    other_team = decide(mail(TEAM_CN, in_reply_to=FORWARD_ID), book())
    assert other_team.category == "unknown_sender"
    assert "team of region de2de" in dict(other_team.notes)["case_message"]
    stranger = decide(mail("mallory@evil.example", in_reply_to=FORWARD_ID), book())
    assert stranger.category == "unknown_sender"
    assert dict(stranger.notes)["case_message"] == "not from a team address"


def test_team_mail_that_answers_nothing_of_the_router_is_held() -> None:
    nothing = decide(mail(TEAM), book())
    unknown = decide(mail(TEAM, in_reply_to="<other@example.internal>"), book())
    assert nothing.category == unknown.category == "unknown_sender"


def test_team_addresses_replace_forward_to() -> None:
    config = make_config(regions={
        "de2de": {"address": "csba-de2de@amazon.de", "marketplace": "amazon.de",
                  "language": "de", "forward_to": TEAM,
                  "team_addresses": ["fall@example.internal"]},
        "cn2de": {"address": "csba-cn2de@amazon.de", "marketplace": "amazon.de",
                  "language": "zh", "forward_to": TEAM_CN}})
    assert decide(mail("fall@example.internal", in_reply_to=FORWARD_ID), book(),
                  config=config).category == "case_message"
    assert decide(mail(TEAM, in_reply_to=FORWARD_ID), book(),
                  config=config).category == "unknown_sender"


def ar(results: str) -> str:
    return f"Authentication-Results: {FRONT}; {results}\r\n"


def test_under_trust_only_a_proven_team_address_opens_a_case() -> None:
    config = make_config(trust={"authserv_id": FRONT})
    proven = ar("spf=pass smtp.mailfrom=team-de@example.internal; "
                "dmarc=pass header.from=example.internal")
    forged = ar("spf=fail smtp.mailfrom=team-de@example.internal; dmarc=fail "
                "header.from=example.internal")
    ok = decide(mail(TEAM, in_reply_to=FORWARD_ID, headers=proven), book(), config=config)
    assert ok.category == "case_message"
    bad = decide(mail(TEAM, in_reply_to=FORWARD_ID, headers=forged), book(), config=config)
    assert (bad.category, bad.action) == ("unauthenticated", "hold")
    assert bad.case is None


# --------------------------------------------------------------------------
# case_reply


def test_the_seller_answers_its_open_case() -> None:
    by_tag = decide(mail(SELLER, subject="AW: [CSBA case 50] Frage des CSBA-Teams",
                         body="Die Sendungsnummer ist 1Z999."), book(case()))
    by_reply = decide(mail(SELLER, subject="AW: Frage", in_reply_to=RELAY_ID), book(case()))
    for d in (by_tag, by_reply):
        assert (d.category, d.action, d.rule) == ("case_reply", "relay", "case_reply")
        assert d.case is not None
        assert (d.case.kind, d.case.case_id, d.case.team_address, d.case.late) == (
            "answer", 50, TEAM, False)
        assert d.misses == ("auto_generated", "case_message", "unknown_sender")


def test_a_late_answer_is_still_relayed_and_marked_late() -> None:
    d = decide(mail(SELLER, subject="[CSBA case 50] spät"), book(case(due=NOW - timedelta(
        seconds=1))))
    assert d.case is not None and (d.category, d.case.late) == ("case_reply", True)


def test_a_seller_naming_another_sellers_case_is_not_relayed() -> None:
    d = decide(mail(BRIGHT, subject="Re: [CSBA case 50] Frage"), book(case()))
    assert d.category != "case_reply" and d.case is None
    assert dict(d.notes)["case_reply"] == "case 50 is another seller's"


def test_an_answered_case_takes_no_second_answer() -> None:
    d = decide(mail(SELLER, subject="Re: [CSBA case 50] noch etwas"),
               book(case(state="answered")))
    assert d.category != "case_reply"
    assert dict(d.notes)["case_reply"] == "case 50 was answered already"


def test_automatic_mail_naming_a_case_is_dropped() -> None:
    d = decide(mail(SELLER, subject="Abwesend: [CSBA case 50] Frage",
                    headers="Auto-Submitted: auto-replied\r\n"), book(case()))
    assert d.category == "auto_generated"


def test_without_a_case_book_nothing_is_a_case() -> None:
    raw = mail(TEAM, in_reply_to=FORWARD_ID)
    parsed = parse_message(raw)
    d = classify(make_config(), parsed, Envelope(mail_from=TEAM), orders=BOOK,
                 history=MemoryHistory(), now=NOW)
    assert d.category == "unknown_sender"


# --------------------------------------------------------------------------
# What a message names.


def test_tags_and_references_are_read_in_linear_time() -> None:
    assert case_tags("Re: [CSBA case 12] a [csba CASE 7] [CSBA case 12]") == [12, 7]
    assert case_tags("[CSBA case ] [CSBA case x1]") == []
    parsed = parse_message(mail(TEAM, in_reply_to="<a@x> <b@x>"))
    assert referenced_ids(parsed) == ["<a@x>", "<b@x>"]
    long_subject = "[CSBA case " * 50_000
    assert case_tags(long_subject) == []


def test_a_decision_with_its_case_survives_the_store_record() -> None:
    d = decide(mail(SELLER, subject="[CSBA case 50] x"), book(case()))
    again = Decision.from_record(_json_round_trip(d.to_record()))
    assert again == d


def _json_round_trip(record: dict[str, Any]) -> dict[str, Any]:
    import json

    return json.loads(json.dumps(record))
