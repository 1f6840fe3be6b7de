"""Composed mail: read back with the stdlib, headers per contract, original untouched."""

from __future__ import annotations

import base64
import dataclasses
import email
import email.policy
import re
from datetime import UTC, datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest

from router.act import (
    Composed,
    ComposeError,
    NoticeTemplates,
    compose_forward,
    compose_notice,
    compose_redirect,
    message_id_for,
)
from router.config.model import Config
from router.decide.classify import Decision, classify
from router.decide.facts import MemoryHistory, MemoryOrderBook
from router.mail.message import Envelope
from router.mail.read import parse_message
from router.mail.write import canonical_original

NOW = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
ORDER = "302-1234567-1234567"
ORDER2 = "302-7654321-7654321"
HOST = "csba-router.example.internal"
SELLER_ADDR = "service@musterhandel.de"
ORIGINAL_ID = "<fwd-1@musterhandel.de>"

CONFIG = Config.model_validate({
    "instance": {"hostname": HOST},
    "outbound": {"from_address": "csba-noreply@amazon.de"},
    "regions": {
        "de2de": {"address": "csba-de2de@amazon.de", "marketplace": "amazon.de",
                  "language": "de", "forward_to": "team-de@example.internal",
                  "bsm_address": "bsm-de@example.internal"},
        "cn2de": {"address": "csba-cn2de@amazon.de", "marketplace": "amazon.de",
                  "language": "zh", "forward_to": "team-cn@example.internal"},
    },
    "sellers": [
        {"id": "MUSTER", "name": "Musterhandel GmbH", "region": "de2de",
         "addresses": [SELLER_ADDR], "language": "de"},
        {"id": "FRANCE", "region": "de2de", "addresses": ["sav@boutique.fr"], "language": "fr"},
        {"id": "ITALIA", "region": "de2de", "addresses": ["info@negozio.it"], "language": "it"},
        {"id": "BRIGHT", "name": "Shenzhen Bright Lighting Co., Ltd.", "region": "cn2de",
         "addresses": ["*@brightlight-sz.cn"]},
    ],
})

CONTRACT_FORWARD = ("X-CSBA-Message-Id", "X-CSBA-Region", "X-CSBA-Seller", "X-CSBA-Category",
                    "X-CSBA-Order", "X-CSBA-Contact")
CONTRACT_NOTICE = ("Auto-Submitted", "In-Reply-To", "References", "X-CSBA-Message-Id",
                   "X-CSBA-Category")


def original_mail(*, subject: str = "WG: Wo bleibt meine Bestellung?",
                  body: str | None = None, eight_bit: bool = False) -> bytes:
    """A seller's hand forward of a customer's inquiry, as the wire has it (CRLF)."""
    msg = EmailMessage()
    msg["From"] = f"Musterhandel Service <{SELLER_ADDR}>"
    msg["To"] = "csba-de2de@amazon.de"
    msg["Subject"] = subject
    msg["Date"] = "Tue, 10 Nov 2026 10:00:00 +0100"
    msg["Message-ID"] = ORIGINAL_ID
    msg["References"] = "<a@shop> <b@shop>"
    text = body or (
        "Bitte übernehmen.\n\n"
        "---------- Weitergeleitete Nachricht ----------\n"
        "Von: Erika Muster <erika@example.org>\n"
        "Datum: 9. November 2026\n"
        "Betreff: Wo bleibt meine Bestellung?\n"
        "An: service@musterhandel.de\n\n"
        f"Hallo, meine Bestellung {ORDER} ist noch nicht da. Grüße, Erika\n")
    msg.set_content(text, cte="8bit" if eight_bit else "quoted-printable")
    raw = msg.as_bytes(policy=email.policy.SMTP)
    assert raw.isascii() != eight_bit
    return raw


ORIGINAL = original_mail()


def customer(original: bytes) -> dict[str, Any]:
    """The customer's subject and sender as deciding finds them in `original`."""
    found = classify(CONFIG, parse_message(original), Envelope(), orders=MemoryOrderBook(),
                     history=MemoryHistory(), now=NOW)
    return {"customer_subject": found.customer_subject, "customer_from": found.customer_from}


