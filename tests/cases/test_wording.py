"""The mail of a case, in every language: the author's words unchanged, the frame in the reader's.

Decisions are the real classifier's (on an in-memory case book); the mail
is composed as the pipeline composes it.  A seller (or team) of de, fr or
zh reads no English sentence and no internal identifier; the tag
`[CSBA case N]`, the proper names of Amazon's services and the author's
own words (any language) are left out of that check.
"""

from __future__ import annotations

import email
import email.policy
import re
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest

from router.act.templates import NoticeTemplates
from router.cases.mail import CaseMail, compose_case_mail
from router.categories import BUILTIN_CATEGORIES
from router.config.model import Config
from router.decide.casefacts import CaseRef, ForwardRef, MemoryCaseBook
from router.decide.classify import Decision, classify
from router.decide.facts import MemoryHistory
from router.mail.message import Envelope
from router.mail.read import parse_message
from tests.act.test_notice_wording import ENGLISH, NAMES
from tests.decide.test_classify import BOOK, ORDER, SELLER, make_config

NOW = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
LANGUAGES = ("de", "fr", "en", "zh")
TEAM = "team-de@example.internal"
FORWARD_ID = "<csba-forward-41@csba-router.example.internal>"
# The author's words, in English on purpose: they are passed on as written.
QUESTION = "Please send us the tracking number of this order.\n\n  -- the CSBA team  "
ANSWER = "The tracking number is 1Z999AA10123456784.\nRegards"
IDENTIFIERS = {*BUILTIN_CATEGORIES, "relay", "open", "continue", "answer", "None", "True",
               "False"}
TAG = re.compile(r"\[CSBA case \d+\]")


def config_in(language: str) -> Config:
    base = make_config()
    sellers = [s.model_copy(update={"language": language, "name": "Musterhandel GmbH"})
               for s in base.sellers]
    regions = {name: r.model_copy(update={"language": language})
               for name, r in base.regions.items()}
    return base.model_copy(update={"sellers": sellers, "regions": regions})


def mail(sender: str, subject: str, body: str, in_reply_to: str = "") -> bytes:
    thread = f"In-Reply-To: {in_reply_to}\r\n" if in_reply_to else ""
    return (f"From: {sender}\r\nTo: csba-de2de@amazon.de\r\nSubject: {subject}\r\n"
            f"Message-ID: <{abs(hash(body))}@x.example>\r\n{thread}MIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n"
            f"{body.replace(chr(10), chr(13) + chr(10))}\r\n\r\n"
            "On 10 Nov 2026, CSBA router <csba-noreply@amazon.de> wrote:\r\n"
            "> A customer inquiry handed over to CSBA\r\n").encode()


def compose(config: Config, raw: bytes, book: MemoryCaseBook, received_id: int) -> CaseMail:
    parsed = parse_message(raw)
    decision: Decision = classify(config, parsed, Envelope(mail_from=parsed.from_addr),
                                  orders=BOOK, history=MemoryHistory(), now=NOW, cases=book)
    assert decision.action == "relay", decision.reason
    return compose_case_mail(config, decision, raw, parsed, received_id=received_id, now=NOW,
                             templates=NoticeTemplates.from_config(config))


def all_mail(language: str) -> list[tuple[str, bytes, str]]:
    """(what, raw, the author's words) of the four kinds of case mail."""
    config = config_in(language)
    opened = compose(config, mail(TEAM, "AW: Anfrage", QUESTION, FORWARD_ID),
                     MemoryCaseBook([ForwardRef(FORWARD_ID, 41, "MUSTER", "de2de", 41, ORDER)]),
                     70)
    assert opened.reminder is not None and opened.overdue is not None
    case = CaseRef(70, "MUSTER", "de2de", 41, 41, ORDER, "open", NOW, NOW + timedelta(hours=24),
                   TEAM, "<q@x>")
    answered = compose(config, mail(SELLER, "AW: [CSBA case 70] Frage", ANSWER),
                       MemoryCaseBook([], [case]), 71)
    late = compose(config, mail(SELLER, "AW: [CSBA case 70] Frage", ANSWER),
                   MemoryCaseBook([], [CaseRef(*[*case.__dict__.values()][:7], NOW - timedelta(
                       hours=30), NOW - timedelta(hours=6), TEAM)]), 72)
    again = compose(config, mail(TEAM, "Re: [CSBA case 70] Frage", QUESTION),
                    MemoryCaseBook([], [case]), 73)
    question = QUESTION.strip("\n")
    return [("relay to the seller", opened.relay.raw, question),
            ("reminder", opened.reminder[1].raw, question),
            ("overdue note", opened.overdue[1].raw, question),
            ("answer to the team", answered.relay.raw, ANSWER),
            ("late answer to the team", late.relay.raw, ANSWER),
            ("further question", again.relay.raw, question)]


def read(raw: bytes) -> tuple[str, str, EmailMessage]:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage) and not msg.defects
    body = msg.get_body(("plain",))
    assert body is not None
    return str(msg["Subject"]), str(body.get_content()).replace("\r\n", "\n"), msg


@pytest.mark.parametrize("language", LANGUAGES)
def test_case_mail_speaks_the_readers_language_around_the_authors_words(language: str) -> None:
    for what, raw, words in all_mail(language):
        subject, body, msg = read(raw)
        where = f"{what} ({language})"
        assert TAG.match(subject), (where, subject)
        assert msg["X-CSBA-Case"] in subject, where
        assert words in body, (where, body)  # exactly as written, trailing spaces too
        assert "A customer inquiry handed over" not in body, where  # not the quote
        assert list(msg.iter_parts())[0]["Content-Language"] == language, where
        frame = (TAG.sub(" ", subject) + "\n" + body.replace(words, " "))
        for name in IDENTIFIERS:
            if language == "en" and re.fullmatch(r"[a-z]+", name):
                continue  # "answer", "open": plain English words in English
            assert not re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", frame), (where, name)
        if language != "en":
            for name in NAMES:
                frame = frame.replace(name, " ")
            english = {w for w in re.findall(r"[A-Za-z]+", frame) if w.lower() in ENGLISH}
            assert not english, (where, sorted(english), frame)


def test_relays_are_a_persons_mail_and_due_mail_is_automatic() -> None:
    kinds = {what: read(raw)[2] for what, raw, _ in all_mail("de")}
    for what in ("relay to the seller", "answer to the team", "further question"):
        assert kinds[what]["Auto-Submitted"] is None, what
        assert kinds[what]["Reply-To"] == "csba-de2de@amazon.de", what
    for what in ("reminder", "overdue note"):
        assert kinds[what]["Auto-Submitted"] == "auto-generated", what
    assert kinds["relay to the seller"]["To"] == "service@musterhandel.de"  # no notify: first
    assert kinds["overdue note"]["To"] == TEAM
    assert kinds["further question"]["In-Reply-To"] == kinds["relay to the seller"][
        "Message-ID"]


def test_the_same_step_composes_the_same_bytes() -> None:
    assert [raw for _, raw, _ in all_mail("fr")] == [raw for _, raw, _ in all_mail("fr")]
