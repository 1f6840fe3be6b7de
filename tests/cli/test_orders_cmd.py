"""`orders import` as an admin runs it: bad lines named, exit codes, idempotent."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

from tests.cli_run import cli
from tests.helpers import REPO

HEADER = ("amazon-order-id\tmerchant-order-id\tpurchase-date\torder-status\t"
          "fulfillment-channel\tsales-channel\tsku\tquantity\titem-status\n")
GOOD = ("302-1234567-1234567\t\t2026-10-03T22:15:09+02:00\tShipped\tMerchant\tAmazon.de\t"
        "SKU-1\t2\tShipped\n")
BAD_DATE = "302-1234567-7654321\t\tyesterday\tShipped\tMerchant\tAmazon.de\tSKU-2\t1\tShipped\n"


def _config(tmp_path: Path) -> Path:
    text = (REPO / "config" / "router.yaml").read_text(encoding="utf-8")
    path = tmp_path / "router.yaml"
    path.write_text(text.replace("sqlite:///./var/router.db",
                                 f"sqlite:///{tmp_path / 'router.db'}"), encoding="utf-8")
    return path


def _run(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return cli("--config", str(config), "orders", "import", *args)


def test_import_reports_bad_lines_and_is_idempotent(tmp_path: Path) -> None:
    config = _config(tmp_path)
    report = tmp_path / "orders.txt"
    report.write_text("\ufeff" + HEADER + GOOD + BAD_DATE, encoding="utf-8")
    first = _run(config, "--seller", "A1MUSTERHANDEL", str(report))
    # The good line is imported, the bad one named and skipped: exit 2 (the contract's
    # rule for every import command that skipped a line).
    assert first.returncode == 2, first.stderr
    assert f"{report}:3: " in first.stderr
    assert "Traceback" not in first.stderr
    with sqlite3.connect(tmp_path / "router.db") as db:
        rows = db.execute("select amazon_order_id, quantity, order_status from orders").fetchall()
    assert rows == [("302-1234567-1234567", 2, "Shipped")]
    second = _run(config, "--seller", "A1MUSTERHANDEL", str(report))
    assert second.returncode == 2
    with sqlite3.connect(tmp_path / "router.db") as db:
        assert db.execute("select count(*) from orders").fetchone() == (1,)


def test_unknown_seller_and_wrong_file_exit_2(tmp_path: Path) -> None:
    config = _config(tmp_path)
    report = tmp_path / "orders.txt"
    report.write_text(HEADER + GOOD, encoding="utf-8")
    unknown = _run(config, "--seller", "NOBODY", str(report))
    assert unknown.returncode == 2 and "unknown seller 'NOBODY'" in unknown.stderr
    not_a_report = tmp_path / "notes.txt"
    not_a_report.write_text("hello\tworld\n1\t2\n", encoding="utf-8")
    refused = _run(config, "--seller", "A1MUSTERHANDEL", str(not_a_report))
    assert refused.returncode == 2 and "amazon-order-id" in refused.stderr
    missing = _run(config, "--seller", "A1MUSTERHANDEL", str(tmp_path / "nope.txt"))
    assert missing.returncode == 2 and "no such file" in missing.stderr


def test_a_clean_report_exits_0(tmp_path: Path) -> None:
    config = _config(tmp_path)
    report = tmp_path / "orders.txt"
    report.write_text(HEADER + GOOD, encoding="utf-8")
    done = _run(config, "--seller", "A1MUSTERHANDEL", str(report))
    assert done.returncode == 0, done.stderr
    assert "1 lines read, 0 bad" in done.stdout
