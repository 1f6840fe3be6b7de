"""The command line as an admin uses it: exit codes, problem lines, no tracebacks.

`run` starts `python -m router` as a process: the exit status and stderr of
a real process, for the default config, a broken one, bad usage and the
console script.  The checks over every command run them in this process
(`tests.cli_run.cli`, the same `main`), a second of imports less each.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from router.cli import build_parser
from tests.cli_run import cli
from tests.helpers import REPO


def run(*args: str, env: dict[str, str] | None = None,
        cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k != "CSBA_ROUTER_CONFIG"}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "router", *args], capture_output=True,
                          text=True, env=full_env, cwd=cwd, timeout=60)


def test_check_config_default_is_ok() -> None:
    result = run("check-config")
    assert (result.returncode, result.stdout.strip()) == (0, "ok")


def test_check_config_reports_every_problem_with_exit_2(tmp_path: Path) -> None:
    text = (REPO / "config" / "router.yaml").read_text(encoding="utf-8")
    broken = tmp_path / "broken.yaml"
    broken.write_text(text.replace("max_recipients: 10", "max_recipients: ten")
                          .replace("give_up_after: 5d", "give_up_after: 5 days"),
                      encoding="utf-8")
    result = run("--config", str(broken), "check-config")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2
    assert all(line.startswith(f"{broken}:") for line in lines)
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_config_order_flag_then_environment(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    by_env = cli("check-config", env={"CSBA_ROUTER_CONFIG": str(missing)}, cwd=REPO)
    assert by_env.returncode == 2 and f"{missing}:1:1: file not found" in by_env.stderr
    by_flag = cli("check-config", "--config", str(REPO / "config" / "router.yaml"),
                  env={"CSBA_ROUTER_CONFIG": str(missing)}, cwd=REPO)
    assert by_flag.returncode == 0


def test_every_command_refuses_a_broken_config(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("regions: [\n", encoding="utf-8")
    for command in build_parser()._subparsers._group_actions[0].choices:  # type: ignore[union-attr]
        argv = {"orders": ["orders", "import", "--seller", "X", "f.tsv"],
                "performance": ["performance", "import", "f.csv"],
                "db": ["db", "upgrade"],
                "classify": ["classify", "x.eml"],
                "release": ["release", "1"],
                "show": ["show", "1"],
                "ingest": ["ingest", "x.eml"],
                "billing": ["billing", "--month", "2026-10"],
                "contacts": ["contacts", "--month", "2026-10"]}.get(command, [command])
        result = cli("--config", str(broken), *argv, cwd=REPO)
        assert result.returncode == 2, (command, result.stderr)
        assert result.stderr.startswith(f"{broken}:"), (command, result.stderr)
        assert "Traceback" not in result.stderr


def test_help_on_every_command() -> None:
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert {"check-config", "db", "orders"} <= set(commands)
    for command in commands:
        result = cli(command, "--help", cwd=REPO)
        assert result.returncode == 0 and "usage:" in result.stdout, command


def test_console_script_and_module_are_the_same() -> None:
    script = Path(sys.executable).with_name("csba-router")
    if not script.exists():
        pytest.fail(f"console script not installed next to {sys.executable}")
    result = subprocess.run([str(script), "--version"], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0 and result.stdout.startswith("csba-router ")
    assert run("--version").stdout == result.stdout


def test_bad_usage_exits_2() -> None:
    result = run("no-such-command")
    assert result.returncode == 2 and "invalid choice" in result.stderr
