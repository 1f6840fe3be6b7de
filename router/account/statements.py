"""Monthly statements: one mail per seller and month, queued exactly once.

Size: the whole monthly send (which month, composing, recording once, the
run over all sellers) is one module so that the exactly-once argument below
can be checked against the code in one place.

Which month.  A statement bills a calendar month (UTC) that has ended:
``last_ended_month(T)`` is the month before the UTC month of the instant
T.  The scheduled run on 2026-11-01 at 06:00 Europe/Berlin (05:00 UTC)
bills 2026-10: the month just ended, whose fee per unit was fixed on
2026-10-01 from the CPU of 2026-07..2026-09 and whose billable units are
complete once 2026-11-01 00:00 UTC has passed.  A month that has not ended
is refused (`StatementError`), except for a dry run: a statement is sent
once, so a half month must never be the one that goes out.

Who.  Sellers with an enrollment period that overlaps the month (a seller
who opted out on the 15th gets that month's statement; one who opted out on
the 1st does not).  Sellers without a notify address are skipped and logged.

Exactly once.  `record_statement` inserts the `statements` row (UNIQUE
seller_id, month; ON CONFLICT DO NOTHING) and, only when that insert made a
row, enqueues the mail and links it, all in one transaction.  Whoever
commits the row first sends; every other run -- a restart on the 1st, a
second `serve` on the same PostgreSQL database (its insert waits for the
first transaction and then finds the row), a late catch-up, `billing send`
by hand -- finds the row and queues nothing.  The Message-ID is derived from
seller and month as a second guard: the outgoing table stores a Message-ID
once.  Composing (figures, chart, template) happens before the transaction,
so the write lock is held for two inserts and an update only.

Composition is pure (`compose_statement`: config, seller, bill, PNG bytes,
``now`` in; bytes out): the same inputs give the same bytes.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from pathlib import Path
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from router.account.billing import Bill, BillingError, Terms, exact_cpu
from router.account.months import Month
from router.config.model import Config, FeeSchedule, Seller
from router.mail.templates import Rendered, TemplateFolders, TemplateSetupError
from router.mail.write import POLICY, ComposeError, mime_boundary, plain_token
from router.store import begin_write, statements

log = logging.getLogger("router.account.statements")

#: Months shown on the attached CPU chart, ending with the billed month.
CHART_MONTHS = 12
FALLBACK_LANGUAGE = "en"
STATEMENT_DIR = "statements"
FROM_NAME = "CSBA router"

Status = Literal["queued", "already", "no_address", "not_enrolled", "failed", "would_queue"]


class StatementError(Exception):
    """A statement cannot be written (month not ended, template broken); a sentence."""


# --------------------------------------------------------------------------
# Months and sellers.


def last_ended_month(now: datetime) -> Month:
    """The latest calendar month (UTC) that has ended at ``now``."""
    return Month.of(now if now.tzinfo else now.replace(tzinfo=UTC)).plus(-1)


def has_ended(month: Month, now: datetime) -> bool:
    return month.plus(1).start <= (now if now.tzinfo else now.replace(tzinfo=UTC))


def enrolled_in(seller: Seller, month: Month) -> bool:
    """True when one of the seller's periods [start, end) overlaps the month."""
    first, after = month.first_day, month.plus(1).first_day
    return any(p.start < after and (p.end is None or p.end > first) for p in seller.enrollment)


def statement_language(config: Config, seller: Seller) -> str:
    """The seller's language, else its region's, else English."""
    if seller.language:
        return seller.language
    region = config.regions.get(seller.region)
    return region.language if region and region.language else FALLBACK_LANGUAGE


def statement_message_id(seller_id: str, month: Month, hostname: str) -> str:
    """``<csba-statement-SELLER-YYYY-MM@HOST>``: the same for every retry.

    A seller id that is no plain token (it could hold ``>`` or spaces) is
    replaced by a hash, so the Message-ID stays one valid token.
    """
    return f"<csba-statement-{plain_token(seller_id)}-{month}@{hostname}>"


# --------------------------------------------------------------------------
# Templates.


