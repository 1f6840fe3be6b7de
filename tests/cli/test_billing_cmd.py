"""`billing`, `billing chart` and `contacts` as an operator runs them (real processes)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from pathlib import Path

import pytest

from router.store import open_engine, upgrade
from tests.account.dbdata import fill_example
from tests.cli_run import cli
from tests.helpers import REPO

CONFIG = """
instance: {{hostname: csba-router.test, data_dir: {tmp}}}
storage: {{url: "sqlite:///{tmp}/router.db"}}
outbound: {{transport: "maildir://{tmp}/outbox"}}
regions:
  de2de: {{address: csba-de2de@amazon.de, marketplace: amazon.de,
          forward_to: team-de@example.internal}}
  us2us: {{address: csba-us2us@amazon.com, marketplace: amazon.com,
          forward_to: team-us@example.internal}}
sellers:
  - {{id: A1, region: de2de, addresses: [a1@example.com], enrollment: [{{start: 2026-06-01}}]}}
  - {{id: B2, region: us2us, addresses: [b2@example.com], enrollment: [{{start: 2026-01-01}}]}}
  - {{id: N3, region: de2de, addresses: [n3@example.com]}}
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


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("billing")
    path = tmp / "router.yaml"
    path.write_text(CONFIG.format(tmp=tmp), encoding="utf-8")
    engine = open_engine(f"sqlite:///{tmp}/router.db")
    upgrade(engine)
    fill_example(engine, tmp)
    engine.dispose()
    return path


