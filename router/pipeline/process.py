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
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy import exc
from sqlalchemy.engine import Connection, Engine

from router.act.compose import (
    Composed,
    compose_forward,
    compose_notice,
    compose_redirect,
)
from router.act.queue import Queued, enqueue_many
from router.act.templates import NoticeTemplates
from router.cases import work as case_work
from router.cases.book import DbCaseBook
from router.categories import BOUNCE, UNAUTHENTICATED
from router.config import Config
from router.decide.classify import Decision, classify
from router.mail.addresses import strip_tag
from router.mail.message import ParsedMail
from router.pipeline.plan import NOTICE_REPEAT_DAYS, Facts, Plan, make_plan
from router.pipeline.prepare import Read, read, read_many
from router.pipeline.watchdog import Watch, watching
from router.store import begin_write, contacts, decisions, received, utcnow
from router.store.handled import NoticesSent, decided_copies, decided_copy, notices_sent
from router.store.orderbook import DbHistory, DbOrderBook

log = logging.getLogger("router.pipeline")


class Deliverer(Protocol):
    """Who delivers a batch's mail right after its commit (`router.act.delivery.Handoff`)."""

    def lease_until(self, now: datetime) -> datetime | None:
        """The mail queued now is leased to the deliverer until then; None: not taken."""

    def deliver(self, rows: Sequence[Queued]) -> None:
        """Deliver the rows queued with that lease; never raises."""


class LeaseLost(Exception):
    """Another worker took the message over (our lease expired); it decides."""


@dataclass(frozen=True)
class Outcome:
    received_id: int
    state: str
    decision: Decision