def decision(category: str = "post_sale_seller_fulfilled", action: str = "forward",
             original: bytes = ORIGINAL, **changes: Any) -> Decision:
    """A decision about `original`: made up, but for what deciding finds of the customer."""
    values: dict[str, Any] = {
        "category": category, "action": action, "rule": "seller-fulfilled",
        "reason": f"Order {ORDER} is seller-fulfilled and was placed while enrolled.",
        "seller_id": "MUSTER", "region": "de2de", "order_ids": (ORDER, ORDER2),
        "language": "de", "hits": (), "misses": (), "evidence": (), "contact_id": 42,
        "message_id": ORIGINAL_ID, "order_id": ORDER, **customer(original),
    }
    values.update(changes)
    return Decision(**values)


@pytest.fixture(scope="module")
def templates() -> NoticeTemplates:
    return NoticeTemplates.from_config(CONFIG)


def parse(raw: bytes) -> EmailMessage:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    assert not msg.defects, msg.defects
    return msg


def header_block(raw: bytes) -> bytes:
    return raw.split(b"\r\n\r\n", 1)[0]


def attached_bytes(raw: bytes) -> bytes:
    """The body of the message/rfc822 part, cut out of the raw bytes."""
    boundary = parse(raw).get_boundary()
    assert boundary
    delimiter = b"\r\n--" + boundary.encode()
    start = raw.index(b"Content-Type: message/rfc822")
    start = raw.index(b"\r\n\r\n", start) + 4
    return raw[start:raw.index(delimiter, start)]


def assert_wire_form(composed: Composed) -> None:
    raw = composed.raw
    assert not re.search(rb"(?<!\r)\n", raw), "bare LF"
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    assert header_block(raw).isascii()
    assert composed.eight_bit == (not raw.isascii())


def notice(seller: str | None = "MUSTER", category: str = "pre_sale",
           address: str = SELLER_ADDR, templates: NoticeTemplates | None = None,
           original: bytes = ORIGINAL, **changes: Any) -> Composed:
    return compose_notice(
        CONFIG, decision(category, "bounce", original, seller_id=seller, contact_id=None,
                         **changes),
        original, seller_address=address, key=7, now=NOW,
        templates=templates or NoticeTemplates.from_config(CONFIG))


# --------------------------------------------------------------------------
# Message-ID.


def test_message_id_is_deterministic() -> None:
    assert message_id_for("forward", 17, HOST) == f"<csba-forward-17@{HOST}>"
    assert message_id_for("forward", 17, HOST) == message_id_for("forward", "17", HOST)
    assert message_id_for("forward", 17, HOST) != message_id_for("forward", 18, HOST)
    assert message_id_for("forward", 17, HOST) != message_id_for("notice", 17, HOST)
    odd = message_id_for("notice", "row 17/a@b", HOST)
    assert odd == message_id_for("notice", "row 17/a@b", HOST)
    assert re.fullmatch(rf"<csba-notice-[0-9a-f]{{32}}@{re.escape(HOST)}>", odd)


def test_same_inputs_same_bytes_other_key_other_id() -> None:
    first = compose_forward(CONFIG, decision(), ORIGINAL, key=5, now=NOW)
    again = compose_forward(CONFIG, decision(), ORIGINAL, key=5, now=NOW)
    other = compose_forward(CONFIG, decision(), ORIGINAL, key=6, now=NOW)
    assert first == again
    assert other.message_id != first.message_id
    assert parse(other.raw)["Message-ID"] == other.message_id
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.raw = b""  # type: ignore[misc]


# --------------------------------------------------------------------------
# Forward.