class StatementTemplates:
    """`statements/statement.<lang>.txt.j2`, the admin's override folder first.

    Found and rendered as the notices are (`router.mail.templates`): an
    override that fails to render is logged and the packaged file is used,
    because a typo in an override must not stop the month's statements; a
    missing or broken packaged file raises StatementError.
    """

    def __init__(self, override_dir: Path | None = None, packaged_dir: Path | None = None):
        try:
            self.folders = TemplateFolders(STATEMENT_DIR, override_dir=override_dir,
                                           packaged_dir=packaged_dir, log=log)
        except TemplateSetupError as exc:
            raise StatementError(str(exc)) from None

    @classmethod
    def from_config(cls, config: Config) -> StatementTemplates:
        return cls(override_dir=config.templates.override_dir)

    def render(self, language: str, variables: Mapping[str, Any]) -> Rendered:
        """The statement in ``language``, else in English."""
        names = [f"{STATEMENT_DIR}/statement.{lang}.txt.j2"
                 for lang in dict.fromkeys((language, FALLBACK_LANGUAGE))]
        try:
            return self.folders.render(
                names, lambda _used: variables, what="statement",
                missing=f"no template {STATEMENT_DIR}/statement.{FALLBACK_LANGUAGE}.txt.j2",
                context={"language": language})
        except TemplateSetupError as exc:
            raise StatementError(str(exc)) from exc


@dataclass(frozen=True)
class TierView:
    cpu_at_most: str | None  # the tier's bound, whichever key gives it; None: unbounded
    fee: str
    current: bool
    below: bool = False  # the bound is exclusive (`cpu_below`)


def statement_variables(config: Config, seller: Seller, bill: Bill,
                        schedule: FeeSchedule, chart_name: str,
                        cases: Any = None) -> dict[str, Any]:
    """What a statement template sees.

    ``seller.id``/``seller.name``; ``bill``: the contract's fields
    (`Bill`: ``bill.fee``, ``bill.cpu`` (None without units), ...);
    ``month`` (`Month`: ``.year``, ``.month``, ``str()`` = YYYY-MM);
    ``first_day``/``last_day`` (dates); ``trial_units`` (covered, not
    billable); ``tiers`` (``cpu_at_most`` str or None, ``fee``, ``current``:
    the tier the window's CPU falls in); ``low_volume`` (``max_units``,
    ``fee``, ``applies``: the cap or the unknown-CPU fee is in play);
    ``chart_name`` (the PNG's file name); ``language``; ``cases``: the
    seller's cases asked in the month (`router.cases.listing.CaseCounts`:
    ``asked``, ``answered_in_time``, ``answered_late``, ``not_answered``,
    ``waiting``), None when it had none (the text then says nothing of them).
    """
    month = Month.parse(bill.month)
    cpu = exact_cpu(bill.window_contacts, bill.window_units)
    current = None if cpu is None else next(
        (i for i, t in enumerate(schedule.tiers) if t.admits(cpu)), None)
    low = schedule.low_volume
    return {
        "seller": {"id": seller.id, "name": seller.name},
        "bill": bill,
        "month": month,
        "first_day": month.first_day,
        "last_day": month.plus(1).first_day - timedelta(days=1),
        "trial_units": bill.covered_units - bill.billable_units,
        "tiers": [TierView(None if t.bound is None else str(t.bound), str(t.fee),
                           i == current, t.cpu_below is not None)
                  for i, t in enumerate(schedule.tiers)],
        "low_volume": None if low is None else {
            "max_units": low.max_units, "orders_below": low.orders_below, "fee": str(low.fee),
            # In play: the cap holds the fee, or could (few units), or no CPU.
            "applies": cpu is None or bill.low_volume or (
                low.max_units is not None and bill.window_units <= low.max_units)},
        "reward": None if bill.discount_percent is None or bill.vtr is None else {
            "month": bill.cpu_window.rsplit("..", 1)[-1],
            "vtr_percent": format((Decimal(bill.vtr) * 100).normalize(), "f")},
        "chart_name": chart_name,
        "language": statement_language(config, seller),
        "cases": cases,
    }


# --------------------------------------------------------------------------
# The mail.


@dataclass(frozen=True)
class Statement:
    """One composed statement, ready for `record_statement`."""

    seller_id: str
    month: Month
    bill: Bill
    language: str
    subject: str
    message_id: str
    mail_from: str
    rcpt_to: str
    raw: bytes


