"""`csba-router classify FILE` under sender trust, as an operator runs it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.cli_run import cli
from tests.helpers import REPO
from tests.verify.conftest import World
from tests.verify.mail import message, sign

CONFIG = """\
instance: {{hostname: csba-router.example.internal, data_dir: {data}}}
regions:
  de2de: {{address: csba-de2de@amazon.de, marketplace: amazon.de, language: de,
          forward_to: csba-team-de@example.internal}}
sellers:
  - id: A1MUSTERHANDEL
    region: de2de
    addresses: [service@musterhandel.de]
    enrollment: [{{start: 2026-06-01}}]
trust: {{verify: true, resolver: "{resolver}"}}
"""


def classify(tmp_path: Path, resolver: str, raw: bytes, *args: str
             ) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "router.yaml"
    config.write_text(CONFIG.format(data=tmp_path / "var", resolver=resolver), encoding="utf-8")
    mail = tmp_path / "mail.eml"
    mail.write_bytes(raw)
    return cli("--config", str(config), "classify", "--no-db", "--json", *args, str(mail),
               cwd=REPO)


def test_a_signed_file_is_verified_over_dns(tmp_path: Path, dns_world: World) -> None:
    done = classify(tmp_path, dns_world.dns.address, sign(message(), dns_world.seller),
                    "--sender", "mallory@evil.test")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["category"] != "unauthenticated"


def test_spf_needs_the_peer(tmp_path: Path, dns_world: World) -> None:
    raw = message()
    without = classify(tmp_path, dns_world.dns.address, raw, "--sender",
                       "service@musterhandel.de")
    assert json.loads(without.stdout)["category"] == "unauthenticated"
    with_peer = classify(tmp_path, dns_world.dns.address, raw, "--sender",
                         "service@musterhandel.de", "--peer", "127.0.0.1", "--helo", "x.test")
    assert json.loads(with_peer.stdout)["category"] != "unauthenticated"


def test_a_forged_file_says_what_failed(tmp_path: Path, dns_world: World) -> None:
    done = classify(tmp_path, dns_world.dns.address, message(), "--sender",
                    "mallory@evil.test", "--peer", "127.0.0.1")
    found = json.loads(done.stdout)
    assert (found["category"], found["action"]) == ("unauthenticated", "hold")
    assert "spf=fail for evil.test" in found["reason"]


@pytest.mark.parametrize("peer", ["localhost", "300.1.1.1"])
def test_a_bad_peer_is_a_usage_error(tmp_path: Path, dns_world: World, peer: str) -> None:
    done = classify(tmp_path, dns_world.dns.address, message(), "--peer", peer)
    assert done.returncode == 2
    assert done.stderr.strip().endswith(f"--peer: '{peer}' is not an IP address")
    assert "Traceback" not in done.stderr
