"""What every transport promises: one outcome per recipient.

The delivery loop needs to know, per recipient, whether the message got
there (never send it again), may get there later (retry), or never will
(dead list).  A transport never raises for a delivery problem: it returns
it, so one bad relay cannot kill the loop.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

Status = Literal["ok", "temporary", "permanent"]


@dataclass(frozen=True)
class RecipientResult:
    """What became of the message for one recipient: delivered, retry, or never."""

    status: Status
    error: str | None = None


@dataclass(frozen=True)
class DeliveryResult:
    """Per-recipient outcomes, in the order of the recipients."""

    outcomes: dict[str, RecipientResult] = field(default_factory=dict)

    @classmethod
    def all(cls, rcpt_tos: Iterable[str], status: Status,
            error: str | None = None) -> DeliveryResult:
        """The same outcome for every recipient (a refused connection, a full disk)."""
        return cls({r: RecipientResult(status, error) for r in rcpt_tos})

    def recipients(self, status: Status) -> list[str]:
        return [r for r, o in self.outcomes.items() if o.status == status]

    @property
    def delivered(self) -> list[str]:
        return self.recipients("ok")

    @property
    def temporary(self) -> list[str]:
        return self.recipients("temporary")

    @property
    def permanent(self) -> list[str]:
        return self.recipients("permanent")

    def errors(self) -> str:
        """The failures in one line, for `last_error` and the log."""
        return "; ".join(
            f"{r}: {o.error}" for r, o in self.outcomes.items() if o.status != "ok"
        )


@dataclass(frozen=True)
class Parcel:
    """One message for `deliver_many`: the arguments of `deliver`."""

    mail_from: str
    rcpt_tos: Sequence[str]
    raw: bytes
    message_key: str


class Transport(Protocol):
    """Hands one message to its recipients."""

    async def deliver(self, mail_from: str, rcpt_tos: Sequence[str], raw: bytes, *,
                      message_key: str) -> DeliveryResult:
        """Deliver ``raw`` from ``mail_from`` ("" = null sender) to each recipient.

        ``message_key`` is stable across redeliveries of the same queue row
        (safe in a file name); a transport that can use it to make a
        redelivery replace the earlier copy does so.
        """
        ...


def unique(rcpt_tos: Sequence[str]) -> list[str]:
    """The recipients without repeats: nobody gets the same message twice."""
    return list(dict.fromkeys(rcpt_tos))
