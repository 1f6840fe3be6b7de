"""Monthly statements: the mail as bytes, and exactly once per seller and month.

Composition is tested on plain values; the exactly-once rule on SQLite and
PostgreSQL (the `engine` fixture), including two threads racing with their
own engines, as two `serve` processes would.
"""

from __future__ import annotations

import email
import email.policy
import io
import sys
import threading
from datetime import UTC, date, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from router.account.billing import Activity, Terms, compute_bill
from router.account.months import Month, span
from router.account.statements import (
    StatementError,
    StatementTemplates,
    compose_statement,
    count,
    enrolled_in,
    last_ended_month,
    record_statement,
    render_chart,
    send_month,
    statement_language,
    statement_message_id,
)
from router.config.model import Config
from router.store import open_engine, outgoing, statements
from tests.account.dbdata import SELLERS, fill_example
from tests.account.fixtures import DE, config

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
OCT = Month(2026, 10)
NOV_1 = datetime(2026, 11, 1, 5, 0, tzinfo=UTC)  # 06:00 Europe/Berlin


def _config(fr_marketplace: str = "amazon.de", **extra: Any) -> Config:
    """Sellers with their own language, one taking the region's, one unknown."""
    return Config.model_validate({
        "instance": {"hostname": "csba-router.test"},
        "regions": {
            "de2de": {"address": "csba-de2de@amazon.de", "marketplace": "amazon.de",
                      "forward_to": "team-de@example.internal"},
            "fr2fr": {"address": "csba-fr2fr@amazon.fr", "marketplace": fr_marketplace,
                      "forward_to": "team-fr@example.internal", "language": "fr"},
        },
        "sellers": [
            {"id": "DE1", "name": "Musterhandel GmbH", "language": "de", "region": "de2de",
             "addresses": ["de1@example.com"], "enrollment": [{"start": "2026-06-01"}]},
            {"id": "ZH1", "language": "zh", "region": "de2de", "addresses": ["zh1@example.com"],
             "enrollment": [{"start": "2026-06-01"}]},
            {"id": "FR1", "region": "fr2fr", "addresses": ["fr1@example.com"],
             "enrollment": [{"start": "2026-06-01"}]},
            {"id": "IT1", "language": "it", "region": "de2de", "addresses": ["it1@example.com"],
             "enrollment": [{"start": "2026-06-01"}]},
        ],
        "billing": {"fees": {"amazon.de": DE.model_dump(mode="json")}},
        **extra,
    })


ACTIVITY = Activity(
    {date(2026, 7, 10): 20, date(2026, 8, 10): 15, date(2026, 9, 29): 5,
     date(2026, 10, 15): 11},
    {Month(2026, 7): 1, Month(2026, 8): 2, Month(2026, 9): 2, Month(2026, 10): 2})


def _statement(cfg: Config, seller_id: str, now: datetime = NOV_1) -> Any:
    seller = cfg.seller(seller_id)
    assert seller is not None
    terms = Terms.of(cfg, seller)
    bill = compute_bill(terms, OCT, ACTIVITY)
    png = render_chart(terms, span(OCT.plus(-11), OCT), ACTIVITY)
    return compose_statement(cfg, seller, bill, png, now=now,
                             templates=StatementTemplates.from_config(cfg))


def _parse(raw: bytes) -> EmailMessage:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


# --------------------------------------------------------------------------
# Composition.


def test_headers_envelope_and_deterministic_message_id() -> None:
    cfg = _config()
    st = _statement(cfg, "DE1")
    msg = _parse(st.raw)
    assert st.message_id == "<csba-statement-DE1-2026-10@csba-router.test>"
    assert msg["Message-ID"] == st.message_id
    assert msg["From"] == "CSBA router <csba-noreply@amazon.de>"
    assert msg["To"] == "de1@example.com" and st.rcpt_to == "de1@example.com"
    assert st.mail_from == "csba-noreply@amazon.de"
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["X-CSBA-Seller"] == "DE1"
    assert msg["X-CSBA-Statement"] == "2026-10"
    assert msg["Date"].datetime == NOV_1
    # The subject names the month and the fee (4.51 = 0.41 x 11; CPU 5/40).
    assert msg["Subject"] == "CSBA-Abrechnung Oktober 2026: 4,51 EUR (DE1)"
    assert b"\r\n" in st.raw and b"\n" not in st.raw.replace(b"\r\n", b"")


