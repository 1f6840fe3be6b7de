"""Process leased messages: decide, plan, and write everything at once.

Reading and deciding happen outside the write transaction (they are pure or
read-only); the decision row, the contact, the outgoing mail and the new
state of the message are then written in ONE transaction that also checks
the lease is still ours.  A crash before the commit leaves the message
waiting for the next worker; after it, everything happened exactly once.

`process_batch` does this for several claimed messages with one reading
connection and one write transaction (one fsync) for all of them.  Messages
of one batch could depend on each other (a second copy of the same mail, a
follow-up about the same order inside the contact window, notices to the
same seller address): when a message's decision touches what an earlier
message of the batch is about to write, the earlier ones are committed
first and the message is decided again, so every decision sees exactly
what it would have seen one by one.  When the batch's transaction fails
(a copy acted on by another worker meanwhile, a lost lease, any error) it
is rolled back and its messages are handed back to be processed one by
one, each with its own error handling: one bad message never costs the
others anything but a retry.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc
from sqlalchemy.engine import Connection, Engine

from router.act.compose import compose_forward, compose_notice, compose_redirect
from router.act.queue import enqueue
from router.categories import BOUNCE
from router.config import Config
from router.decide.classify import Decision, classify
from router.decide.identify import find_seller
from router.decide.message import Envelope, ParsedMail
from router.decide.parse import parse_message
from router.pipeline.plan import NOTICE_REPEAT_DAYS, Facts, Plan, make_plan
from router.store import begin_write, contacts, decisions, outgoing, received, utcnow
from router.store.orderbook import DbHistory, DbOrderBook

log = logging.getLogger("router.pipeline")


class LeaseLost(Exception):
    """Another worker took the message over (our lease expired); it decides."""


@dataclass(frozen=True)
class Outcome:
    received_id: int
    state: str
    decision: Decision


def envelope_of(config: Config, row: Any) -> Envelope:
    """The envelope as stored; an IMAP account stands for the recipient's region."""
    region = None
    if row.channel == "imap" and row.channel_ref:
        account = str(row.channel_ref).split(":", 1)[0]
        region = next((a.region for a in config.imap if a.name == account), None)
    return Envelope(mail_from=row.mail_from, rcpt_tos=tuple(row.rcpt_tos or ()),
                    imap_region=region)


def process(engine: Engine, config: Config, received_id: int, owner: str, templates: Any,
            *, force_category: str | None = None) -> Outcome:
    """Decide and act on one message this worker holds the lease of."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(received).where(received.c.id == received_id)).one()
        prepared = _prepare(conn, config, row, force_category=force_category)
    try:
        return _write(engine, config, prepared, owner, templates)
    except exc.IntegrityError:
        # A copy of this message was acted on by another worker meanwhile:
        # the unique dedup key refused ours, so record it as the duplicate.
        with engine.connect() as conn:
            facts = _facts(conn, prepared.address, prepared.mail, prepared.dedup_key,
                           now=utcnow(), notices=prepared.decision.action == BOUNCE)
        if facts.duplicate_of is None:
            raise
        return _write(engine, config, replace(
            prepared, plan=make_plan(config, prepared.decision, facts), store_key=None),
            owner, templates)


def process_batch(engine: Engine, config: Config, ids: list[int], owner: str,
                  templates: Any) -> tuple[dict[int, str], list[int]]:
    """Decide and act on several leased messages, one commit for all of them.

    Returns the state of each message written, and the ids left for the
    caller to process one by one (`process`, with its error handling):
    those whose deciding raised, and those of a write that failed.
    """
    states: dict[int, str] = {}
    left: list[int] = []
    pending: list[_Prepared] = []
    keys: set[Hashable] = set()

    def flush() -> None:
        if not pending:
            return
        try:
            outcomes = _write_many(engine, config, pending, owner, templates)
        except Exception as error:  # rolled back: each is retried on its own
            log.info("batch write failed; processing its messages one by one",
                     extra={"event": "batch_retry", "ids": [p.row.id for p in pending],
                            "error": f"{type(error).__name__}: {error}"})
            left.extend(p.row.id for p in pending)
        else:
            states.update((o.received_id, o.state) for o in outcomes)
        pending.clear()
        keys.clear()

    with engine.connect() as conn:
        rows = {row.id: row for row in conn.execute(
            sa.select(received).where(received.c.id.in_(ids)))}
        for received_id in ids:
            row = rows.get(received_id)
            if row is None:
                left.append(received_id)
                continue
            for first in (True, False):
                try:
                    prepared = _prepare(conn, config, row)
                except Exception:
                    conn.rollback()
                    left.append(received_id)
                    break
                if first and prepared.keys & keys:
                    # Depends on what an earlier message of the batch writes:
                    # commit those, then decide this one again on a fresh read.
                    flush()
                    conn.rollback()
                    continue
                pending.append(prepared)
                keys.update(prepared.keys)
                break
        conn.rollback()
    flush()
    return states, left


@dataclass(frozen=True)
class _Prepared:
    """One message decided and planned, ready to be written."""

    row: Any
    mail: ParsedMail
    decision: Decision  # as the classifier (or the operator) said, before the plan's guards
    plan: Plan
    address: str | None  # the seller address that handed it over
    dedup_key: str | None
    store_key: str | None  # the dedup key to store (None for a duplicate)

    @property
    def keys(self) -> frozenset[Hashable]:
        """What this decision read that another message's write could change."""
        found: set[Hashable] = set()
        if self.dedup_key is not None:
            found.add(("dedup", self.dedup_key))
        decision = self.decision
        if decision.seller_id:
            for order_id in {decision.order_id, *decision.order_ids} - {None}:
                found.add(("order", decision.seller_id, order_id))
        if self.address is not None and decision.action == BOUNCE:
            # Notices: only a bounce reads the notices sent, only a bounce sends one.
            found.add(("address", self.address))
        if self.mail.message_id:
            found.add(("message-id", self.mail.message_id.strip()))
        return frozenset(found)


