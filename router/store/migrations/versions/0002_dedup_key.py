"""Decisions carry a dedup key: one acted-on decision per seller and Message-ID.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25

The pipeline writes `seller_id|message_id` on the decision that acts on a
message; a second copy (an SMTP retry after a lost 250, or the same mail by
SMTP and IMAP) then fails the unique index in its own transaction instead
of being acted on twice, even when two workers race.  NULL for copies.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("decisions", sa.Column("dedup_key", sa.String, nullable=True))
    op.create_index("ix_decisions_dedup_key", "decisions", ["dedup_key"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_decisions_dedup_key", table_name="decisions")
    op.drop_column("decisions", "dedup_key")
