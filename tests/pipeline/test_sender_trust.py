"""Issue 12 defect 1 and its smaller items: a seller is who the mail proves.

The pipeline on a real database (SQLite and PostgreSQL), with the
`Authentication-Results:` of the mail server in front believed
(`trust.authserv_id`).  No DNS here: the router's own checks
(`trust.verify`) are tested against a real dnsmasq in tests/verify/.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from router.config import Config, load_config
from router.config.model import Trust
from router.orders import import_report
from router.store import contacts, decisions, outgoing, received
from router.store.arrivals import store_received
from tests.helpers import REPO
from tests.pipeline.test_process import ARRIVED, ORDERS, forward, rows, run

FRONT = "mx.csba.example.internal"
FORGED_AR = (f"Authentication-Results: {FRONT}; spf=fail smtp.mailfrom=mallory@evil.com;"
             " dkim=none; dmarc=fail (p=reject) header.from=musterhandel.de\r\n")
GOOD_AR = (f"Authentication-Results: {FRONT}; spf=pass smtp.mailfrom=service@musterhandel.de;"
           " dkim=pass header.d=musterhandel.de header.s=sel;"
           " dmarc=pass header.from=musterhandel.de\r\n")
IN_SCOPE = "302-1234567-1234567"


def trusting(config: Config, **trust: Any) -> Config:
    return config.model_copy(update={"trust": Trust(authserv_id=FRONT, **trust)})


def with_seller_addresses(config: Config, *addresses: str) -> Config:
    seller = config.sellers[0].model_copy(update={"addresses": list(addresses),
                                                  "notify": None})
    return config.model_copy(update={"sellers": [seller]})


@pytest.fixture
def config() -> Config:
    return load_config(REPO / "config" / "router.yaml", env={})


@pytest.fixture
def world(engine: Engine, tmp_path: Path) -> Engine:
    """The database with the seller's orders (one seller-fulfilled, one by Amazon)."""
    report = tmp_path / "orders.txt"
    report.write_text(ORDERS, encoding="utf-8")
    import_report(engine, "A1MUSTERHANDEL", report, on_error=pytest.fail)
    return engine


def store(engine: Engine, raw: bytes, sender: str, *, message_id: str | None = None) -> int:
    return store_received(engine, raw, mail_from=sender, rcpt_tos=["csba-de2de@amazon.de"],
                          channel="smtp", channel_ref="203.0.113.7", arrived_at=ARRIVED,
                          message_id=message_id)


def nothing_sent(engine: Engine) -> None:
    assert rows(engine, outgoing) == [], "nothing may be forwarded or noticed"
    assert rows(engine, contacts) == [], "no contact may be billed"


def test_forged_seller_is_held_unauthenticated(world: Engine, config: Config) -> None:
    """The defect as found: envelope mallory@evil.com, From the seller, dmarc=fail."""
    raw = FORGED_AR.encode() + forward(IN_SCOPE)
    store(world, raw, "mallory@evil.com")
    assert run(world, trusting(config)) == {"held": 1}
    nothing_sent(world)
    (decision,) = rows(world, decisions)
    assert (decision.category, decision.action, decision.rule) == (
        "unauthenticated", "hold", "unauthenticated")
    assert "dmarc=fail" in decision.reason and "service@musterhandel.de" in decision.reason


@pytest.mark.parametrize("header", ["Resent-From", "X-Forwarded-For", "Return-Path"])
def test_forged_seller_headers_are_not_believed(world: Engine, config: Config,
                                                header: str) -> None:
    """The other headers the seller is found by: written by anyone, believed by no one."""
    raw = (FORGED_AR + f"{header}: service@musterhandel.de\r\n").encode() + forward(
        IN_SCOPE, sender="erika.kundin@web.de")
    store(world, raw, "mallory@evil.com")
    assert run(world, trusting(config)) == {"held": 1}
    nothing_sent(world)
    assert rows(world, decisions)[0].category == "unauthenticated"


def test_authenticated_seller_is_forwarded(world: Engine, config: Config) -> None:
    store(world, GOOD_AR.encode() + forward(IN_SCOPE), "service@musterhandel.de")
    assert run(world, trusting(config)) == {"done": 1}
    (decision,) = rows(world, decisions)
    assert decision.category == "post_sale_seller_fulfilled"
    assert [m.kind for m in rows(world, outgoing)] == ["forward"]
    assert len(rows(world, contacts)) == 1


def test_an_authentication_header_below_a_foreign_hop_is_not_believed(
        world: Engine, config: Config) -> None:
    """A forger's own "dmarc=pass" under another host's Received: is ignored."""
    raw = ("Received: from evil.com by relay.evil.com; Tue, 3 Nov 2026 09:12:00 +0100\r\n"
           + GOOD_AR).encode() + forward(IN_SCOPE)
    store(world, raw, "service@musterhandel.de")
    assert run(world, trusting(config)) == {"held": 1}
    nothing_sent(world)


