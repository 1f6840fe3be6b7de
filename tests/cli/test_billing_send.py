"""`billing send` as an operator runs it, and two processes racing for the same month."""

from __future__ import annotations

import email
import email.policy
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from router.store import open_engine, outgoing, statements, upgrade
from tests.account.dbdata import fill_example
from tests.cli_run import cli
from tests.helpers import REPO

CONFIG = """
instance: {{hostname: csba-router.test, data_dir: "{tmp}"}}
storage: {{url: "{url}"}}
outbound: {{transport: "maildir://{tmp}/outbox", from_address: billing@csba.example}}
regions:
  de2de: {{address: csba-de2de@amazon.de, marketplace: amazon.de, language: de,
          forward_to: team-de@example.internal}}
  us2us: {{address: csba-us2us@amazon.com, marketplace: amazon.com,
          forward_to: team-us@example.internal}}
sellers:
  - {{id: A1, region: de2de, addresses: [a1@example.com], notify: billing@a1.example,
      enrollment: [{{start: 2026-06-01}}]}}
  - {{id: B2, region: us2us, addresses: [b2@example.com], enrollment: [{{start: 2026-01-01}}]}}
  - {{id: N3, region: de2de, addresses: [n3@example.com]}}
  - {{id: W4, region: de2de, addresses: ["*@w4.example"], enrollment: [{{start: 2026-01-01}}]}}
billing:
  fees:
    amazon.de:
      currency: EUR
      tiers: [{{cpu_at_most: 0.05, fee: "0.09"}}, {{cpu_at_most: 0.15, fee: "0.41"}},
              {{cpu_at_most: 0.30, fee: "1.09"}}, {{cpu_at_most: null, fee: "2.55"}}]
      low_volume: {{max_units: 30, fee: "0.41"}}
    amazon.com:
      currency: USD
      tiers: [{{cpu_at_most: 0.05, fee: "0.10"}}, {{cpu_at_most: 0.15, fee: "0.25"}},
              {{cpu_at_most: 0.30, fee: "0.50"}}, {{cpu_at_most: null, fee: "0.70"}}]
      low_volume: {{max_units: 30, fee: "0.25"}}
"""


def _write_config(tmp: Path, url: str) -> Path:
    path = tmp / "router.yaml"
    path.write_text(CONFIG.format(tmp=tmp, url=url), encoding="utf-8")
    return path


def _sqlite_setup(tmp: Path) -> tuple[Path, Engine]:
    url = f"sqlite:///{tmp}/router.db"
    engine = open_engine(url)
    upgrade(engine)
    fill_example(engine, tmp)
    return _write_config(tmp, url), engine


def _command(config: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "router", "--config", str(config), "billing", "send", *args]


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "CSBA_ROUTER_CONFIG"}


def _run(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """One `billing send`, in this process (tests/cli_run.py); the race starts processes."""
    return cli("--config", str(config), "billing", "send", *args, cwd=REPO)


def _outgoing(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(outgoing.c.kind, outgoing.c.rcpt_tos, outgoing.c.raw)
                                 .order_by(outgoing.c.id)).all())


def _statements(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(
            sa.select(statements.c.seller_id, statements.c.month)
            .order_by(statements.c.seller_id))]


def test_dry_run_shows_what_would_go_out_and_writes_nothing(tmp_path: Path) -> None:
    config, engine = _sqlite_setup(tmp_path)
    try:
        done = _run(config, "--month", "2026-10", "--dry-run")
        assert done.returncode == 0, done.stderr
        lines = done.stdout.splitlines()
        assert lines[0] == ("A1  would queue   to billing@a1.example, fee 4.51 EUR: "
                            "CSBA-Abrechnung Oktober 2026: 4,51 EUR (A1)")
        assert lines[1] == ("B2  would queue   to b2@example.com, fee 1.00 USD: "
                            "CSBA statement October 2026: 1.00 USD (B2)")
        assert lines[2] == "N3  not enrolled in 2026-10: no statement"
        assert lines[3] == "W4  no notify address: skipped"
        assert lines[4] == ("2026-10: 2 would be queued, 1 without notify address, "
                            "1 not enrolled")
        assert _outgoing(engine) == [] and _statements(engine) == []
    finally:
        engine.dispose()


