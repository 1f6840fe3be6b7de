"""What a new user reads stays true: the reference config, the getting-started page, its examples.

The reference config is compared with the contract's example as key trees
only (not loaded): it names keys the config model may not accept yet.
The getting-started examples go through the real report parser and the
real classifier with the seller entry the page tells the reader to add.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from router.config.loader import load_config
from router.decide.classify import classify
from router.decide.facts import MemoryHistory, MemoryOrderBook, summarise_lines
from router.mail.message import Envelope
from router.mail.read import parse_message
from router.orders.report import LineError, OrderLine, parse_report
from tests.helpers import REPO, shared_path

REFERENCE = REPO / "config" / "router.reference.yaml"
DEFAULT = REPO / "config" / "router.yaml"
GUIDE = REPO / "docs" / "getting-started.md"
EXAMPLES = REPO / "docs" / "examples"
SELLER = "A2LICHTHAUS"
SELLER_ADDRESS = "service@lichthaus-berlin.de"


def key_paths(node: Any, prefix: str = "") -> Iterator[str]:
    """Every key path of a YAML tree; list items share the path `KEY[]`."""
    if isinstance(node, dict):
        for key, value in node.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            yield path
            yield from key_paths(value, path)
    elif isinstance(node, list):
        for item in node:
            yield from key_paths(item, f"{prefix}[]")


# Keys that are names the admin chooses (regions, marketplaces, languages,
# categories): one path for all of them, and a schedule's dated versions
# share the path of an undated schedule.
_CHOSEN = (
    (re.compile(r"^regions\.[^.\[]+"), "regions.*"),
    (re.compile(r"^billing\.fees\.[^\[]+?(?=\.(?:currency|tiers|low_volume|rewards|from|"
                r"trial_days)|\[\]|$)"), "billing.fees.*"),
    (re.compile(r"^billing\.fees\.\*\[\]"), "billing.fees.*"),
    (re.compile(r"any_keywords\.[^.]+$"), "any_keywords.*"),
    (re.compile(r"^actions\.[^.]+$"), "actions.*"),
)


def shape(path: str) -> str:
    """`path` with the admin's own names replaced by `*`."""
    for pattern, replacement in _CHOSEN:
        path = pattern.sub(replacement, path)
    return path


def _yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------
# The reference config.


def test_reference_config_names_every_key_of_the_contract() -> None:
    contract = set(key_paths(_yaml(shared_path("spec", "router.example.yaml"))))
    reference = set(key_paths(_yaml(REFERENCE)))
    assert len(contract) > 100
    missing = sorted(contract - reference)
    assert not missing, f"config/router.reference.yaml lacks {missing}"


def test_reference_config_names_every_key_of_the_default() -> None:
    """Keys the project added (workers, statements, templates...) are explained too."""
    default = {shape(p) for p in key_paths(_yaml(DEFAULT))}
    missing = sorted(default - {shape(p) for p in key_paths(_yaml(REFERENCE))})
    assert not missing, f"config/router.reference.yaml lacks {missing}"


