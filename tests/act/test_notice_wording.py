"""Notices a seller can act on: every category in every language, through compose.

The decisions are the real classifier's, made on the labelled set
(tests/decide/labelled/), so the notices are checked against the reasons,
rule names and evidence the classifier really writes: none of it, and no
English sentence, may reach a de/fr/zh seller.  The admin-named category
(`warranty`, the `default` template) comes from a real rule too.
"""

from __future__ import annotations

import base64
import dataclasses
import email
import email.policy
import re
from collections import defaultdict
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest

from router.act import Composed, NoticeTemplates, compose_notice
from router.act.wording import CATEGORY_WORDS
from router.categories import BOUNCE, BUILTIN_CATEGORIES, DEFAULT_ACTIONS, PRE_SALE
from router.config.loader import load_config
from router.config.model import Config
from router.decide.classify import Decision, classify
from router.mail.read import parse_message
from tests.decide.labelled.world import Label, World, load

NOW = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
LANGUAGES = ("de", "fr", "en", "zh")
ADMIN_CATEGORY = "warranty"
BOUNCED = tuple(c for c, a in DEFAULT_ACTIONS.items() if a == BOUNCE)
CATEGORIES = (*BOUNCED, ADMIN_CATEGORY)
PER_CATEGORY = 12  # decisions per category, each rendered in every language

# Proper names a de/fr/zh notice keeps in English (Amazon's own names of
# the service and of Seller Central's parts), removed before the check.
NAMES = ("Customer Service by Amazon", "Buyer-Seller Messaging", "Seller Central",
         "Seller Partner Support", "SAFE-T")
# English function words that are no word of German or French: one of them
# in a de/fr notice is English prose (the classifier's reasons are made of them).
ENGLISH = frozenset("""
    the and of is not by for with this that your you has have been are from about which
    does order customer inquiry please matched rule seller keyword was placed while
    outside writes its own account enrolled fulfilled yet bought asks
    """.split()) - {"was"}  # "was" is German too
# How each language labels the customer's own words in the notice (they are
# the customer's, in any language, and are not the notice's text).
CUSTOMER_LINES = {"de": ("Betreff:", "Kunde:"), "fr": ("Objet :", "Client :"),
                  "en": ("Subject:", "Customer:"), "zh": ("主题：", "买家：")}
QUOTED = re.compile(r"„[^“]*“|« [^»]* »|\"[^\"]*\"|“[^”]*”")
# Wording about an order, which a notice on a question before buying must not have.
ORDER_WORDS = {
    "de": ("Bestellung:", "Bestellnummer", "Bestellungen verwalten", "die Bestellung",
           "(Bestellung"),
    "fr": ("Commande :", "numéro de commande", "Gérer les commandes", "la commande",
           "(commande"),
    "en": ("Order:", "order number", "Manage Orders", "the order", "(order"),
    "zh": ("订单：", "订单号", "管理订单", "该订单", "（订单"),
}
ORDER_ID = re.compile(r"\b\d{3}-\d{7}-\d{7}\b")
EVIDENCE = re.compile(r"\((?:[a-z]{2}): '|'\s*\([a-z]{2}\)|keyword '")
WARRANTY_RULE = """\
    - name: warranty-claims
      category: warranty
      any_keywords: {de: [Rechnung, Rechnungskopie, Umsatzsteuer, MwSt],
                     fr: [facture, facturation, TVA], en: [invoice, VAT receipt], zh: [发票]}
"""


# --------------------------------------------------------------------------
# The real decisions.


@pytest.fixture(scope="module")
def world() -> World:
    return load()


def _with_warranty(world: World, folder: Path) -> Config:
    """The world's config with an admin rule (first) naming its own category."""
    text = (world.directory / "config.yaml").read_text(encoding="utf-8")
    assert "\n  rules:\n" in text and "\nactions:" not in text
    text = text.replace("\n  rules:\n", "\n  rules:\n" + WARRANTY_RULE, 1)
    path = folder / "config.yaml"
    path.write_text(text + f"actions:\n  {ADMIN_CATEGORY}: bounce\n", encoding="utf-8")
    return load_config(path)


