"""The pipeline on a real database: decided once, acted once, nothing stuck."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from router.act.templates import NoticeTemplates
from router.config import Config, load_config
from router.orders import import_report
from router.pipeline.claims import MAX_ATTEMPTS, claim
from router.pipeline.runner import drain, process_safely
from router.store import contacts, decisions, outgoing, received
from router.store.arrivals import store_received
from tests.helpers import REPO

ARRIVED = datetime(2026, 11, 3, 9, 12, tzinfo=UTC)
ORDERS = (
    "amazon-order-id\tpurchase-date\torder-status\tfulfillment-channel\tsales-channel\t"
    "sku\tquantity\titem-status\n"
    "302-1234567-1234567\t2026-10-05T10:00:00+02:00\tShipped\tMerchant\tAmazon.de\t"
    "SKU-1\t1\tShipped\n"
    "302-7654321-7654321\t2026-10-05T10:00:00+02:00\tShipped\tAmazon\tAmazon.de\t"
    "SKU-2\t1\tShipped\n"
)


def forward(order: str, *, message_id: str = "<fwd-1@musterhandel.de>",
            sender: str = "service@musterhandel.de", text: str | None = None) -> bytes:
    body = text or (f"ich habe die Bestellung {order} aufgegeben und sie ist immer noch "
                    "nicht angekommen. Wo ist das Paket?")
    return (
        f"From: Musterhandel Service <{sender}>\r\nTo: csba-de2de@amazon.de\r\n"
        f"Subject: WG: Wo bleibt meine Bestellung?\r\nMessage-ID: {message_id}\r\n"
        "Date: Tue, 03 Nov 2026 09:12:00 +0100\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        "Hallo CSBA-Team, bitte übernehmen.\r\n\r\n"
        "---------- Weitergeleitete Nachricht ---------\r\n"
        "Von: Erika Kundin <erika.kundin@web.de>\r\n"
        "Datum: Mo., 2. Nov. 2026 um 18:40 Uhr\r\nBetreff: Wo bleibt meine Bestellung?\r\n"
        "An: <service@musterhandel.de>\r\n\r\nGuten Tag,\r\n\r\n"
        f"{body}\r\n\r\nViele Grüße\r\nErika Kundin\r\n"
    ).encode()


@pytest.fixture
def config() -> Config:
    return load_config(REPO / "config" / "router.yaml", env={})


@pytest.fixture
def world(engine: Engine, tmp_path: Path) -> Engine:
    report = tmp_path / "orders.txt"
    report.write_text(ORDERS, encoding="utf-8")
    import_report(engine, "A1MUSTERHANDEL", report, on_error=pytest.fail)
    return engine


def store(engine: Engine, raw: bytes, sender: str = "service@musterhandel.de") -> int:
    return store_received(engine, raw, mail_from=sender, rcpt_tos=["csba-de2de@amazon.de"],
                          channel="smtp", channel_ref="127.0.0.1", arrived_at=ARRIVED,
                          message_id=None)


def run(engine: Engine, config: Config) -> dict[str, int]:
    return drain(engine, config, NoticeTemplates.from_config(config), owner="test")


def rows(engine: Engine, table: sa.Table) -> list[sa.Row]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(table).order_by(table.c.id)))


def test_in_scope_inquiry_is_forwarded_with_one_contact(world: Engine, config: Config) -> None:
    rid = store(world, forward("302-1234567-1234567"))
    assert run(world, config) == {"done": 1}
    (decision,) = rows(world, decisions)
    assert (decision.category, decision.action) == ("post_sale_seller_fulfilled", "forward")
    (contact,) = rows(world, contacts)
    assert (contact.seller_id, contact.order_id, contact.received_id) == (
        "A1MUSTERHANDEL", "302-1234567-1234567", rid)
    assert contact.arrived_at == ARRIVED and contact.marketplace == "amazon.de"
    (mail,) = rows(world, outgoing)
    assert mail.kind == "forward" and mail.rcpt_tos == ["csba-team-de@example.internal"]
    assert f"X-CSBA-Contact: {contact.id}".encode() in mail.raw
    assert decision.contact_id == contact.id


def test_same_message_twice_is_acted_on_once(world: Engine, config: Config) -> None:
    store(world, forward("302-1234567-1234567"))
    store(world, forward("302-1234567-1234567"))  # an SMTP retry after a lost 250
    assert run(world, config) == {"done": 2}
    assert len(rows(world, outgoing)) == 1 and len(rows(world, contacts)) == 1
    second = rows(world, decisions)[1]
    assert (second.action, second.rule) == ("drop", "duplicate")


def test_copy_of_a_message_decided_in_an_earlier_batch_is_dropped(
        world: Engine, config: Config, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="router.pipeline")
    store(world, forward("302-1234567-1234567"))
    assert run(world, config) == {"done": 1}
    # A batch of its own: the copy is found by the batch's one duplicate query.
    store(world, forward("302-7654321-7654321", message_id="<other@musterhandel.de>"))
    store(world, forward("302-1234567-1234567"))  # the same mail again, by IMAP say
    assert run(world, config) == {"done": 2}
    assert [(d.action, d.rule) for d in rows(world, decisions)] == [
        ("forward", "post_sale_seller_fulfilled"), ("bounce", "amazon_fulfilled"),
        ("drop", "duplicate")]
    assert len(rows(world, outgoing)) == 2 and len(rows(world, contacts)) == 1
    # Found before the write (not by the unique key refusing the batch's write).
    assert not [r for r in caplog.records if getattr(r, "event", None) == "batch_retry"]


def test_out_of_scope_gets_a_notice_to_the_seller(world: Engine, config: Config) -> None:
    store(world, forward("302-7654321-7654321"))
    run(world, config)
    (decision,) = rows(world, decisions)
    assert decision.category == "amazon_fulfilled"
    (mail,) = rows(world, outgoing)
    assert mail.kind == "notice" and mail.rcpt_tos == ["service@musterhandel.de"]
    assert b"Auto-Submitted: auto-replied" in mail.raw
    assert rows(world, contacts) == []


def test_unknown_sender_is_held_and_sends_nothing(world: Engine, config: Config) -> None:
    store(world, forward("302-1234567-1234567", sender="shop@musterhandel.de.evil.com"),
          sender="shop@musterhandel.de.evil.com")
    assert run(world, config) == {"held": 1}
    assert rows(world, outgoing) == [] and rows(world, contacts) == []
    assert rows(world, received)[0].state == "held"


def test_follow_up_joins_the_contact(world: Engine, config: Config) -> None:
    store(world, forward("302-1234567-1234567"))
    run(world, config)
    store(world, forward("302-1234567-1234567", message_id="<fwd-2@musterhandel.de>",
                         text="Und noch etwas zu Bestellung 302-1234567-1234567: bitte "
                              "schnell antworten, das Paket ist immer noch nicht da."))
    run(world, config)
    first, second = rows(world, decisions)
    assert second.category == "follow_up" and second.contact_id == first.contact_id
    assert len(rows(world, contacts)) == 1
    assert [m.kind for m in rows(world, outgoing)] == ["forward", "forward"]


def test_follow_up_in_the_same_batch_joins_the_contact(world: Engine, config: Config) -> None:
    # Both waiting when the worker claims: the second is decided only after
    # the first is committed, so it sees the first one's contact.
    store(world, forward("302-1234567-1234567"))
    store(world, forward("302-1234567-1234567", message_id="<fwd-2@musterhandel.de>",
                         text="Und noch etwas zu Bestellung 302-1234567-1234567: bitte "
                              "schnell antworten, das Paket ist immer noch nicht da."))
    assert run(world, config) == {"done": 2}
    first, second = rows(world, decisions)
    assert second.category == "follow_up" and second.contact_id == first.contact_id
    assert len(rows(world, contacts)) == 1


def test_a_failing_message_does_not_cost_its_batch(world: Engine, config: Config,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from router.pipeline import process as process_module

    ids = [store(world, forward("302-1234567-1234567", message_id=f"<b-{n}@musterhandel.de>"))
           for n in range(3)]
    real = process_module.compose_forward

    def compose(*args: object, **kwargs: object) -> object:
        if kwargs.get("key") == str(ids[1]):
            raise RuntimeError("boom")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(process_module, "compose_forward", compose)
    counts = run(world, config)  # drain retries the bad one until its attempts are used up
    assert counts["done"] == 2 and counts["failed"] == 1
    states = {row.id: row.state for row in rows(world, received)}
    assert states == {ids[0]: "done", ids[1]: "failed", ids[2]: "done"}
    assert "boom" in (rows(world, received)[1].last_error or "")
    assert len(rows(world, outgoing)) == 2


def test_a_crashed_worker_lease_is_taken_over(world: Engine, config: Config) -> None:
    rid = store(world, forward("302-1234567-1234567"))
    now = datetime.now(UTC)
    assert claim(world, "dead-worker", now, timedelta(minutes=5)) == [rid]
    assert claim(world, "other", now, timedelta(minutes=5)) == []  # still leased
    later = now + timedelta(minutes=6)
    assert claim(world, "other", later, timedelta(minutes=5)) == [rid]
    templates = NoticeTemplates.from_config(config)
    assert process_safely(world, config, rid, "other", templates) == "done"
    # The dead worker, if it came back, could not write a second outcome.
    assert process_safely(world, config, rid, "dead-worker", templates) == "lost"
    assert len(rows(world, outgoing)) == 1


def test_poison_message_fails_after_three_attempts(world: Engine, config: Config,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    good = store(world, forward("302-1234567-1234567"))
    bad = store(world, forward("302-1234567-1234567", message_id="<poison@x>"))

    import router.pipeline.prepare as prepare_module

    real = prepare_module.parse_message

    def explode(raw: bytes):  # stands in for a bug that one message triggers
        if b"<poison@x>" in raw:
            raise RuntimeError("boom")
        return real(raw)

    monkeypatch.setattr(prepare_module, "parse_message", explode)
    for _ in range(MAX_ATTEMPTS):
        run(world, config)
    states = {r.id: (r.state, r.attempts, r.last_error) for r in rows(world, received)}
    assert states[good][0] == "done"
    assert states[bad][0] == "failed" and states[bad][1] == MAX_ATTEMPTS
    assert "boom" in states[bad][2]


def test_contacts_opened_by_two_workers_at_once_count_once(world: Engine, config: Config
                                                           ) -> None:
    """Two inquiries on one order, each read before the other was written.

    The second write finds the first one's contact inside its transaction,
    is decided again, and joins that contact as a follow-up.
    """
    from router.account.contacts import ContactOpenedMeanwhile
    from router.pipeline.process import _classify_and_plan, _write_many
    from router.pipeline.runner import process_batch_safely

    first = store(world, forward("302-1234567-1234567", message_id="<one@x>"))
    second = store(world, forward("302-1234567-1234567", message_id="<two@x>"))
    now = datetime.now(UTC)
    assert claim(world, "a", now, timedelta(minutes=5), limit=1) == [first]
    assert claim(world, "b", now, timedelta(minutes=5), limit=1) == [second]
    templates = NoticeTemplates.from_config(config)
    with world.connect() as conn:  # worker b reads before worker a writes
        row = conn.execute(sa.select(received).where(received.c.id == second)).one()
        stale = _classify_and_plan(conn, config, row)
    assert stale.plan.new_contact
    assert process_batch_safely(world, config, [first], "a", templates) == {first: "done"}
    with pytest.raises(ContactOpenedMeanwhile):
        _write_many(world, config, [stale], "b", templates)
    assert process_batch_safely(world, config, [second], "b", templates) == {second: "done"}
    assert len(rows(world, contacts)) == 1
    with world.connect() as conn:
        categories = {r[0]: r[1] for r in conn.execute(
            sa.select(decisions.c.received_id, decisions.c.category))}
    assert categories == {first: "post_sale_seller_fulfilled", second: "follow_up"}


def test_a_batch_hands_its_mail_to_the_worker_deliverer(world: Engine, config: Config,
                                                        tmp_path: Path) -> None:
    """With a Maildir, the worker delivers what a batch queued right after its commit."""
    from router.act.delivery import Handoff
    from router.pipeline.runner import process_batch_safely

    outbox = tmp_path / "outbox"
    config = config.model_copy(update={"outbound": config.outbound.model_copy(
        update={"transport": f"maildir://{outbox}"})})
    ids = [store(world, forward("302-1234567-1234567", message_id=f"<h{n}@x>",
                                sender=f"s{n}@musterhandel.de")) for n in range(3)]
    ids.append(store(world, forward("302-7654321-7654321", message_id="<fba@x>")))
    now = datetime.now(UTC)
    assert claim(world, "w", now, timedelta(minutes=5), limit=10) == ids
    states = process_batch_safely(world, config, ids, "w", NoticeTemplates.from_config(config),
                                  Handoff(world, config))
    assert set(states.values()) == {"done"}
    sent = rows(world, outgoing)
    assert {r.kind for r in sent} == {"forward", "notice"}
    assert [r.state for r in sent] == ["sent"] * len(sent)  # no delivery loop ran
    assert len(list((outbox / "new").iterdir())) == len(sent)