def test_text_part_and_png_attachment() -> None:
    from matplotlib.image import imread

    msg = _parse(_statement(_config(), "DE1").raw)
    assert msg.get_content_type() == "multipart/mixed"
    text, image = list(msg.iter_parts())
    assert text.get_content_type() == "text/plain"
    assert text.get_content_charset() == "utf-8"
    assert text["Content-Language"] == "de"
    body = text.get_content()
    for figure in ("Gebühr:                4,51 EUR", "0,41 EUR je Einheit x 11",
                   "2026-07..2026-09", "CPU:                   0,125000",
                   "-> CPU bis 0,15: 0,41", "Musterhandel GmbH"):
        assert figure in body
    assert image.get_content_type() == "image/png"
    assert image.get_filename() == "cpu-DE1-2026-10.png"
    assert image.get_content_disposition() == "attachment"
    png = image.get_content()
    assert png.startswith(PNG_SIGNATURE)
    height, width = imread(io.BytesIO(png), format="png").shape[:2]
    assert height >= 400 and width >= 900


@pytest.mark.parametrize(("seller_id", "language", "subject"), [
    ("DE1", "de", "CSBA-Abrechnung Oktober 2026: 4,51 EUR (DE1)"),
    ("ZH1", "zh", "CSBA 2026年10月账单：4.51 EUR（ZH1）"),
    ("FR1", "fr", "Relevé CSBA octobre 2026 : 4,51 EUR (FR1)"),  # the region's language
    ("IT1", "en", "CSBA statement October 2026: 4.51 EUR (IT1)"),  # no Italian file: English
])
def test_language_per_seller(seller_id: str, language: str, subject: str) -> None:
    st = _statement(_config(), seller_id)
    msg = _parse(st.raw)
    assert st.language == language
    assert msg["Subject"] == subject
    assert next(iter(msg.iter_parts()))["Content-Language"] == language


def test_language_order_seller_then_region_then_english() -> None:
    cfg = _config()
    by_id = {s.id: s for s in cfg.sellers}
    assert statement_language(cfg, by_id["DE1"]) == "de"
    assert statement_language(cfg, by_id["FR1"]) == "fr"
    assert statement_language(config([{"id": "X"}]), config([{"id": "X"}]).sellers[0]) == "en"


def test_same_inputs_same_bytes() -> None:
    cfg = _config()
    assert _statement(cfg, "DE1").raw == _statement(cfg, "DE1").raw
    assert _statement(cfg, "DE1").raw != _statement(cfg, "ZH1").raw


def test_message_id_of_an_odd_seller_id_is_one_token() -> None:
    assert statement_message_id("A1_X-2", OCT, "h.test") == "<csba-statement-A1_X-2-2026-10@h.test>"
    odd = statement_message_id("A 1>x", OCT, "h.test")
    assert odd.startswith("<csba-statement-") and odd.endswith("-2026-10@h.test>")
    assert " " not in odd and odd.count(">") == 1
    assert odd == statement_message_id("A 1>x", OCT, "h.test")


def test_a_broken_override_falls_back_to_the_packaged_template(tmp_path: Path) -> None:
    (tmp_path / "statements").mkdir()
    (tmp_path / "statements" / "statement.de.txt.j2").write_text(
        "Subject: {{ no_such_name }}\n\nx\n", encoding="utf-8")
    (tmp_path / "statements" / "statement.zh.txt.j2").write_text(
        "Subject: Eigene {{ bill.fee }}\n\nText\n", encoding="utf-8")
    cfg = _config(templates={"override_dir": str(tmp_path)})
    assert _parse(_statement(cfg, "DE1").raw)["Subject"].startswith("CSBA-Abrechnung Oktober")
    assert _parse(_statement(cfg, "ZH1").raw)["Subject"] == "Eigene 4.51"


