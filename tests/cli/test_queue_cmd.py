"""`csba-router queue`: what an operator sees and does, run as a real process."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from router.act.queue import enqueue, mark_dead, mark_deferred, mark_sent
from router.store import open_engine, outgoing, upgrade
from tests.cli_run import cli
from tests.helpers import REPO

NOW = datetime.now(UTC)
# Far enough ahead that a deferred row is never due while this module runs.
SCHEDULE = [timedelta(days=1)]


@dataclass
class Setup:
    config: Path
    engine: Engine
    outbox: Path

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return cli("--config", str(self.config), "queue", *args, cwd=REPO)

    def add(self, n: int, to: str = "team@example.internal") -> int:
        with self.engine.begin() as conn:
            return enqueue(conn, kind="notice", message_id=f"<q{n}@csba.test>",
                           mail_from="csba-noreply@amazon.de", rcpt_tos=[to],
                           raw=b"Subject: q\r\n\r\nq\r\n", received_id=None, now=NOW)

    def state(self, id: int) -> str:
        with self.engine.connect() as conn:
            return str(conn.execute(
                sa.select(outgoing.c.state).where(outgoing.c.id == id)).scalar_one())


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    db = tmp_path / "router.db"
    outbox = tmp_path / "outbox"
    config = tmp_path / "router.yaml"
    config.write_text(f"""
instance: {{hostname: csba-router.test, data_dir: {tmp_path}}}
storage: {{url: "sqlite:///{db}"}}
outbound: {{transport: "maildir://{outbox}", retry_schedule: [1m], give_up_after: 1d}}
regions:
  de2de: {{address: csba-de2de@amazon.de, marketplace: amazon.de,
          forward_to: team@example.internal}}
""", encoding="utf-8")
    engine = open_engine(f"sqlite:///{db}")
    upgrade(engine)
    try:
        yield Setup(config, engine, outbox)
    finally:
        engine.dispose()


def three_states(setup: Setup) -> tuple[int, int, int]:
    pending, deferred, dead = setup.add(1), setup.add(2), setup.add(3)
    mark_deferred(setup.engine, deferred, "451 4.2.1 mailbox busy", NOW, SCHEDULE,
                  timedelta(days=1))
    mark_dead(setup.engine, dead, "550 5.1.1 no such user", NOW)
    mark_sent(setup.engine, setup.add(4), NOW)
    return pending, deferred, dead


def test_list_shows_pending_deferred_and_dead(setup: Setup) -> None:
    pending, deferred, dead = three_states(setup)
    result = setup.run()
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.splitlines()[0] == "pending 1, deferred 1, dead 1 (sent 1)"
    sections = out.split("\n\n")[1:]
    assert [s.splitlines()[0] for s in sections] == ["pending", "deferred", "dead"]
    assert "<q1@csba.test>" in sections[0]
    assert "451 4.2.1 mailbox busy" in sections[1] and "NEXT TRY" in sections[1]
    assert "550 5.1.1 no such user" in sections[2]
    assert "<q4@csba.test>" not in out  # sent mail is only counted


def test_list_as_json(setup: Setup) -> None:
    pending, deferred, dead = three_states(setup)
    result = setup.run("--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["counts"] == {"pending": 1, "deferred": 1, "dead": 1, "sent": 1}
    by_id = {r["id"]: r for r in data["rows"]}
    assert by_id[pending]["state"] == "pending"
    assert by_id[deferred]["state"] == "deferred"
    assert by_id[deferred]["last_error"] == "451 4.2.1 mailbox busy"
    assert datetime.fromisoformat(by_id[deferred]["next_try_at"]) == NOW + SCHEDULE[0]
    assert (by_id[dead]["state"], by_id[dead]["next_try_at"]) == ("dead", None)
    assert by_id[dead]["rcpt_tos"] == ["team@example.internal"]


def test_retry_puts_a_dead_message_back(setup: Setup) -> None:
    _, _, dead = three_states(setup)
    result = setup.run("retry", str(dead))
    assert (result.returncode, result.stdout.strip()) == (0, f"due now: {dead}")
    assert setup.state(dead) == "pending"


def test_retry_all_dead(setup: Setup) -> None:
    _, _, dead = three_states(setup)
    other = setup.add(5)
    mark_dead(setup.engine, other, "550", NOW)
    result = setup.run("retry", "--all-dead")
    assert result.returncode == 0, result.stderr
    assert [setup.state(i) for i in (dead, other)] == ["pending", "pending"]


def test_retry_unknown_id_is_exit_2_and_changes_nothing(setup: Setup) -> None:
    _, _, dead = three_states(setup)
    result = setup.run("retry", str(dead), "4242")
    assert result.returncode == 2
    assert "4242" in result.stderr and "Traceback" not in result.stderr
    assert setup.state(dead) == "dead"


@pytest.mark.parametrize("argv", [["retry"], ["retry", "1", "--all-dead"], ["retry", "x"]])
def test_retry_bad_usage_is_exit_2(setup: Setup, argv: list[str]) -> None:
    result = setup.run(*argv)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_flush_delivers_what_is_due(setup: Setup) -> None:
    pending, deferred, dead = three_states(setup)
    result = setup.run("flush")
    assert (result.returncode, result.stdout.strip()) == (0, "sent 1, deferred 0, dead 0")
    assert setup.state(pending) == "sent"
    assert setup.state(deferred) == "pending"  # waits for its next try
    assert len(list((setup.outbox / "new").iterdir())) == 1
