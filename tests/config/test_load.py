"""The reference and default configs load with the meaning their comments give."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from router.config import ConfigError, load_config
from router.config.types import parse_duration, parse_money, parse_size
from tests.helpers import REPO, shared_path


def test_reference_config_every_key() -> None:
    config = load_config(shared_path("spec", "router.example.yaml"),
                         env={"CSBA_DE2DE_IMAP_PASSWORD": "s3cret"})
    assert config.instance.hostname == "csba-router.example.internal"
    assert config.storage_url == "sqlite:///./var/router.db"
    assert (config.smtp.listen.host, config.smtp.listen.port) == ("127.0.0.1", 2525)
    assert config.smtp.max_message_size == 25_000_000
    assert config.smtp.max_recipients == 10
    account = config.imap[0]
    assert account.password == "s3cret"
    assert account.poll_interval == timedelta(seconds=60)
    assert (account.security, account.idle, account.region) == ("tls", True, "de2de")
    assert config.outbound.retry_schedule[-1] == timedelta(hours=6)
    assert config.outbound.give_up_after == timedelta(days=5)
    assert config.regions["cn2de"].language == "zh"
    assert config.regions["de2de"].bsm_address is None
    bright = config.seller("A2BRIGHTLIGHT")
    assert bright is not None and bright.addresses == ["*@brightlight-sz.cn"]
    assert bright.enrollment[0].end == date(2026, 8, 15)
    assert bright.enrollment[1].end is None
    assert bright.notify_address is None
    muster = config.seller("A1MUSTERHANDEL")
    assert muster is not None and muster.notify_address == "inhaber@musterhandel.de"
    assert [r.name for r in config.classification.rules] == ["invoice-requests", "customization"]
    assert config.action_for("order_unknown") == "hold"
    assert config.auto_reply.max_notices_per_sender_per_day == 100
    assert config.billing.contact_window == timedelta(hours=24)
    (de,) = config.billing.fees["amazon.de"]
    assert de.tiers[0].cpu_at_most == Decimal("0.05")
    assert de.tiers[-1].cpu_at_most is None
    assert de.tiers[2].fee == Decimal("1.09")
    assert de.low_volume is not None and de.low_volume.fee == Decimal("0.41")
    assert all(isinstance(t.fee, Decimal) for t in de.tiers)
    # The later keys of the contract: limits, trust, cases, dated fee versions.
    assert (config.smtp.max_connections, config.smtp.max_connections_per_ip) == (500, 50)
    assert (config.smtp.idle_timeout, config.smtp.session_timeout) == (
        timedelta(minutes=5), timedelta(minutes=30))
    assert config.instance.decide_timeout == timedelta(seconds=30)
    assert config.instance.http is not None and config.instance.http.port == 9025
    assert config.regions["de2de"].teams == ["csba-team-de@example.internal"]
    assert config.regions["cn2de"].teams == ["csba-team-cn@example.internal"]
    assert config.trust is not None and config.trust.require == "dmarc"
    assert config.trust.trusted_front_hosts == ["mx.csba.example.internal"]
    assert config.trust.arc_sealers == ["google.com", "outlook.com"]
    assert config.cases.answer_within == timedelta(hours=24)
    assert config.cases.remind_after == timedelta(hours=12)
    old, new = config.billing.fees["amazon.com"]
    assert (old.valid_from, new.valid_from) == (date(2021, 11, 1), date(2026, 6, 1))
    assert old.rewards is not None and old.rewards.discounts[0] == Decimal("100")
    assert new.trial_days == 90 and new.tiers[0].cpu_below == Decimal("0.03")
    assert new.low_volume is not None and new.low_volume.orders_below == 30
    assert config.fee_schedule("amazon.com", on=date(2026, 5, 31)) is old
    assert config.fee_schedule("amazon.com", on=date(2026, 6, 1)) is new
    assert config.fee_schedule("amazon.com", on=date(2020, 1, 1)) is old
    (jp,) = config.billing.fees["amazon.co.jp"]
    assert (jp.currency, jp.low_volume, jp.tiers[-1].fee) == ("JPY", None, Decimal("163"))


def test_embedded_default_runs_without_environment() -> None:
    config = load_config(REPO / "config" / "router.yaml", env={})
    assert config.storage_url.startswith("sqlite:///")
    assert config.outbound.transport == "maildir://./var/outbox"
    assert str(config.smtp.listen) == "127.0.0.1:2525"
    assert set(config.regions) == {"de2de", "cn2de"}
    assert len(config.sellers) == 1


def test_sellers_file_positions_point_into_that_file(tmp_path: Path) -> None:
    main = (REPO / "config" / "router.yaml").read_text(encoding="utf-8")
    start = main.index("sellers:")
    end = main.index("classification:")
    (tmp_path / "router.yaml").write_text(
        main[:start] + "sellers_file: sellers.yaml\n\n" + main[end:], encoding="utf-8")
    (tmp_path / "sellers.yaml").write_text(
        "- id: S1\n  region: de2de\n  addresses: [a@shop.de]\n"
        "- id: S2\n  region: nowhere\n  addresses: [b@shop.de]\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path / "router.yaml", env={})
    (problem,) = info.value.problems
    assert problem.file == str(tmp_path / "sellers.yaml")
    assert (problem.line, problem.column) == (5, 11)
    (tmp_path / "sellers.yaml").write_text(
        "- id: S1\n  region: de2de\n  addresses: [a@shop.de]\n", encoding="utf-8")
    config = load_config(tmp_path / "router.yaml", env={})
    assert [s.id for s in config.sellers] == ["S1"]


def test_sellers_and_sellers_file_together_refused(tmp_path: Path) -> None:
    text = (REPO / "config" / "router.yaml").read_text(encoding="utf-8")
    path = tmp_path / "router.yaml"
    path.write_text(text.replace("sellers:", "sellers_file: x.yaml\nsellers:", 1),
                    encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    assert any("not both" in p.message for p in info.value.problems)


def test_environment_substitution_inside_a_value(tmp_path: Path) -> None:
    text = (REPO / "config" / "router.yaml").read_text(encoding="utf-8")
    path = tmp_path / "router.yaml"
    path.write_text(text.replace("url: sqlite:///./var/router.db",
                                 "url: postgresql://${DBUSER}@127.0.0.1:5432/csba"),
                    encoding="utf-8")
    config = load_config(path, env={"DBUSER": "router"})
    assert config.storage_url == "postgresql://router@127.0.0.1:5432/csba"


@pytest.mark.parametrize(("text", "seconds"),
                         [("30s", 30), ("5m", 300), ("2h", 7200), ("7d", 604800)])
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["5", "5 days", "m5", "", "1.5h", "-1m"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError, match="bad duration"):
        parse_duration(text)


@pytest.mark.parametrize(("text", "size"),
                         [("25MB", 25_000_000), ("512KB", 512_000), ("1MiB", 1_048_576),
                          (1000, 1000)])
def test_sizes(text: str | int, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize(("text", "ok"), [("0.09", True), ("2", True), ("0.10", True),
                                          ("0.001", True), ("0.0000001", False), ("-1", False),
                                          ("1,5", False),
                                          ("abc", False)])
def test_money(text: str, ok: bool) -> None:
    if ok:
        assert parse_money(text) == Decimal(text)
    else:
        with pytest.raises(ValueError, match="bad amount"):
            parse_money(text)