# --------------------------------------------------------------------------
# Months and sellers.


def test_which_month_a_run_bills() -> None:
    assert last_ended_month(NOV_1) == OCT  # 2026-11-01 06:00 Berlin bills October
    assert last_ended_month(datetime(2026, 11, 1, tzinfo=UTC)) == OCT
    assert last_ended_month(datetime(2026, 10, 31, 23, 59, 59, tzinfo=UTC)) == Month(2026, 9)
    assert last_ended_month(datetime(2027, 1, 3, tzinfo=UTC)) == Month(2026, 12)


def test_enrolled_means_a_period_overlaps_the_month() -> None:
    def seller(*periods: dict[str, str]) -> Any:
        return config([{"id": "S", "enrollment": list(periods)}]).sellers[0]

    assert enrolled_in(seller({"start": "2026-06-01"}), OCT)
    assert enrolled_in(seller({"start": "2026-10-31"}), OCT)
    assert not enrolled_in(seller({"start": "2026-11-01"}), OCT)
    assert enrolled_in(seller({"start": "2026-01-01", "end": "2026-10-15"}), OCT)
    assert not enrolled_in(seller({"start": "2026-01-01", "end": "2026-10-01"}), OCT)
    assert enrolled_in(seller({"start": "2026-01-01", "end": "2026-10-02"}), OCT)
    assert not enrolled_in(seller(), OCT)


# --------------------------------------------------------------------------
# Exactly once, on both engines.


def _rows(engine: Engine) -> tuple[list[Any], list[Any]]:
    with engine.connect() as conn:
        st = list(conn.execute(sa.select(statements).order_by(statements.c.seller_id)))
        out = list(conn.execute(sa.select(outgoing).order_by(outgoing.c.id)))
    return st, out


def test_send_twice_queues_once(engine: Engine, tmp_path: Path) -> None:
    fill_example(engine, tmp_path)
    cfg = config(SELLERS)
    first = send_month(engine, cfg, OCT, now=NOV_1)
    assert [(o.seller_id, o.status) for o in first] == [
        ("A1", "queued"), ("B2", "queued"), ("N3", "not_enrolled")]
    assert (first[0].fee, first[0].currency, first[0].recipient) == ("4.51", "EUR",
                                                                      "a1@example.com")
    again = send_month(engine, cfg, OCT, now=datetime(2026, 11, 2, tzinfo=UTC))
    assert [o.status for o in again] == ["already", "already", "not_enrolled"]

    st, out = _rows(engine)
    assert [(r.seller_id, r.month) for r in st] == [("A1", "2026-10"), ("B2", "2026-10")]
    assert len(out) == 2
    assert {r.kind for r in out} == {"statement"}
    assert {r.state for r in out} == {"pending"}
    assert [r.rcpt_tos for r in out] == [["a1@example.com"], ["b2@example.com"]]
    assert {r.id for r in out} == {r.outgoing_id for r in st}
    assert st[0].figures["fee"] == "4.51" and st[0].figures["cpu"] == "0.125000"
    assert st[1].figures["fee"] == "1.00" and st[1].figures["currency"] == "USD"
    a1 = _parse(next(r.raw for r in out if r.rcpt_tos == ["a1@example.com"]))
    assert a1["Message-ID"] == f"<csba-statement-A1-2026-10@{cfg.instance.hostname}>"
    assert a1["X-CSBA-Statement"] == "2026-10"


def test_a_statement_recorded_twice_is_queued_once(engine: Engine) -> None:
    cfg = _config()
    st = _statement(cfg, "DE1")
    assert isinstance(record_statement(engine, st, now=NOV_1), int)
    assert record_statement(engine, st, now=NOV_1) is None
    assert [len(rows) for rows in _rows(engine)] == [1, 1]