@pytest.fixture(scope="module")
def decided(world: World, tmp_path_factory: pytest.TempPathFactory
            ) -> dict[str, list[tuple[Label, Decision]]]:
    """Up to PER_CATEGORY real bounce decisions per category, `warranty` included."""
    found: dict[str, list[tuple[Label, Decision]]] = defaultdict(list)
    warranty = _with_warranty(world, tmp_path_factory.mktemp("warranty"))
    for label in world.labels:
        if label.action != BOUNCE:
            continue
        decision = world.classify(label)
        if decision.action == BOUNCE and len(found[decision.category]) < PER_CATEGORY:
            found[decision.category].append((label, decision))
        if label.category == "invoice" and len(found[ADMIN_CATEGORY]) < PER_CATEGORY:
            admin = classify(warranty, parse_message(world.raw(label)), label.envelope,
                             orders=world.orders, history=world.history, now=world.now)
            if admin.category == ADMIN_CATEGORY and admin.action == BOUNCE:
                assert admin.rule == "warranty-claims"
                found[ADMIN_CATEGORY].append((label, admin))
    assert set(found) == set(CATEGORIES), sorted(found)
    return found


@pytest.fixture(scope="module")
def templates(world: World) -> NoticeTemplates:
    return NoticeTemplates.from_config(world.config)


def compose_in(world: World, templates: NoticeTemplates, label: Label, decision: Decision,
               language: str) -> Composed:
    """The notice as the pipeline writes it, with the seller's language set to `language`."""
    sellers = [s.model_copy(update={"language": language}) if s.id == decision.seller_id else s
               for s in world.config.sellers]
    config = world.config.model_copy(update={"sellers": sellers})
    return compose_notice(config, decision, world.raw(label), seller_address=label.sender,
                          key=f"{label.file}-{language}", now=NOW, templates=templates)


def read(composed: Composed) -> tuple[str, str, EmailMessage]:
    msg = email.message_from_bytes(composed.raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage) and not msg.defects
    text = list(msg.iter_parts())[0]
    return str(msg["Subject"]), text.get_content(), msg


def notice_text(subject: str, body: str, language: str) -> str:
    """Subject and body without the customer's own words and the proper names."""
    lines = [line for line in body.splitlines()
             if not any(line.lstrip().startswith(label) for label in CUSTOMER_LINES[language])]
    text = " ".join((QUOTED.sub(" ", subject) + "\n" + "\n".join(lines)).split())
    for name in NAMES:
        text = text.replace(name, " ")
    return text


def identifiers(decision: Decision) -> set[str]:
    """The internal names a seller must never read."""
    names = {*BUILTIN_CATEGORIES, ADMIN_CATEGORY, decision.category, decision.rule,
             "invoice-requests", "warranty-claims"}
    return {n for n in names if n}


# --------------------------------------------------------------------------
# Every category x language.


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("category", CATEGORIES)
def test_notice_speaks_the_sellers_language_only(
        world: World, templates: NoticeTemplates,
        decided: dict[str, list[tuple[Label, Decision]]], category: str, language: str) -> None:
    expected = "default" if category == ADMIN_CATEGORY else category
    for label, decision in decided[category]:
        composed = compose_in(world, templates, label, decision, language)
        subject, body, msg = read(composed)
        where = f"{label.file} ({category}, {language})"
        assert list(msg.iter_parts())[0]["Content-Language"] == language, where
        # The classifier's reason and evidence never reach a seller, in any language.
        assert decision.reason not in body and decision.reason not in subject, where
        assert not EVIDENCE.search(body) and not EVIDENCE.search(subject), where
        # No category identifier or rule name: as a whole token, in the text or Subject.
        for name in identifiers(decision):
            pattern = rf"(?<![\w-]){re.escape(name)}(?![\w-])"
            if language == "en" and re.fullmatch(r"[a-z]+", name):
                continue  # "invoice", "customization": plain English words in English
            assert not re.search(pattern, subject + "\n" + body), (where, name)
        if language != "en":
            words = set(re.findall(r"[A-Za-z]+", notice_text(subject, body, language)))
            english = {w for w in words if w.lower() in ENGLISH}
            assert not english, (where, sorted(english), body)
    assert templates.choose(category, language) == f"notices/{expected}.{language}.txt.j2"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("category", CATEGORIES)
