"""Sender trust as pure rules: which header is believed, what proves which address.

Plain messages through the real parser and `classify`; the router's own
checks come in as a `Verified` here (they are tested against a real DNS
server in tests/verify/).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest

from router.config.model import Config, Trust
from router.decide.authresults import AuthResult, authserv_id, believed_results, received_by
from router.decide.classify import classify
from router.decide.explain import explain
from router.decide.facts import MemoryHistory, MemoryOrderBook
from router.decide.trust import Verified, aligned, judge, organisational_domain
from router.mail.message import Envelope
from router.mail.read import parse_message
from tests.decide.test_classify import BOOK, ORDER, make_config

NOW = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
FRONT = "mx.csba.example.internal"
ROUTER = "csba-router.example.internal"
SELLER = "service@musterhandel.de"
BRIGHT = "*@brightlight-sz.cn"


def trusted(**trust: Any) -> Config:
    return make_config(trust={"authserv_id": FRONT, **trust})


def mail(*headers: str, sender: str = SELLER, body: str | None = None) -> bytes:
    text = body or (f"Guten Tag, meine Bestellung {ORDER} ist nicht angekommen. "
                    "Wo bleibt mein Paket? Viele Grüße, Erika")
    top = "".join(f"{h}\r\n" for h in headers)
    return (f"{top}From: {sender}\r\nTo: csba-de2de@amazon.de\r\nSubject: Paket\r\n"
            "Message-ID: <t-1@musterhandel.de>\r\nMIME-Version: 1.0\r\n"
            f"Content-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n").encode()


def decide(config: Config, raw: bytes, envelope_from: str | None = SELLER,
           verified: Verified | None = None) -> Any:
    return classify(config, parse_message(raw),
                    Envelope(mail_from=envelope_from, rcpt_tos=("csba-de2de@amazon.de",)),
                    orders=BOOK, history=MemoryHistory(), now=NOW, verified=verified)


def ar(results: str, authserv: str = FRONT) -> str:
    return f"Authentication-Results: {authserv}; {results}"


PASS = ar("spf=pass smtp.mailfrom=service@musterhandel.de; dkim=pass header.d=musterhandel.de;"
          " dmarc=pass header.from=musterhandel.de")
FAIL = ar("spf=fail smtp.mailfrom=mallory@evil.com; dkim=none; dmarc=fail "
          "header.from=musterhandel.de")


# --- reading the header --------------------------------------------------------


def test_received_by_reads_the_host_outside_comments() -> None:
    assert received_by("from a.example (by fake.example [1.2.3.4]) by MX.Example.ORG. "
                       "(Postfix) with ESMTPS id 1; Tue, 3 Nov 2026 09:00:00 +0000") == \
        "mx.example.org"
    assert received_by("from x with SMTP; by nobody") is None


def test_authserv_id_is_the_first_token() -> None:
    assert authserv_id(" (comment) MX.csba.example.internal 1; spf=pass") == FRONT
    assert authserv_id('"mx.csba.example.internal"; none') == FRONT


def headers_of(*lines: str) -> Any:
    return parse_message(mail(*lines))


def own() -> frozenset[str]:
    return frozenset({ROUTER, FRONT})


def test_the_topmost_header_of_the_id_is_believed() -> None:
    found = believed_results(headers_of(
        f"Received: from mx by {ROUTER} (csba-router) with ESMTP; Tue, 3 Nov 2026 09:00 +0000",
        f"Received: from x by {FRONT}; Tue, 3 Nov 2026 09:00 +0000",
        ar("dkim=fail header.d=musterhandel.de", authserv="other.example"),
        ar("dmarc=fail header.from=musterhandel.de"),
        PASS), FRONT, own())
    assert [str(r) for r in found.results] == [
        f"dmarc=fail for musterhandel.de (Authentication-Results of {FRONT})"]


def test_nothing_below_a_foreign_hop_is_believed() -> None:
    found = believed_results(headers_of(
        f"Received: from x by {FRONT}; Tue, 3 Nov 2026 09:00 +0000",
        "Received: from evil by relay.evil.com; Tue, 3 Nov 2026 09:00 +0000",
        PASS), FRONT, own())
    assert found.results == ()
    assert "relay.evil.com" in found.notes[0]


def test_a_header_of_another_id_is_ignored() -> None:
    found = believed_results(headers_of(ar("dmarc=pass header.from=musterhandel.de",
                                           authserv="mx.evil.com")), FRONT, own())
    assert found.results == () and found.notes == (f"no Authentication-Results of {FRONT}",)


def test_an_unreadable_header_believes_nothing() -> None:
    found = believed_results(headers_of(f"Authentication-Results: {FRONT}; spf"), FRONT, own())
    assert found.results == () and "unreadable" in found.notes[0]


# --- domains and the rules -------------------------------------------------------


def test_organisational_domain_from_the_public_suffix_list() -> None:
    assert organisational_domain("mail.musterhandel.de") == "musterhandel.de"
    assert organisational_domain("shop.example.co.uk") == "example.co.uk"
    assert aligned("bounce.musterhandel.de", "musterhandel.de")
    assert not aligned("musterhandel.de.evil.com", "musterhandel.de")
    assert not aligned("co.uk", "example.co.uk")


def result(method: str, outcome: str, domain: str) -> AuthResult:
    return AuthResult(method, outcome, domain, "test")


@pytest.mark.parametrize(("require", "source", "method", "proven"), [
    ("dmarc", "envelope sender", "spf", True),
    ("dmarc", "envelope sender", "dkim", False),
    ("dmarc", "Return-Path", "spf", True),
    ("dmarc", "From", "spf", False),
    ("dmarc", "From", "dkim", True),
    ("dmarc", "Resent-From", "dmarc", True),
    ("spf_or_dkim", "envelope sender", "dkim", True),
    ("spf_or_dkim", "From", "spf", True),
])
def test_what_proves_an_address_depends_on_where_it_was_found(
        require: str, source: str, method: str, proven: bool) -> None:
    trust = Trust(authserv_id=FRONT, require=require)  # type: ignore[arg-type]
    verdict = judge(trust, "seller S", [(source, SELLER)],
                    [result(method, "pass", "mail.musterhandel.de")])
    assert verdict.authenticated is proven


def test_a_pass_for_another_domain_proves_nothing() -> None:
    verdict = judge(Trust(authserv_id=FRONT), "seller S", [("envelope sender", SELLER)],
                    [result("spf", "pass", "evil.com"), result("dmarc", "fail",
                                                                "musterhandel.de")])
    assert not verdict.authenticated
    reason = verdict.reason()
    assert "passed: spf=pass for evil.com" in reason
    assert "failed: dmarc=fail for musterhandel.de" in reason


# --- classify ----------------------------------------------------------------------


def test_forged_seller_is_unauthenticated_right_after_automatic_mail() -> None:
    decision = decide(trusted(), mail(FAIL), envelope_from="mallory@evil.com")
    assert (decision.category, decision.action) == ("unauthenticated", "hold")
    assert decision.hits == ("unauthenticated",) and decision.misses == ("auto_generated",)
    assert decision.order_id is None  # no order lookup for a forger
    assert "dmarc=fail" in decision.reason
    text = explain(decision)
    assert "authentication: dmarc=fail for musterhandel.de" in text


def test_automatic_mail_is_still_decided_first() -> None:
    raw = mail(FAIL, "Auto-Submitted: auto-replied")
    assert decide(trusted(), raw, envelope_from="mallory@evil.com").category == \
        "auto_generated"


def test_unknown_senders_stay_unknown() -> None:
    decision = decide(trusted(), mail(FAIL, sender="x@evil.com"), envelope_from="x@evil.com")
    assert decision.category == "unknown_sender"


def test_authenticated_seller_goes_on_as_before() -> None:
    decision = decide(trusted(), mail(PASS))
    assert decision.category == "post_sale_seller_fulfilled"
    assert decision.misses[:2] == ("auto_generated", "unauthenticated")
    assert decision.address == SELLER


def test_without_trust_nothing_changes() -> None:
    config = make_config()
    decision = decide(config, mail(FAIL), envelope_from="mallory@evil.com")
    assert decision.category == "post_sale_seller_fulfilled"
    assert "unauthenticated" not in decision.misses


def test_the_router_s_own_pass_is_enough() -> None:
    verified = Verified((result("spf", "pass", "musterhandel.de"),))
    config = trusted(verify=True)
    assert decide(config, mail(FAIL), verified=verified).category == \
        "post_sale_seller_fulfilled"
    assert decide(config, mail(FAIL)).category == "unauthenticated"


def test_a_team_address_must_be_proven_too() -> None:
    raw = mail(FAIL, sender="team-de@example.internal")
    decision = decide(trusted(), raw, envelope_from="team-de@example.internal")
    assert decision.category == "unauthenticated"
    assert "CSBA team" in decision.reason


def test_domain_seller_notice_goes_to_the_proven_address() -> None:
    header = ar("spf=fail smtp.mailfrom=boss@brightlight-sz.cn; "
                "dkim=pass header.d=brightlight-sz.cn")
    raw = mail(header, sender="kefu@brightlight-sz.cn")
    decision = decide(trusted(), raw, envelope_from="boss@brightlight-sz.cn")
    assert decision.category != "unauthenticated"
    assert decision.address == "kefu@brightlight-sz.cn"


ARC = [
    "ARC-Seal: i=1; a=rsa-sha256; t=1; cv=none; d=google.com; s=arc-20160816; b=AAAA",
    "ARC-Message-Signature: i=1; a=rsa-sha256; c=relaxed/relaxed; d=google.com; "
    "s=arc-20160816; h=from:to; bh=AAAA; b=AAAA",
    "ARC-Authentication-Results: i=1; mx.google.com; dkim=pass header.d=musterhandel.de; "
    "spf=pass smtp.mailfrom=service@musterhandel.de; dmarc=pass header.from=musterhandel.de",
]


def test_arc_of_a_trusted_sealer_carries_its_results() -> None:
    """Gmail forwarded the seller's mail: SPF fails here, Gmail's seal keeps the pass."""
    forwarded = ar("spf=softfail smtp.mailfrom=service@musterhandel.de; arc=pass")
    raw = mail(forwarded, *ARC)
    assert decide(trusted(), raw).category == "unauthenticated"
    decision = decide(trusted(arc_sealers=["google.com"]), raw)
    assert decision.category == "post_sale_seller_fulfilled"
    assert any("ARC of google.com, i=1" in e.detail for e in decision.evidence)


def test_arc_results_count_only_for_a_chain_that_validates() -> None:
    raw = mail(ar("spf=softfail smtp.mailfrom=service@musterhandel.de; arc=fail"), *ARC)
    assert decide(trusted(arc_sealers=["google.com"]), raw).category == "unauthenticated"
    passed = Verified(arc="pass")
    config = trusted(arc_sealers=["google.com"], verify=True)
    assert decide(config, raw, verified=passed).category == "post_sale_seller_fulfilled"


def test_arc_of_an_untrusted_sealer_carries_nothing() -> None:
    raw = mail(ar("arc=pass"), *(h.replace("google.com", "evil.com") for h in ARC))
    assert decide(trusted(arc_sealers=["google.com"]), raw).category == "unauthenticated"


def test_reading_a_hostile_header_takes_linear_time() -> None:
    """Many fake headers and deep comments: no more than a linear scan."""
    nested = "(" * 50_000 + ")" * 50_000
    headers = [f"Received: {nested} from x by {FRONT}; now"] * 20
    headers += [ar("dmarc=pass", authserv=f"other{n}.example") for n in range(500)]
    raw = mail(*headers, FAIL)
    started = time.process_time()
    decision = decide(trusted(), raw, envelope_from="mallory@evil.com")
    assert decision.category == "unauthenticated"
    assert time.process_time() - started < 2.0


def test_memory_book_is_not_asked_for_forged_mail() -> None:
    class Book(MemoryOrderBook):
        def lookup(self, order_ids: list[str]) -> Any:
            raise AssertionError("no order lookup for unauthenticated mail")

    decision = classify(trusted(), parse_message(mail(FAIL)),
                        Envelope(mail_from="mallory@evil.com"), orders=Book(),
                        history=MemoryHistory(), now=NOW)
    assert decision.category == "unauthenticated"
