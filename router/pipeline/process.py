"""Process one leased message: decide, plan, and write everything at once.

Reading and deciding happen outside the write transaction (they are pure or
read-only); the decision row, the contact, the outgoing mail and the new
state of the message are then written in ONE transaction that also checks
the lease is still ours.  A crash before the commit leaves the message
waiting for the next worker; after it, everything happened exactly once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc
from sqlalchemy.engine import Connection, Engine

from router.act.compose import compose_forward, compose_notice, compose_redirect
from router.act.queue import enqueue
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
    mail = parse_message(row.raw)
    envelope = envelope_of(config, row)
    decision = classify(config, mail, envelope, orders=DbOrderBook(engine),
                        history=DbHistory(engine), now=row.arrived_at)
    if force_category is not None:
        decision = replace(decision, category=force_category,
                           action=config.action_for(force_category), rule="released",
                           reason=f"an operator released it as {force_category}")
    match = find_seller(config, mail, envelope)
    address = match.address if match else None
    dedup_key = _dedup_key(decision, mail) if force_category is None else None
    facts = _facts(engine, address, mail, dedup_key, now=utcnow())
    plan = make_plan(config, decision, facts)
    try:
        return _write(engine, config, row, plan, owner, templates, address,
                      dedup_key if facts.duplicate_of is None else None)
    except exc.IntegrityError:
        # A copy of this message was acted on by another worker meanwhile:
        # the unique dedup key refused ours, so record it as the duplicate.
        facts = _facts(engine, address, mail, dedup_key, now=utcnow())
        if facts.duplicate_of is None:
            raise
        return _write(engine, config, row, make_plan(config, decision, facts), owner,
                      templates, address, None)


def _dedup_key(decision: Decision, mail: ParsedMail) -> str | None:
    if not mail.message_id:
        return None  # nothing stable to recognise a copy by
    return f"{decision.seller_id or '-'}|{mail.message_id.strip()}"


def _facts(engine: Engine, address: str | None, mail: ParsedMail, dedup_key: str | None,
           now: datetime) -> Facts:
    with engine.connect() as conn:
        duplicate_of = None
        if dedup_key is not None:
            duplicate_of = conn.execute(sa.select(decisions.c.received_id).where(
                decisions.c.dedup_key == dedup_key)).scalar()
        notices_today = 0
        noticed_same = False
        if address is not None:
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


def _write(engine: Engine, config: Config, row: Any, plan: Plan, owner: str, templates: Any,
           address: str | None, dedup_key: str | None) -> Outcome:
    decision = plan.decision
    now = utcnow()
    with begin_write(engine) as conn:
        if plan.new_contact:
            decision = replace(decision, contact_id=_log_contact(conn, config, decision, row))
        if plan.join_contact is not None:
            _join_contact(conn, plan.join_contact, row.arrived_at)
        if plan.send is not None:
            _send(conn, config, plan.send, decision, row, address, templates, now)
        conn.execute(decisions.delete().where(decisions.c.received_id == row.id))
        # The `evidence` column keeps the whole decision record, so `explain`
        # can show a stored decision exactly as it was made.
        record = decision.to_record()
        conn.execute(decisions.insert().values(
            received_id=row.id, category=decision.category, action=decision.action,
            rule=decision.rule, reason=decision.reason, seller_id=decision.seller_id,
            region=decision.region, order_ids=list(decision.order_ids),
            language=decision.language, evidence=record, contact_id=decision.contact_id,
            decided_at=now, dedup_key=dedup_key))
        done = conn.execute(received.update().where(
            received.c.id == row.id, received.c.lease_owner == owner).values(
            state=plan.state, lease_owner=None, lease_expires=None, last_error=None))
        if done.rowcount != 1:
            raise LeaseLost(f"message {row.id}: lease lost to another worker")
    log.info("decided", extra={
        "event": "decided", "id": row.id, "message_id": decision.message_id,
        "seller": decision.seller_id, "region": decision.region,
        "category": decision.category, "action": decision.action, "rule": decision.rule,
        "state": plan.state})
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
          address: str | None, templates: Any, now: datetime) -> None:
    key = str(row.id)
    if kind == "forward":
        composed = compose_forward(config, decision, row.raw, seller_address=address,
                                   key=key, now=now)
    elif kind == "notice":
        assert address is not None  # the plan sends notices only to a known address
        composed = compose_notice(config, decision, row.raw, seller_address=address,
                                  key=key, now=now, templates=templates)
    else:
        composed = compose_redirect(config, decision, row.raw, key=key, now=now)
    enqueue(conn, kind=composed.kind, message_id=composed.message_id,
            mail_from=composed.mail_from, rcpt_tos=list(composed.rcpt_tos), raw=composed.raw,
            received_id=row.id, now=now)