def test_forward_headers_and_envelope() -> None:
    composed = compose_forward(CONFIG, decision(), ORIGINAL, key=5, now=NOW,
                               seller_address=SELLER_ADDR)
    assert composed.kind == "forward"
    assert composed.mail_from == "csba-noreply@amazon.de"
    assert composed.rcpt_tos == ("team-de@example.internal",)
    assert composed.message_id == f"<csba-forward-5@{HOST}>"
    assert_wire_form(composed)
    msg = parse(composed.raw)
    assert str(msg["From"]) == "CSBA router <csba-noreply@amazon.de>"
    assert str(msg["To"]) == "team-de@example.internal"
    assert str(msg["Reply-To"]) == SELLER_ADDR
    assert msg["Message-ID"] == composed.message_id
    assert parsedate_to_datetime(msg["Date"]) == NOW
    assert msg["Subject"] == f"[CSBA de2de] MUSTER {ORDER}: Wo bleibt meine Bestellung?"
    assert msg["Auto-Submitted"] == "auto-forwarded"
    assert msg["X-Loop"] == "csba-noreply@amazon.de"
    assert msg["In-Reply-To"] == ORIGINAL_ID
    assert msg["References"] == f"<a@shop> <b@shop> {ORIGINAL_ID}"
    values = {name: msg[name] for name in CONTRACT_FORWARD}
    assert values == {"X-CSBA-Message-Id": ORIGINAL_ID, "X-CSBA-Region": "de2de",
                      "X-CSBA-Seller": "MUSTER", "X-CSBA-Category": "post_sale_seller_fulfilled",
                      "X-CSBA-Order": ORDER, "X-CSBA-Contact": "42"}
    for name in (*CONTRACT_FORWARD, "Message-ID", "Date", "Subject", "To", "From"):
        assert len(msg.get_all(name) or []) == 1, name


def test_forward_structure_and_cover_note() -> None:
    composed = compose_forward(CONFIG, decision(), ORIGINAL, key=5, now=NOW,
                               seller_address=SELLER_ADDR)
    msg = parse(composed.raw)
    assert msg.get_content_type() == "multipart/mixed"
    text, attached = list(msg.iter_parts())
    assert text.get_content_type() == "text/plain"
    note = text.get_content()
    for fact in ("MUSTER (Musterhandel GmbH)", SELLER_ADDR, ORDER, ORDER2, "seller-fulfilled",
                 "post_sale_seller_fulfilled", "Customer language: de", "erika@example.org",
                 ORIGINAL_ID, "Contact:"):
        assert fact in note, fact
    assert attached.get_content_type() == "message/rfc822"
    assert attached.get_filename() == "original.eml"
    inner = attached.get_content()
    assert inner["Message-ID"] == ORIGINAL_ID


def test_forward_attaches_the_original_byte_for_byte() -> None:
    composed = compose_forward(CONFIG, decision(), ORIGINAL, key=5, now=NOW)
    assert attached_bytes(composed.raw) == ORIGINAL
    assert not composed.eight_bit


def test_eight_bit_original_travels_untouched() -> None:
    original = original_mail(eight_bit=True, subject="WG: Rückfrage zur Lieferung")
    composed = compose_forward(CONFIG, decision(original=original), original, key=5, now=NOW)
    assert attached_bytes(composed.raw) == original
    assert composed.eight_bit
    assert_wire_form(composed)
    part = list(parse(composed.raw).iter_parts())[1]
    assert part["Content-Transfer-Encoding"] == "8bit"


def test_non_ascii_subject_is_rfc2047_encoded(templates: NoticeTemplates) -> None:
    body = ("Von: Erika Muster <erika@example.org>\nBetreff: Rückfrage zur Lieferung – dringend\n"
            f"\nBestellung {ORDER}\n")
    original = original_mail(subject="Rückfrage zur Lieferung – dringend", body=body)
    for composed in (compose_forward(CONFIG, decision(original=original), original, key=5, now=NOW),
                     notice(templates=templates, original=original)):
        headers = header_block(composed.raw)
        assert b"=?utf-8?" in headers.lower()
        subject = parse(composed.raw)["Subject"]
        assert "übernommen" in subject or subject.endswith("Rückfrage zur Lieferung – dringend")


@pytest.mark.parametrize("seller", ("MUSTER", "FRANCE", "BRIGHT", "ITALIA"))
def test_subject_encoding_is_clean(templates: NoticeTemplates, seller: str) -> None:
    composed = notice(seller, "amazon_fulfilled", templates=templates)
    headers = header_block(composed.raw)
    assert max(len(line) for line in headers.split(b"\r\n")) <= 78
    assert not re.search(rb"=\?utf-8\?[qb]\?\?=", headers, re.IGNORECASE), "empty encoded word"
    subject = parse(composed.raw)["Subject"]
    assert subject.startswith("CSBA") and ORDER in subject and "  " not in subject