def test_without_trust_the_router_behaves_as_before(world: Engine, config: Config) -> None:
    store(world, FORGED_AR.encode() + forward(IN_SCOPE), "mallory@evil.com")
    assert run(world, config) == {"done": 1}
    assert rows(world, decisions)[0].category == "post_sale_seller_fulfilled"


def test_exempt_seller_is_believed_as_written(world: Engine, config: Config) -> None:
    seller = config.sellers[0].model_copy(update={"trust": "none"})
    config = trusting(config).model_copy(update={"sellers": [seller]})
    store(world, FORGED_AR.encode() + forward(IN_SCOPE), "mallory@evil.com")
    assert run(world, config) == {"done": 1}
    assert rows(world, decisions)[0].category == "post_sale_seller_fulfilled"


PRE_SALE = ("Guten Tag, gibt es diese Lampe auch in Blau? Ich würde sie gern kaufen, "
            "wenn sie vor Weihnachten lieferbar ist.")


def pre_sale(sender: str, message_id: str) -> bytes:
    """A question before buying, handed over by `sender`: a notice goes back."""
    return (f"From: {sender}\r\nTo: csba-de2de@amazon.de\r\nSubject: Frage zur Lampe\r\n"
            f"Message-ID: {message_id}\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n"
            f"{PRE_SALE}\r\n").encode()


def test_domain_seller_forger_cannot_pick_the_notice_mailbox(world: Engine,
                                                            config: Config) -> None:
    """`*@domain`: a forged From: at the domain gets no notice (it is not proven)."""
    config = trusting(with_seller_addresses(config, "*@musterhandel.de"))
    raw = FORGED_AR.encode() + pre_sale("ceo@musterhandel.de", "<p1@evil.com>")
    store(world, raw, "mallory@evil.com")
    assert run(world, config) == {"held": 1}
    nothing_sent(world)


def test_domain_seller_notice_goes_to_the_authenticated_address(world: Engine,
                                                               config: Config) -> None:
    """The envelope at the domain failed SPF; the DKIM-signed From: is the proven one."""
    config = trusting(with_seller_addresses(config, "*@musterhandel.de"))
    header = (f"Authentication-Results: {FRONT}; spf=fail smtp.mailfrom=ceo@musterhandel.de;"
              " dkim=pass header.d=musterhandel.de\r\n")
    raw = header.encode() + pre_sale("service@musterhandel.de", "<p2@musterhandel.de>")
    store(world, raw, "ceo@musterhandel.de")
    assert run(world, config) == {"done": 1}
    (notice,) = rows(world, outgoing)
    assert notice.kind == "notice" and notice.rcpt_tos == ["service@musterhandel.de"]


def test_notice_limit_counts_tagged_addresses_as_one(world: Engine, config: Config) -> None:
    """`service+t1@` and `service+t2@` are one sender for the daily notice limit."""
    config = config.model_copy(update={"auto_reply": config.auto_reply.model_copy(
        update={"max_notices_per_sender_per_day": 1})})
    for n, tag in enumerate(("t1", "t2", "t3")):
        sender = f"service+{tag}@musterhandel.de"
        store(world, pre_sale(sender, f"<tag-{n}@musterhandel.de>"), sender)
    run(world, config)
    assert len(rows(world, outgoing)) == 1
    rules = [d.rule for d in rows(world, decisions)]
    assert rules.count("notice-limit") == 2


def test_from_with_two_at_signs_is_held_with_a_reason(world: Engine, config: Config) -> None:
    """No longer three failed tries: the address is not an address; a person looks."""
    config = with_seller_addresses(config, "*@musterhandel.de")
    store(world, pre_sale("<a@b@musterhandel.de>", "<two-at@evil.com>"), "mallory@evil.com")
    assert run(world, config) == {"held": 1}
    (row,) = rows(world, received)
    assert row.attempts <= 1 and row.last_error is None
    (decision,) = rows(world, decisions)
    assert decision.category == "unknown_sender"
    assert "a@b@musterhandel.de" in decision.reason and "not a valid address" in decision.reason
    nothing_sent(world)


def test_unauthenticated_stays_held_whatever_its_configured_action(
        config: Config) -> None:
    """The config check refuses other actions; the plan holds all the same."""
    from router.decide.classify import Decision
    from router.pipeline.plan import Facts, make_plan

    decision = Decision(category="unauthenticated", action="forward", rule="unauthenticated",
                        reason="r", seller_id="A1MUSTERHANDEL", region="de2de", order_ids=(),
                        language="de", hits=(), misses=(), evidence=())
    plan = make_plan(config, decision, Facts(seller_address="service@musterhandel.de"))
    assert (plan.state, plan.send, plan.new_contact) == ("held", None, False)