def test_two_racing_runs_queue_one_mail_per_seller(engine: Engine, db_url: str,
                                                   tmp_path: Path) -> None:
    fill_example(engine, tmp_path)
    cfg = config(SELLERS)
    engines = [open_engine(db_url) for _ in range(2)]
    start = threading.Barrier(2)
    results: list[list[Any]] = []

    def run(own: Engine) -> None:
        start.wait()
        results.append(send_month(own, cfg, OCT, now=NOV_1))

    try:
        threads = [threading.Thread(target=run, args=(e,)) for e in engines]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        for e in engines:
            e.dispose()
    assert len(results) == 2
    for seller in ("A1", "B2"):
        statuses = sorted(o.status for r in results for o in r if o.seller_id == seller)
        assert statuses == ["already", "queued"]
    st, out = _rows(engine)
    assert len(st) == 2 and len(out) == 2


def test_sellers_without_notify_address_are_skipped(engine: Engine) -> None:
    cfg = config([{"id": "W1", "addresses": ["*@w1.example"],
                   "enrollment": [{"start": "2026-06-01"}]}])
    outcomes = send_month(engine, cfg, OCT, now=NOV_1)
    assert [(o.seller_id, o.status) for o in outcomes] == [("W1", "no_address")]
    assert _rows(engine) == ([], [])


def test_a_month_that_has_not_ended_is_refused_also_in_preview(engine: Engine,
                                                               tmp_path: Path) -> None:
    fill_example(engine, tmp_path)
    cfg = config(SELLERS)
    for dry_run in (False, True):  # a preview applies the real run's checks
        with pytest.raises(StatementError, match="has not ended"):
            send_month(engine, cfg, OCT, now=datetime(2026, 10, 31, 23, 59, tzinfo=UTC),
                       dry_run=dry_run)
    preview = send_month(engine, cfg, OCT, now=NOV_1, dry_run=True)
    assert count(preview)["would_queue"] == 2
    assert preview[0].subject == "CSBA statement October 2026: 4.51 EUR (A1)"
    assert _rows(engine) == ([], [])


def test_a_seller_whose_marketplace_has_no_fees_fails_alone(engine: Engine) -> None:
    cfg = _config(fr_marketplace="amazon.fr")  # no schedule under billing.fees
    outcomes = {o.seller_id: o for o in send_month(engine, cfg, OCT, now=NOV_1)}
    assert outcomes["FR1"].status == "failed" and "amazon.fr" in (outcomes["FR1"].error or "")
    assert {s: o.status for s, o in outcomes.items() if s != "FR1"} == {
        "DE1": "queued", "ZH1": "queued", "IT1": "queued"}


# --------------------------------------------------------------------------
# amazon.de statements are pinned: the texts in golden/ were written by the
# code before fee schedules became versions with rewards (commit 5e4fcc4).

GOLDEN = Path(__file__).parent / "golden"


def _text(raw: bytes) -> str:
    msg = _parse(raw)
    body = next(p for p in msg.walk() if p.get_content_type() == "text/plain")
    return f"Subject: {msg['Subject']}\n\n{body.get_content()}"


@pytest.mark.parametrize("seller_id", ["DE1", "FR1", "ZH1", "IT1"])
def test_amazon_de_statements_are_unchanged(seller_id: str) -> None:
    expected = (GOLDEN / f"statement-{seller_id}-2026-10.txt").read_bytes().decode()
    assert _text(_statement(_config(), seller_id).raw) == expected


@pytest.mark.parametrize("seller_id", ["DE1", "IT1"])
def test_amazon_de_low_volume_statements_are_unchanged(seller_id: str,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys.modules[__name__], "ACTIVITY", Activity(
        {date(2026, 7, 10): 20, date(2026, 10, 15): 11}, {Month(2026, 9): 9}))
    name = f"statement-{seller_id}-2026-10-low-volume.txt"
    assert _text(_statement(_config(), seller_id).raw) == (GOLDEN / name).read_bytes().decode()
