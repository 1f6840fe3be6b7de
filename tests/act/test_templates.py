"""Notice templates: every bounce category in every language, fallbacks, overrides."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from router.act.compose import RegionView, SellerView
from router.act.templates import NoticeTemplates, candidate_names
from router.categories import BOUNCE, DEFAULT_ACTIONS, SELLER_QUESTION
from router.mail.templates import TemplateSetupError, find_packaged_dir, split_subject

ORDER = "302-1234567-1234567"
LANGUAGES = ("de", "fr", "en", "zh")
BOUNCED = tuple(c for c, a in DEFAULT_ACTIONS.items() if a == BOUNCE)
CATEGORIES = (*BOUNCED, "warranty")  # an admin-defined one: the `default` template

# How each language names Buyer-Seller Messaging, Seller Partner Support
# and its "Contact us" link in Seller Central.
BSM = {"de": "Buyer-Seller Messaging", "fr": "Service de messagerie Acheteurs - Vendeurs",
       "en": "Buyer-Seller Messaging", "zh": "买家与卖家消息服务"}
SPS = {"de": "Seller Partner Support", "fr": "support aux partenaires de vente",
       "en": "Seller Partner Support", "zh": "卖家合作伙伴支持"}
CONTACT = {"de": "Kontaktieren Sie uns", "fr": "Contactez-nous", "en": "Contact us",
           "zh": "联系我们"}
GREETING = {"de": "Guten Tag", "fr": "Bonjour", "en": "Hello", "zh": "您好"}


def variables(category: str = "pre_sale", language: str = "de", **changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "seller": SellerView("A1MUSTERHANDEL", "Musterhandel GmbH"),
        "region": RegionView("de2de", "csba-de2de@amazon.de", "amazon.de"),
        "order_id": ORDER,
        "order_ids": [ORDER],
        "customer_subject": "Frage zu meiner Bestellung",
        "customer_from": "Erika Muster <erika@example.org>",
        "received_at": datetime(2026, 11, 10, 9, 30, tzinfo=UTC),
        "category": category,
        "rule": "pre-sale",
        "reason": "The customer asks before buying (\"noch lieferbar\").",
        "language": language,
        "customer_language": "de",
        "message_id": "<inquiry-1@musterhandel.de>",
    }
    values.update(changes)
    return values


@pytest.fixture(scope="module")
def packaged() -> NoticeTemplates:
    return NoticeTemplates()


def write(root: Path, name: str, text: str) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


# --------------------------------------------------------------------------
# The packaged set.


def test_every_bounce_category_has_a_file_per_language() -> None:
    notices = find_packaged_dir("notices") / "notices"
    for category in (*BOUNCED, "default"):
        for language in LANGUAGES:
            assert (notices / f"{category}.{language}.txt.j2").is_file(), (category, language)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("category", CATEGORIES)
def test_renders_in_language(packaged: NoticeTemplates, category: str, language: str) -> None:
    notice = packaged.render_notice(category, language, variables(category, language))
    text = " ".join(notice.body.split())  # phrases may wrap over lines
    expected = "default" if category == "warranty" else category
    assert notice.template == f"notices/{expected}.{language}.txt.j2"
    assert notice.language == language and not notice.overridden
    if category == "pre_sale":  # before a purchase: no order in the notice
        assert ORDER not in notice.body and ORDER not in notice.subject
    else:
        assert ORDER in notice.body and ORDER in notice.subject
    assert "Frage zu meiner Bestellung" in notice.subject
    assert GREETING[language] in notice.body
    assert "Musterhandel GmbH" in notice.body
    assert "None" not in notice.body and "None" not in notice.subject
    assert "\n" not in notice.subject and notice.subject.startswith("CSBA")
    if category == SELLER_QUESTION:
        assert SPS[language] in text and SPS[language] in notice.subject
        assert CONTACT[language] in text
        assert "SAFE-T" in text
        assert BSM[language] not in text
    else:
        assert BSM[language] in text
        assert "Buyer-Seller Messaging" in text
        assert "Erika Muster" in text
    # Neither the category's identifier nor the classifier's English reason.
    if "_" in category or language != "en":  # "invoice" is a word of English prose
        assert category not in notice.body and category not in notice.subject
    assert "noch lieferbar" not in notice.body  # the classifier's evidence
    assert "\n\n\n" not in notice.body and notice.body.endswith("\n")


@pytest.mark.parametrize("language", ("de", "fr", "en"))
def test_lines_are_short(packaged: NoticeTemplates, language: str) -> None:
    for category in CATEGORIES:
        body = packaged.render_notice(category, language, variables(category, language)).body
        assert max(len(line) for line in body.splitlines()) <= 78, (category, language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_order_and_no_customer(packaged: NoticeTemplates, language: str) -> None:
    for category in CATEGORIES:
        values = variables(category, language, order_id=None, order_ids=[],
                           customer_from=None, seller=SellerView("A1", ""))
        notice = packaged.render_notice(category, language, values)
        assert "None" not in notice.body + notice.subject
        assert "  " not in notice.subject


def test_german_subject_names_the_customers_subject_and_the_order(
        packaged: NoticeTemplates) -> None:
    notice = packaged.render_notice("invoice", "de", variables("invoice"))
    assert notice.subject == (f"CSBA: „Frage zu meiner Bestellung“ (Bestellung {ORDER}) "
                              "nicht übernommen – bitte selbst antworten")
    untitled = packaged.render_notice("invoice", "de", variables("invoice", customer_subject=""))
    assert untitled.subject == (f"CSBA: Anfrage ohne Betreff (Bestellung {ORDER}) "
                                "nicht übernommen – bitte selbst antworten")


def test_pre_sale_subject_names_no_order(packaged: NoticeTemplates) -> None:
    notice = packaged.render_notice("pre_sale", "de", variables())
    assert notice.subject == ("CSBA: „Frage zu meiner Bestellung“ nicht übernommen – "
                              "bitte selbst antworten")


def test_the_kind_of_inquiry_is_named_in_words(packaged: NoticeTemplates) -> None:
    notice = packaged.render_notice("invoice", "fr", variables("invoice", "fr"))
    assert "Type de demande :    demande de facture" in notice.body
    # An admin's own category has no words: the notice does not name it.
    admin = packaged.render_notice("warranty", "de", variables("warranty"))
    assert "Art der Anfrage" not in admin.body and "Anfragen dieser Art werden" in admin.body
    # The English fallback of an Italian seller names it in English.
    italian = packaged.render_notice("invoice", "it", variables("invoice", "it"))
    assert "Kind of inquiry:  request for an invoice" in italian.body


def test_english_fallback_for_other_languages(packaged: NoticeTemplates) -> None:
    notice = packaged.render_notice("invoice", "it", variables("invoice", "it"))
    assert notice.template == "notices/invoice.en.txt.j2"
    assert notice.language == "en"
    assert "Buyer-Seller Messaging" in notice.body and "invoice" in notice.body


def test_candidate_order() -> None:
    assert candidate_names("warranty", "de") == [
        "notices/warranty.de.txt.j2", "notices/warranty.en.txt.j2",
        "notices/default.de.txt.j2", "notices/default.en.txt.j2"]
    assert candidate_names("pre_sale", "en") == [
        "notices/pre_sale.en.txt.j2", "notices/default.en.txt.j2"]


# --------------------------------------------------------------------------
# Overrides.


def test_override_file_wins(tmp_path: Path) -> None:
    write(tmp_path, "notices/pre_sale.de.txt.j2",
          "Subject: Eigene Vorlage {{ order_id }}\n\nHallo {{ seller.name }}, BSM bitte.\n")
    templates = NoticeTemplates(override_dir=tmp_path)
    notice = templates.render_notice("pre_sale", "de", variables())
    assert notice.subject == f"Eigene Vorlage {ORDER}"
    assert notice.body == "Hallo Musterhandel GmbH, BSM bitte.\n"
    assert notice.overridden
    other = templates.render_notice("invoice", "de", variables("invoice"))
    assert other.template == "notices/invoice.de.txt.j2" and not other.overridden


def test_override_adds_a_language_and_a_category(tmp_path: Path) -> None:
    write(tmp_path, "notices/pre_sale.it.txt.j2", "Subject: Avviso\n\nRispondete via BSM.\n")
    write(tmp_path, "notices/warranty.en.txt.j2", "Subject: Warranty\n\nAsk the maker.\n")
    templates = NoticeTemplates(override_dir=tmp_path)
    assert templates.render_notice("pre_sale", "it", variables(language="it")).subject == "Avviso"
    # The category's own text beats the generic one in the seller's language.
    assert templates.render_notice("warranty", "de", variables("warranty")).subject == "Warranty"


def test_override_may_extend_the_packaged_layout(tmp_path: Path) -> None:
    write(tmp_path, "notices/customization.de.txt.j2",
          '{% extends "notices/_layout.de.txt.j2" %}\n'
          "{% block reason %}\nGravuren klären Sie bitte selbst.\n{% endblock %}\n")
    notice = NoticeTemplates(override_dir=tmp_path).render_notice(
        "customization", "de", variables("customization"))
    assert "Gravuren klären Sie bitte selbst." in notice.body
    assert BSM["de"] in notice.body and notice.overridden


def test_override_of_the_layout_reaches_every_category(tmp_path: Path) -> None:
    layout = find_packaged_dir("notices") / "notices/_layout.fr.txt.j2"
    packaged_layout = layout.read_text("utf-8")
    write(tmp_path, "notices/_layout.fr.txt.j2",
          packaged_layout.replace("Cordialement,", "Bien à vous,"))
    templates = NoticeTemplates(override_dir=tmp_path)
    for category in BOUNCED:
        assert "Bien à vous," in templates.render_notice(
            category, "fr", variables(category, "fr")).body


@pytest.mark.parametrize("text, problem", [
    ("Subject: x\n\n{{ sellr.name }}\n", "undefined"),
    ("Subject: x\n\n{% if %}\n", "syntax"),
    ("Kein Betreff\n\nText\n", "no subject"),
    ("Subject:   \n\nText\n", "empty subject"),
    ('{% extends "notices/missing.txt.j2" %}', "missing parent"),
])
def test_broken_override_falls_back_to_packaged(
        tmp_path: Path, caplog: pytest.LogCaptureFixture, text: str, problem: str) -> None:
    write(tmp_path, "notices/pre_sale.de.txt.j2", text)
    with caplog.at_level(logging.WARNING, logger="router.act.templates"):
        notice = NoticeTemplates(override_dir=tmp_path).render_notice(
            "pre_sale", "de", variables())
    assert notice.template == "notices/pre_sale.de.txt.j2" and not notice.overridden
    assert BSM["de"] in notice.body, problem
    assert any("failed" in r.getMessage() for r in caplog.records), problem


def test_missing_override_dir_is_only_a_warning(tmp_path: Path,
                                                caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="router.act.templates"):
        templates = NoticeTemplates(override_dir=tmp_path / "nope")
    assert templates.render_notice("pre_sale", "de", variables()).template.endswith(".de.txt.j2")
    assert caplog.records


def test_no_packaged_folder_is_a_setup_error(tmp_path: Path) -> None:
    with pytest.raises(TemplateSetupError, match="no templates folder"):
        find_packaged_dir("notices", [tmp_path / "a", tmp_path / "b"])
    with pytest.raises(TemplateSetupError):
        NoticeTemplates(packaged_dir=tmp_path)


def test_complete_override_stands_in_for_a_missing_packaged_folder(tmp_path: Path) -> None:
    write(tmp_path, "notices/default.en.txt.j2", "Subject: Notice\n\nUse BSM.\n")
    templates = NoticeTemplates(override_dir=tmp_path, candidates=[tmp_path / "absent"])
    assert templates.packaged_dir == tmp_path
    assert templates.render_notice("pre_sale", "de", variables()).subject == "Notice"
    with pytest.raises(TemplateSetupError):
        NoticeTemplates(candidates=[tmp_path / "absent"])


def test_broken_packaged_template_raises(tmp_path: Path) -> None:
    write(tmp_path, "notices/default.en.txt.j2", "Subject: x\n\n{{ nope }}\n")
    with pytest.raises(TemplateSetupError, match="default.en"):
        NoticeTemplates(packaged_dir=tmp_path).render_notice("pre_sale", "de", variables())


def test_split_subject() -> None:
    assert split_subject("\nSubject:  A  b \n\nline  \n\n\n\nend\n\n") == ("A b", "line\n\nend\n")
    assert split_subject("Subject: A\nbody\n") == ("A", "body\n")
    with pytest.raises(ValueError):
        split_subject("Betreff: A\n\nbody")
