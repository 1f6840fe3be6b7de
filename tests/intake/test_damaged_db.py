"""A damaged SQLite database is refused at start, and named as damaged while running.

The database is a real one made by `db upgrade` and written by the real
store; then bytes of one page of the `received` table are overwritten, as
a disk or a careless copy would.  SQLite itself opens such a file and
answers simple queries, so without a check the daemon would start and
answer every sender 451 for ever.
"""

from __future__ import annotations

import smtplib
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from router.store import open_engine
from router.store.arrivals import store_received
from tests.cli_run import cli
from tests.intake.routerproc import WAIT, Router, config_text, free_port


def make_database(directory: Path, messages: int = 30) -> tuple[Path, int]:
    """A config and its port, whose SQLite database holds `messages` stored messages."""
    directory.mkdir(parents=True, exist_ok=True)
    config = directory / "router.yaml"
    port = free_port()
    config.write_text(config_text(directory, port), encoding="utf-8")
    done = cli("--config", str(config), "db", "upgrade")
    assert done.returncode == 0, done.stderr
    engine = open_engine(f"sqlite:///{directory / 'router.db'}")
    try:
        for n in range(messages):
            store_received(engine, b"Subject: x\r\n\r\n" + b"body %d\r\n" % n * 50,
                           mail_from="a@example.org", rcpt_tos=["csba-de2de@amazon.de"],
                           channel="smtp", channel_ref=None, arrived_at=datetime.now(UTC),
                           message_id=f"<m{n}@example.org>")
    finally:
        engine.dispose()
    return config, port


def damage(database: Path, table: str = "received") -> None:
    """Overwrite the first bytes of the table's root page (the b-tree page header)."""
    with sqlite3.connect(database) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = db.execute("PRAGMA page_size").fetchone()[0]
        root = db.execute("SELECT rootpage FROM sqlite_master WHERE name = ?",
                          (table,)).fetchone()[0]
    db.close()
    with database.open("r+b") as handle:
        handle.seek((root - 1) * page_size)
        handle.write(b"\x0d\xff\xff\x7f\x00" + b"\xa5" * 200)


def test_a_damaged_database_is_refused_at_start_with_exit_1(tmp_path: Path) -> None:
    config, port = make_database(tmp_path)
    database = tmp_path / "router.db"
    damage(database)
    router = Router(config, port, args=())
    try:
        code = router.wait(WAIT * 2)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the daemon runs on a damaged database:\n{router.log}")
    finally:
        router.close()
    assert code == 1, router.log
    said = [line for line in router.lines if line.startswith("csba-router:")]
    assert len(said) == 1, router.log
    assert f"the database {database} is damaged" in said[0]
    assert "restore" in said[0]
    assert "Traceback" not in router.log
    assert '"event": "listening"' not in router.log


def test_storing_into_a_damaged_database_is_logged_as_damage(tmp_path: Path) -> None:
    config, port = make_database(tmp_path)
    router = Router(config, port)
    try:
        router.expect("listening")
        damage(tmp_path / "router.db")
        with smtplib.SMTP("127.0.0.1", router.port, timeout=WAIT) as client:
            client.ehlo("mx.musterhandel.de")
            client.mail("service@musterhandel.de")
            client.rcpt("csba-de2de@amazon.de")
            code, _ = client.data(b"Subject: hello\r\n\r\nbody\r\n")
        assert code == 451
        failed = router.expect("store_failed")
        assert "the database is damaged" in failed["message"]
        assert "restore it from a backup" in failed["message"]
    finally:
        router.close()