def test_subject_tells_notices_apart(
        world: World, templates: NoticeTemplates,
        decided: dict[str, list[tuple[Label, Decision]]], category: str, language: str) -> None:
    subjects = set()
    for label, decision in decided[category]:
        subject, body, _ = read(compose_in(world, templates, label, decision, language))
        subjects.add(subject)
        where = f"{label.file} ({category}, {language})"
        shown = _table_value(body, CUSTOMER_LINES[language][0])
        if shown is not None and not shown.startswith(("(", "（")):
            # The customer's subject (the body's table has it in full).
            assert shown[:60] in subject, (where, shown, subject)
        order = decision.order_id or (decision.order_ids[0] if decision.order_ids else None)
        if category == PRE_SALE:
            assert not ORDER_ID.search(subject) and not ORDER_ID.search(body), where
        elif order:
            assert order in subject, (where, subject)
    # Notices of different inquiries differ in their Subject.
    assert len(subjects) > 1 or len(decided[category]) == 1


def _table_value(body: str, label: str) -> str | None:
    for line in body.splitlines():
        if line.lstrip().startswith(label):
            return line.split(label, 1)[1].strip()
    return None


@pytest.mark.parametrize("language", LANGUAGES)
def test_pre_sale_notice_does_not_talk_about_an_order(
        world: World, templates: NoticeTemplates,
        decided: dict[str, list[tuple[Label, Decision]]], language: str) -> None:
    cases = decided[PRE_SALE]
    # Also a pre-order that names an order id: still no order in the notice.
    first_label, first = cases[0]
    with_id = dataclasses.replace(first, order_ids=("302-1234567-1234567",),
                                  order_id="302-1234567-1234567")
    for label, decision in [*cases, (first_label, with_id)]:
        subject, body, _ = read(compose_in(world, templates, label, decision, language))
        text = notice_text(subject, body, language)
        where = f"{label.file} ({language})"
        for words in ORDER_WORDS[language]:
            assert words not in text, (where, words, text)
        assert not ORDER_ID.search(text), where


@pytest.mark.parametrize("language", ("de", "fr", "zh"))
def test_category_words_are_the_sellers_language(language: str) -> None:
    """The words that replace the identifiers: every built-in category, none English."""
    words = CATEGORY_WORDS[language]
    assert set(BUILTIN_CATEGORIES) <= set(words)
    for category, text in words.items():
        assert category not in text
        found = {w for w in re.findall(r"[A-Za-z]+", text) if w.lower() in ENGLISH}
        assert not found, (category, text)


def test_every_language_names_the_same_categories() -> None:
    assert {lang: set(words) for lang, words in CATEGORY_WORDS.items()} == {
        lang: set(CATEGORY_WORDS["en"]) for lang in CATEGORY_WORDS}


# --------------------------------------------------------------------------
# The Subject header: the customer's words, encoded, folded, one line.


HOSTILE = "Hallo\r\nBcc: x@evil.example\x1b[31m\u2028Zeile\x85zwei\u202edrow\u2066 \x7fEnde"
CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _forwarded(subject_header: str, body: str) -> bytes:
    """A seller's mail as the wire has it, the Subject header given raw."""
    head = ("From: Musterhandel Service <service@musterhandel.de>\r\n"
            "To: csba-de2de@amazon.de\r\n"
            f"Subject: {subject_header}\r\n"
            "Date: Tue, 10 Nov 2026 10:00:00 +0100\r\n"
            "Message-ID: <hostile-1@musterhandel.de>\r\n"
            "MIME-Version: 1.0\r\n"
            'Content-Type: text/plain; charset="utf-8"\r\n'
            "Content-Transfer-Encoding: 8bit\r\n\r\n")
    return head.encode("ascii") + body.replace("\n", "\r\n").encode("utf-8")