def _prepare(conn: Connection, config: Config, row: Any, *,
             force_category: str | None = None) -> _Prepared:
    """Parse, classify and plan one message, reading through `conn`."""
    mail = parse_message(row.raw)
    envelope = envelope_of(config, row)
    decision = classify(config, mail, envelope, orders=DbOrderBook(conn),
                        history=DbHistory(conn), now=row.arrived_at)
    if force_category is not None:
        decision = replace(decision, category=force_category,
                           action=config.action_for(force_category), rule="released",
                           reason=f"an operator released it as {force_category}")
    match = find_seller(config, mail, envelope)
    address = match.address if match else None
    dedup_key = _dedup_key(decision, mail) if force_category is None else None
    facts = _facts(conn, address, mail, dedup_key, now=utcnow(),
                   notices=decision.action == BOUNCE)
    plan = make_plan(config, decision, facts)
    return _Prepared(row, mail, decision, plan, address, dedup_key,
                     dedup_key if facts.duplicate_of is None else None)


def _dedup_key(decision: Decision, mail: ParsedMail) -> str | None:
    if not mail.message_id:
        return None  # nothing stable to recognise a copy by
    return f"{decision.seller_id or '-'}|{mail.message_id.strip()}"


def _facts(conn: Connection, address: str | None, mail: ParsedMail, dedup_key: str | None,
           now: datetime, *, notices: bool = True) -> Facts:
    """What the plan needs from the store; the notices sent only when `notices`.

    Only a notice's plan reads them (the daily limit, no second notice about
    the same original), so they are not read for other actions.
    """
    duplicate_of = None
    if dedup_key is not None:
        duplicate_of = conn.execute(sa.select(decisions.c.received_id).where(
            decisions.c.dedup_key == dedup_key)).scalar()
    notices_today = 0
    noticed_same = False
    if address is not None and notices:
        recent = conn.execute(sa.select(outgoing.c.rcpt_tos, outgoing.c.created_at,
                                        received.c.message_id)
                              .select_from(outgoing.outerjoin(
                                  received, outgoing.c.received_id == received.c.id))
                              .where(outgoing.c.kind == "notice",
                                     outgoing.c.created_at >= now - timedelta(
                                         days=NOTICE_REPEAT_DAYS)))
        for rcpts, created_at, message_id in recent:
            if address not in (rcpts or []):
                continue
            if created_at >= now - timedelta(days=1):
                notices_today += 1
            if mail.message_id and message_id == mail.message_id:
                noticed_same = True
    return Facts(seller_address=address, notices_today=notices_today,
                 noticed_same_original=noticed_same, duplicate_of=duplicate_of)


