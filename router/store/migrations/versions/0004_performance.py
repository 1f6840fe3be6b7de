"""Sellers' monthly performance figures (Valid Tracking Rate, prepaid return labels).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06

`performance import` stores one row per seller and month; billing reads the
row of the CPU window's last month to decide a reward.  Self-contained, like
0001 (UTC datetimes as ``DateTime(timezone=True)``).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "performance",
        sa.Column("seller_id", sa.String, primary_key=True),
        sa.Column("month", sa.String(7), primary_key=True),
        sa.Column("valid_tracking_rate", sa.Numeric(9, 6), nullable=False),
        sa.Column("prepaid_return_label_rate", sa.Numeric(9, 6), nullable=True),
        sa.Column("source_file", sa.String, nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("performance")