def render_chart(terms: Terms, months: Sequence[Month], activity: Any) -> bytes:
    """The CPU chart of `router.account.chart` as PNG bytes (no file)."""
    from router.account.chart import chart_data, draw_chart

    out = io.BytesIO()
    draw_chart(chart_data(terms, months, activity), out)
    return out.getvalue()


def compose_statement(config: Config, seller: Seller, bill: Bill, chart_png: bytes, *,
                      now: datetime, templates: StatementTemplates,
                      cases: Any = None) -> Statement:
    """The statement mail: text/plain UTF-8 and the chart as image/png.

    Pure: the Message-ID comes from seller and month, the MIME boundary from
    the Message-ID, the Date from ``now``.
    """
    to = seller.notify_address
    if not to:
        raise StatementError(f"seller {seller.id} has no notify address")
    schedule = config.fee_schedule(bill.marketplace, on=Month.parse(bill.month).first_day)
    if schedule is None:
        raise BillingError(f"marketplace '{bill.marketplace}' has no fee schedule")
    month = Month.parse(bill.month)
    chart_name = f"cpu-{seller.id}-{month}.png" if seller.id.isascii() else f"cpu-{month}.png"
    language = statement_language(config, seller)
    rendered = templates.render(
        language, statement_variables(config, seller, bill, schedule, chart_name, cases))
    message_id = statement_message_id(seller.id, month, config.instance.hostname)

    msg = EmailMessage(policy=POLICY)
    msg["From"] = formataddr((FROM_NAME, config.outbound.from_address))
    msg["To"] = to
    msg["Subject"] = rendered.subject
    msg["Date"] = format_datetime(now.astimezone(UTC) if now.tzinfo else now.replace(tzinfo=UTC))
    msg["Message-ID"] = message_id
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Loop"] = config.outbound.from_address
    msg["X-CSBA-Seller"] = seller.id
    msg["X-CSBA-Statement"] = str(month)
    msg.set_content(rendered.body, charset="utf-8")
    msg["Content-Language"] = rendered.language
    msg.add_attachment(chart_png, maintype="image", subtype="png", filename=chart_name)
    msg.set_boundary(_boundary(message_id, msg))
    return Statement(seller.id, month, bill, rendered.language, rendered.subject, message_id,
                     config.outbound.from_address, to, msg.as_bytes(policy=POLICY))


def _boundary(seed: str, msg: EmailMessage) -> str:
    """A boundary from the Message-ID, so the same statement has the same bytes.

    It cannot occur in the parts: quoted-printable writes ``=`` as ``=3D``
    and base64 has ``=`` only as final padding; checked anyway.
    """
    try:
        return mime_boundary(seed, [part.as_bytes(policy=POLICY) for part in msg.iter_parts()])
    except ComposeError as exc:
        raise StatementError(str(exc)) from None


# --------------------------------------------------------------------------
# The database: the one write.


def record_statement(engine: Engine, statement: Statement, *, now: datetime) -> int | None:
    """Store the statement and queue its mail in one transaction.

    Returns the outgoing id, or None when the seller's statement of that
    month exists already (then nothing is queued).
    """
    from router.act.queue import enqueue

    with begin_write(engine) as conn:
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        insert = (
            dialect.insert(statements)
            .values(seller_id=statement.seller_id, month=str(statement.month),
                    figures=statement.bill.to_json(), created_at=now)
            .on_conflict_do_nothing(index_elements=[statements.c.seller_id, statements.c.month])
            .returning(statements.c.id)
        )
        statement_id = conn.execute(insert).scalar_one_or_none()
        if statement_id is None:
            return None
        outgoing_id = enqueue(conn, kind="statement", message_id=statement.message_id,
                              mail_from=statement.mail_from, rcpt_tos=[statement.rcpt_to],
                              raw=statement.raw, received_id=None, now=now)
        conn.execute(statements.update().where(statements.c.id == statement_id)
                     .values(outgoing_id=outgoing_id))
    return outgoing_id


def sent_sellers(engine: Engine, month: Month) -> set[str]:
    """Sellers whose statement of ``month`` is recorded (the DB says what was sent)."""
    query = sa.select(statements.c.seller_id).where(statements.c.month == str(month))
    with engine.connect() as conn:
        return set(conn.execute(query).scalars())


# --------------------------------------------------------------------------
# A month for many sellers: what the job, the catch-up and `billing send` run.


