"""The router's own SPF, DKIM, ARC and DMARC checks against a real DNS server (dnsmasq).

No mocked resolver: the keys, SPF and DMARC records are served by the
session's dnsmasq (see conftest), the mail signed and sealed by dkimpy.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from router.config.model import Config
from router.decide.classify import classify
from router.decide.facts import MemoryHistory, MemoryOrderBook, OrderFacts
from router.decide.trust import Verified
from router.mail.message import Envelope
from router.mail.read import parse_message
from router.verify import NOT_NEEDED, authenticate, verify
from router.verify.dns import BUDGET_SECONDS
from tests.decide.test_classify import make_config
from tests.verify.conftest import World
from tests.verify.mail import ORDER, message, seal, sign

NOW = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
BOOK = MemoryOrderBook([OrderFacts(ORDER, "MUSTER", "Merchant",
                                   datetime(2026, 10, 5, 9, 30, tzinfo=UTC), ("Shipped",), 1)])
GMAIL = "musterhandel.shop@gmail.com"


def config(resolver: str, **trust: Any) -> Config:
    settings = {"verify": True, "resolver": resolver, **trust}
    base = make_config(trust=settings)
    seller = base.sellers[0].model_copy(update={"addresses": [
        "service@musterhandel.de", GMAIL]})
    return base.model_copy(update={"sellers": [seller, *base.sellers[1:]]})


def envelope(sender: str) -> Envelope:
    return Envelope(mail_from=sender, rcpt_tos=("csba-de2de@amazon.de",))


def run(cfg: Config, raw: bytes, sender: str, peer: str | None = "127.0.0.1"
        ) -> tuple[Verified | None, Any]:
    mail = parse_message(raw)
    verified = authenticate(cfg, raw, mail, envelope(sender), peer=peer, helo="client.test")
    decision = classify(cfg, mail, envelope(sender), orders=BOOK, history=MemoryHistory(),
                        now=NOW, verified=verified)
    return verified, decision


def results(verified: Verified | None) -> set[str]:
    assert verified is not None
    return {f"{r.method}={r.result}:{r.domain}" for r in verified.results}


def test_spf_pass_proves_the_envelope_sender(dns_world: World) -> None:
    verified, decision = run(config(dns_world.dns.address), message(), "service@musterhandel.de")
    assert "spf=pass:musterhandel.de" in results(verified)
    assert decision.category == "post_sale_seller_fulfilled"


def test_spf_fail_for_loopback_too(dns_world: World) -> None:
    """No address is exempt: evil.test allows no one, 127.0.0.1 included."""
    verified, decision = run(config(dns_world.dns.address), message(), "mallory@evil.test")
    assert decision.category == "unauthenticated"
    assert "dmarc=fail:musterhandel.de" in results(verified)  # From: the seller, unsigned
    assert "dmarc=fail for musterhandel.de (router's check)" in decision.reason


def test_forged_envelope_at_the_seller_fails_spf_from_elsewhere(dns_world: World) -> None:
    cfg = config(dns_world.dns.address)
    verified, decision = run(cfg, message(), "service@musterhandel.de", peer="192.0.2.66")
    assert "spf=fail:musterhandel.de" in results(verified)
    assert decision.category == "unauthenticated"


def test_dkim_signature_proves_the_from_address(dns_world: World) -> None:
    raw = sign(message(), dns_world.seller)
    verified, decision = run(config(dns_world.dns.address), raw, "mallory@evil.test")
    assert {"dkim=pass:musterhandel.de", "dmarc=pass:musterhandel.de"} <= results(verified)
    assert decision.category == "post_sale_seller_fulfilled"
    assert decision.address == "service@musterhandel.de"


def test_an_altered_signed_mail_fails(dns_world: World) -> None:
    raw = sign(message(), dns_world.seller).replace(b"Wo ist das Paket?", b"Zahlen Sie!")
    verified, decision = run(config(dns_world.dns.address), raw, "mallory@evil.test")
    assert {"dkim=fail:musterhandel.de", "dmarc=fail:musterhandel.de"} <= results(verified)
    assert decision.category == "unauthenticated"


def test_a_forger_s_own_valid_signature_proves_nothing_of_the_seller(dns_world: World) -> None:
    raw = sign(message(), dns_world.forger)
    verified, decision = run(config(dns_world.dns.address), raw, "mallory@evil.test")
    assert "dkim=pass:evil.test" in results(verified)
    assert decision.category == "unauthenticated"
    assert "passed: dkim=pass for evil.test" in decision.reason


def test_gmail_automatic_forwarding_is_served(dns_world: World) -> None:
    """The seller's Gmail forwards a customer's mail: envelope `+caf_` at gmail.com, SPF pass.

    The customer's own DKIM signature and DMARC (web.de) say nothing about
    the seller; the envelope sender, the seller's registered Gmail address
    with Gmail's `+caf_` tag, is proven by gmail.com's SPF.
    """
    customer = message("erika.kundin@web.de", message_id="<c1@web.de>",
                       text=f"Guten Tag,\r\nmeine Bestellung {ORDER} ist nicht angekommen. "
                            "Wo ist mein Paket?\r\nErika Kundin\r\n")
    raw = (f"X-Forwarded-To: csba-de2de@amazon.de\r\n"
           f"X-Forwarded-For: {GMAIL} csba-de2de@amazon.de\r\n").encode() + sign(
        customer, dns_world.customer)
    sender = "musterhandel.shop+caf_=csba-de2de=amazon.de@gmail.com"
    verified, decision = run(config(dns_world.dns.address), raw, sender)
    assert "spf=pass:gmail.com" in results(verified)
    assert decision.category == "post_sale_seller_fulfilled"
    assert decision.seller_id == "MUSTER"


def forwarded_by_gmail(world: World) -> bytes:
    """The seller's signed mail, forwarded by Gmail with a footer, sealed by google.com."""
    original = sign(message(), world.seller)
    changed = original + b"\r\n-- \r\nSent from my Gmail forwarding rule\r\n"
    return seal(changed, world.sealer, "mx.google.com",
                "dkim=pass header.d=musterhandel.de header.s=s2026; "
                "spf=pass smtp.mailfrom=service@musterhandel.de; "
                "dmarc=pass header.from=musterhandel.de")


