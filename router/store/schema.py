"""The database schema: SQLAlchemy Core tables, one schema for both engines.

Migrations in ``migrations/versions`` are written by hand to match this
module; a test compares a migrated database with ``metadata`` on SQLite and
PostgreSQL.  Enumerated values are plain strings with CHECK constraints
(native PostgreSQL enums are hard to change and SQLite has none); the allowed
values are the tuples below, so code can import them instead of retyping.
"""

from __future__ import annotations

import sqlalchemy as sa

from router import states
from router.store.types import UTCDateTime, utcnow

# Constraint names are derived, so a migration and this module agree on them.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)

RECEIVED_CHANNELS = ("smtp", "imap", "ingest")
# The states are named in `router.states`.  "decided" was admitted by the
# first schema (migration 0001) and was never written: it stays in the
# constraint only so that this module matches every migrated database.
RECEIVED_STATES = (states.WAITING, "decided", states.DONE, states.HELD, states.FAILED)
# "case": a case's relays, reminders and overdue notes (router.cases).
OUTGOING_KINDS = ("forward", "notice", "redirect", "statement", "case")
OUTGOING_STATES = states.MAIL_STATES
FULFILLMENT_CHANNELS = ("Amazon", "Merchant")
CASE_STATES = states.CASE_STATES


def _id() -> sa.Column[int]:
    # BIGINT on PostgreSQL; SQLite only auto-increments "INTEGER PRIMARY KEY".
    return sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True)


def _one_of(column: str, values: tuple[str, ...], name: str) -> sa.CheckConstraint:
    allowed = ", ".join(f"'{v}'" for v in values)
    return sa.CheckConstraint(f"{column} IN ({allowed})", name=name)


received = sa.Table(
    "received",
    metadata,
    _id(),
    sa.Column("message_id", sa.String, nullable=True, index=True),
    sa.Column("sha256", sa.String, nullable=False),
    # The raw bytes live in the database so that one commit makes them durable.
    sa.Column("raw", sa.LargeBinary, nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    # "" is the null sender <>; NULL means not known (ingested archives).
    sa.Column("mail_from", sa.String, nullable=True),
    sa.Column("rcpt_tos", sa.JSON, nullable=False),
    sa.Column("channel", sa.String, nullable=False),
    sa.Column("channel_ref", sa.String, nullable=True),  # SMTP: the client's IP address
    # SMTP: the client's HELO/EHLO name as given (for SPF, trust.verify).
    sa.Column("helo", sa.String, nullable=True),
    sa.Column("arrived_at", UTCDateTime, nullable=False),
    sa.Column("state", sa.String, nullable=False, default=states.WAITING),
    sa.Column("lease_owner", sa.String, nullable=True),
    sa.Column("lease_expires", UTCDateTime, nullable=True),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False, default=utcnow),
    _one_of("channel", RECEIVED_CHANNELS, "channel"),
    _one_of("state", RECEIVED_STATES, "state"),
    # The claim reads waiting messages oldest first (migration 0003).
    sa.Index("ix_received_state_id", "state", "id"),
)

contacts = sa.Table(
    "contacts",
    metadata,
    _id(),
    sa.Column("seller_id", sa.String, nullable=False),
    sa.Column("order_id", sa.String, nullable=True),
    sa.Column("marketplace", sa.String, nullable=False),
    sa.Column("region", sa.String, nullable=False),
    sa.Column("received_id", sa.ForeignKey("received.id"), nullable=False, index=True),
    sa.Column("arrived_at", UTCDateTime, nullable=False),
    sa.Column("last_activity_at", UTCDateTime, nullable=False),
    sa.Index("ix_contacts_seller_id_arrived_at", "seller_id", "arrived_at"),
    sa.Index("ix_contacts_seller_id_order_id", "seller_id", "order_id"),
)