@dataclass(frozen=True)
class StatementResult:
    """What happened to one seller's statement."""

    seller_id: str
    status: Status
    recipient: str | None = None
    subject: str | None = None
    fee: str | None = None
    currency: str | None = None
    outgoing_id: int | None = None
    error: str | None = None


def send_month(engine: Engine, config: Config, month: Month, *, now: datetime,
               sellers: Sequence[Seller] | None = None, dry_run: bool = False,
               templates: StatementTemplates | None = None) -> list[StatementResult]:
    """Compose and queue the month's missing statements; one outcome per seller.

    Each seller is its own transaction: a crash or a failing seller leaves
    the others sent, and the next run sends the rest.  ``dry_run`` composes
    and reports but writes nothing; it applies the real run's checks, so a
    preview never shows what the real run would refuse.
    """
    from router.account.figures import monthly_bills, seller_history

    if not has_ended(month, now):
        raise StatementError(f"{month} has not ended yet (UTC); its statement is sent once, "
                             "after the month")
    chosen = list(config.sellers if sellers is None else sellers)
    done = sent_sellers(engine, month)
    outcomes: dict[str, StatementResult] = {}
    todo: list[Seller] = []
    for seller in chosen:
        if not enrolled_in(seller, month):
            outcomes[seller.id] = StatementResult(seller.id, "not_enrolled")
        elif seller.id in done:
            outcomes[seller.id] = StatementResult(seller.id, "already")
        elif not seller.notify_address:
            log.warning("seller %s has no notify address: no statement for %s", seller.id, month,
                        extra={"event": "statement_skipped", "seller_id": seller.id,
                               "month": str(month)})
            outcomes[seller.id] = StatementResult(seller.id, "no_address")
        else:
            try:
                Terms.of(config, seller)
            except BillingError as exc:
                outcomes[seller.id] = _failed(seller, month, exc)
                continue
            todo.append(seller)
    if todo:
        from router.cases.listing import month_counts

        templates = templates or StatementTemplates.from_config(config)
        bills = {b.seller_id: b for b in monthly_bills(engine, config, month, todo)}
        asked = month_counts(engine, month, [s.id for s in todo], now)
        for seller in todo:
            try:
                terms, shown, activity = seller_history(engine, config, seller, month,
                                                        CHART_MONTHS)
                png = render_chart(terms, shown, activity)
                statement = compose_statement(config, seller, bills[seller.id], png, now=now,
                                              templates=templates, cases=asked.get(seller.id))
            except (BillingError, StatementError) as exc:
                outcomes[seller.id] = _failed(seller, month, exc)
                continue
            outcomes[seller.id] = _record(engine, statement, now, dry_run)
    return [outcomes[s.id] for s in chosen]


def _record(engine: Engine, statement: Statement, now: datetime, dry_run: bool) -> StatementResult:
    bill = statement.bill

    def outcome(status: Status, outgoing_id: int | None = None) -> StatementResult:
        return StatementResult(statement.seller_id, status, recipient=statement.rcpt_to,
                       subject=statement.subject, fee=bill.fee, currency=bill.currency,
                       outgoing_id=outgoing_id)

    if dry_run:
        return outcome("would_queue")
    outgoing_id = record_statement(engine, statement, now=now)
    if outgoing_id is None:
        return outcome("already")
    log.info("statement queued", extra={
        "event": "statement_queued", "seller_id": statement.seller_id,
        "month": str(statement.month), "outgoing_id": outgoing_id,
        "message_id": statement.message_id, "fee": bill.fee, "currency": bill.currency})
    return outcome("queued", outgoing_id)


def _failed(seller: Seller, month: Month, exc: Exception) -> StatementResult:
    log.error("statement of %s for %s not written: %s", seller.id, month, exc,
              extra={"event": "statement_failed", "seller_id": seller.id, "month": str(month)})
    return StatementResult(seller.id, "failed", error=str(exc))


def count(outcomes: Sequence[StatementResult]) -> dict[str, int]:
    """Outcomes per status, every status present (for logs and tests)."""
    counts = dict.fromkeys(("queued", "already", "no_address", "not_enrolled", "failed",
                            "would_queue"), 0)
    for outcome in outcomes:
        counts[outcome.status] += 1
    return counts

