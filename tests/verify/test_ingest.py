"""`ingest` under sender trust: archived mail is judged like mail arriving now.

An archive keeps no SMTP connection, so the router's own check can only be
DKIM (and ARC, DMARC over DKIM); the believed `Authentication-Results:`
of the front server, recorded when the mail first arrived, counts as at
arrival.  On SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from router.cli.ingest_cmd import ingest
from router.config import Config, load_config
from router.config.model import Trust
from router.orders import import_report
from router.store import contacts, decisions
from tests.helpers import REPO
from tests.pipeline.test_process import ORDERS
from tests.verify.conftest import World
from tests.verify.mail import message, sign

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
FRONT = "mx.csba.example.internal"


def archived(raw: bytes) -> bytes:
    return (b"Return-Path: <service@musterhandel.de>\r\nDelivered-To: csba-de2de@amazon.de\r\n"
            b"Received: from mail.musterhandel.de by mx.amazon.de; "
            b"Tue, 3 Nov 2026 09:12:30 +0100\r\n") + raw


@pytest.fixture
def world(engine: Engine, tmp_path: Path) -> Engine:
    report = tmp_path / "orders.txt"
    report.write_text(ORDERS, encoding="utf-8")
    import_report(engine, "A1MUSTERHANDEL", report, on_error=pytest.fail)
    return engine


def config(resolver: str) -> Config:
    base = load_config(REPO / "config" / "router.yaml", env={})
    return base.model_copy(update={"trust": Trust(verify=True, resolver=resolver)})


def test_ingest_verifies_signatures_and_holds_forgeries(world: Engine, tmp_path: Path,
                                                        dns_world: World) -> None:
    signed = tmp_path / "signed.eml"
    signed.write_bytes(archived(sign(message(message_id="<a1@musterhandel.de>"),
                                     dns_world.seller)))
    forged = tmp_path / "forged.eml"
    forged.write_bytes(archived(message(message_id="<a2@evil.test>")))
    summary = ingest(world, config(dns_world.dns.address), [signed, forged], deliver=False,
                     now=NOW)
    assert summary.stored == 2
    with world.connect() as conn:
        found = dict(conn.execute(sa.select(decisions.c.category, decisions.c.reason)).all())
        billed = conn.scalar(sa.select(sa.func.count()).select_from(contacts))
    assert set(found) == {"post_sale_seller_fulfilled", "unauthenticated"}
    assert billed == 1
    notes = _evidence(world, "unauthenticated")
    assert "SPF not checked: the mail did not come by SMTP to this router" in notes
    assert "no DKIM signature" in notes


def _evidence(engine: Engine, category: str) -> list[str]:
    with engine.connect() as conn:
        record = conn.execute(sa.select(decisions.c.evidence).where(
            decisions.c.category == category)).scalar_one()
    return [e["detail"] for e in record["evidence"]]
