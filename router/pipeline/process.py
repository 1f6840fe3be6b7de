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

This module only orchestrates: the plan is pure (`plan`), what it asks the
store is read by `router.store.handled`, and the statements of the write
live with what they write (`router.account.contacts`, `router.store.decided`,
`router.act.queue`, `claims.settle`).
"""

from __future__ import annotations

import logging
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy import exc
from sqlalchemy.engine import Connection, Engine

from router.account.contacts import (
    ContactOpenedMeanwhile,
    join_contact,
    new_contact,
    open_contacts,
)
from router.act.compose import (
    Composed,
    compose_forward,
    compose_notice,
    compose_redirect,
)
from router.act.queue import Queued, enqueue_composed
from router.act.templates import NoticeTemplates
from router.cases import work as case_work
from router.cases.book import DbCaseBook
from router.categories import BOUNCE
from router.config import Config
from router.decide.classify import Decision, classify
from router.mail.addresses import strip_tag
from router.mail.message import ParsedMail
from router.pipeline.claims import settle
from router.pipeline.plan import NOTICE_REPEAT_DAYS, Facts, Plan, make_plan
from router.pipeline.prepare import Read, read, read_many
from router.pipeline.watchdog import Watch, watching
from router.store import begin_write, received, utcnow
from router.store.decided import record_decisions
from router.store.handled import (
    NoticesSent,
    decided_copies,
    decided_copy,
    dedup_key,
    notices_sent,
)
from router.store.orderbook import DbHistory, DbOrderBook

log = logging.getLogger("router.pipeline")


class Deliverer(Protocol):
    """Who delivers a batch's mail right after its commit (`router.act.delivery.Handoff`)."""

    def lease_until(self, now: datetime) -> datetime | None:
        """The mail queued now is leased to the deliverer until then; None: not taken."""

    def deliver(self, rows: Sequence[Queued]) -> None:
        """Deliver the rows queued with that lease; never raises."""


@dataclass(frozen=True)
class Processed:
    """One message written: the state it was left in and the decision recorded."""

    received_id: int
    state: str
    decision: Decision


