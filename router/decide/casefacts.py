"""What the case checks need to know from the store, as plain values.

The classifier stays pure: it asks a `CaseBook` which forwards and cases a
message names, as it asks an `OrderBook` for orders (`facts`).  The
in-memory book serves tests and `classify` without a database (which knows
no cases); `router.cases.book` reads the real tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from router import states
from router.decide.facts import normalise_message_id


@dataclass(frozen=True)
class ForwardRef:
    """A forward of the router that a message names: whose, and on which contact."""

    message_id: str  # the forward's Message-ID
    forward_id: int  # the received message it forwarded
    seller_id: str | None
    region: str | None
    contact_id: int | None
    order_id: str | None


@dataclass(frozen=True)
class CaseRef:
    """A stored case, as the checks see it."""

    case_id: int
    seller_id: str
    region: str
    contact_id: int | None
    forward_id: int
    order_id: str | None
    state: str  # states.OPEN or states.ANSWERED
    asked_at: datetime
    due_at: datetime
    team_address: str
    question_message_id: str | None = None


class CaseBook(Protocol):
    """The forwards and cases a message names (read-only)."""

    def forwards(self, message_ids: list[str]) -> list[ForwardRef]:
        """The router's forwards among these Message-IDs, newest first."""
        ...

    def mail_cases(self, message_ids: list[str]) -> list[int]:
        """The cases whose router-made mail (relay, reminder, note) has one of these ids."""
        ...

    def cases(self, case_ids: list[int]) -> list[CaseRef]:
        """The cases with these numbers (unknown numbers are left out), in that order."""
        ...

    def open_case(self, contact_id: int | None, forward_id: int) -> CaseRef | None:
        """The open case of a contact (of the forward, where it has no contact)."""
        ...


@dataclass
class MemoryCaseBook:
    """A `CaseBook` over lists (tests; `classify` without a database: no cases)."""

    forward_refs: list[ForwardRef] = field(default_factory=list)
    case_refs: list[CaseRef] = field(default_factory=list)
    case_mail: dict[str, int] = field(default_factory=dict)  # Message-ID -> case

    def forwards(self, message_ids: list[str]) -> list[ForwardRef]:
        wanted = {normalise_message_id(m) for m in message_ids}
        found = [f for f in self.forward_refs if normalise_message_id(f.message_id) in wanted]
        return list(reversed(found))

    def mail_cases(self, message_ids: list[str]) -> list[int]:
        mail = {normalise_message_id(k): v for k, v in self.case_mail.items()}
        return list(dict.fromkeys(mail[m] for m in map(normalise_message_id, message_ids)
                                  if m in mail))

    def cases(self, case_ids: list[int]) -> list[CaseRef]:
        by_id = {c.case_id: c for c in self.case_refs}
        return [by_id[i] for i in case_ids if i in by_id]

    def open_case(self, contact_id: int | None, forward_id: int) -> CaseRef | None:
        for case in self.case_refs:
            same = (case.contact_id == contact_id if contact_id is not None
                    else case.contact_id is None and case.forward_id == forward_id)
            if same and case.state == states.OPEN:
                return case
        return None


#: No cases: what a classifier without a case book knows.
NO_CASES: CaseBook = MemoryCaseBook()
