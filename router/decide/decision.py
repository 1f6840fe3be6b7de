"""The result of classifying one message, and what a single check returns.

A `Decision` is stored with its message and explained later from itself
alone (see `explain`), so it carries the chain's hits, misses and notes and
every piece of evidence, not just the category.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from typing import Any, Literal

from router.mail.message import Evidence

# The keys of one `classify --json` line, in the contract's order.
JSON_KEYS = ("file", "message_id", "region", "seller_id", "category", "action",
             "order_ids", "language", "rule", "reason")


@dataclass(frozen=True)
class CaseStep:
    """What a case's mail does to its case (see `router.decide.cases`).

    `open`: the team asks a new question (the case's number is the id of
    the message, given when it is written: `case_id` None until then);
    `continue`: the team writes again about an open case; `answer`: the
    seller answers it.  `team_address` is where the seller's answer goes
    (the team address that wrote last); `due_at` the answer's due time
    (None for a case not yet opened); `late`: past it.
    `question_message_id` is the team's message the answer threads under.
    """

    kind: Literal["open", "continue", "answer"]
    case_id: int | None
    seller_id: str
    region: str
    contact_id: int | None
    forward_id: int
    order_id: str | None
    team_address: str
    due_at: datetime | None = None
    late: bool = False
    question_message_id: str | None = None

    def to_record(self) -> dict[str, Any]:
        record = asdict(self)
        record["due_at"] = self.due_at.isoformat() if self.due_at else None
        return record

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> CaseStep:
        values = dict(record)
        if values.get("due_at"):
            values["due_at"] = datetime.fromisoformat(values["due_at"])
        return cls(**values)


@dataclass(frozen=True)
class Decision:
    """What was decided about one message and why; stored once with it.

    `rule` names the built-in check or config rule that decided; `hits`
    and `misses` name the checks that ran (like Mailman's rule_hits /
    rule_misses) and `notes` says, per check, what it saw.  `order_id` is
    the order the decision rests on (None when none of the seller's
    orders was found); `order_ids` every id in the customer's inquiry.
    The later stages take what deciding found from here (the seller's
    address, the customer's subject and sender) rather than work it out
    again from the message.
    """

    category: str
    action: str
    rule: str
    reason: str
    seller_id: str | None
    region: str | None
    order_ids: tuple[str, ...]
    language: str | None
    hits: tuple[str, ...]
    misses: tuple[str, ...]
    evidence: tuple[Evidence, ...]
    contact_id: int | None = None
    message_id: str | None = None
    order_id: str | None = None
    notes: tuple[tuple[str, str], ...] = ()
    # The seller address that handed it over, where notices go; under
    # sender trust the address the mail proves (see `router.decide.trust`).
    address: str | None = None
    # A case's mail (case_message, case_reply): what it does to its case.
    case: CaseStep | None = None
    # The customer's inquiry as deciding found it inside the forward, for
    # the mail written about the message (forward, notice): its subject
    # without forward prefixes (the outer subject where the forward shows
    # none) and its sender.  None in a Decision that `classify` did not make.
    customer_subject: str | None = None
    customer_from: str | None = None

    def json_object(self, file: str | None) -> dict[str, Any]:
        """The contract's `classify --json` object, keys in its order."""
        values = {
            "file": file, "message_id": self.message_id, "region": self.region,
            "seller_id": self.seller_id, "category": self.category, "action": self.action,
            "order_ids": list(self.order_ids), "language": self.language,
            "rule": self.rule, "reason": self.reason,
        }
        return {key: values[key] for key in JSON_KEYS}

    def to_json(self, file: str | None) -> str:
        """One line of `classify --json` output for `file`."""
        return json.dumps(self.json_object(file), ensure_ascii=False)

    def to_record(self) -> dict[str, Any]:
        """Every field as JSON-able values, for storing the decision."""
        # What `asdict` gives, built directly: asdict deep-copies every
        # value through recursion and costs more than the rest of storing.
        record: dict[str, Any] = {f.name: getattr(self, f.name) for f in _FIELDS}
        record["evidence"] = [{"name": e.name, "detail": e.detail, "source": e.source}
                              for e in self.evidence]
        for key in ("order_ids", "hits", "misses"):
            record[key] = list(record[key])
        record["notes"] = [list(n) for n in self.notes]
        record["case"] = self.case.to_record() if self.case is not None else None
        return record

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Decision:
        """The inverse of `to_record`, for explaining a stored decision."""
        values = dict(record)
        values["evidence"] = tuple(Evidence(**e) for e in record.get("evidence", ()))
        for key in ("order_ids", "hits", "misses"):
            values[key] = tuple(record.get(key, ()))
        values["notes"] = tuple((n[0], n[1]) for n in record.get("notes", ()))
        case = record.get("case")
        values["case"] = CaseStep.from_record(case) if case else None
        return cls(**values)


_FIELDS = fields(Decision)


@dataclass(frozen=True)
class Hit:
    """A check's hit: the category, one sentence why, and what it rests on."""

    category: str
    reason: str
    evidence: tuple[Evidence, ...] = ()
    contact_id: int | None = None
    case: CaseStep | None = None


@dataclass(frozen=True)
class Miss:
    """A check that did not match, and what it saw instead."""

    note: str


Result = Hit | Miss
