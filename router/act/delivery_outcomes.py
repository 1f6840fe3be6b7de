"""What one delivery attempt means for its outgoing row, written down and logged.

Outcome per row, from the transport's per-recipient answers:

- every recipient delivered: `sent`;
- some recipient failed temporarily: `deferred` per `retry_schedule`, or
  `dead` once the row is `give_up_after` old;
- the only failures are permanent: `dead`.

Recipients already delivered are taken off the row (``rcpt_tos`` is
rewritten) so that a retry never sends them a second copy.  The recipients
that failed permanently stay on the row while others are still being
retried: they are tried again with them, and when nothing temporary is left
the row goes dead carrying exactly the recipients that never got the
message.  So no undelivered recipient ever leaves the dead list's view, at
the cost of a repeated RCPT to an address that was refused once (rare: a
row has one recipient in the normal case).

One JSON log event per outcome: `sent`, `deferred`, `dead`.  The delivery
loop and the workers' hand-off (`delivery`) both record through
`record_many`, which blocks (the loop calls it in a worker thread).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from router import states
from router.act.queue import mark_dead, mark_deferred, mark_sent, mark_sent_many
from router.act.transports import DeliveryResult
from router.config import Config

if TYPE_CHECKING:
    from typing import TypeAlias

    from router.act.queue import Queued, QueueRow

    #: A row being delivered: claimed by the loop, or handed over by a worker.
    DeliveryRow: TypeAlias = QueueRow | Queued

log = logging.getLogger("router.delivery")


@dataclass(frozen=True)
class Attempted:
    """What one delivery attempt came to, for an observer (the daemon's metrics)."""

    kind: str  # the outgoing row's kind: forward, notice, redirect, statement...
    outcome: str  # sent, deferred, dead, or gone (someone else recorded it)
    failure: str | None  # temporary or permanent; None when nothing failed
    waited: float | None  # seconds from queueing to delivery, for a sent one


#: Told each attempt's outcome once it is recorded.
OnAttempt = Callable[[Attempted], None]


#: One attempt: the row, the recipients tried, the transport's answers.
Attempt = tuple["DeliveryRow", list[str], DeliveryResult]


def record_many(engine: Engine, config: Config, attempts: list[Attempt],
                 now: datetime, on_attempt: OnAttempt | None = None) -> list[str]:
    """Record several attempts: the fully delivered ones in one transaction."""
    complete = [row.id for row, recipients, result in attempts
                if set(recipients) <= set(result.delivered)]
    marked = mark_sent_many(engine, complete, now) if len(complete) > 1 else None
    outcomes = []
    for row, recipients, result in attempts:
        if marked is not None and row.id in complete:
            log.info("sent", extra={"event": "sent", "outgoing_id": row.id,
                                    "message_id": row.message_id, "kind": row.kind,
                                    "recipients": recipients, "attempts": row.attempts + 1})
            outcome = "sent" if row.id in marked else "gone"
        else:
            outcome = _record(engine, config, row, recipients, result, now)
        outcomes.append(outcome)
        if on_attempt is not None:
            on_attempt(_attempted(row, recipients, result, outcome, now))
    return outcomes


def _attempted(row: DeliveryRow, recipients: list[str], result: DeliveryResult,
               outcome: str, now: datetime) -> Attempted:
    """The observer's view of one recorded attempt."""
    left = set(recipients) - set(result.delivered)
    failure = None
    if left:
        temporary = any(r not in result.outcomes or result.outcomes[r].status == "temporary"
                        for r in left)
        failure = "temporary" if temporary else "permanent"
    created = getattr(row, "created_at", None)
    waited = (now - created).total_seconds() if outcome == "sent" and created else None
    return Attempted(row.kind, outcome, failure, waited)


def _record(engine: Engine, config: Config, row: DeliveryRow, recipients: list[str],
            result: DeliveryResult, now: datetime) -> str:
    """Write the outcome of one attempt and log it; "sent", "deferred", "dead" or "gone"."""
    ok = set(result.delivered)
    delivered = [r for r in recipients if r in ok]
    left = [r for r in recipients if r not in delivered]
    # A recipient the transport said nothing about is retried, never dropped.
    temporary = [r for r in left
                 if r not in result.outcomes or result.outcomes[r].status == "temporary"]
    facts = {"outgoing_id": row.id, "message_id": row.message_id, "kind": row.kind}
    if delivered:
        log.info("sent", extra={"event": "sent", **facts, "recipients": delivered,
                                "attempts": row.attempts + 1})
    if not left:
        return "sent" if mark_sent(engine, row.id, now) else "gone"
    error = result.errors() or "not delivered"
    narrowed = left if delivered else None
    outbound = config.outbound
    if temporary:
        deferral = mark_deferred(engine, row.id, error, now, outbound.retry_schedule,
                                 outbound.give_up_after, rcpt_tos=narrowed)
        if deferral is None:
            return "gone"
        if deferral.state == states.DEAD:
            log.error("dead", extra={"event": "dead", **facts, "recipients": left,
                                     "attempts": deferral.attempts, "error": error,
                                     "reason": "give_up_after"})
            return "dead"
        assert deferral.next_try_at is not None
        log.warning("deferred", extra={"event": "deferred", **facts, "recipients": left,
                                       "attempts": deferral.attempts, "error": error,
                                       "next_try_at": deferral.next_try_at.isoformat()})
        return "deferred"
    if not mark_dead(engine, row.id, error, now, rcpt_tos=narrowed):
        return "gone"
    log.error("dead", extra={"event": "dead", **facts, "recipients": left,
                             "attempts": row.attempts + 1, "error": error,
                             "reason": "permanent"})
    return "dead"