def process(engine: Engine, config: Config, received_id: int, owner: str,
            templates: NoticeTemplates, *, force_category: str | None = None,
            deliverer: Deliverer | None = None, watch: Watch | None = None) -> Processed:
    """Decide and act on one message this worker holds the lease of."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(received).where(received.c.id == received_id)).one()
        with watching(watch, received_id):
            planned = _classify_and_plan(conn, config, row, force_category=force_category)
    try:
        return _write(engine, config, planned, owner, templates, deliverer, watch)
    except (ContactOpenedMeanwhile, case_work.CaseChangedMeanwhile):
        # Decided again on a fresh read: it continues that contact (case) now.
        with engine.connect() as conn, watching(watch, received_id):
            planned = _classify_and_plan(conn, config, row, force_category=force_category)
        return _write(engine, config, planned, owner, templates, deliverer, watch)
    except exc.IntegrityError:
        # A copy of this message was acted on by another worker meanwhile:
        # the unique dedup key refused ours, so record it as the duplicate.
        with engine.connect() as conn:
            facts = _facts(conn, planned, now=utcnow())
        if facts.duplicate_of is None:
            raise
        return _write(engine, config, replace(
            planned, plan=make_plan(config, planned.decision, facts), store_key=None),
            owner, templates, deliverer, watch)


def process_batch(engine: Engine, config: Config, ids: list[int], owner: str,
                  templates: NoticeTemplates, deliverer: Deliverer | None = None,
                  watch: Watch | None = None) -> tuple[dict[int, Processed], list[int]]:
    """Decide and act on several leased messages, one commit for all of them.

    Returns what was written for each message, and the ids left for the
    caller to process one by one (`process`, with its error handling):
    those whose deciding raised, and those of a write that failed.
    """
    written: dict[int, Processed] = {}
    left: list[int] = []
    pending: list[_Planned] = []
    keys: set[Hashable] = set()

    def flush() -> None:
        if not pending:
            return
        try:
            done = _write_many(engine, config, pending, owner, templates, deliverer, watch)
        except Exception as error:  # rolled back: each is retried on its own
            log.info("batch write failed; processing its messages one by one",
                     extra={"event": "batch_retry", "ids": [p.row.id for p in pending],
                            "error": f"{type(error).__name__}: {error}"})
            left.extend(p.row.id for p in pending)
        else:
            written.update((d.received_id, d) for d in done)
        pending.clear()
        keys.clear()

    with engine.connect() as conn:
        rows = {row.id: row for row in conn.execute(_RECEIVED, {"ids": ids})}
        reads = read_many(config, list(rows.values()))
        # Every message is classified on one snapshot first, so that the
        # copies decided before are looked up once for the whole batch.
        classified: dict[int, _Classified] = {}
        for received_id in ids:
            row = rows.get(received_id)
            try:
                if row is None:
                    raise LookupError(received_id)
                with watching(watch, received_id):
                    classified[received_id] = _classify(conn, config, row,
                                                        read_ahead=reads.get(received_id))
            except Exception:
                conn.rollback()
                left.append(received_id)
        copies = decided_copies(
            conn, [c.dedup_key for c in classified.values() if c.dedup_key])
        for received_id, first in classified.items():
            try:
                planned = _plan(conn, config, first, copies)
                if planned.keys & keys:
                    # Depends on what an earlier message of the batch writes:
                    # commit those, then decide this one again on a fresh read.
                    flush()
                    conn.rollback()
                    with watching(watch, received_id):
                        planned = _classify_and_plan(conn, config, first.row,
                                                     read_ahead=reads.get(received_id))
            except Exception:
                conn.rollback()
                left.append(received_id)
                continue
            pending.append(planned)
            keys.update(planned.keys)
        conn.rollback()
    flush()
    return written, left


_RECEIVED = sa.select(received).where(received.c.id.in_(sa.bindparam("ids", expanding=True)))


@dataclass(frozen=True)
class _Classified:
    """One message parsed and classified; not yet planned (see `_plan`)."""

    row: Any
    mail: ParsedMail
    decision: Decision  # as the classifier (or the operator) said
    dedup_key: str | None


@dataclass(frozen=True)
class _Planned(_Classified):
    """One message classified and planned, ready to be written.

    `decision` is still the classifier's, before the plan's guards.
    """

    plan: Plan
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
        if decision.address is not None and decision.action == BOUNCE:
            # Notices: only a bounce reads the notices sent, only a bounce sends one.
            found.add(("address", strip_tag(decision.address.lower())))
        if self.mail.message_id:
            found.add(("message-id", self.mail.message_id.strip()))
        return frozenset(found) | case_work.keys(decision)


def _classify(conn: Connection, config: Config, row: Any, *,
              force_category: str | None = None, read_ahead: Read | None = None) -> _Classified:
    """Parse and classify one message, reading through `conn`.

    `read_ahead`: the message already read (a batch reads its messages side
    by side, see `router.pipeline.prepare`).
    """
    found = read_ahead or read(config, row)
    mail = found.mail
    decision = classify(config, mail, found.envelope, orders=DbOrderBook(conn),
                        history=DbHistory(conn), now=row.arrived_at, verified=found.verified,
                        cases=DbCaseBook(conn))
    if force_category is not None:
        decision = replace(decision, category=force_category,
                           action=config.action_for(force_category), rule="released",
                           reason=f"an operator released it as {force_category}")
    return _Classified(row, mail, decision, dedup_key(decision, mail.message_id))


def _plan(conn: Connection, config: Config, classified: _Classified,
          copies: Mapping[str, int] | None = None) -> _Planned:
    """The plan for a classified message; `copies` answers for its copy if given."""
    facts = _facts(conn, classified, now=utcnow(), copies=copies)
    plan = make_plan(config, classified.decision, facts)
    return _Planned(classified.row, classified.mail, classified.decision, classified.dedup_key,
                    plan, classified.dedup_key if facts.duplicate_of is None else None)


def _classify_and_plan(conn: Connection, config: Config, row: Any, *,
                       force_category: str | None = None,
                       read_ahead: Read | None = None) -> _Planned:
    """Parse, classify and plan one message, reading through `conn`."""
    return _plan(conn, config, _classify(conn, config, row, force_category=force_category,
                                         read_ahead=read_ahead))


def _facts(conn: Connection, classified: _Classified, *, now: datetime,
           copies: Mapping[str, int] | None = None) -> Facts:
    """What the plan needs from the store about this message.

    The notices sent are read only for a notice's plan (the daily limit, no
    second notice about the same original).  `copies`, when given, holds the
    answers of `decided_copies` for the batch.  A message is never its own
    copy: a held one decided again finds its own earlier decision.
    """
    decision = classified.decision
    key = classified.dedup_key
    copy = None
    if key is not None:
        copy = copies.get(key) if copies is not None else decided_copy(conn, key)
    if copy == classified.row.id:
        copy = None
    address = decision.address
    sent = (notices_sent(conn, address, classified.mail.message_id, now, NOTICE_REPEAT_DAYS)
            if address is not None and decision.action == BOUNCE
            else NoticesSent(0, same_original=False))
    return Facts(seller_address=address, notices_today=sent.today,
                 noticed_same_original=sent.same_original, duplicate_of=copy)


def preview(conn: Connection, config: Config, row: Any, *,
            force_category: str | None = None) -> tuple[Decision, Plan]:
    """What processing `row` would do now, read-only: the decision (before the
    plan's guards; its `address` is the seller address that handed it over)
    and the plan."""
    planned = _classify_and_plan(conn, config, row, force_category=force_category)
    return planned.decision, planned.plan


def _write(engine: Engine, config: Config, planned: _Planned, owner: str,
           templates: NoticeTemplates, deliverer: Deliverer | None = None,
           watch: Watch | None = None) -> Processed:
    """Write one message's outcome in its own transaction."""
    (done,) = _write_many(engine, config, [planned], owner, templates, deliverer, watch)
    return done


def _write_many(engine: Engine, config: Config, batch: list[_Planned], owner: str,
                templates: NoticeTemplates, deliverer: Deliverer | None = None,
                watch: Watch | None = None) -> list[Processed]:
    """Write the outcomes in ONE transaction; all or none (then it raises).

    Everything that takes time is done first: the decisions get their
    contact ids (a new contact's id is the id of the message that opens it,
    known before anything is written) and the mails are composed.  The
    transaction then only writes: on SQLite the daemon's writers take turns
    (`begin_write`), and the SMTP intake waits for its turn with senders
    waiting for their 250.  A handful of statements for the whole batch
    rather than five or so per message: the new contacts, the outgoing mail
    and the decisions are each inserted by one executemany, the old
    decisions deleted and the received rows updated (one statement per
    resulting state) with `IN` lists.

    With a `deliverer`, the mails are queued leased to it and handed to it
    after the commit (see `router.act.delivery.Handoff`).
    """
    now = utcnow()
    decided: dict[int, Decision] = {
        p.row.id: replace(p.plan.decision, contact_id=p.row.id) if p.plan.new_contact
        else p.plan.decision for p in batch}
    mails = []
    cases: list[case_work.CaseWork] = []
    for p in batch:
        if p.plan.send == "relay":  # a case's step: its relay now, its due mail later
            with watching(watch, p.row.id):
                cases.append(case_work.prepare(config, decided[p.row.id], p.row, p.mail,
                                               templates, now))
            decided[p.row.id] = cases[-1].mail.decision
            mails.append((p.row.id, cases[-1].mail.relay))
        elif p.plan.send is not None:
            with watching(watch, p.row.id):
                mails.append(_compose(config, p.plan.send, decided[p.row.id], p.row,
                                      templates, now, p.mail))
    lease_until = deliverer.lease_until(now) if deliverer is not None and mails else None
    with begin_write(engine) as conn:
        case_work.record(conn, cases, now)
        done, queued = _write_all(conn, config, batch, decided, mails, owner, now, lease_until)
    for item in done:
        decision = item.decision
        log.info("decided", extra={
            "event": "decided", "id": item.received_id, "message_id": decision.message_id,
            "seller": decision.seller_id, "region": decision.region,
            "category": decision.category, "action": decision.action, "rule": decision.rule,
            "state": item.state})
    if queued and deliverer is not None:
        deliverer.deliver(queued)
    return done


def _write_all(conn: Connection, config: Config, batch: list[_Planned],
               decided: dict[int, Decision], mails: list[tuple[int, Composed]], owner: str,
               now: datetime, lease_until: datetime | None
               ) -> tuple[list[Processed], list[Queued]]:
    open_contacts(conn, config, [new_contact(config, decided[p.row.id], p.row)
                                 for p in batch if p.plan.new_contact])
    for planned in batch:
        if planned.plan.join_contact is not None:
            join_contact(conn, planned.plan.join_contact, planned.row.arrived_at)
    queued = enqueue_composed(conn, mails, now, lease_until) if mails else []
    record_decisions(conn, [(p.row.id, decided[p.row.id], p.store_key) for p in batch], now)
    by_state: dict[str, list[int]] = {}
    for planned in batch:
        by_state.setdefault(planned.plan.state, []).append(planned.row.id)
    settle(conn, owner, by_state)
    return [Processed(p.row.id, p.plan.state, decided[p.row.id]) for p in batch], queued


def _compose(config: Config, kind: str, decision: Decision, row: Any,
             templates: NoticeTemplates, now: datetime, mail: ParsedMail
             ) -> tuple[int, Composed]:
    """The mail the plan sends about `row`, to the address deciding found."""
    key = str(row.id)
    if kind == "forward":
        composed = compose_forward(config, decision, row.raw, seller_address=decision.address,
                                   key=key, now=now, mail=mail)
    elif kind == "notice":
        assert decision.address is not None  # the plan sends notices only to a known address
        composed = compose_notice(config, decision, row.raw, seller_address=decision.address,
                                  key=key, now=now, templates=templates, mail=mail)
    else:
        composed = compose_redirect(config, decision, row.raw, key=key, now=now)
    return row.id, composed
