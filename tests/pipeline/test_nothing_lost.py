"""Held mail is never lost: every path a message can take, on SQLite and PostgreSQL.

One walk through the review desk (issue 11): messages decided, held,
released, decided again by an order import, failed, retried, refused a
release.  After every step each accepted message is in exactly one visible
place (held list, failed list, waiting, done with a decision) and nothing
was sent twice (`tests.pipeline.walk.assert_accounted`).
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from router.act.templates import NoticeTemplates
from router.config import Config, load_config
from router.orders import import_report
from router.pipeline import release as releasing
from router.pipeline.claims import claim, claim_held, requeue
from router.pipeline.release import (
    ACTED,
    KEPT,
    NOT_HELD,
    REFUSED,
    redecide_order_unknown,
    release,
)
from router.pipeline.runner import LEASE, drain
from router.store import decisions, received, utcnow
from tests.helpers import REPO
from tests.pipeline.test_process import ORDERS, forward
from tests.pipeline.walk import (
    DONE,
    FAILED,
    HELD,
    WAITING,
    accept,
    assert_accounted,
    mail_for,
)

SELLER_ID = "A1MUSTERHANDEL"
STRANGER = "shop@musterhandel.de.evil.com"
O_LATER = "302-2222222-2222222"  # imported later: its held inquiry is decided again
O_AMAZON = "302-3333333-3333333"  # imported later as Amazon-fulfilled: a notice on release
LATER_ORDERS = (
    ORDERS.splitlines(keepends=True)[0]
    + f"{O_LATER}\t2026-10-05T10:00:00+02:00\tShipped\tMerchant\tAmazon.de\tSKU-3\t1\tShipped\n"
)
AMAZON_ORDER = (
    ORDERS.splitlines(keepends=True)[0]
    + f"{O_AMAZON}\t2026-10-05T10:00:00+02:00\tShipped\tAmazon\tAmazon.de\tSKU-4\t1\tShipped\n"
)


@pytest.fixture
def config() -> Config:
    return load_config(REPO / "config" / "router.yaml", env={})


@pytest.fixture
def world(engine: Engine, tmp_path: Path) -> Engine:
    """A migrated database (SQLite, then PostgreSQL) with the seller's first orders."""
    import_orders(engine, tmp_path, ORDERS, "orders.txt")
    return engine


@pytest.fixture
def templates() -> NoticeTemplates:
    return NoticeTemplates()


@pytest.fixture
def broken_templates(tmp_path: Path) -> NoticeTemplates:
    """The packaged notices with the Amazon-fulfilled one broken: such notices fail."""
    copy = tmp_path / "broken-templates"
    shutil.copytree(REPO / "templates", copy)
    (copy / "notices" / "amazon_fulfilled.de.txt.j2").write_text(
        "Subject: {{ no_such_variable }}\n", encoding="utf-8")
    return NoticeTemplates(packaged_dir=copy)


def import_orders(engine: Engine, tmp_path: Path, text: str, name: str) -> None:
    report = tmp_path / name
    report.write_text(text, encoding="utf-8")
    import_report(engine, SELLER_ID, report, on_error=pytest.fail)


def decision_row(engine: Engine, received_id: int) -> sa.Row | None:
    with engine.connect() as conn:
        return conn.execute(sa.select(decisions).where(
            decisions.c.received_id == received_id)).one_or_none()


