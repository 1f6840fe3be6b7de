"""`csba-router classify` as an operator runs it, and the database-backed lookups."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Table
from sqlalchemy.engine import Connection, Engine

from router.store import contacts, decisions, open_engine, orders, outgoing, received, upgrade
from router.store.orderbook import DbHistory, DbOrderBook
from tests.cli_run import cli
from tests.helpers import REPO

FIXTURES = REPO / "tests" / "decide" / "classify"
INQUIRY = FIXTURES / "inquiry_de.eml"
AUTOREPLY = FIXTURES / "autoreply.eml"
ORDER = "302-1234567-1234567"

CONFIG = """\
instance: {{hostname: csba-router.example.internal, data_dir: {data}}}
storage: {{url: "sqlite:///{db}"}}
regions:
  de2de: {{address: csba-de2de@amazon.de, marketplace: amazon.de, language: de,
          forward_to: csba-team-de@example.internal}}
sellers:
  - id: A1MUSTERHANDEL
    region: de2de
    addresses: [service@musterhandel.de]
    enrollment: [{{start: 2026-06-01}}]
classification:
  rules:
    - name: invoice-requests
      category: invoice
      any_keywords: {{de: [Rechnung]}}
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "router.yaml"
    path.write_text(CONFIG.format(data=tmp_path / "var", db=tmp_path / "var" / "router.db"),
                    encoding="utf-8")
    return path


def run(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return cli("--config", str(config), "classify", *args, cwd=REPO)


def add_order(url: str, channel: str = "Merchant") -> None:
    engine = open_engine(url)
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(orders.insert().values(
            seller_id="A1MUSTERHANDEL", amazon_order_id=ORDER, line_no=0, sku="TEE-1",
            purchase_date=datetime(2026, 10, 5, 8, 0, tzinfo=UTC), order_status="Shipped",
            fulfillment_channel=channel, sales_channel="Amazon.de", quantity=2,
            item_status="Shipped", source_file="r.txt", imported_at=datetime.now(UTC)))
    engine.dispose()


def test_json_lines_with_orders_from_the_database(config: Path, tmp_path: Path) -> None:
    add_order(f"sqlite:///{tmp_path / 'var' / 'router.db'}")
    result = run(config, "--json", str(INQUIRY), str(AUTOREPLY))
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["category"] for o in lines] == ["post_sale_seller_fulfilled", "auto_generated"]
    first = lines[0]
    assert first == {
        "file": str(INQUIRY), "message_id": "<fwd-inquiry-de@musterhandel.de>",
        "region": "de2de", "seller_id": "A1MUSTERHANDEL",
        "category": "post_sale_seller_fulfilled", "action": "forward", "order_ids": [ORDER],
        "language": "de", "rule": "post_sale_seller_fulfilled", "reason": first["reason"],
    }
    assert list(first) == ["file", "message_id", "region", "seller_id", "category", "action",
                           "order_ids", "language", "rule", "reason"]


def test_no_db_and_envelope_flags(config: Path) -> None:
    result = run(config, "--json", "--no-db", "--recipient", "csba-de2de@amazon.de",
                 str(INQUIRY))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["category"] == "order_unknown"
    null = run(config, "--json", "--no-db", "--sender", "", str(INQUIRY))
    assert json.loads(null.stdout)["category"] == "auto_generated"
    other = run(config, "--json", "--no-db", "--sender", "bounce@esp.example", str(INQUIRY))
    assert json.loads(other.stdout)["seller_id"] == "A1MUSTERHANDEL"  # From still matches


def test_explain(config: Path) -> None:
    result = run(config, "--explain", "--no-db", str(INQUIRY))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "order_unknown -> hold" in out
    assert "[miss] auto_generated" in out and "[HIT ] order_unknown" in out
    assert "service@musterhandel.de" in out and "[From]" in out
    assert "Customer's text" in out and "immer noch nicht angekommen" in out


def test_default_output_one_line_per_file(config: Path) -> None:
    result = run(config, "--no-db", str(INQUIRY), str(AUTOREPLY))
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert lines[1].startswith(f"{AUTOREPLY}: auto_generated -> drop [auto_generated] ")