def test_forward_without_order_contact_or_seller_address() -> None:
    composed = compose_forward(
        CONFIG, decision(order_ids=(), order_id=None, contact_id=None), ORIGINAL,
        key=5, now=NOW)
    msg = parse(composed.raw)
    assert msg["X-CSBA-Order"] is None and msg["X-CSBA-Contact"] is None
    assert msg["Reply-To"] is None
    assert msg["Subject"] == "[CSBA de2de] MUSTER: Wo bleibt meine Bestellung?"


def test_forward_of_an_unknown_seller() -> None:
    composed = compose_forward(CONFIG, decision(seller_id=None, contact_id=None), ORIGINAL,
                               key=5, now=NOW)
    msg = parse(composed.raw)
    assert msg["X-CSBA-Seller"] is None
    assert msg["Subject"].startswith(f"[CSBA de2de] {ORDER}: ")
    assert "an unknown seller" in list(msg.iter_parts())[0].get_content()


def test_order_header_falls_back_to_first_customer_order() -> None:
    msg = parse(compose_forward(CONFIG, decision(order_id=None), ORIGINAL, key=5, now=NOW).raw)
    assert msg["X-CSBA-Order"] == ORDER


def test_unknown_region_is_a_compose_error() -> None:
    with pytest.raises(ComposeError, match="region"):
        compose_forward(CONFIG, decision(region="xx"), ORIGINAL, key=5, now=NOW)
    with pytest.raises(ComposeError, match="region"):
        compose_forward(CONFIG, decision(region=None), ORIGINAL, key=5, now=NOW)


def test_lf_and_mbox_originals_are_attached_in_wire_form() -> None:
    lf = b"From seller@x Tue Nov 10 10:00:00 2026\n" + ORIGINAL.replace(b"\r\n", b"\n")
    composed = compose_forward(CONFIG, decision(), lf, key=5, now=NOW)
    assert attached_bytes(composed.raw) == ORIGINAL
    assert canonical_original(lf) == ORIGINAL
    assert canonical_original(ORIGINAL) == ORIGINAL
    assert_wire_form(composed)


def test_overlong_lines_fall_back_to_a_base64_attachment() -> None:
    original = ORIGINAL + b"x" * 2000 + b"\r\n"
    composed = compose_forward(CONFIG, decision(original=original), original, key=5, now=NOW)
    assert_wire_form(composed)
    part = list(parse(composed.raw).iter_parts())[1]
    assert part.get_content_type() == "application/octet-stream"
    assert base64.b64decode(part.get_payload()) == original


def test_naive_and_offset_now_are_utc() -> None:
    naive = compose_forward(CONFIG, decision(), ORIGINAL, key=5, now=NOW.replace(tzinfo=None))
    offset = compose_forward(CONFIG, decision(), ORIGINAL, key=5,
                             now=NOW.astimezone(timezone(timedelta(hours=8))))
    expected = "Tue, 10 Nov 2026 12:00:00 +0000"
    assert parse(naive.raw)["Date"] == parse(offset.raw)["Date"] == expected


# --------------------------------------------------------------------------
# Notice.


def test_notice_headers_and_envelope(templates: NoticeTemplates) -> None:
    composed = notice(templates=templates)
    assert composed.kind == "notice"
    assert composed.rcpt_tos == (SELLER_ADDR,)
    assert composed.mail_from == "csba-noreply@amazon.de"
    assert composed.message_id == f"<csba-notice-7@{HOST}>"
    assert_wire_form(composed)
    msg = parse(composed.raw)
    assert str(msg["To"]) == SELLER_ADDR
    assert str(msg["From"]) == "CSBA router <csba-noreply@amazon.de>"
    assert msg["Subject"] == ("CSBA: „Wo bleibt meine Bestellung?“ nicht übernommen – "
                              "bitte selbst antworten")
    assert {name: msg[name] for name in CONTRACT_NOTICE} == {
        "Auto-Submitted": "auto-replied", "In-Reply-To": ORIGINAL_ID,
        "References": f"<a@shop> <b@shop> {ORIGINAL_ID}",
        "X-CSBA-Message-Id": ORIGINAL_ID, "X-CSBA-Category": "pre_sale"}
    assert msg["X-Loop"] == "csba-noreply@amazon.de"
    assert msg["Precedence"] is None
    assert list(msg.iter_parts())[0]["Content-Language"] == "de"