def test_send_queues_once_then_reports_already_sent(tmp_path: Path) -> None:
    config, engine = _sqlite_setup(tmp_path)
    try:
        done = _run(config, "--month", "2026-10")
        assert done.returncode == 0, done.stderr
        assert done.stdout.splitlines()[:4] == [
            "A1  queued        to billing@a1.example, fee 4.51 EUR: "
            "CSBA-Abrechnung Oktober 2026: 4,51 EUR (A1)",
            "B2  queued        to b2@example.com, fee 1.00 USD: "
            "CSBA statement October 2026: 1.00 USD (B2)",
            "N3  not enrolled in 2026-10: no statement",
            "W4  no notify address: skipped",
        ]
        rows = _outgoing(engine)
        assert [(r.kind, r.rcpt_tos) for r in rows] == [
            ("statement", ["billing@a1.example"]), ("statement", ["b2@example.com"])]
        mail = email.message_from_bytes(rows[0].raw, policy=email.policy.default)
        assert mail["From"] == "CSBA router <billing@csba.example>"
        assert mail["Message-ID"] == "<csba-statement-A1-2026-10@csba-router.test>"

        again = _run(config, "--month", "2026-10", "--seller", "A1")
        assert again.returncode == 0, again.stderr
        assert again.stdout.splitlines() == ["A1  already sent", "2026-10: 1 already sent"]
        assert len(_outgoing(engine)) == 2
        assert _statements(engine) == [("A1", "2026-10"), ("B2", "2026-10")]
    finally:
        engine.dispose()


def test_one_seller_and_usage_errors(tmp_path: Path) -> None:
    config, engine = _sqlite_setup(tmp_path)
    try:
        done = _run(config, "--month", "2026-10", "--seller", "B2")
        assert done.returncode == 0, done.stderr
        assert done.stdout.splitlines()[-1] == "2026-10: 1 queued"
        assert _statements(engine) == [("B2", "2026-10")]

        # A month not yet ended is refused by the real run and by its preview alike.
        for args in ((), ("--dry-run",)):
            future = _run(config, "--month", "2999-01", *args)
            assert future.returncode == 2, (args, future.stdout)
            assert "2999-01 has not ended yet" in future.stderr and future.stdout == ""
        unknown = _run(config, "--month", "2026-10", "--seller", "ZZ")
        assert unknown.returncode == 2 and "unknown seller 'ZZ'" in unknown.stderr
        bad = _run(config, "--month", "2026-13")
        assert bad.returncode == 2 and "no such month" in bad.stderr
        assert _statements(engine) == [("B2", "2026-10")]
    finally:
        engine.dispose()


def test_two_processes_at_once_queue_one_statement_per_seller(engine: Engine, db_url: str,
                                                              tmp_path: Path) -> None:
    """Two `billing send` processes on one database (SQLite, and PostgreSQL in
    the fixture's own schema: the search_path travels in the URL)."""
    fill_example(engine, tmp_path)
    config = _write_config(tmp_path, db_url)
    procs = [subprocess.Popen(_command(config, "--month", "2026-10"), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=_env(), cwd=REPO)
             for _ in range(2)]
    outputs = [p.communicate(timeout=180) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err for _out, err in outputs]
    for seller in ("A1", "B2"):
        said = sorted(line.split()[1] for out, _err in outputs for line in out.splitlines()
                      if line.startswith(f"{seller} "))
        assert said == ["already", "queued"], outputs
    rows = _outgoing(engine)
    assert sorted(r.rcpt_tos[0] for r in rows) == ["b2@example.com", "billing@a1.example"]
    assert _statements(engine) == [("A1", "2026-10"), ("B2", "2026-10")]
