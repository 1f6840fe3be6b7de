"""The initial schema, written by hand to match router/store/schema.py.

Revision ID: 0001
Revises:
Create Date: 2026-01-01

Self-contained on purpose: later changes to schema.py must not change what
this revision creates.  UTC datetimes are ``DateTime(timezone=True)`` here,
the storage type behind ``UTCDateTime``.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)
# BIGINT on PostgreSQL; SQLite only auto-increments "INTEGER PRIMARY KEY".
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _id() -> sa.Column:
    return sa.Column("id", ID, primary_key=True)


def upgrade() -> None:
    op.create_table(
        "received",
        _id(),
        sa.Column("message_id", sa.String, nullable=True),
        sa.Column("sha256", sa.String, nullable=False),
        sa.Column("raw", sa.LargeBinary, nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("mail_from", sa.String, nullable=True),
        sa.Column("rcpt_tos", sa.JSON, nullable=False),
        sa.Column("channel", sa.String, nullable=False),
        sa.Column("channel_ref", sa.String, nullable=True),
        sa.Column("arrived_at", TS, nullable=False),
        sa.Column("state", sa.String, nullable=False),
        sa.Column("lease_owner", sa.String, nullable=True),
        sa.Column("lease_expires", TS, nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_received"),
        sa.CheckConstraint(
            "channel IN ('smtp', 'imap', 'ingest')", name="ck_received_channel"
        ),
        sa.CheckConstraint(
            "state IN ('received', 'decided', 'done', 'held', 'failed')",
            name="ck_received_state",
        ),
    )
    op.create_index("ix_received_message_id", "received", ["message_id"])
    op.create_index("ix_received_state_lease_expires", "received", ["state", "lease_expires"])

    op.create_table(
        "contacts",
        _id(),
        sa.Column("seller_id", sa.String, nullable=False),
        sa.Column("order_id", sa.String, nullable=True),
        sa.Column("marketplace", sa.String, nullable=False),
        sa.Column("region", sa.String, nullable=False),
        sa.Column("received_id", ID, nullable=False),
        sa.Column("arrived_at", TS, nullable=False),
        sa.Column("last_activity_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_contacts"),
        sa.ForeignKeyConstraint(
            ["received_id"], ["received.id"], name="fk_contacts_received_id_received"
        ),
    )
    op.create_index("ix_contacts_received_id", "contacts", ["received_id"])
    op.create_index("ix_contacts_seller_id_arrived_at", "contacts", ["seller_id", "arrived_at"])
    op.create_index("ix_contacts_seller_id_order_id", "contacts", ["seller_id", "order_id"])

    op.create_table(
        "decisions",
        _id(),
        sa.Column("received_id", ID, nullable=False),
        sa.Column("category", sa.String, nullable=False),
        sa.Column("action", sa.String, nullable=False),
        sa.Column("rule", sa.String, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("seller_id", sa.String, nullable=True),
        sa.Column("region", sa.String, nullable=True),
        sa.Column("order_ids", sa.JSON, nullable=False),
        sa.Column("language", sa.String, nullable=True),
        sa.Column("evidence", sa.JSON, nullable=False),
        sa.Column("contact_id", ID, nullable=True),
        sa.Column("decided_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_decisions"),
        sa.UniqueConstraint("received_id", name="uq_decisions_received_id"),
        sa.ForeignKeyConstraint(
            ["received_id"], ["received.id"], name="fk_decisions_received_id_received"
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name="fk_decisions_contact_id_contacts"
        ),
    )
    op.create_index("ix_decisions_contact_id", "decisions", ["contact_id"])

    op.create_table(
        "outgoing",
        _id(),
        sa.Column("received_id", ID, nullable=True),
        sa.Column("kind", sa.String, nullable=False),
        sa.Column("message_id", sa.String, nullable=False),
        sa.Column("mail_from", sa.String, nullable=False),
        sa.Column("rcpt_tos", sa.JSON, nullable=False),
        sa.Column("raw", sa.LargeBinary, nullable=False),
        sa.Column("state", sa.String, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_try_at", TS, nullable=False),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("sent_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_outgoing"),
        sa.UniqueConstraint("message_id", name="uq_outgoing_message_id"),
        sa.ForeignKeyConstraint(
            ["received_id"], ["received.id"], name="fk_outgoing_received_id_received"
        ),
        sa.CheckConstraint(
            "kind IN ('forward', 'notice', 'redirect', 'statement')", name="ck_outgoing_kind"
        ),
        sa.CheckConstraint("state IN ('pending', 'sent', 'dead')", name="ck_outgoing_state"),
    )
    op.create_index("ix_outgoing_received_id", "outgoing", ["received_id"])
    op.create_index("ix_outgoing_state_next_try_at", "outgoing", ["state", "next_try_at"])

    op.create_table(
        "orders",
        sa.Column("seller_id", sa.String, nullable=False),
        sa.Column("amazon_order_id", sa.String, nullable=False),
        sa.Column("line_no", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("sku", sa.String, nullable=False),
        sa.Column("purchase_date", TS, nullable=False),
        sa.Column("order_status", sa.String, nullable=False),
        sa.Column("fulfillment_channel", sa.String, nullable=False),
        sa.Column("sales_channel", sa.String, nullable=False),
        sa.Column("quantity", sa.Integer, nullable=False),
        sa.Column("item_status", sa.String, nullable=False),
        sa.Column("source_file", sa.String, nullable=False),
        sa.Column("imported_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("seller_id", "amazon_order_id", "line_no", name="pk_orders"),
        sa.CheckConstraint(
            "fulfillment_channel IN ('Amazon', 'Merchant')", name="ck_orders_fulfillment_channel"
        ),
        sa.CheckConstraint("quantity >= 0", name="ck_orders_quantity"),
    )
    op.create_index("ix_orders_amazon_order_id", "orders", ["amazon_order_id"])
    op.create_index("ix_orders_seller_id_purchase_date", "orders", ["seller_id", "purchase_date"])

    op.create_table(
        "statements",
        _id(),
        sa.Column("seller_id", sa.String, nullable=False),
        sa.Column("month", sa.String, nullable=False),
        sa.Column("figures", sa.JSON, nullable=False),
        sa.Column("outgoing_id", ID, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_statements"),
        sa.UniqueConstraint("seller_id", "month", name="uq_statements_seller_id_month"),
        sa.ForeignKeyConstraint(
            ["outgoing_id"], ["outgoing.id"], name="fk_statements_outgoing_id_outgoing"
        ),
    )

    op.create_table(
        "imap_state",
        sa.Column("account", sa.String, nullable=False),
        sa.Column("uidvalidity", sa.BigInteger, nullable=False),
        sa.Column("last_uid", sa.BigInteger, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("account", name="pk_imap_state"),
    )


def downgrade() -> None:
    for table in ("imap_state", "statements", "orders", "outgoing", "decisions", "contacts",
                  "received"):
        op.drop_table(table)