def test_notice_body_and_attachment(templates: NoticeTemplates) -> None:
    composed = notice(templates=templates)
    msg = parse(composed.raw)
    text, attached = list(msg.iter_parts())
    assert text.get_content_type() == "text/plain"
    assert text.get_content_charset() == "utf-8"
    assert text["Content-Transfer-Encoding"] in ("quoted-printable", "base64")
    body = " ".join(text.get_content().split())
    assert "Buyer-Seller Messaging" in body
    assert ORDER not in body  # a question before buying: no order in the notice
    assert "erika@example.org" in body
    assert "Wo bleibt meine Bestellung?" in body
    assert "Guten Tag Musterhandel GmbH" in body
    assert attached.get_content_type() == "message/rfc822"
    assert attached_bytes(composed.raw) == ORIGINAL
    assert not composed.eight_bit


def test_notice_shows_the_arrival_time(templates: NoticeTemplates) -> None:
    composed = compose_notice(
        CONFIG, decision("invoice", "bounce"), ORIGINAL, seller_address=SELLER_ADDR, key=7,
        now=NOW, templates=templates,
        received_at=datetime(2026, 11, 9, 23, 15, tzinfo=timezone(timedelta(hours=-1))))
    body = list(parse(composed.raw).iter_parts())[0].get_content()
    assert "10.11.2026 00:15 UTC" in body
    assert parse(composed.raw)["Date"] == "Tue, 10 Nov 2026 12:00:00 +0000"


@pytest.mark.parametrize("seller, language, phrase", [
    ("MUSTER", "de", "Buyer-Seller Messaging"),
    ("FRANCE", "fr", "Service de messagerie Acheteurs - Vendeurs"),
    ("BRIGHT", "zh", "买家与卖家消息服务"),  # no own language: the region's
    ("ITALIA", "en", "Buyer-Seller Messaging"),  # no Italian template: English
])
def test_notice_language(templates: NoticeTemplates, seller: str, language: str,
                         phrase: str) -> None:
    region = "cn2de" if seller == "BRIGHT" else "de2de"
    composed = notice(seller, "amazon_fulfilled", templates=templates, region=region)
    msg = parse(composed.raw)
    assert list(msg.iter_parts())[0]["Content-Language"] == language
    body = " ".join(list(msg.iter_parts())[0].get_content().split())
    assert phrase in body
    assert ORDER in msg["Subject"]
    assert_wire_form(composed)


def test_seller_question_notice_points_to_support(templates: NoticeTemplates) -> None:
    msg = parse(notice(category="seller_question", templates=templates).raw)
    body = " ".join(list(msg.iter_parts())[0].get_content().split())
    assert "Seller Partner Support" in body and "SAFE-T" in body
    assert "Seller Partner Support" in msg["Subject"]
    assert msg["X-CSBA-Category"] == "seller_question"


def test_notice_for_admin_category_uses_default(templates: NoticeTemplates) -> None:
    msg = parse(notice(category="warranty", templates=templates).raw)
    body = " ".join(list(msg.iter_parts())[0].get_content().split())
    # The admin's category name is an identifier, not words for the seller.
    assert "warranty" not in body and "Buyer-Seller Messaging" in body
    assert "Anfragen dieser Art werden für Ihre Region nicht an CSBA übergeben" in body


def test_notice_uses_override(tmp_path: Path) -> None:
    (tmp_path / "notices").mkdir()
    (tmp_path / "notices/pre_sale.de.txt.j2").write_text(
        "Subject: Hinweis {{ order_id }} für {{ seller.id }}\n\nBitte per BSM antworten.\n",
        encoding="utf-8")
    config = CONFIG.model_copy(update={"templates": CONFIG.templates.model_copy(
        update={"override_dir": tmp_path})})
    composed = notice(templates=NoticeTemplates.from_config(config))
    msg = parse(composed.raw)
    assert msg["Subject"] == f"Hinweis {ORDER} für MUSTER"
    assert list(msg.iter_parts())[0].get_content().rstrip() == "Bitte per BSM antworten."


