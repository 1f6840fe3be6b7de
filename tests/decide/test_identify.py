"""Finding the seller and the region: lookup order, lookalikes, plus-addresses."""

from __future__ import annotations

from typing import Any

import pytest

from router.config.model import Config
from router.decide.identify import find_region, find_seller, lookup_region, lookup_seller
from router.mail.message import Envelope, ParsedMail


def make_config(**overrides: Any) -> Config:
    data: dict[str, Any] = {
        "regions": {
            "de2de": {"address": "csba-de2de@amazon.de", "marketplace": "amazon.de",
                      "language": "de", "forward_to": "team-de@example.internal"},
            "cn2de": {"address": "csba-cn2de@amazon.de", "marketplace": "amazon.de",
                      "language": "zh", "forward_to": "team-cn@example.internal"},
        },
        "sellers": [
            {"id": "MUSTER", "region": "de2de", "addresses": ["service@musterhandel.de"]},
            {"id": "BRIGHT", "region": "cn2de", "addresses": ["*@example.cn"]},
            {"id": "EXACT", "region": "cn2de", "addresses": ["boss@example.cn"]},
            {"id": "GMAIL", "region": "de2de", "addresses": ["seller@gmail.com"]},
        ],
    }
    data.update(overrides)
    return Config.model_validate(data)


CONFIG = make_config()


def mail(*headers: tuple[str, str]) -> ParsedMail:
    from_addr = next((v for k, v in headers if k == "From"), None)
    return ParsedMail(headers=tuple(headers), subject="x", from_addr=from_addr,
                      message_id=None, date=None, text="")


def seller_of(m: ParsedMail, envelope: Envelope | None = None) -> str | None:
    match = find_seller(CONFIG, m, envelope or Envelope())
    return match.seller.id if match else None


# --- seller ----------------------------------------------------------------


def test_envelope_sender_comes_before_headers() -> None:
    m = mail(("From", "Kunde <kunde@example.com>"))
    match = find_seller(CONFIG, m, Envelope(mail_from="service@musterhandel.de"))
    assert match is not None
    assert (match.seller.id, match.source, match.how) == ("MUSTER", "envelope sender", "exact")
    assert match.evidence.source == "envelope sender"


@pytest.mark.parametrize("header", ["Resent-From", "X-Forwarded-For", "Return-Path", "From"])
def test_each_header_source(header: str) -> None:
    m = mail((header, "<service@musterhandel.de>"))
    match = find_seller(CONFIG, m, Envelope())
    assert match is not None and match.source == header


def test_order_of_sources_resent_from_before_from() -> None:
    m = mail(("From", "boss@example.cn"), ("Resent-From", "service@musterhandel.de"))
    assert seller_of(m) == "MUSTER"


def test_x_forwarded_for_may_hold_several_addresses() -> None:
    m = mail(("X-Forwarded-For", "seller@gmail.com csba-de2de@amazon.de"))
    assert seller_of(m) == "GMAIL"


def test_misses_before_the_match_are_recorded() -> None:
    m = mail(("From", "Service <service@musterhandel.de>"), ("Return-Path", "<bounce@esp.com>"))
    lookup = lookup_seller(CONFIG, m, Envelope(mail_from="bounce@esp.com"))
    assert lookup.match is not None and lookup.match.source == "From"
    assert [e.source for e in lookup.tried] == ["envelope sender", "Return-Path"]
    assert all("bounce@esp.com" in e.detail for e in lookup.tried)


def test_no_seller_lists_every_candidate() -> None:
    m = mail(("From", "a@b.com"))
    lookup = lookup_seller(CONFIG, m, Envelope(mail_from="c@d.com"))
    assert lookup.match is None
    assert [e.detail.split(":")[0] for e in lookup.tried] == ["c@d.com", "a@b.com"]


def test_display_name_with_address_is_not_the_address() -> None:
    m = mail(("From", '"service@musterhandel.de" <evil@attacker.com>'))
    assert seller_of(m) is None


def test_case_insensitive() -> None:
    assert seller_of(mail(("From", "SERVICE@MusterHandel.DE"))) == "MUSTER"
    assert seller_of(mail(("From", "anyone@EXAMPLE.CN"))) == "BRIGHT"


@pytest.mark.parametrize("address", [
    "x@shop.example.cn.evil.com",
    "x@example.cn-mail.com",
    "x@mail.example.cn",
    "x@evilexample.cn",
    "example.cn@evil.com",
])
def test_domain_pattern_lookalikes_do_not_match(address: str) -> None:
    assert seller_of(mail(("From", address))) is None


def test_exact_address_wins_over_domain_pattern() -> None:
    match = find_seller(CONFIG, mail(("From", "boss@example.cn")), Envelope())
    assert match is not None and (match.seller.id, match.how) == ("EXACT", "exact")
    other = find_seller(CONFIG, mail(("From", "staff@example.cn")), Envelope())
    assert other is not None and (other.seller.id, other.how) == ("BRIGHT", "domain")
    assert other.pattern == "*@example.cn"


def test_gmail_auto_forward_plus_address() -> None:
    envelope = Envelope(mail_from="seller+caf_=csba-de2de=amazon.de@gmail.com")
    match = find_seller(CONFIG, mail(("From", "kunde@example.com")), envelope)
    assert match is not None
    assert (match.seller.id, match.how) == ("GMAIL", "exact without +tag")


def test_plus_tag_on_a_domain_seller() -> None:
    assert seller_of(mail(("From", "staff+shop@example.cn"))) == "BRIGHT"


def test_null_sender_is_no_candidate() -> None:
    assert seller_of(mail(("From", "service@musterhandel.de")), Envelope(mail_from="")) \
        == "MUSTER"


# --- region ----------------------------------------------------------------


def region_of(m: ParsedMail, envelope: Envelope | None = None) -> str | None:
    match = find_region(CONFIG, m, envelope or Envelope())
    return match.name if match else None


def test_region_envelope_recipient_first() -> None:
    m = mail(("To", "csba-de2de@amazon.de"))
    match = find_region(CONFIG, m, Envelope(rcpt_tos=("CSBA-CN2DE@amazon.de",)))
    assert match is not None and (match.name, match.source) == ("cn2de", "envelope recipient")


@pytest.mark.parametrize("header", ["X-Original-To", "Delivered-To", "To", "Cc"])
def test_region_each_header(header: str) -> None:
    match = find_region(CONFIG, mail((header, "csba-cn2de@amazon.de")), Envelope())
    assert match is not None and (match.name, match.source) == ("cn2de", header)


def test_region_header_order() -> None:
    m = mail(("To", "Team <csba-de2de@amazon.de>"), ("Delivered-To", "csba-cn2de@amazon.de"))
    assert region_of(m) == "cn2de"


def test_region_from_imap_account_last() -> None:
    m = mail(("To", "service@musterhandel.de"))
    lookup = lookup_region(CONFIG, m, Envelope(imap_region="cn2de"))
    assert lookup.match is not None and lookup.match.source == "IMAP account"
    assert [e.source for e in lookup.tried] == ["To"]


def test_region_unknown() -> None:
    assert region_of(mail(("To", "someone@amazon.de")), Envelope(imap_region="nope")) is None


def test_region_several_recipients_in_one_header() -> None:
    m = mail(("To", "a@b.com, CSBA <csba-de2de@amazon.de>"))
    assert region_of(m) == "de2de"
