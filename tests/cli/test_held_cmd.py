"""`held`, `show`, `release` and `failed` as an operator uses them."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from router.orders import import_report
from router.store import decisions, outgoing, received
from tests.cli.desk import SELLER_ID, Desk, desk, order_line
from tests.pipeline.test_process import ARRIVED, ORDERS, forward
from tests.pipeline.walk import DONE, HELD, assert_accounted, mail_for

ORDER = "302-1234567-1234567"
STRANGER = "shop@musterhandel.de.evil.com"


def test_held_lists_and_release_as_category_forwards(tmp_path: Path) -> None:
    d = desk(tmp_path)
    # No order report imported: the inquiry's order is unknown, so it is held.
    rid = d.accept(forward(ORDER))
    assert d.drain() == {"held": 1}

    listed = d.cli("held", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    (row,) = json.loads(listed.stdout)
    assert (row["id"], row["category"], row["seller_id"]) == (rid, "order_unknown", SELLER_ID)
    assert row["subject"] == "WG: Wo bleibt meine Bestellung?"

    wrong = d.cli("release", str(rid), "--as", "post_sale_seller_fulfiled")
    assert wrong.returncode == 2 and "unknown category" in wrong.stderr

    released = d.cli("release", str(rid), "--as", "post_sale_seller_fulfilled")
    assert released.returncode == 0, released.stderr
    assert "forward queued" in released.stdout
    assert assert_accounted(d.engine) == {rid: DONE} and mail_for(d.engine, rid) == ["forward"]

    # A second release changes nothing and says so (exit 0: it ends where the first left it).
    again = d.cli("release", str(rid))
    assert again.returncode == 0, again.stderr
    assert again.stdout == f"message {rid}: not held (done); nothing changed\n"
    assert mail_for(d.engine, rid) == ["forward"]
    assert "no held messages" in d.cli("held").stdout


def test_release_after_the_order_is_imported_forwards_it(tmp_path: Path) -> None:
    """Issue 11, defect 1: the message was dropped as a duplicate of itself."""
    d = desk(tmp_path)
    rid = d.accept(forward(ORDER))
    assert d.drain() == {"held": 1}
    report = tmp_path / "orders.txt"
    report.write_text(ORDERS, encoding="utf-8")
    import_report(d.engine, SELLER_ID, report, on_error=print)

    released = d.cli("release", str(rid))
    assert released.returncode == 0, released.stderr
    assert "post_sale_seller_fulfilled -> forward" in released.stdout
    assert assert_accounted(d.engine) == {rid: DONE} and mail_for(d.engine, rid) == ["forward"]


def test_release_as_a_category_the_message_cannot_take_is_refused(tmp_path: Path) -> None:
    """Issue 11, defect 2: an unknown sender released as in scope crashed and was lost."""
    d = desk(tmp_path)
    rid = d.accept(forward(ORDER, sender=STRANGER), sender=STRANGER)
    assert d.drain() == {"held": 1}
    with d.engine.connect() as conn:
        before = (conn.execute(sa.select(received)).one(),
                  conn.execute(sa.select(decisions)).one())

    refused = d.cli("release", str(rid), "--as", "post_sale_seller_fulfilled")
    assert refused.returncode == 2, (refused.stdout, refused.stderr)
    assert "Traceback" not in refused.stderr and "IntegrityError" not in refused.stderr
    assert refused.stderr == (
        f"message {rid}: not released as post_sale_seller_fulfilled: a contact needs a seller, "
        "and no configured seller sent this message; it is still held\n")
    with d.engine.connect() as conn:
        after = (conn.execute(sa.select(received)).one(), conn.execute(sa.select(decisions)).one())
        assert conn.scalar(sa.select(sa.func.count()).select_from(outgoing)) == 0
    assert after == before
    listed = json.loads(d.cli("held", "--format", "json").stdout)
    assert [row["id"] for row in listed] == [rid]


def test_held_json_carries_the_contract_fields_oldest_first(tmp_path: Path) -> None:
    d = desk(tmp_path)
    # Stored second but arrived first (ingested from an archive, say): listed first.
    second = d.accept(forward(ORDER, sender=STRANGER, message_id="<second@x.example>"),
                      sender=STRANGER)
    first = d.accept(forward(ORDER, message_id="<first@musterhandel.de>"),
                     arrived_at=ARRIVED - timedelta(hours=1))
    d.drain()
    done = d.cli("held", "--format", "json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert [r["id"] for r in rows] == [first, second]
    assert {"id", "message_id", "arrived_at", "mail_from", "seller_id", "category", "rule",
            "reason"} <= set(rows[0])
    assert (rows[0]["message_id"], rows[0]["mail_from"], rows[0]["seller_id"],
            rows[0]["category"]) == ("<first@musterhandel.de>", "service@musterhandel.de",
                                     SELLER_ID, "order_unknown")
    assert (rows[1]["message_id"], rows[1]["seller_id"], rows[1]["category"]) == (
        "<second@x.example>", None, "unknown_sender")
    assert rows[0]["arrived_at"].startswith("2026-11-03T08:12:00") and rows[0]["reason"]
    table = d.cli("held").stdout
    assert table.index(f"{first:>6}") < table.index(f"{second:>6}")


def test_show_prints_envelope_headers_decision_and_mail_sent(tmp_path: Path) -> None:
    d = desk(tmp_path)
    rid = d.accept(forward(ORDER))
    d.drain()
    held = d.cli("show", str(rid))
    assert held.returncode == 0, held.stderr
    out = held.stdout
    assert out.startswith(f"message {rid}: held\n")
    for expected in ("mail from:  service@musterhandel.de", "rcpt to:    csba-de2de@amazon.de",
                     "Subject: WG: Wo bleibt meine Bestellung?",
                     "Message-ID: <fwd-1@musterhandel.de>", "category:   order_unknown",
                     "action:     hold", f"seller:     {SELLER_ID}", f"orders:     {ORDER}",
                     "mail sent for it:\n  none"):
        assert expected in out, expected
    assert "rule:       " in out and "reason:     " in out

    d.report(order_line(ORDER))
    d.cli("orders", "import", "--seller", SELLER_ID, str(tmp_path / "orders.txt"))
    shown = d.cli("show", str(rid)).stdout
    assert shown.startswith(f"message {rid}: done\n")
    assert "category:   post_sale_seller_fulfilled" in shown and "contact: " in shown
    with d.engine.connect() as conn:
        (mail_id,) = conn.execute(sa.select(outgoing.c.id)).scalars()
    assert f"  #{mail_id} forward to csba-team-de@example.internal: pending" in shown

    missing = d.cli("show", "999")
    assert missing.returncode == 2 and "no message 999" in missing.stderr


def test_release_several_ids_and_all_with_filters(tmp_path: Path) -> None:
    d = desk(tmp_path)
    a = d.accept(forward(ORDER, message_id="<a@musterhandel.de>"))
    b = d.accept(forward("302-7654321-7654321", message_id="<b@musterhandel.de>"))
    c = d.accept(forward(ORDER, sender=STRANGER, message_id="<c@x.example>"), sender=STRANGER)
    d.drain()
    assert set(assert_accounted(d.engine).values()) == {HELD}

    usage = [d.cli("release"), d.cli("release", str(a), "--all"),
             d.cli("release", str(a), "--seller", SELLER_ID),
             d.cli("release", "--all", "--category", "no_such_category")]
    assert [u.returncode for u in usage] == [2, 2, 2, 2]
    assert all("Traceback" not in u.stderr for u in usage)

    # Nothing matches: no unknown sender of this seller.
    none = d.cli("release", "--all", "--category", "unknown_sender", "--seller", SELLER_ID)
    assert (none.returncode, none.stdout) == (0, "no held messages match\n")

    # Several ids: one refused (exit 2), one unknown; the others still done.
    report = tmp_path / "orders.txt"
    report.write_text(ORDERS, encoding="utf-8")
    import_report(d.engine, SELLER_ID, report, on_error=print)
    several = d.cli("release", str(a), str(c), "999", "--as", "post_sale_seller_fulfilled")
    assert several.returncode == 2
    assert f"message {a}: post_sale_seller_fulfilled -> forward" in several.stdout
    assert f"message {c}: not released as post_sale_seller_fulfilled" in several.stderr
    assert "message 999: no such message" in several.stderr

    # --all of one seller: b (its order now known: Amazon-fulfilled) gets its notice.
    everything = d.cli("release", "--all", "--seller", SELLER_ID)
    assert everything.returncode == 0, everything.stderr
    assert everything.stdout == (f"message {b}: amazon_fulfilled -> bounce (notice queued); "
                                 f"{_reason(d, b)}\n")
    assert assert_accounted(d.engine) == {a: DONE, b: DONE, c: HELD}
    assert (mail_for(d.engine, a), mail_for(d.engine, b)) == (["forward"], ["notice"])


def _reason(d: Desk, rid: int) -> str:
    with d.engine.connect() as conn:
        return str(conn.scalar(sa.select(decisions.c.reason).where(
            decisions.c.received_id == rid)))


def test_orders_import_acts_on_held_mail_whose_order_is_now_known(tmp_path: Path) -> None:
    d = desk(tmp_path)
    known = d.accept(forward(ORDER, message_id="<known@musterhandel.de>"))
    unknown = d.accept(forward("302-9999999-9999999", message_id="<unknown@musterhandel.de>"))
    d.drain()
    with d.engine.connect() as conn:
        before = conn.execute(sa.select(decisions).where(
            decisions.c.received_id == unknown)).one()

    done = d.cli("orders", "import", "--seller", SELLER_ID, str(d.report(order_line(ORDER))))
    assert done.returncode == 0, done.stderr
    assert f"message {known}: post_sale_seller_fulfilled -> forward (forward queued)" \
        in done.stdout
    assert "held as order_unknown: 1 decided again, 1 still held" in done.stdout
    assert assert_accounted(d.engine) == {known: DONE, unknown: HELD}
    assert mail_for(d.engine, known) == ["forward"] and mail_for(d.engine, unknown) == []
    with d.engine.connect() as conn:
        assert conn.execute(sa.select(decisions).where(
            decisions.c.received_id == unknown)).one() == before

    # The same file again: nothing new to import, nothing acted on twice.
    again = d.cli("orders", "import", "--seller", SELLER_ID, str(tmp_path / "orders.txt"))
    assert again.returncode == 0 and "1 decided again" not in again.stdout
    assert mail_for(d.engine, known) == ["forward"]


def test_failed_list_and_retry(tmp_path: Path) -> None:
    d = desk(tmp_path)
    rid = d.accept(b"Subject: x\r\n\r\nbody\r\n", sender="a@b.example")
    with d.engine.begin() as conn:
        conn.execute(received.update().where(received.c.id == rid).values(
            state="failed", attempts=3, last_error="RuntimeError: boom"))
    listed = d.cli("failed")
    assert listed.returncode == 0 and "RuntimeError: boom" in listed.stdout
    assert d.cli("failed", "retry").returncode == 2
    retried = d.cli("failed", "retry", str(rid))
    assert retried.returncode == 0 and f"requeued 1: {rid}" in retried.stdout
    with d.engine.connect() as conn:
        state, attempts = conn.execute(sa.select(received.c.state, received.c.attempts).where(
            received.c.id == rid)).one()
    assert (state, attempts) == ("received", 0)
    assert d.cli("failed", "retry", str(rid)).returncode == 2