def test_notice_needs_a_known_seller_and_a_good_address(templates: NoticeTemplates) -> None:
    with pytest.raises(ComposeError, match="seller"):
        notice("NOBODY", templates=templates)
    with pytest.raises(ComposeError, match="seller"):
        notice(None, templates=templates)
    for bad in ("", "no-at-sign", "a@b\r\nBcc: x@y", "<a@b>"):
        with pytest.raises(ComposeError, match="seller_address"):
            notice(address=bad, templates=templates)


def test_notice_without_message_id_has_no_threading(templates: NoticeTemplates) -> None:
    original = ORIGINAL.replace(f"Message-ID: {ORIGINAL_ID}\r\n".encode(), b"")
    assert original != ORIGINAL
    msg = parse(notice(templates=templates, original=original, message_id=None).raw)
    assert msg["In-Reply-To"] is None and msg["References"] is None
    assert msg["X-CSBA-Message-Id"] == "(none)"


def test_long_references_are_trimmed(templates: NoticeTemplates) -> None:
    refs = " ".join(f"<r{i}@shop>" for i in range(60))
    original = ORIGINAL.replace(b"<a@shop> <b@shop>", refs.encode())
    composed = notice(templates=templates, original=original)
    kept = parse(composed.raw)["References"].split()
    assert len(kept) == 20 and kept[0] == "<r0@shop>" and kept[-1] == ORIGINAL_ID
    assert_wire_form(composed)


def test_customer_subject_cannot_inject_headers(templates: NoticeTemplates) -> None:
    original = original_mail(subject="=?utf-8?q?Hallo=0D=0ABcc=3A_x=40evil=2Eexample?=")
    for composed in (notice(templates=templates, original=original),
                     compose_forward(CONFIG, decision(original=original), original, key=5,
                                     now=NOW)):
        msg = parse(composed.raw)
        assert msg["Bcc"] is None
        assert_wire_form(composed)


# --------------------------------------------------------------------------
# Redirect.


def test_redirect_prepends_resent_block() -> None:
    composed = compose_redirect(CONFIG, decision(action="redirect"), ORIGINAL, key=9, now=NOW)
    assert composed.kind == "redirect"
    assert composed.rcpt_tos == ("bsm-de@example.internal",)
    assert composed.mail_from == "csba-noreply@amazon.de"
    assert composed.message_id == f"<csba-redirect-9@{HOST}>"
    block, rest = composed.raw.split(b"\r\n", 4)[:4], composed.raw.split(b"\r\n", 4)[4]
    assert [line.split(b":")[0] for line in block] == [
        b"Resent-Date", b"Resent-From", b"Resent-To", b"Resent-Message-ID"]
    assert rest == ORIGINAL
    msg = parse(composed.raw)
    assert msg["Resent-To"] == "bsm-de@example.internal"
    assert str(msg["Resent-From"]) == "CSBA router <csba-noreply@amazon.de>"
    assert msg["Resent-Message-ID"] == composed.message_id
    assert parsedate_to_datetime(msg["Resent-Date"]) == NOW
    assert msg["Message-ID"] == ORIGINAL_ID
    assert_wire_form(composed)
    again = compose_redirect(CONFIG, decision(action="redirect"), ORIGINAL, key=9, now=NOW)
    assert again == composed


def test_redirect_keeps_eight_bit_originals() -> None:
    original = original_mail(eight_bit=True)
    composed = compose_redirect(CONFIG, decision(action="redirect"), original, key=9, now=NOW)
    assert composed.raw.endswith(original) and composed.eight_bit


def test_redirect_needs_a_bsm_address() -> None:
    with pytest.raises(ComposeError, match="bsm_address"):
        compose_redirect(CONFIG, decision(action="redirect", region="cn2de",
                                          seller_id="BRIGHT"), ORIGINAL, key=9, now=NOW)