def test_arc_of_a_trusted_forwarder_carries_the_original_results(dns_world: World) -> None:
    raw = forwarded_by_gmail(dns_world)
    sender = "someone+caf_=csba-de2de=amazon.de@gmail.com"  # not a seller's address
    verified, decision = run(config(dns_world.dns.address), raw, sender)
    assert "dkim=fail:musterhandel.de" in results(verified)  # the footer broke it
    assert decision.category == "unauthenticated"
    cfg = config(dns_world.dns.address, arc_sealers=["google.com"])
    verified, decision = run(cfg, raw, sender)
    assert verified is not None and verified.arc == "pass"
    assert decision.category == "post_sale_seller_fulfilled"
    assert decision.address == "service@musterhandel.de"


def test_a_broken_arc_chain_carries_nothing(dns_world: World) -> None:
    raw = forwarded_by_gmail(dns_world).replace(b"Erika Kundin\r\n", b"Mallory\r\n", 1)
    cfg = config(dns_world.dns.address, arc_sealers=["google.com"])
    verified, decision = run(cfg, raw, "someone+caf_=csba-de2de=amazon.de@gmail.com")
    assert verified is not None and verified.arc == "fail"
    assert decision.category == "unauthenticated"


def test_no_checks_where_the_believed_header_proves_it(dns_world: World) -> None:
    header = ("Authentication-Results: mx.csba.example.internal; "
              "dmarc=pass header.from=musterhandel.de")
    cfg = config(dns_world.dns.address, authserv_id="mx.csba.example.internal")
    verified, decision = run(cfg, message(headers=(header,)), "mallory@evil.test")
    assert verified == Verified(notes=(NOT_NEEDED,))
    assert decision.category == "post_sale_seller_fulfilled"


def test_no_checks_for_unknown_senders(dns_world: World) -> None:
    verified, decision = run(config(dns_world.dns.address), message("x@evil.test"),
                             "x@evil.test")
    assert verified is None and decision.category == "unknown_sender"


def test_without_an_smtp_client_spf_is_not_checked(dns_world: World) -> None:
    verified, decision = run(config(dns_world.dns.address), message(),
                             "service@musterhandel.de", peer=None)
    assert verified is not None
    assert not any(r.method == "spf" for r in verified.results)
    assert any("SPF not checked" in n for n in verified.notes)
    assert decision.category == "unauthenticated"


def test_dmarc_of_the_organisational_domain(dns_world: World) -> None:
    """news.musterhandel.de has no record of its own: musterhandel.de's applies."""
    cfg = config(dns_world.dns.address)
    mail = parse_message(message("info@news.musterhandel.de"))
    found = verify(cfg, message("info@news.musterhandel.de"), mail,
                   envelope("bounce@musterhandel.de"), peer="127.0.0.1", helo="x")
    assert "dmarc=pass:news.musterhandel.de" in results(found)  # SPF aligned, relaxed


def test_a_dead_resolver_is_a_temporary_error_within_the_budget(dead_resolver: str) -> None:
    cfg = config(dead_resolver)
    raw = message()
    started = time.monotonic()
    verified, decision = run(cfg, raw, "service@musterhandel.de")
    assert time.monotonic() - started < BUDGET_SECONDS + 2
    assert "spf=temperror:musterhandel.de" in results(verified)
    assert decision.category == "unauthenticated"
    assert "temperror" in decision.reason


def test_a_batch_waits_for_a_dead_resolver_once(tmp_path: Path, dead_resolver: str) -> None:
    """Four messages whose DNS never answers: checked side by side, not one after another."""
    from router.act.templates import NoticeTemplates
    from router.pipeline.claims import claim
    from router.pipeline.runner import process_batch_safely
    from router.store import open_engine, upgrade
    from router.store.arrivals import store_received

    cfg = config(dead_resolver)
    engine = open_engine(f"sqlite:///{tmp_path / 'router.db'}")
    upgrade(engine)
    ids = [store_received(engine, message(message_id=f"<slow-{n}@musterhandel.de>"),
                          mail_from="service@musterhandel.de", rcpt_tos=["csba-de2de@amazon.de"],
                          channel="smtp", channel_ref="127.0.0.1", arrived_at=NOW,
                          message_id=f"<slow-{n}@musterhandel.de>") for n in range(4)]
    assert claim(engine, "w", datetime.now(UTC), timedelta(minutes=5), limit=10) == ids
    started = time.monotonic()
    states = process_batch_safely(engine, cfg, ids, "w", NoticeTemplates.from_config(cfg))
    assert time.monotonic() - started < 2 * BUDGET_SECONDS  # one after another: 4 budgets
    assert set(states.values()) == {"held"}
    engine.dispose()