decisions = sa.Table(
    "decisions",
    metadata,
    _id(),
    sa.Column("received_id", sa.ForeignKey("received.id"), nullable=False, unique=True),
    sa.Column("category", sa.String, nullable=False),
    sa.Column("action", sa.String, nullable=False),
    sa.Column("rule", sa.String, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("seller_id", sa.String, nullable=True),
    sa.Column("region", sa.String, nullable=True),
    sa.Column("order_ids", sa.JSON, nullable=False),
    sa.Column("language", sa.String, nullable=True),
    sa.Column("evidence", sa.JSON, nullable=False),
    sa.Column("contact_id", sa.ForeignKey("contacts.id"), nullable=True, index=True),
    sa.Column("decided_at", UTCDateTime, nullable=False, default=utcnow),
    # "seller_id|message_id" on the decision that acted; NULL on duplicates.
    sa.Column("dedup_key", sa.String, nullable=True),
    # The case a team's message or a seller's answer belongs to (migration 0006).
    sa.Column("case_id", sa.ForeignKey("cases.id"), nullable=True, index=True),
    sa.Index("ix_decisions_dedup_key", "dedup_key", unique=True),
)

# The CSBA team's questions to sellers (router.cases).  A case's number is
# the id of the team's message that opened it, so it is known before
# anything is written (like a contact's).  `state` is "open" until the
# seller answers; "overdue" is an open case past `due_at`, computed.
cases = sa.Table(
    "cases",
    metadata,
    _id(),
    sa.Column("seller_id", sa.String, nullable=False),
    sa.Column("region", sa.String, nullable=False),
    # The contact of the forward the team answered (NULL for a forward
    # without one); a contact has at most one open case.
    sa.Column("contact_id", sa.ForeignKey("contacts.id"), nullable=True, index=True),
    # The seller's message whose forward the team answered.
    sa.Column("forward_id", sa.ForeignKey("received.id"), nullable=False, index=True),
    sa.Column("order_id", sa.String, nullable=True),
    # The team address that wrote last: the seller's answer is relayed there.
    sa.Column("team_address", sa.String, nullable=False),
    sa.Column("question_message_id", sa.String, nullable=True),
    sa.Column("state", sa.String, nullable=False),
    sa.Column("asked_at", UTCDateTime, nullable=False),
    sa.Column("due_at", UTCDateTime, nullable=False),
    sa.Column("answered_at", UTCDateTime, nullable=True),
    sa.Column("answer_id", sa.ForeignKey("received.id"), nullable=True),
    # The reminder and the overdue note, queued for their due times with
    # the relay; taken off the queue when the seller answers.
    sa.Column("reminder_message_id", sa.String, nullable=True),
    sa.Column("overdue_message_id", sa.String, nullable=True),
    _one_of("state", CASE_STATES, "state"),
    sa.Index("ix_cases_seller_id_asked_at", "seller_id", "asked_at"),
)

outgoing = sa.Table(
    "outgoing",
    metadata,
    _id(),
    sa.Column("received_id", sa.ForeignKey("received.id"), nullable=True, index=True),
    sa.Column("kind", sa.String, nullable=False),
    sa.Column("message_id", sa.String, nullable=False, unique=True),
    sa.Column("mail_from", sa.String, nullable=False),
    sa.Column("rcpt_tos", sa.JSON, nullable=False),
    sa.Column("raw", sa.LargeBinary, nullable=False),
    sa.Column("state", sa.String, nullable=False, default=states.PENDING),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("next_try_at", UTCDateTime, nullable=False, default=utcnow),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False, default=utcnow),
    sa.Column("sent_at", UTCDateTime, nullable=True),
    _one_of("kind", OUTGOING_KINDS, "kind"),
    _one_of("state", OUTGOING_STATES, "state"),
    sa.Index("ix_outgoing_state_next_try_at", "state", "next_try_at"),
)

# One row per order item.  line_no is the item's 0-based position among its
# order's lines in the report that last imported the order.
orders = sa.Table(
    "orders",
    metadata,
    sa.Column("seller_id", sa.String, primary_key=True),
    sa.Column("amazon_order_id", sa.String, primary_key=True, index=True),
    sa.Column("line_no", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("sku", sa.String, nullable=False),
    sa.Column("purchase_date", UTCDateTime, nullable=False),
    sa.Column("order_status", sa.String, nullable=False),
    sa.Column("fulfillment_channel", sa.String, nullable=False),
    sa.Column("sales_channel", sa.String, nullable=False),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.Column("item_status", sa.String, nullable=False),
    sa.Column("source_file", sa.String, nullable=False),
    sa.Column("imported_at", UTCDateTime, nullable=False),
    _one_of("fulfillment_channel", FULFILLMENT_CHANNELS, "fulfillment_channel"),
    sa.CheckConstraint("quantity >= 0", name="quantity"),
    sa.Index("ix_orders_seller_id_purchase_date", "seller_id", "purchase_date"),
)

statements = sa.Table(
    "statements",
    metadata,
    _id(),
    sa.Column("seller_id", sa.String, nullable=False),
    sa.Column("month", sa.String, nullable=False),
    sa.Column("figures", sa.JSON, nullable=False),
    sa.Column("outgoing_id", sa.ForeignKey("outgoing.id"), nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False, default=utcnow),
    sa.UniqueConstraint("seller_id", "month"),
)

# Sellers' performance figures per calendar month (`performance import`):
# fractions, exact; a later import replaces a month's row.
performance = sa.Table(
    "performance",
    metadata,
    sa.Column("seller_id", sa.String, primary_key=True),
    sa.Column("month", sa.String(7), primary_key=True),  # YYYY-MM
    sa.Column("valid_tracking_rate", sa.Numeric(9, 6), nullable=False),
    sa.Column("prepaid_return_label_rate", sa.Numeric(9, 6), nullable=True),
    sa.Column("source_file", sa.String, nullable=False),
    sa.Column("imported_at", UTCDateTime, nullable=False),
)

imap_state = sa.Table(
    "imap_state",
    metadata,
    sa.Column("account", sa.String, primary_key=True),
    sa.Column("uidvalidity", sa.BigInteger, nullable=False),
    sa.Column("last_uid", sa.BigInteger, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow),
)
