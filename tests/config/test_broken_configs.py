"""Every kind of admin mistake is reported at the right line, all at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from router.config import ConfigError, load_config

BASE = """\
instance:
  hostname: csba.example.internal
regions:
  de2de:
    address: csba-de2de@amazon.de
    marketplace: amazon.de
    language: de
    forward_to: team-de@example.internal
sellers:
  - id: A1
    region: de2de
    addresses: [service@shop.de]
    enrollment:
      - {start: 2026-06-01}
billing:
  fees:
    amazon.de:
      currency: EUR
      tiers:
        - {cpu_at_most: 0.05, fee: "0.09"}
        - {cpu_at_most: null, fee: "2.55"}
      low_volume: {max_units: 30, fee: "0.41"}
"""

SCHEDULE = BASE[BASE.index("    amazon.de:\n"):]
TIERS = '        tiers:\n          - {cpu_at_most: null, fee: "0.09"}\n'
VERSION = "        currency: EUR\n" + TIERS

# (name, text replaced in BASE, replacement with a "#<" marker on the bad line,
#  expected words in the message).  The marker names the line to be reported.
CASES = [
    ("yaml-syntax", "    language: de\n", "    language: [de\n#<\n", "YAML syntax error"),
    ("unknown-key", "    language: de\n", "    langauge: de #<\n", "did you mean 'language'"),
    ("unknown-top", "billing:\n", "biling: #<\n", "did you mean 'billing'"),
    ("duplicate-key", "    language: de\n", "    language: de\n    language: fr #<\n",
     "duplicate key"),
    ("wrong-type", "  hostname: csba.example.internal\n",
     "  hostname: csba.example.internal\n  data_dir: [a, b] #<\n", "instance.data_dir"),
    ("bad-int", "regions:\n", "smtp:\n  max_recipients: ten #<\nregions:\n",
     "expected a whole number"),
    ("bad-address", "forward_to: team-de@example.internal",
     "forward_to: team-de@@example.internal #<", "bad e-mail address"),
    ("bad-seller-address", "addresses: [service@shop.de]", "addresses: [service.shop.de] #<",
     "bad e-mail address"),
    ("bad-duration", "regions:\n", "outbound:\n  give_up_after: 5 days #<\nregions:\n",
     "bad duration"),
    ("bad-duration-list", "regions:\n", "outbound:\n  retry_schedule: [1m, 5q] #<\nregions:\n",
     "bad duration"),
    ("bad-size", "regions:\n", "smtp:\n  max_message_size: 25 parsecs #<\nregions:\n",
     "bad size"),
    ("unset-env", "regions:\n",
     "storage:\n  url: ${CSBA_TEST_SURELY_UNSET_VAR} #<\nregions:\n",
     "CSBA_TEST_SURELY_UNSET_VAR is not set"),
    ("missing-region", "    region: de2de\n", "    region: de3de #<\n",
     "region 'de3de' does not exist"),
    ("no-regions", "regions:\n  de2de:", "regionz: #<\n  de2de:", "unknown key 'regionz'"),
    ("period-backwards", "{start: 2026-06-01}", "{start: 2026-06-01, end: 2026-05-01} #<",
     "ends (2026-05-01) before"),
    ("period-overlap", "      - {start: 2026-06-01}\n",
     "      - {start: 2026-01-01, end: 2026-07-01}\n      - {start: 2026-06-01} #<\n",
     "overlaps"),
    ("bad-date", "{start: 2026-06-01}", "{start: 2026-13-01} #<", "enrollment[0].start"),
    ("duplicate-seller", "billing:\n",
     "  - id: A1 #<\n    region: de2de\n    addresses: [other@shop.de]\nbilling:\n",
     "duplicate seller id"),
    ("same-address", "billing:\n",
     "  - id: A2\n    region: de2de\n    addresses: [SERVICE@shop.de] #<\nbilling:\n",
     "already claimed by seller A1"),
    ("tiers-not-ascending", '        - {cpu_at_most: null, fee: "2.55"}\n',
     '        - {cpu_at_most: 0.01, fee: "1.00"} #<\n        - {cpu_at_most: null, fee: "2.55"}\n',
     "strictly ascending"),
    ("tiers-no-null", '        - {cpu_at_most: null, fee: "2.55"}\n',
     '        - {cpu_at_most: 0.50, fee: "2.55"} #<\n', "cpu_at_most: null"),
    ("negative-fee", 'fee: "2.55"', 'fee: "-2.55" #<', "must not be negative"),
    ("non-decimal-fee", 'fee: "2.55"', 'fee: "2,55" #<', "bad amount"),
    ("float-fee-too-precise", 'fee: "0.41"}', 'fee: 0.415} #<', "more decimal places than EUR"),
    ("jpy-fee-with-places",
     'currency: EUR\n      tiers:\n        - {cpu_at_most: 0.05, fee: "0.09"}',
     'currency: JPY\n      tiers:\n        - {cpu_at_most: 0.05, fee: "0.09"} #<',
     "more decimal places than JPY"),
    ("bad-currency", "currency: EUR\n", "currency: EURO #<\n", "bad currency"),
    # The same typed values whatever the YAML spelling (issue 11, defect 3).
    ("quoted-period-backwards", "{start: 2026-06-01}",
     '{"start": "2026-03-01", "end": "2026-02-15"} #<', "ends (2026-02-15) before"),
    ("quoted-period-overlap", "      - {start: 2026-06-01}\n",
     '      - {"start": "2026-01-01", "end": "2026-07-01"}\n      - {"start": "2026-06-01"} #<\n',
     "overlaps"),
    ("quoted-tiers-not-ascending", '        - {cpu_at_most: null, fee: "2.55"}\n',
     '        - {cpu_at_most: "0.01", fee: "1.00"} #<\n'
     '        - {cpu_at_most: null, fee: "2.55"}\n',
     "strictly ascending"),
    ("tier-two-bounds", '{cpu_at_most: 0.05, fee: "0.09"}',
     '{cpu_at_most: 0.05, cpu_below: 0.05, fee: "0.09"} #<', "not both"),
    ("tier-no-bound", '{cpu_at_most: 0.05, fee: "0.09"}', '{fee: "0.09"} #<',
     "exactly one bound"),
    ("tier-below-not-ascending", '{cpu_at_most: 0.05, fee: "0.09"}',
     '{cpu_below: 0.05, fee: "0.00"}\n        - {cpu_below: 0.05, fee: "0.09"} #<',
     "strictly ascending"),
    ("discounts-not-matching-tiers", '      low_volume: {max_units: 30, fee: "0.41"}\n',
     '      low_volume: {max_units: 30, fee: "0.41"}\n'
     '      rewards: {vtr_at_least: 0.95, discounts: ["100"]} #<\n', "1 discounts for 2 tiers"),
    ("low-volume-both", 'low_volume: {max_units: 30, fee: "0.41"}',
     'low_volume: {max_units: 30, orders_below: 30, fee: "0.41"} #<', "exactly one of max_units"),
    ("versions-not-ascending", SCHEDULE,
     "    amazon.de:\n      - from: 2026-06-01\n" + VERSION
     + '      - from: "2026-01-01" #<\n' + VERSION, "ascending order"),
    ("version-without-from", SCHEDULE,
     "    amazon.de:\n      - currency: EUR #<\n" + TIERS
     + "      - from: 2026-06-01\n" + VERSION, "needs from"),
    ("unknown-language", "    language: de\n", "    language: xx #<\n", "not an ISO 639-1 code"),
    ("address-without-dot", "forward_to: team-de@example.internal",
     "forward_to: team-de@intranet #<", "has no dot"),
    ("bad-trust-require", "billing:\n", "trust:\n  require: dkim #<\nbilling:\n",
     "trust.require"),
    ("unknown-rule-category", "billing:\n",
     "classification:\n  rules:\n    - name: x\n      category: invoise #<\n"
     "      any_keywords: {de: [Rechnung]}\nbilling:\n", "did you mean 'invoice'"),
    ("unknown-action", "billing:\n", "actions:\n  pre_sale: bouce #<\nbilling:\n",
     "unknown action 'bouce'"),
    ("unauthenticated-forwarded", "billing:\n",
     "actions:\n  unauthenticated: forward #<\nbilling:\n", "use hold or drop"),
    ("case-forwarded", "billing:\n",
     "actions:\n  case_reply: forward #<\nbilling:\n", "use relay, hold, drop"),
    ("relay-without-case", "billing:\n",
     "actions:\n  pre_sale: relay #<\nbilling:\n", "only a case's mail can be relayed"),
    ("rule-names-a-case", "billing:\n",
     "classification:\n  rules:\n    - name: r\n      category: case_message #<\n"
     "      has_attachment: true\nbilling:\n", "a rule cannot name it"),
    ("no-time-to-answer", "billing:\n",
     "cases:\n  answer_within: 0s #<\nbilling:\n", "must be longer than 0s"),
    ("unknown-action-category", "billing:\n", "actions:\n  pre_sales: bounce #<\nbilling:\n",
     "unknown category 'pre_sales'"),
    ("bad-regex", "billing:\n",
     "classification:\n  rules:\n    - name: x\n      category: invoice\n"
     "      subject_regex: '([a-z' #<\nbilling:\n", "bad regular expression"),
    ("bad-listen", "regions:\n", "smtp:\n  listen: localhost #<\nregions:\n",
     "bad listen address"),
    ("bad-transport", "regions:\n", "outbound:\n  transport: ftp://x #<\nregions:\n",
     "bad transport"),
    ("bad-security", "regions:\n",
     "imap:\n  - name: a\n    host: 127.0.0.1\n    security: ssl #<\n    username: u\n"
     "    password: p\n    region: de2de\nregions:\n", "imap[0].security"),
    ("bad-timezone", "billing:\n", "billing:\n  statements:\n    timezone: Europe/Berln #<\n",
     "unknown time zone"),
    ("imap-same-folders", "regions:\n",
     "imap:\n  - name: a\n    host: 127.0.0.1\n    username: u\n    password: p\n"
     "    folder: INBOX\n    processed_folder: INBOX #<\n    region: de2de\nregions:\n",
     "must differ from folder"),
    ("imap-bad-region", "regions:\n",
     "imap:\n  - name: a\n    host: 127.0.0.1\n    username: u\n"
     "    password: p\n    region: nowhere #<\nregions:\n", "region 'nowhere' does not exist"),
]


def _write(tmp_path: Path, text: str) -> tuple[Path, int]:
    lines = text.split("\n")
    marked = [i for i, line in enumerate(lines) if "#<" in line]
    assert len(marked) == 1, "a case must mark exactly one line"
    # A marker alone on its line points at the line above it (YAML errors
    # that are detected only after the bad line ends).
    line = marked[0] + 1 if lines[marked[0]].strip() != "#<" else marked[0]
    path = tmp_path / "router.yaml"
    path.write_text(text.replace(" #<", "").replace("\n#<\n", "\n#\n"), encoding="utf-8")
    return path, line


def test_base_is_valid(tmp_path: Path) -> None:
    path = tmp_path / "router.yaml"
    path.write_text(BASE, encoding="utf-8")
    config = load_config(path, env={})
    assert config.sellers[0].id == "A1"


@pytest.mark.parametrize(("old", "new", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_broken_config_names_file_and_line(tmp_path: Path, old: str, new: str, words: str) -> None:
    assert old in BASE
    path, line = _write(tmp_path, BASE.replace(old, new, 1))
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    hits = [p for p in info.value.problems if words in p.message]
    assert hits, f"no problem mentions {words!r}: {info.value.problems}"
    assert all(p.file == str(path) for p in hits)
    assert line in {p.line for p in hits}, f"expected line {line}: {hits}"


def test_all_problems_reported_at_once(tmp_path: Path) -> None:
    text = (BASE.replace("    region: de2de\n", "    region: nowhere\n")
                .replace("forward_to: team-de@example.internal", "forward_to: bad")
                .replace('fee: "2.55"', 'fee: "-1"'))
    path = tmp_path / "router.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    messages = " | ".join(p.message for p in info.value.problems)
    assert "does not exist" in messages
    assert "bad e-mail address" in messages
    assert "must not be negative" in messages
    assert len(info.value.problems) == 3


def test_problem_line_format(tmp_path: Path) -> None:
    path = tmp_path / "router.yaml"
    path.write_text(BASE.replace("    language: de\n", "    langauge: de\n"), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    (problem,) = info.value.problems
    assert str(problem) == (
        f"{path}:7:5: regions.de2de: unknown key 'langauge' (did you mean 'language'?)"
    )


def test_unset_variable_is_reported_once(tmp_path: Path) -> None:
    path = tmp_path / "router.yaml"
    path.write_text(BASE.replace("regions:\n", "storage:\n  url: ${CSBA_TEST_UNSET_X}\n"
                                 "outbound:\n  from_address: ${CSBA_TEST_UNSET_X}\nregions:\n"),
                    encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    about = [p for p in info.value.problems if "CSBA_TEST_UNSET_X" in p.message]
    assert len(about) == 1, info.value.problems
    assert about[0].line == 4


def test_a_reminder_after_the_due_time_is_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "router.yaml"
    text = BASE + "cases:\n  answer_within: 24h\n  remind_after: 30h\ntrust: {verify: true}\n"
    path.write_text(text, encoding="utf-8")
    (warning,) = load_config(path, env={}).warnings
    line = text.splitlines().index("  remind_after: 30h") + 1
    assert "no reminder is sent" in warning.message and warning.line == line


def test_warnings_do_not_stop_the_config(tmp_path: Path) -> None:
    path = tmp_path / "router.yaml"
    path.write_text(BASE, encoding="utf-8")
    assert any("no trust: section" in w.message for w in load_config(path, env={}).warnings)
    trusted = BASE.replace("    addresses: [service@shop.de]\n",
                           "    addresses: [service@shop.de]\n    trust: none\n")
    path.write_text(trusted + "trust:\n  authserv_id: mx.example.internal\n", encoding="utf-8")
    (warning,) = load_config(path, env={}).warnings
    assert "seller A1: trust: none" in warning.message and warning.line == 13


def test_a_trust_section_that_authenticates_nothing_is_warned_about(tmp_path: Path) -> None:
    path = tmp_path / "router.yaml"
    path.write_text(BASE + "trust:\n  require: dmarc\n", encoding="utf-8")
    (warning,) = load_config(path, env={}).warnings
    assert "neither authserv_id nor verify: true" in warning.message
