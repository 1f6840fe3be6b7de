"""The monthly statement counts the seller's cases of the month, and only where it had some.

Without cases the text is the pinned golden text (tests/account/golden);
with cases it is that text plus the block of counts, in every language.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from router.account.billing import Terms, compute_bill
from router.account.months import span
from router.account.statements import (
    StatementTemplates,
    compose_statement,
    render_chart,
    send_month,
)
from router.cases.listing import CaseCounts, month_counts
from router.store import cases, outgoing, received
from tests.account.dbdata import SELLERS, fill_example
from tests.account.fixtures import config
from tests.account.test_statements import ACTIVITY, GOLDEN, NOV_1, OCT, _config, _text

COUNTS = CaseCounts(asked=5, answered_in_time=2, answered_late=1, not_answered=1, waiting=1)
LINES = {
    "DE1": ["Fragen des CSBA-Teams an Sie (Fälle) im Oktober 2026:",
            "  gestellt:                 5", "  rechtzeitig beantwortet:  2",
            "  verspätet beantwortet:    1", "  nicht beantwortet:        1",
            "  Frist läuft noch:         1"],
    "FR1": ["Questions de l'équipe CSBA (dossiers) en octobre 2026 :",
            "  posées :                  5", "  répondues dans le délai : 2",
            "  répondues en retard :     1", "  sans réponse :            1",
            "  délai en cours :          1"],
    "ZH1": ["2026年10月 CSBA 团队向您提出的问题（案例）：", "  提出：        5",
            "  按时回复：    2", "  逾期回复：    1", "  未回复：      1", "  尚在期限内：  1"],
    "IT1": ["Questions of the CSBA team to you (cases) in October 2026:",
            "  asked:                    5", "  answered in time:         2",
            "  answered late:            1", "  not answered:             1",
            "  still within their time:  1"],
}


def _with_cases(seller_id: str, counts: CaseCounts | None) -> str:
    cfg = _config()
    seller = cfg.seller(seller_id)
    assert seller is not None
    terms = Terms.of(cfg, seller)
    png = render_chart(terms, span(OCT.plus(-11), OCT), ACTIVITY)
    statement = compose_statement(cfg, seller, compute_bill(terms, OCT, ACTIVITY), png,
                                  now=NOV_1, templates=StatementTemplates.from_config(cfg),
                                  cases=counts)
    return _text(statement.raw)


@pytest.mark.parametrize("seller_id", sorted(LINES))
def test_the_cases_of_the_month_are_added_to_the_pinned_text(seller_id: str) -> None:
    golden = (GOLDEN / f"statement-{seller_id}-2026-10.txt").read_bytes().decode()
    text = _with_cases(seller_id, COUNTS)
    block = "\r\n".join(LINES[seller_id])
    assert block in text
    assert text.replace("\r\n" + block + "\r\n", "", 1) == golden  # nothing else changed
    assert _with_cases(seller_id, None) == golden


def test_a_month_whose_cases_are_all_due_shows_no_waiting_line() -> None:
    text = _with_cases("DE1", CaseCounts(asked=1, answered_in_time=1))
    assert "gestellt:                 1" in text and "Frist läuft noch" not in text


def _add_case(engine: Engine, seller_id: str, asked: datetime, due: timedelta,
              answered: timedelta | None) -> None:
    with engine.begin() as conn:
        rid = conn.execute(received.insert().values(
            message_id=f"<team-{asked.timestamp()}@test>", sha256="0" * 64, raw=b"x", size=1,
            mail_from="team@example.internal", rcpt_tos=["csba@example.com"], channel="smtp",
            arrived_at=asked, state="done")).inserted_primary_key[0]  # type: ignore[index]
        conn.execute(cases.insert().values(
            id=rid, seller_id=seller_id, region="de2de", forward_id=rid,
            team_address="team@example.internal",
            state="open" if answered is None else "answered", asked_at=asked,
            due_at=asked + due, answered_at=None if answered is None else asked + answered))


def test_send_month_counts_each_sellers_cases_of_the_month(engine: Engine,
                                                            tmp_path: Path) -> None:
    fill_example(engine, tmp_path)
    day = timedelta(hours=24)
    oct_1 = datetime(2026, 10, 1, tzinfo=UTC)
    _add_case(engine, "A1", oct_1 + timedelta(days=2), day, timedelta(hours=3))
    _add_case(engine, "A1", oct_1 + timedelta(days=3), day, timedelta(hours=30))
    _add_case(engine, "A1", oct_1 + timedelta(days=4), day, None)
    _add_case(engine, "A1", datetime(2026, 10, 31, 23, tzinfo=UTC), day, None)  # still due
    _add_case(engine, "A1", datetime(2026, 9, 30, 23, tzinfo=UTC), day, None)  # September's
    assert month_counts(engine, OCT, ["A1", "B2"], NOV_1) == {"A1": CaseCounts(4, 1, 1, 1, 1)}
    cfg = config(SELLERS)
    send_month(engine, cfg, OCT, now=NOV_1)
    with engine.connect() as conn:
        raws = {r.rcpt_tos[0]: r.raw for r in conn.execute(
            sa.select(outgoing).where(outgoing.c.kind == "statement"))}
    a1, b2 = _text(raws["a1@example.com"]), _text(raws["b2@example.com"])
    assert "asked:                    4" in a1 and "not answered:             1" in a1
    assert "still within their time:  1" in a1
    assert "cases" not in b2
