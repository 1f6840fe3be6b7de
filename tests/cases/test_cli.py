"""`cases` as an operator runs it: states as of now, filters, JSON and the table."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

from router.store import cases, received, utcnow
from tests.cli.desk import Desk, desk

HOUR = timedelta(hours=1)


def add_case(d: Desk, seller_id: str, asked: datetime, *, answered: datetime | None = None,
             order_id: str | None = "302-1234567-1234567") -> int:
    with d.engine.begin() as conn:
        rid = int(conn.execute(received.insert().values(
            message_id=f"<team-{asked.timestamp()}@x>", sha256="0" * 64, raw=b"x", size=1,
            mail_from="csba-team-de@example.internal", rcpt_tos=["csba-de2de@amazon.de"],
            channel="smtp", arrived_at=asked, state="done")).inserted_primary_key[0])
        conn.execute(cases.insert().values(
            id=rid, seller_id=seller_id, region="de2de", forward_id=rid, order_id=order_id,
            team_address="csba-team-de@example.internal",
            state="open" if answered is None else "answered", asked_at=asked,
            due_at=asked + 24 * HOUR, answered_at=answered))
    return rid


def test_cases_lists_states_as_of_now(tmp_path: Path) -> None:
    d = desk(tmp_path)
    now = utcnow()
    waiting = add_case(d, "A1MUSTERHANDEL", now - 2 * HOUR)
    overdue = add_case(d, "A1MUSTERHANDEL", now - 30 * HOUR, order_id=None)
    in_time = add_case(d, "A1MUSTERHANDEL", now - 50 * HOUR, answered=now - 40 * HOUR)
    late = add_case(d, "A2OTHER", now - 80 * HOUR, answered=now - 50 * HOUR)

    listed = d.cli("cases", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert [(r["case"], r["state"], r["answered_late"]) for r in rows] == [
        (late, "answered", True), (in_time, "answered", False), (overdue, "overdue", None),
        (waiting, "open", None)]
    first = rows[-1]
    assert {"case", "seller_id", "order_id", "state", "asked_at", "due_at",
            "answered_at"} <= set(first)
    assert isinstance(first["case"], int) and first["answered_at"] is None
    assert first["asked_at"].endswith("+00:00") and rows[0]["answered_at"].endswith("+00:00")
    assert datetime.fromisoformat(first["due_at"]) - datetime.fromisoformat(
        first["asked_at"]) == 24 * HOUR
    assert rows[2]["order_id"] is None

    def ids(*args: str) -> list[int]:
        done = d.cli("cases", "--format", "json", *args)
        assert done.returncode == 0, done.stderr
        return [r["case"] for r in json.loads(done.stdout)]

    assert ids("--state", "open") == [waiting]
    assert ids("--state", "overdue") == [overdue]
    assert ids("--state", "answered") == [late, in_time]
    assert ids("--seller", "A1MUSTERHANDEL", "--state", "answered") == [in_time]

    table = d.cli("cases")
    assert table.returncode == 0, table.stderr
    assert "answered (late)" in table.stdout and "overdue" in table.stdout
    assert table.stdout.rstrip().endswith("4 cases")


def test_cases_refuses_bad_usage(tmp_path: Path) -> None:
    d = desk(tmp_path)
    unknown = d.cli("cases", "--seller", "NOPE")
    assert unknown.returncode == 2 and "unknown seller 'NOPE'" in unknown.stderr
    assert "Traceback" not in unknown.stderr
    bad_state = d.cli("cases", "--state", "closed")
    assert bad_state.returncode == 2 and "invalid choice" in bad_state.stderr
    empty = d.cli("cases", "--format", "json")
    assert empty.returncode == 0 and json.loads(empty.stdout) == []