def _write(engine: Engine, config: Config, prepared: _Prepared, owner: str,
           templates: Any) -> Outcome:
    """Write one message's outcome in its own transaction."""
    (outcome,) = _write_many(engine, config, [prepared], owner, templates)
    return outcome


def _write_many(engine: Engine, config: Config, batch: list[_Prepared], owner: str,
                templates: Any) -> list[Outcome]:
    """Write the outcomes in ONE transaction; all or none (then it raises)."""
    now = utcnow()
    with begin_write(engine) as conn:
        outcomes = [_write_one(conn, config, prepared, owner, templates, now)
                    for prepared in batch]
    for outcome in outcomes:
        decision = outcome.decision
        log.info("decided", extra={
            "event": "decided", "id": outcome.received_id, "message_id": decision.message_id,
            "seller": decision.seller_id, "region": decision.region,
            "category": decision.category, "action": decision.action, "rule": decision.rule,
            "state": outcome.state})
    return outcomes


def _write_one(conn: Connection, config: Config, prepared: _Prepared, owner: str,
               templates: Any, now: datetime) -> Outcome:
    row, plan, address = prepared.row, prepared.plan, prepared.address
    decision = plan.decision
    if plan.new_contact:
        decision = replace(decision, contact_id=_log_contact(conn, config, decision, row))
    if plan.join_contact is not None:
        _join_contact(conn, plan.join_contact, row.arrived_at)
    if plan.send is not None:
        _send(conn, config, plan.send, decision, row, address, templates, now, prepared.mail)
    conn.execute(decisions.delete().where(decisions.c.received_id == row.id))
    # The `evidence` column keeps the whole decision record, so `explain`
    # can show a stored decision exactly as it was made.
    record = decision.to_record()
    conn.execute(decisions.insert().values(
        received_id=row.id, category=decision.category, action=decision.action,
        rule=decision.rule, reason=decision.reason, seller_id=decision.seller_id,
        region=decision.region, order_ids=list(decision.order_ids),
        language=decision.language, evidence=record, contact_id=decision.contact_id,
        decided_at=now, dedup_key=prepared.store_key))
    done = conn.execute(received.update().where(
        received.c.id == row.id, received.c.lease_owner == owner).values(
        state=plan.state, lease_owner=None, lease_expires=None, last_error=None))
    if done.rowcount != 1:
        raise LeaseLost(f"message {row.id}: lease lost to another worker")
    return Outcome(row.id, plan.state, decision)


def _log_contact(conn: Connection, config: Config, decision: Decision, row: Any) -> int:
    region = config.regions.get(decision.region or "")
    result = conn.execute(contacts.insert().values(
        seller_id=decision.seller_id, order_id=decision.order_id,
        marketplace=region.marketplace if region else "", region=decision.region or "",
        received_id=row.id, arrived_at=row.arrived_at, last_activity_at=row.arrived_at))
    (contact_id,) = result.inserted_primary_key or (None,)
    assert contact_id is not None
    return int(contact_id)


def _join_contact(conn: Connection, contact_id: int, arrived_at: datetime) -> None:
    """A follow-up extends its contact's activity; it is not a new contact."""
    last = conn.execute(sa.select(contacts.c.last_activity_at).where(
        contacts.c.id == contact_id)).scalar()
    if last is not None and arrived_at > last:
        conn.execute(contacts.update().where(contacts.c.id == contact_id).values(
            last_activity_at=arrived_at))


def _send(conn: Connection, config: Config, kind: str, decision: Decision, row: Any,
          address: str | None, templates: Any, now: datetime, mail: ParsedMail) -> None:
    key = str(row.id)
    if kind == "forward":
        composed = compose_forward(config, decision, row.raw, seller_address=address,
                                   key=key, now=now, mail=mail)
    elif kind == "notice":
        assert address is not None  # the plan sends notices only to a known address
        composed = compose_notice(config, decision, row.raw, seller_address=address,
                                  key=key, now=now, templates=templates, mail=mail)
    else:
        composed = compose_redirect(config, decision, row.raw, key=key, now=now)
    enqueue(conn, kind=composed.kind, message_id=composed.message_id,
            mail_from=composed.mail_from, rcpt_tos=list(composed.rcpt_tos), raw=composed.raw,
            received_id=row.id, now=now)
