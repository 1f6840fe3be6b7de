"""Where every accepted message is, as an operator can see it: the nothing-lost checks.

An accepted message (a `received` row) must always be in exactly one
visible place: the held list (`csba-router held`), the failed list
(`csba-router failed`), waiting to be decided, or done with its decision.
And each action happened once: at most one outgoing mail and one contact
per message, and per copy (seller and Message-ID: a message delivered twice
is acted on once).  Tests that walk messages through the review desk call
`assert_accounted` after each step.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from router.cli.held_cmd import listed
from router.intake.smtp import clean_message
from router.store import contacts, decisions, outgoing, received
from router.store.arrivals import store_received
from tests.pipeline.test_process import ARRIVED

HELD, FAILED, WAITING, DONE = "held", "failed", "waiting", "done"


def accept(engine: Engine, raw: bytes, sender: str = "service@musterhandel.de",
           arrived_at: datetime = ARRIVED) -> int:
    """Store a message as SMTP intake does (X-CSBA-* removed, Message-ID read); its id."""
    raw, message_id = clean_message(raw)
    return store_received(engine, raw, mail_from=sender, rcpt_tos=["csba-de2de@amazon.de"],
                          channel="smtp", channel_ref="127.0.0.1", arrived_at=arrived_at,
                          message_id=message_id)


def places(engine: Engine) -> dict[int, list[str]]:
    """Each stored message id -> the visible places it is found in (one, when all is well)."""
    found: dict[int, list[str]] = {}
    with engine.connect() as conn:
        for rid in conn.execute(sa.select(received.c.id)).scalars():
            found[int(rid)] = []
        for rid in conn.execute(sa.select(received.c.id).where(
                received.c.state == "received")).scalars():
            found[int(rid)].append(WAITING)
        for rid in conn.execute(sa.select(received.c.id).select_from(
                received.join(decisions, decisions.c.received_id == received.c.id)).where(
                received.c.state == "done")).scalars():
            found[int(rid)].append(DONE)
    for state in (HELD, FAILED):
        for row in listed(engine, state):
            found[int(row["id"])].append(state)
    return found


def place_of(engine: Engine, received_id: int) -> str:
    """The one visible place of a message (fails when it has none or several)."""
    (place,) = places(engine)[received_id]
    return place


def mail_for(engine: Engine, received_id: int) -> list[str]:
    """The kinds of the outgoing mail queued for one message, in order."""
    with engine.connect() as conn:
        return list(conn.execute(sa.select(outgoing.c.kind).where(
            outgoing.c.received_id == received_id).order_by(outgoing.c.id)).scalars())


def assert_accounted(engine: Engine) -> dict[int, str]:
    """Every message in exactly one place; no action twice.  Each id's place."""
    found = places(engine)
    astray = {rid: where for rid, where in found.items() if len(where) != 1}
    assert not astray, f"messages in no place or in several: {astray}"
    with engine.connect() as conn:
        per_message = Counter(conn.execute(sa.select(outgoing.c.received_id).where(
            outgoing.c.received_id.is_not(None))).scalars())
        contacts_per_message = Counter(conn.execute(sa.select(contacts.c.received_id)).scalars())
        acted = conn.execute(sa.select(decisions.c.received_id, decisions.c.action,
                                       decisions.c.seller_id, received.c.message_id,
                                       received.c.state)
                             .select_from(decisions.join(
                                 received, decisions.c.received_id == received.c.id))).all()
    doubles = {rid: n for rid, n in per_message.items() if n > 1}
    assert not doubles, f"more than one mail for one message: {doubles}"
    assert all(n == 1 for n in contacts_per_message.values()), contacts_per_message
    copies: Counter[tuple[str | None, str | None]] = Counter()
    for row in acted:
        sends = row.action in ("forward", "bounce", "redirect") and row.state == "done"
        # A done message whose action sends mail has its one mail; any other has none.
        assert per_message[row.received_id] == (1 if sends else 0), (
            f"message {row.received_id} ({row.action}, {row.state}) has "
            f"{per_message[row.received_id]} mails")
        if sends and row.message_id:
            copies[(row.seller_id, row.message_id)] += 1
    twice = {key: n for key, n in copies.items() if n > 1}
    assert not twice, f"copies of one message acted on twice: {twice}"
    return {rid: where[0] for rid, where in found.items()}
