"""`held`, `release` and `failed` as an operator uses them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from router.act.templates import NoticeTemplates
from router.config import load_config
from router.pipeline.runner import drain
from router.store import open_engine, outgoing, received, upgrade
from router.store.arrivals import store_received
from tests.helpers import REPO
from tests.pipeline.test_process import ARRIVED, forward


def _setup(tmp_path: Path) -> tuple[Path, sa.Engine]:
    text = (REPO / "config" / "router.yaml").read_text(encoding="utf-8")
    config = tmp_path / "router.yaml"
    config.write_text(text.replace("sqlite:///./var/router.db",
                                   f"sqlite:///{tmp_path / 'router.db'}"), encoding="utf-8")
    engine = open_engine(f"sqlite:///{tmp_path / 'router.db'}")
    upgrade(engine)
    return config, engine


def _cli(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CSBA_ROUTER_CONFIG"}
    return subprocess.run([sys.executable, "-m", "router", "--config", str(config), *args],
                          capture_output=True, text=True, timeout=60, env=env)


def test_held_lists_and_release_as_category_forwards(tmp_path: Path) -> None:
    config_path, engine = _setup(tmp_path)
    config = load_config(config_path, env={})
    # No order report imported: the inquiry's order is unknown, so it is held.
    rid = store_received(engine, forward("302-1234567-1234567"),
                         mail_from="service@musterhandel.de", rcpt_tos=["csba-de2de@amazon.de"],
                         channel="smtp", channel_ref=None, arrived_at=ARRIVED, message_id=None)
    assert drain(engine, config, NoticeTemplates.from_config(config), owner="t") == {"held": 1}

    listed = _cli(config_path, "held", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    (row,) = json.loads(listed.stdout)
    assert (row["id"], row["category"], row["seller_id"]) == (
        rid, "order_unknown", "A1MUSTERHANDEL")
    assert row["subject"] == "WG: Wo bleibt meine Bestellung?"

    wrong = _cli(config_path, "release", str(rid), "--as", "post_sale_seller_fulfiled")
    assert wrong.returncode == 2 and "unknown category" in wrong.stderr

    released = _cli(config_path, "release", str(rid), "--as", "post_sale_seller_fulfilled")
    assert released.returncode == 0, released.stderr
    assert "forward queued" in released.stdout
    with engine.connect() as conn:
        assert conn.scalar(sa.select(received.c.state).where(received.c.id == rid)) == "done"
        assert conn.scalar(sa.select(sa.func.count()).select_from(outgoing)) == 1

    # A second release changes nothing and says so (exit 0: it ends where the first left it).
    again = _cli(config_path, "release", str(rid))
    assert again.returncode == 0, again.stderr
    assert again.stdout == f"message {rid}: not held (done); nothing changed\n"
    with engine.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(outgoing)) == 1
    assert "no held messages" in _cli(config_path, "held").stdout


def test_failed_list_and_retry(tmp_path: Path) -> None:
    config_path, engine = _setup(tmp_path)
    rid = store_received(engine, b"Subject: x\r\n\r\nbody\r\n", mail_from="a@b.example",
                         rcpt_tos=["csba-de2de@amazon.de"], channel="smtp", channel_ref=None,
                         arrived_at=ARRIVED, message_id=None)
    with engine.begin() as conn:
        conn.execute(received.update().where(received.c.id == rid).values(
            state="failed", attempts=3, last_error="RuntimeError: boom"))
    listed = _cli(config_path, "failed")
    assert listed.returncode == 0 and "RuntimeError: boom" in listed.stdout
    assert _cli(config_path, "failed", "retry").returncode == 2
    retried = _cli(config_path, "failed", "retry", str(rid))
    assert retried.returncode == 0 and f"requeued 1: {rid}" in retried.stdout
    with engine.connect() as conn:
        state, attempts = conn.execute(sa.select(received.c.state, received.c.attempts).where(
            received.c.id == rid)).one()
    assert (state, attempts) == ("received", 0)
    assert _cli(config_path, "failed", "retry", str(rid)).returncode == 2


def test_release_after_the_order_is_imported_forwards_it(tmp_path: Path) -> None:
    """Issue 11, defect 1: the message was dropped as a duplicate of itself."""
    from router.orders import import_report
    from tests.pipeline.test_process import ORDERS

    config_path, engine = _setup(tmp_path)
    config = load_config(config_path, env={})
    rid = store_received(engine, forward("302-1234567-1234567"),
                         mail_from="service@musterhandel.de", rcpt_tos=["csba-de2de@amazon.de"],
                         channel="smtp", channel_ref=None, arrived_at=ARRIVED, message_id=None)
    assert drain(engine, config, NoticeTemplates.from_config(config), owner="t") == {"held": 1}
    report = tmp_path / "orders.txt"
    report.write_text(ORDERS, encoding="utf-8")
    import_report(engine, "A1MUSTERHANDEL", report, on_error=print)

    released = _cli(config_path, "release", str(rid))
    assert released.returncode == 0, released.stderr
    assert "post_sale_seller_fulfilled -> forward" in released.stdout
    with engine.connect() as conn:
        assert conn.scalar(sa.select(received.c.state).where(received.c.id == rid)) == "done"
        (mail,) = conn.execute(sa.select(outgoing.c.kind, outgoing.c.received_id)).all()
    assert tuple(mail) == ("forward", rid)


def test_release_as_a_category_the_message_cannot_take_is_refused(tmp_path: Path) -> None:
    """Issue 11, defect 2: an unknown sender released as in scope crashed and was lost."""
    config_path, engine = _setup(tmp_path)
    config = load_config(config_path, env={})
    stranger = "shop@musterhandel.de.evil.com"
    rid = store_received(engine, forward("302-1234567-1234567", sender=stranger),
                         mail_from=stranger, rcpt_tos=["csba-de2de@amazon.de"],
                         channel="smtp", channel_ref=None, arrived_at=ARRIVED, message_id=None)
    assert drain(engine, config, NoticeTemplates.from_config(config), owner="t") == {"held": 1}
    with engine.connect() as conn:
        before = conn.execute(sa.select(received)).one()

    refused = _cli(config_path, "release", str(rid), "--as", "post_sale_seller_fulfilled")
    assert refused.returncode == 2, (refused.stdout, refused.stderr)
    assert "Traceback" not in refused.stderr and "IntegrityError" not in refused.stderr
    assert "seller" in refused.stderr and "still held" in refused.stderr
    with engine.connect() as conn:
        assert conn.execute(sa.select(received)).one() == before
        assert conn.scalar(sa.select(sa.func.count()).select_from(outgoing)) == 0
    listed = json.loads(_cli(config_path, "held", "--format", "json").stdout)
    assert [row["id"] for row in listed] == [rid]
