"""The labelled set and its world, loaded for tests and bench/.

`load()` reads what tools/make_labelled_set.py wrote beside this file:
the config, the sellers' order reports (through the product's own report
parser, summed up as the database's OrderBook does), the contact history
and the time the set is classified at, and the labels.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from router.config.loader import load_config
from router.config.model import Config
from router.decide.classify import Decision, classify
from router.decide.facts import (
    ContactRecord,
    MemoryHistory,
    MemoryOrderBook,
    OrderFacts,
    summarise_lines,
)
from router.mail.message import Envelope
from router.mail.read import parse_message
from router.orders.report import OrderLine, parse_report

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Label:
    """One message of the set and what the contract says it is."""

    file: str
    sender: str
    recipient: str
    category: str
    action: str
    language: str = ""
    note: str = ""

    @property
    def envelope(self) -> Envelope:
        """The SMTP envelope: '' is the null sender <>."""
        return Envelope(mail_from=self.sender, rcpt_tos=(self.recipient,) if self.recipient
                        else ())



@dataclass(frozen=True)
class World:
    config: Config
    orders: MemoryOrderBook
    history: MemoryHistory
    now: datetime
    labels: tuple[Label, ...]
    directory: Path = HERE

    def raw(self, label: Label) -> bytes:
        return (self.directory / label.file).read_bytes()

    def classify(self, label: Label, raw: bytes | None = None) -> Decision:
        """Parse and classify one message of the set with its envelope."""
        mail = parse_message(raw if raw is not None else self.raw(label))
        return classify(self.config, mail, label.envelope, orders=self.orders,
                        history=self.history, now=self.now)


def load_orders(directory: Path = HERE) -> MemoryOrderBook:
    """Every orders-<SELLER>.tsv as the OrderBook sees it."""
    facts: list[OrderFacts] = []
    for path in sorted(directory.glob("orders-*.tsv")):
        seller_id = path.stem.removeprefix("orders-")
        with path.open(encoding="utf-8") as handle:
            lines = [line for line in parse_report(handle) if isinstance(line, OrderLine)]
        rows = [(line.amazon_order_id, seller_id, line.fulfillment_channel, line.purchase_date,
                 line.order_status, line.item_status, line.quantity) for line in lines]
        for found in summarise_lines(rows).values():
            facts.extend(found)
    return MemoryOrderBook(facts)


def load_history(data: dict[str, object]) -> MemoryHistory:
    contacts = []
    for item in data["contacts"]:  # type: ignore[attr-defined]
        contacts.append(ContactRecord(
            contact_id=int(item["contact_id"]), seller_id=item["seller_id"],
            order_id=item["order_id"],
            last_activity_at=datetime.fromisoformat(item["last_activity_at"]),
            forward_message_ids=tuple(item["forward_message_ids"])))
    return MemoryHistory(contacts)


def load_labels(directory: Path = HERE) -> tuple[Label, ...]:
    with (directory / "labels.csv").open(encoding="utf-8", newline="") as handle:
        labels = []
        for row in csv.DictReader(handle):
            # Sets without a language column may note it as "lang=xx; ...".
            note = row.get("note", "")
            if "language" not in row and note.startswith("lang="):
                row["language"] = note[5:].split(";", 1)[0].strip()
            labels.append(Label(**row))
        return tuple(labels)


def load(directory: Path = HERE) -> World:
    data = json.loads((directory / "world.json").read_text(encoding="utf-8"))
    return World(
        config=load_config(directory / "config.yaml"),
        orders=load_orders(directory),
        history=load_history(data),
        now=datetime.fromisoformat(data["now"]),
        labels=load_labels(directory),
        directory=directory,
    )