def test_unreadable_file_exit_2_others_still_classified(config: Path, tmp_path: Path) -> None:
    missing = tmp_path / "missing.eml"
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run(config, "--json", "--no-db", str(missing), str(INQUIRY), str(empty))
    assert result.returncode == 2
    assert json.loads(result.stdout)["file"] == str(INQUIRY)
    errors = result.stderr.strip().splitlines()
    assert errors[0] == f"{missing}: no such file or directory"
    assert errors[1].startswith(f"{empty}: no mail in this folder")
    assert "Traceback" not in result.stderr


# --- the database-backed lookups (SQLite and PostgreSQL) ---------------------


def test_db_order_book(engine: Engine) -> None:
    now = datetime(2026, 11, 1, tzinfo=UTC)
    rows = [
        ("A1", ORDER, 0, "Merchant", 1), ("A1", ORDER, 1, "Merchant", 2),
        ("A1", ORDER, 2, "Amazon", 1), ("B2", ORDER, 0, "Merchant", 1),
        ("A1", "302-0000000-0000000", 0, "Merchant", 1),
    ]
    with engine.begin() as conn:
        for seller, order_id, line, channel, qty in rows:
            conn.execute(orders.insert().values(
                seller_id=seller, amazon_order_id=order_id, line_no=line, sku=f"S{line}",
                purchase_date=now - timedelta(days=3), order_status="Shipped",
                fulfillment_channel=channel, sales_channel="Amazon.de", quantity=qty,
                item_status="Unshipped" if line == 1 else "Shipped", source_file="r",
                imported_at=now))
    found = DbOrderBook(engine).lookup([ORDER, "999-9999999-9999999"])
    assert list(found) == [ORDER]
    by_key = {(f.seller_id, f.fulfillment_channel): f for f in found[ORDER]}
    assert set(by_key) == {("A1", "Merchant"), ("A1", "Amazon"), ("B2", "Merchant")}
    merchant = by_key[("A1", "Merchant")]
    assert merchant.units == 3 and merchant.statuses == ("Shipped", "Unshipped")
    assert merchant.purchase_date == now - timedelta(days=3)
    assert DbOrderBook(engine).lookup([]) == {}


def _insert(conn: Connection, table: Table, **values: Any) -> int:
    key = conn.execute(table.insert().values(**values)).inserted_primary_key
    assert key is not None
    return int(key[0])


def test_db_history(engine: Engine) -> None:
    now = datetime(2026, 11, 1, 12, tzinfo=UTC)
    with engine.begin() as conn:
        rid = _insert(conn, received, message_id="<in@x>", sha256="0", raw=b"", size=0,
                      mail_from="a@b.c", rcpt_tos=[], channel="smtp", arrived_at=now,
                      state="done")
        cid = _insert(conn, contacts, seller_id="A1", order_id=ORDER, marketplace="amazon.de",
                      region="de2de", received_id=rid, arrived_at=now, last_activity_at=now)
        conn.execute(decisions.insert().values(
            received_id=rid, category="post_sale_seller_fulfilled", action="forward",
            rule="post_sale_seller_fulfilled", reason="r", seller_id="A1", region="de2de",
            order_ids=[ORDER], language="de", evidence=[], contact_id=cid, decided_at=now))
        conn.execute(outgoing.insert().values(
            received_id=rid, kind="forward", message_id="<fwd-1@csba.example>",
            mail_from="x@y.z", rcpt_tos=["t@y.z"], raw=b"", state="sent", next_try_at=now))
    history = DbHistory(engine)
    assert history.contact_for_reply(["<other@x>", "fwd-1@csba.example"]) == cid
    assert history.contact_for_reply(["<other@x>"]) is None
    assert history.contact_owner(cid) == "A1"
    assert history.contact_owner(cid + 100) is None
    assert history.recent_contact("A1", ORDER, now - timedelta(hours=24)) == cid
    assert history.recent_contact("A1", ORDER, now + timedelta(seconds=1)) is None
    assert history.recent_contact("B2", ORDER, now - timedelta(hours=24)) is None


def test_json_with_explain_keeps_stdout_json(config: Path) -> None:
    result = run(config, "--json", "--explain", "--no-db", str(AUTOREPLY))
    assert json.loads(result.stdout)["rule"] == "auto_generated"
    assert "[HIT ] auto_generated" in result.stderr