def _run(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return cli("--config", str(config), *args, cwd=REPO)


def test_json_is_the_contracts_objects_for_every_seller(config: Path) -> None:
    done = _run(config, "billing", "--month", "2026-10", "--format", "json")
    assert done.returncode == 0, done.stderr
    bills = json.loads(done.stdout)
    assert [b["seller_id"] for b in bills] == ["A1", "B2", "N3"]
    assert bills[0] == {
        "seller_id": "A1", "month": "2026-10", "marketplace": "amazon.de", "currency": "EUR",
        "cpu_window": "2026-07..2026-09", "window_units": 40, "window_contacts": 5,
        "cpu": "0.125000", "fee_per_unit": "0.41", "covered_units": 11, "billable_units": 11,
        "contacts": 2, "fee": "4.51", "schedule_from": None, "vtr": None,
        "discount_percent": None, "low_volume": False, "fee_basis": "tier"}
    assert (bills[1]["currency"], bills[1]["fee"]) == ("USD", "1.00")
    assert (bills[2]["cpu"], bills[2]["fee"]) == (None, "0.00")


def test_csv_header_is_the_contracts_field_names(config: Path) -> None:
    done = _run(config, "billing", "--month", "2026-10", "--format", "csv", "--seller", "B2")
    assert done.returncode == 0, done.stderr
    rows = list(csv.reader(io.StringIO(done.stdout)))
    assert rows[0] == ["seller_id", "month", "marketplace", "currency", "cpu_window",
                       "window_units", "window_contacts", "cpu", "fee_per_unit",
                       "covered_units", "billable_units", "contacts", "fee", "schedule_from",
                       "vtr", "discount_percent", "low_volume", "fee_basis"]
    assert rows[1:] == [["B2", "2026-10", "amazon.com", "USD", "2026-07..2026-09", "80", "4",
                         "0.050000", "0.10", "10", "10", "0", "1.00", "", "", "", "False",
                         "tier"]]


def test_table_is_aligned_with_totals_per_currency(config: Path) -> None:
    done = _run(config, "billing", "--month", "2026-10")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split()[:3] == ["SELLER", "MONTH", "MARKETPLACE"]
    # Every fee ends in the same column: right-aligned.
    assert len({len(line) for line in lines if "EUR" in line or "USD" in line}) == 1
    totals = [line.split() for line in lines if line.startswith("TOTAL")]
    assert totals == [["TOTAL", "EUR", "2", "sellers", "11", "11", "2", "4.51", "EUR"],
                      ["TOTAL", "USD", "1", "seller", "10", "10", "0", "1.00", "USD"]]


def test_contacts_lists_the_months_rows(config: Path) -> None:
    done = _run(config, "contacts", "--month", "2026-10", "--format", "json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert [(r["seller_id"], r["arrived_at"]) for r in rows] == [
        ("A1", "2026-10-01T00:00:00+00:00"), ("A1", "2026-10-20T00:00:00+00:00")]
    assert set(rows[0]) == {"id", "seller_id", "order_id", "marketplace", "region", "arrived_at"}
    table = _run(config, "contacts", "--month", "2026-09", "--seller", "B2")
    assert table.returncode == 0, table.stderr
    assert table.stdout.splitlines()[-1] == "4 contacts in 2026-09 for B2"
    assert "amazon.com" in table.stdout and "us2us" in table.stdout
    csv_out = _run(config, "contacts", "--month", "2026-10", "--format", "csv")
    assert csv_out.stdout.splitlines()[0] == "id,seller_id,order_id,marketplace,region,arrived_at"


def test_chart_writes_a_png(config: Path, tmp_path: Path) -> None:
    from matplotlib.image import imread

    out = tmp_path / "cpu.png"
    done = _run(config, "billing", "chart", "--seller", "A1", "--months", "6",
                "--until", "2026-11", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "2026-06..2026-11" in done.stdout
    assert out.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert imread(out).shape[0] > 100


def test_chart_writes_svg_for_an_svg_name(config: Path, tmp_path: Path) -> None:
    import xml.etree.ElementTree as ET

    out = tmp_path / "cpu.SVG"
    done = _run(config, "billing", "chart", "--seller", "A1", "--months", "6",
                "--until", "2026-11", "--out", str(out))
    assert done.returncode == 0, done.stderr
    root = ET.fromstring(out.read_bytes())
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    texts = {"".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")}
    assert "0.41 EUR" in texts and "CPU > 30 %: 2.55 EUR/unit" in texts


@pytest.mark.parametrize("name", ("cpu.pdf", "cpu", "cpu.png.txt"))
def test_chart_refuses_an_unknown_suffix(config: Path, tmp_path: Path, name: str) -> None:
    out = tmp_path / name
    done = _run(config, "billing", "chart", "--seller", "A1", "--out", str(out))
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "name a .png or .svg file" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    assert not out.exists()


@pytest.mark.parametrize(("args", "message"), [
    (["billing", "--month", "2026-13"], "no such month"),
    (["billing", "--month", "Oct 2026"], "write YYYY-MM"),
    (["billing"], "--month YYYY-MM is required"),
    (["billing", "--month", "2026-10", "--seller", "NOBODY"], "unknown seller 'NOBODY'"),
    (["contacts", "--month", "2026/10"], "write YYYY-MM"),
    (["contacts", "--month", "2026-10", "--seller", "NOBODY"], "unknown seller 'NOBODY'"),
    (["billing", "chart", "--seller", "NOBODY", "--out", "x.png"], "unknown seller 'NOBODY'"),
    (["billing", "chart", "--seller", "A1", "--out", "/no/such/dir/x.png"], "no such folder"),
    (["billing", "chart", "--seller", "A1", "--months", "0", "--out", "x.png"], "1 to 120"),
])
def test_bad_input_exits_2_without_a_traceback(config: Path, args: list[str],
                                               message: str) -> None:
    done = _run(config, *args)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert message in done.stderr
    assert "Traceback" not in done.stderr


WHAT_IF = """\
fees:
  amazon.com:
    - from: 2021-11-01
      currency: USD
      tiers: [{cpu_at_most: 0.05, fee: "0.10"}, {cpu_at_most: 0.15, fee: "0.25"},
              {cpu_at_most: 0.30, fee: "0.50"}, {cpu_at_most: null, fee: "0.70"}]
      rewards: {vtr_at_least: 0.95, discounts: ["100", "50", "30", "15"]}
"""


def test_performance_import_then_what_if_with_rewards(config: Path, tmp_path: Path) -> None:
    figures = tmp_path / "vtr.csv"
    figures.write_text("seller_id,month,valid_tracking_rate\nB2,2026-09,96.5%\n"
                       "B2,2026-13,0.99\nZZ,2026-09,0.99\nB2,2026-08,1.7\n", encoding="utf-8")
    done = _run(config, "performance", "import", str(figures))
    assert done.returncode == 2, done.stderr  # lines were skipped
    assert done.stderr.splitlines() == [
        f"{figures}:3: month '2026-13' is not YYYY-MM", f"{figures}:4: unknown seller 'ZZ'",
        f"{figures}:5: '1.7' is not between 0 and 1 (0 % and 100 %)"]
    assert "1 seller-months written" in done.stdout
    again = _run(config, "performance", "import", str(figures))
    assert "0 seller-months written, 1 unchanged" in again.stdout
    before = _run(config, "billing", "--month", "2026-10", "--format", "json")
    fees = tmp_path / "fees.yaml"
    fees.write_text(WHAT_IF, encoding="utf-8")
    what_if = _run(config, "billing", "--month", "2026-10", "--format", "json",
                   "--fees", str(fees))
    assert what_if.returncode == 0, what_if.stderr
    b2 = json.loads(what_if.stdout)[1]
    # B2: CPU exactly 5 % with VTR 96.5 % in September: free under the 2021 rewards.
    assert {k: b2[k] for k in ("cpu", "vtr", "discount_percent", "fee_per_unit", "fee",
                               "schedule_from", "fee_basis")} == {
        "cpu": "0.050000", "vtr": "0.965000", "discount_percent": "100",
        "fee_per_unit": "0.00", "fee": "0.00", "schedule_from": "2021-11-01",
        "fee_basis": "reward"}
    # amazon.de is not in the file: A1 keeps the config's schedule.
    assert json.loads(what_if.stdout)[0] == json.loads(before.stdout)[0]
    # Nothing stored: the config's billing is unchanged afterwards (B2's vtr shows, no reward).
    after = json.loads(_run(config, "billing", "--month", "2026-10", "--format", "json").stdout)
    assert after == json.loads(before.stdout)
    assert (after[1]["vtr"], after[1]["discount_percent"], after[1]["fee"]) == (
        "0.965000", None, "1.00")


def test_what_if_file_problems_are_line_exact(config: Path, tmp_path: Path) -> None:
    fees = tmp_path / "fees.yaml"
    fees.write_text(WHAT_IF.replace('discounts: ["100", "50", "30", "15"]',
                                    'discounts: ["100", "50"]'), encoding="utf-8")
    done = _run(config, "billing", "--month", "2026-10", "--fees", str(fees))
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"{fees}:7:48: fees.amazon.com[0].rewards.discounts: 2 discounts for 4 tiers; give "
        "one per tier, in tier order")