def test_every_path_a_message_can_take_loses_nothing(
        world: Engine, config: Config, tmp_path: Path, templates: NoticeTemplates,
        broken_templates: NoticeTemplates) -> None:
    engine = world
    inscope = accept(engine, forward("302-1234567-1234567", message_id="<inscope@m.de>"))
    copy = accept(engine, forward("302-1234567-1234567", message_id="<inscope@m.de>"))
    later = accept(engine, forward(O_LATER, message_id="<later@m.de>"))
    amazon = accept(engine, forward(O_AMAZON, message_id="<amazon@m.de>"))
    stranger = accept(engine, forward("302-1234567-1234567", sender=STRANGER,
                                      message_id="<stranger@m.de>"), sender=STRANGER)
    breaks = accept(engine, forward("302-7654321-7654321", message_id="<breaks@m.de>"))

    # Decided: forwarded, its copy dropped, two held for their orders, one unknown
    # sender held; the notice that cannot be written fails three times.
    drain(engine, config, broken_templates, owner="worker")
    assert assert_accounted(engine) == {inscope: DONE, copy: DONE, later: HELD, amazon: HELD,
                                        stranger: HELD, breaks: FAILED}
    assert mail_for(engine, inscope) == ["forward"] and mail_for(engine, copy) == []

    # Refused: an unknown sender cannot be a contact; nothing written, still held.
    before = decision_row(engine, stranger)
    refused = release(engine, config, stranger, templates, owner="op",
                      category="post_sale_seller_fulfilled")
    assert refused.status == REFUSED and "seller" in refused.detail
    assert decision_row(engine, stranger) == before
    assert assert_accounted(engine)[stranger] == HELD

    # Released too early: the order is still unknown, so it stays exactly as it was.
    before = decision_row(engine, amazon)
    assert release(engine, config, amazon, templates, owner="op").status == KEPT
    assert decision_row(engine, amazon) == before and mail_for(engine, amazon) == []

    # Decided again by an order import: the order now known is forwarded, once;
    # the other still unknown stays as it was.
    import_orders(engine, tmp_path, LATER_ORDERS, "later.txt")
    results = {r.received_id: r.status for r in redecide_order_unknown(
        engine, config, SELLER_ID, templates, owner="import")}
    assert results == {later: ACTED, amazon: KEPT}
    assert decision_row(engine, amazon) == before
    assert assert_accounted(engine)[later] == DONE and mail_for(engine, later) == ["forward"]
    # Doing it again finds nothing more to do.
    assert redecide_order_unknown(engine, config, SELLER_ID, templates,
                                  owner="import")[0].status == KEPT

    # Released once its order is known (imported without a re-decide), but its notice
    # cannot be written: back to held, exactly as it was.  Then released again: a notice.
    import_orders(engine, tmp_path, AMAZON_ORDER, "amazon.txt")
    failed = release(engine, config, amazon, broken_templates, owner="op")
    assert failed.status == releasing.FAILED and "held again, as it was" in failed.detail
    assert decision_row(engine, amazon) == before and mail_for(engine, amazon) == []
    assert assert_accounted(engine)[amazon] == HELD
    done = release(engine, config, amazon, templates, owner="op")
    assert done.status == ACTED and done.decision is not None
    assert done.decision.category == "amazon_fulfilled"
    assert mail_for(engine, amazon) == ["notice"]
    # Released again: not held, nothing changes.
    again = release(engine, config, amazon, templates, owner="op")
    assert (again.status, again.detail) == (NOT_HELD, "done")
    assert mail_for(engine, amazon) == ["notice"]

    # The unknown sender released as something it can be: dropped, nothing sent.
    dropped = release(engine, config, stranger, templates, owner="op",
                      category="auto_generated")
    assert dropped.status == ACTED and mail_for(engine, stranger) == []

    # Retried: the failed message waits again, then gets its notice once templates work.
    assert requeue(engine, [breaks], ("failed",)) == [breaks]
    assert assert_accounted(engine)[breaks] == WAITING
    drain(engine, config, templates, owner="worker")
    assert assert_accounted(engine) == {inscope: DONE, copy: DONE, later: DONE, amazon: DONE,
                                        stranger: DONE, breaks: DONE}
    assert mail_for(engine, breaks) == ["notice"]


def test_a_release_in_hand_is_not_taken_by_a_worker_nor_by_another_release(
        world: Engine, config: Config, templates: NoticeTemplates) -> None:
    rid = accept(world, forward(O_LATER, message_id="<later@m.de>"))
    drain(world, config, templates, owner="worker")
    assert claim_held(world, rid, "first-release", utcnow(), LEASE)
    # A running worker does not take it while the release holds it ...
    assert claim(world, "worker", utcnow(), LEASE) == []
    # ... and a second release (or an order import) finds it no longer held.
    second = release(world, config, rid, templates, owner="second-release")
    assert second.status == NOT_HELD
    assert mail_for(world, rid) == []


def test_two_imports_at_once_act_on_each_held_message_once(
        world: Engine, config: Config, tmp_path: Path, templates: NoticeTemplates) -> None:
    held = [accept(world, forward(O_LATER, message_id=f"<later-{n}@m.de>",
                                  text=f"Bestellung {O_LATER}, Frage {n}: wo ist sie?"))
            for n in range(6)]
    drain(world, config, templates, owner="worker")
    assert set(assert_accounted(world).values()) == {HELD}
    import_orders(world, tmp_path, LATER_ORDERS, "later.txt")
    results: list[list[str]] = [[], []]
    start = threading.Barrier(2)

    def redecide(slot: int) -> None:
        start.wait()
        results[slot] = [r.status for r in redecide_order_unknown(
            world, config, SELLER_ID, templates, owner=f"import-{slot}")]

    threads = [threading.Thread(target=redecide, args=(slot,)) for slot in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    both = results[0] + results[1]
    # Each message acted on by exactly one of them; the other found it not held.
    assert both.count(ACTED) == len(held), results
    assert set(both) <= {ACTED, NOT_HELD}
    places = assert_accounted(world)
    assert all(places[rid] == DONE for rid in held)
    with world.connect() as conn:
        states = set(conn.execute(sa.select(received.c.state)).scalars())
    assert states == {"done"}