def process(engine: Engine, config: Config, received_id: int, owner: str,
            templates: NoticeTemplates, *, force_category: str | None = None,
            deliverer: Deliverer | None = None, watch: Watch | None = None) -> Outcome:
    """Decide and act on one message this worker holds the lease of."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(received).where(received.c.id == received_id)).one()
        with watching(watch, received_id):
            prepared = _prepare(conn, config, row, force_category=force_category)
    try:
        return _write(engine, config, prepared, owner, templates, deliverer, watch)
    except (ContactOpenedMeanwhile, case_work.CaseChangedMeanwhile):
        # Decided again on a fresh read: it continues that contact (case) now.
        with engine.connect() as conn, watching(watch, received_id):
            prepared = _prepare(conn, config, row, force_category=force_category)
        return _write(engine, config, prepared, owner, templates, deliverer, watch)
    except exc.IntegrityError:
        # A copy of this message was acted on by another worker meanwhile:
        # the unique dedup key refused ours, so record it as the duplicate.
        with engine.connect() as conn:
            facts = _facts(conn, prepared.address, prepared.mail, prepared.dedup_key,
                           now=utcnow(), received_id=prepared.row.id,
                           notices=prepared.decision.action == BOUNCE)
        if facts.duplicate_of is None:
            raise
        return _write(engine, config, replace(
            prepared, plan=make_plan(config, prepared.decision, facts), store_key=None),
            owner, templates, deliverer, watch)


def process_batch(engine: Engine, config: Config, ids: list[int], owner: str,
                  templates: NoticeTemplates, deliverer: Deliverer | None = None,
                  watch: Watch | None = None) -> tuple[dict[int, Outcome], list[int]]:
    """Decide and act on several leased messages, one commit for all of them.

    Returns the outcome of each message written, and the ids left for the
    caller to process one by one (`process`, with its error handling):
    those whose deciding raised, and those of a write that failed.
    """
    outcomes_of: dict[int, Outcome] = {}
    left: list[int] = []
    pending: list[_Prepared] = []
    keys: set[Hashable] = set()

    def flush() -> None:
        if not pending:
            return
        try:
            outcomes = _write_many(engine, config, pending, owner, templates, deliverer, watch)
        except Exception as error:  # rolled back: each is retried on its own
            log.info("batch write failed; processing its messages one by one",
                     extra={"event": "batch_retry", "ids": [p.row.id for p in pending],
                            "error": f"{type(error).__name__}: {error}"})
            left.extend(p.row.id for p in pending)
        else:
            outcomes_of.update((o.received_id, o) for o in outcomes)
        pending.clear()
        keys.clear()

    with engine.connect() as conn:
        rows = {row.id: row for row in conn.execute(_RECEIVED, {"ids": ids})}
        reads = read_many(config, list(rows.values()))
        # Every message is decided on one snapshot first, so that the copies
        # decided before are looked up once for the whole batch.
        decided: dict[int, _Decided] = {}
        for received_id in ids:
            row = rows.get(received_id)
            try:
                if row is None:
                    raise LookupError(received_id)
                with watching(watch, received_id):
                    decided[received_id] = _decide(conn, config, row,
                                                   prepared=reads.get(received_id))
            except Exception:
                conn.rollback()
                left.append(received_id)
        duplicates = decided_copies(
            conn, [d.dedup_key for d in decided.values() if d.dedup_key])
        for received_id, first_read in decided.items():
            try:
                prepared = _planned(conn, config, first_read, duplicates)
                if prepared.keys & keys:
                    # Depends on what an earlier message of the batch writes:
                    # commit those, then decide this one again on a fresh read.
                    flush()
                    conn.rollback()
                    with watching(watch, received_id):
                        prepared = _prepare(conn, config, first_read.row,
                                            prepared=reads.get(received_id))
            except Exception:
                conn.rollback()
                left.append(received_id)
                continue
            pending.append(prepared)
            keys.update(prepared.keys)
        conn.rollback()
    flush()
    return outcomes_of, left


_RECEIVED = sa.select(received).where(received.c.id.in_(sa.bindparam("ids", expanding=True)))


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
            found.add(("address", strip_tag(self.address.lower())))
        if self.mail.message_id:
            found.add(("message-id", self.mail.message_id.strip()))
        return frozenset(found) | case_work.keys(decision)


@dataclass(frozen=True)
class _Decided:
    """One message parsed and classified; not yet planned (see `_planned`)."""

    row: Any
    mail: ParsedMail
    decision: Decision
    address: str | None  # the seller address that handed it over
    dedup_key: str | None


def _decide(conn: Connection, config: Config, row: Any, *,
            force_category: str | None = None, prepared: Read | None = None) -> _Decided:
    """Parse and classify one message, reading through `conn`.

    `prepared`: the message already read (a batch reads its messages side
    by side, see `router.pipeline.prepare`).
    """
    found = prepared or read(config, row)
    mail = found.mail
    decision = classify(config, mail, found.envelope, orders=DbOrderBook(conn),
                        history=DbHistory(conn), now=row.arrived_at, verified=found.verified,
                        cases=DbCaseBook(conn))
    if force_category is not None:
        decision = replace(decision, category=force_category,
                           action=config.action_for(force_category), rule="released",
                           reason=f"an operator released it as {force_category}")
    dedup_key = _dedup_key(decision, mail)
    return _Decided(row, mail, decision, decision.address, dedup_key)


def _planned(conn: Connection, config: Config, decided: _Decided,
             duplicates: Mapping[str, int] | None = None) -> _Prepared:
    """The plan for a decided message; `duplicates` answers for its copy if given."""
    facts = _facts(conn, decided.address, decided.mail, decided.dedup_key, now=utcnow(),
                   received_id=decided.row.id, notices=decided.decision.action == BOUNCE,
                   duplicates=duplicates)
    plan = make_plan(config, decided.decision, facts)
    return _Prepared(decided.row, decided.mail, decided.decision, plan, decided.address,
                     decided.dedup_key,
                     decided.dedup_key if facts.duplicate_of is None else None)


def _prepare(conn: Connection, config: Config, row: Any, *,
             force_category: str | None = None, prepared: Read | None = None) -> _Prepared:
    """Parse, classify and plan one message, reading through `conn`."""
    return _planned(conn, config, _decide(conn, config, row, force_category=force_category,
                                          prepared=prepared))


def preview(conn: Connection, config: Config, row: Any, *,
            force_category: str | None = None) -> tuple[Decision, Plan, str | None]:
    """What processing `row` would do now, read-only: the decision (before the
    plan's guards), the plan, and the seller address that handed it over."""
    prepared = _prepare(conn, config, row, force_category=force_category)
    return prepared.decision, prepared.plan, prepared.address


def _dedup_key(decision: Decision, mail: ParsedMail) -> str | None:
    if not mail.message_id:
        return None  # nothing stable to recognise a copy by
    if decision.category == UNAUTHENTICATED:
        # A forger must not claim a Message-ID the seller's real mail will carry.
        return None
    return f"{decision.seller_id or '-'}|{mail.message_id.strip()}"


def _facts(conn: Connection, address: str | None, mail: ParsedMail, dedup_key: str | None,
           now: datetime, *, received_id: int, notices: bool = True,
           duplicates: Mapping[str, int] | None = None) -> Facts:
    """What the plan needs from the store; the notices sent only when `notices`.

    Only a notice's plan reads them (the daily limit, no second notice about
    the same original), so they are not read for other actions.
    `duplicates`, when given, holds the answers of `decided_copies` for a
    batch that includes `dedup_key`.  A message is never its own copy: a
    held one decided again finds its own earlier decision under its key.
    """
    copy = None
    if dedup_key is not None:
        copy = (duplicates.get(dedup_key) if duplicates is not None
                else decided_copy(conn, dedup_key))
    if copy == received_id:
        copy = None
    sent = (notices_sent(conn, address, mail.message_id, now, NOTICE_REPEAT_DAYS)
            if address is not None and notices else NoticesSent(0, same_original=False))
    return Facts(seller_address=address, notices_today=sent.today,
                 noticed_same_original=sent.same_original, duplicate_of=copy)


def _write(engine: Engine, config: Config, prepared: _Prepared, owner: str,
           templates: NoticeTemplates, deliverer: Deliverer | None = None,
           watch: Watch | None = None) -> Outcome:
    """Write one message's outcome in its own transaction."""
    (outcome,) = _write_many(engine, config, [prepared], owner, templates, deliverer, watch)
    return outcome


def _write_many(engine: Engine, config: Config, batch: list[_Prepared], owner: str,
                templates: NoticeTemplates, deliverer: Deliverer | None = None,
                watch: Watch | None = None) -> list[Outcome]:
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
                mails.append(_compose(config, p.plan.send, decided[p.row.id], p.row, p.address,
                                      templates, now, p.mail))
    lease_until = deliverer.lease_until(now) if deliverer is not None and mails else None
    with begin_write(engine) as conn:
        case_work.record(conn, cases, now)
        outcomes, queued = _write_all(conn, config, batch, decided, mails, owner, now,
                                      lease_until)
    for outcome in outcomes:
        decision = outcome.decision
        log.info("decided", extra={
            "event": "decided", "id": outcome.received_id, "message_id": decision.message_id,
            "seller": decision.seller_id, "region": decision.region,
            "category": decision.category, "action": decision.action, "rule": decision.rule,
            "state": outcome.state})
    if queued and deliverer is not None:
        deliverer.deliver(queued)
    return outcomes


_INSERT_CONTACTS = contacts.insert()
_INSERT_DECISIONS = decisions.insert()
_DELETE_DECISIONS = decisions.delete().where(
    decisions.c.received_id.in_(sa.bindparam("ids", expanding=True)))
_RELEASE = received.update().where(
    received.c.id.in_(sa.bindparam("ids", expanding=True)),
    received.c.lease_owner == sa.bindparam("owner")).values(
    state=sa.bindparam("state"), lease_owner=None, lease_expires=None, last_error=None)


def _write_all(conn: Connection, config: Config, batch: list[_Prepared],
               decided: dict[int, Decision], mails: list[tuple[int, Composed]], owner: str,
               now: datetime, lease_until: datetime | None
               ) -> tuple[list[Outcome], list[Queued]]:
    new_contacts = [_contact_values(config, decided[p.row.id], p.row)
                    for p in batch if p.plan.new_contact]
    _check_no_live_contacts(conn, config, new_contacts)
    if new_contacts:
        conn.execute(_INSERT_CONTACTS, new_contacts)
    for prepared in batch:
        if prepared.plan.join_contact is not None:
            _join_contact(conn, prepared.plan.join_contact, prepared.row.arrived_at)
    queued = _enqueue_many(conn, mails, now, lease_until) if mails else []
    ids = list(decided)
    conn.execute(_DELETE_DECISIONS, {"ids": ids})
    # The `evidence` column keeps the whole decision record, so `explain`
    # can show a stored decision exactly as it was made.
    conn.execute(_INSERT_DECISIONS, [{
        "received_id": p.row.id, "category": d.category, "action": d.action,
        "rule": d.rule, "reason": d.reason, "seller_id": d.seller_id, "region": d.region,
        "order_ids": list(d.order_ids), "language": d.language, "evidence": d.to_record(),
        "contact_id": d.contact_id, "decided_at": now, "dedup_key": p.store_key,
        "case_id": d.case.case_id if d.case is not None else None}
        for p in batch for d in (decided[p.row.id],)])
    by_state: dict[str, list[int]] = {}
    for prepared in batch:
        by_state.setdefault(prepared.plan.state, []).append(prepared.row.id)
    for state, state_ids in by_state.items():
        done = conn.execute(_RELEASE, {"ids": state_ids, "owner": owner, "state": state})
        if done.rowcount != len(state_ids):
            lost = ", ".join(str(i) for i in state_ids) if len(state_ids) > 1 else state_ids[0]
            raise LeaseLost(f"message {lost}: lease lost to another worker")
    return [Outcome(p.row.id, p.plan.state, decided[p.row.id]) for p in batch], queued


class ContactOpenedMeanwhile(Exception):
    """Another worker opened a contact on the same order since this one read.

    The message is decided again on a fresh read (it is a follow-up now),
    so two workers never each count a contact for one case.
    """


_LIVE_CONTACTS = sa.select(
    contacts.c.id, contacts.c.seller_id, contacts.c.order_id, contacts.c.last_activity_at,
).where(contacts.c.seller_id.in_(sa.bindparam("sellers", expanding=True)),
        contacts.c.order_id.in_(sa.bindparam("orders", expanding=True)),
        contacts.c.last_activity_at >= sa.bindparam(
            "since", type_=contacts.c.last_activity_at.type))


def _check_no_live_contacts(conn: Connection, config: Config,
                            new_contacts: list[dict[str, Any]]) -> None:
    """Inside the write: no contact on these orders inside the window appeared meanwhile.

    The same rule as the classifier's follow-up check; the write lock makes
    the answer final.  One query for the batch's new contacts, checked here
    pair by pair.  Without an order there is nothing to continue.
    """
    wanted = [values for values in new_contacts if values["order_id"] is not None]
    if not wanted:
        return
    window = config.billing.contact_window
    found = conn.execute(_LIVE_CONTACTS, {
        "sellers": sorted({v["seller_id"] for v in wanted}),
        "orders": sorted({v["order_id"] for v in wanted}),
        "since": min(v["arrived_at"] for v in wanted) - window}).all()
    for values in wanted:
        since = values["arrived_at"] - window
        for row in found:
            if (row.seller_id, row.order_id) == (values["seller_id"], values["order_id"]) \
                    and row.id != values["id"] and row.last_activity_at >= since:
                raise ContactOpenedMeanwhile(
                    f"message {values['id']}: contact {row.id} on order {values['order_id']} "
                    "was opened meanwhile")


def _contact_values(config: Config, decision: Decision, row: Any) -> dict[str, Any]:
    region = config.regions.get(decision.region or "")
    # A contact's id is the id of the message that opened it.
    return {"id": row.id, "seller_id": decision.seller_id, "order_id": decision.order_id,
            "marketplace": region.marketplace if region else "",
            "region": decision.region or "", "received_id": row.id,
            "arrived_at": row.arrived_at, "last_activity_at": row.arrived_at}


def _join_contact(conn: Connection, contact_id: int, arrived_at: datetime) -> None:
    """A follow-up extends its contact's activity; it is not a new contact."""
    last = conn.execute(sa.select(contacts.c.last_activity_at).where(
        contacts.c.id == contact_id)).scalar()
    if last is not None and arrived_at > last:
        conn.execute(contacts.update().where(contacts.c.id == contact_id).values(
            last_activity_at=arrived_at))


def _compose(config: Config, kind: str, decision: Decision, row: Any,
             address: str | None, templates: NoticeTemplates, now: datetime, mail: ParsedMail
             ) -> tuple[int, Composed]:
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
    return row.id, composed


def _enqueue_many(conn: Connection, mails: list[tuple[int, Composed]], now: datetime,
                  lease_until: datetime | None) -> list[Queued]:
    """Queue the batch's composed mails in one statement (see `enqueue_many`)."""
    return enqueue_many(conn, [{
        "kind": c.kind, "message_id": c.message_id, "mail_from": c.mail_from,
        "rcpt_tos": c.rcpt_tos, "raw": c.raw, "received_id": received_id,
    } for received_id, c in mails], now, lease_until=lease_until)