def _key_lines(node: yaml.Node, prefix: str = "") -> Iterator[tuple[str, int]]:
    """(key path, 0-based line of the key) for every key, in file order."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            path = f"{prefix}.{key.value}" if prefix else str(key.value)
            yield path, key.start_mark.line
            yield from _key_lines(value, path)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _key_lines(item, f"{prefix}[]")


def test_every_key_of_the_reference_is_commented() -> None:
    """The first time a key appears, its line (or the line above) has a comment."""
    text = REFERENCE.read_text(encoding="utf-8")
    lines = text.splitlines()
    root = yaml.compose(text)
    assert root is not None
    seen: set[str] = set()
    bare = []
    for path, line in _key_lines(root):
        path = shape(path)
        if path in seen:
            continue
        seen.add(path)
        above = lines[line - 1].strip() if line else ""
        if "#" not in lines[line] and not above.startswith("#"):
            bare.append(f"line {line + 1}: {path}")
    assert not bare, "keys without a comment:\n" + "\n".join(bare)


def test_default_config_points_only_to_files_in_the_repository() -> None:
    text = DEFAULT.read_text(encoding="utf-8")
    comments = "\n".join(line.split("#", 1)[1] for line in text.splitlines() if "#" in line)
    assert "../" not in comments
    named = re.findall(r"\b((?:docs|config|templates)/[\w./-]+\.(?:md|yaml))", comments)
    assert "config/router.reference.yaml" in named
    for name in named:
        assert (REPO / name).is_file(), name


# --------------------------------------------------------------------------
# The getting-started page.


def test_readme_links_getting_started_first() -> None:
    links = re.findall(r"\]\(([^)]+)\)", (REPO / "README.md").read_text(encoding="utf-8"))
    assert links and links[0] == "docs/getting-started.md"


def test_files_the_guide_names_exist() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    named = set(re.findall(r"\b((?:docs|config)/[\w./-]+\.(?:md|yaml|txt|eml))", text))
    assert {"docs/examples/inquiry.eml", "docs/examples/pre-sale.eml",
            "docs/examples/no-order.eml", "config/router.reference.yaml"} <= named
    for name in named:
        assert (REPO / name).is_file(), name


def _guide_config(tmp_path: Path) -> Path:
    """config/router.yaml with the seller entry the guide tells the reader to add."""
    guide = GUIDE.read_text(encoding="utf-8")
    block = next(b for b in re.findall(r"```yaml\n(.*?)```", guide, re.DOTALL)
                 if f"id: {SELLER}" in b)
    text = DEFAULT.read_text(encoding="utf-8")
    anchor = "\nclassification:"
    assert anchor in text
    path = tmp_path / "router.yaml"
    path.write_text(text.replace(anchor, "\n" + block + anchor, 1), encoding="utf-8")
    return path


def _orders() -> MemoryOrderBook:
    report = EXAMPLES / f"all-orders-{SELLER}.txt"
    with report.open(encoding="utf-8") as handle:
        parsed = list(parse_report(handle))
    assert not [line for line in parsed if isinstance(line, LineError)]
    lines = [line for line in parsed if isinstance(line, OrderLine)]
    assert len(lines) == 6 and len({line.amazon_order_id for line in lines}) == 5
    rows = [(line.amazon_order_id, SELLER, line.fulfillment_channel, line.purchase_date,
             line.order_status, line.item_status, line.quantity) for line in lines]
    return MemoryOrderBook([f for found in summarise_lines(rows).values() for f in found])


@pytest.mark.parametrize(("example", "category", "action"), [
    ("inquiry.eml", "post_sale_seller_fulfilled", "forward"),
    ("pre-sale.eml", "pre_sale", "bounce"),
    ("no-order.eml", "order_unknown", "hold"),
])
def test_the_guides_examples_do_what_it_says(tmp_path: Path, example: str, category: str,
                                            action: str) -> None:
    config = load_config(_guide_config(tmp_path))
    raw = (EXAMPLES / example).read_bytes()
    # swaks fills these in when it sends the file.
    raw = raw.replace(b"%DATE%", b"Sun, 06 Dec 2026 10:00:00 +0100")
    raw = raw.replace(b"%MESSAGEID%", f"{example}@swaks.test".encode())
    decision = classify(config, parse_message(raw),
                        Envelope(mail_from=SELLER_ADDRESS, rcpt_tos=("csba-de2de@amazon.de",)),
                        orders=_orders(), history=MemoryHistory([]),
                        now=datetime(2026, 12, 6, 9, 0, tzinfo=UTC))
    assert (decision.seller_id, decision.category, decision.action) == (
        SELLER, category, action), decision.reason


def test_the_reference_config_loads_and_bills_the_four_schedules() -> None:
    from datetime import date

    from router.config import load_config

    env = {name: "x" for name in ("CSBA_DE2DE_IMAP_PASSWORD", "CSBA_CN2DE_IMAP_PASSWORD")}
    config = load_config(REFERENCE, env=env)
    fees = config.billing.fees
    assert [len(fees[m]) for m in ("amazon.de", "amazon.com", "amazon.co.jp")] == [1, 2, 1]
    assert config.fee_schedule("amazon.com", on=date(2026, 6, 1)).trial_days == 90  # type: ignore[union-attr]
    assert fees["amazon.co.jp"][0].currency == "JPY"