def _header_lines(raw: bytes) -> list[bytes]:
    return raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")


@pytest.mark.parametrize("language", LANGUAGES)
def test_hostile_customer_subject_stays_inside_the_subject(
        world: World, templates: NoticeTemplates,
        decided: dict[str, list[tuple[Label, Decision]]], language: str) -> None:
    label, decision = decided["invoice"][0]
    encoded = "=?utf-8?b?" + base64.b64encode(HOSTILE.encode()).decode() + "?="
    # Once in the seller's own Subject header, once in the forwarded block's.
    originals = [
        _forwarded(encoded, "Bitte eine Rechnung für 302-1234567-1234567.\n"),
        _forwarded("WG: Anfrage", "---------- Weitergeleitete Nachricht ----------\n"
                   "Von: Erika Muster <erika@example.org>\n"
                   f"Betreff: {HOSTILE.replace(chr(13) + chr(10), ' ')}\n\n"
                   "Bitte eine Rechnung für 302-1234567-1234567.\n"),
    ]
    for original in originals:
        raw = _compose_raw(world, templates, label, decision, language, original)
        lines = _header_lines(raw)
        assert all(line.isascii() and len(line) <= 78 for line in lines), lines
        assert not any(line.lower().startswith(b"bcc") for line in lines)
        assert sum(line.startswith(b"Subject:") for line in lines) == 1
        assert not re.search(rb"=\?utf-8\?[qb]\?\?=", b"\r\n".join(lines), re.IGNORECASE)
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        assert msg["Bcc"] is None and not msg.defects
        subject = str(msg["Subject"])
        assert not CONTROLS.search(subject), repr(subject)
        assert "Bcc: x@evil.example" in subject and "Ende" in subject
        assert "302-1234567-1234567" in subject


def _compose_raw(world: World, templates: NoticeTemplates, label: Label, decision: Decision,
                 language: str, original: bytes) -> bytes:
    sellers = [s.model_copy(update={"language": language}) if s.id == decision.seller_id else s
               for s in world.config.sellers]
    config = world.config.model_copy(update={"sellers": sellers})
    # The customer's subject and sender as deciding finds them in `original`.
    found = classify(world.config, parse_message(original), label.envelope,
                     orders=world.orders, history=world.history, now=world.now)
    decision = dataclasses.replace(decision, order_id="302-1234567-1234567",
                                   order_ids=("302-1234567-1234567",),
                                   customer_subject=found.customer_subject,
                                   customer_from=found.customer_from)
    return compose_notice(config, decision, original, seller_address=label.sender,
                          key="hostile", now=NOW, templates=templates).raw


@pytest.mark.parametrize("language", LANGUAGES)
def test_long_customer_subject_is_shortened_and_folded(
        world: World, templates: NoticeTemplates,
        decided: dict[str, list[tuple[Label, Decision]]], language: str) -> None:
    label, decision = decided["invoice"][0]
    long_subject = " ".join(["Rückfrage zur Rechnung über die Lieferung"] * 8)
    raw = _compose_raw(world, templates, label, decision, language,
                       _forwarded("=?utf-8?q?" + _q(long_subject) + "?=", "Rechnung bitte.\n"))
    lines = _header_lines(raw)
    assert all(line.isascii() and len(line) <= 78 for line in lines)
    subject = str(email.message_from_bytes(raw, policy=email.policy.default)["Subject"])
    assert "Rückfrage zur Rechnung über die Lieferung Rückfrage" in subject
    assert "…" in subject and len(subject) < 200 and "302-1234567-1234567" in subject


def _q(text: str) -> str:
    """RFC 2047 Q encoding of `text` (one encoded word; test input only)."""
    return "".join(c if c.isascii() and c.isalnum() else
                   "".join(f"={b:02X}" for b in c.encode()) for c in text).replace("=20", "_")
