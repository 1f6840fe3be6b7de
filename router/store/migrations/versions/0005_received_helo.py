"""A received message keeps its SMTP client's HELO name, for the router's SPF check.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06

Sender trust (`trust.verify`) checks SPF for the address that connected
over SMTP; pyspf needs that address (already in `channel_ref`), the MAIL
FROM address and the HELO name, which the router's own Received: field only
shows with unsafe characters replaced.  NULL for IMAP, archives and rows
stored before this revision.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("received", sa.Column("helo", sa.String, nullable=True))


def downgrade() -> None:
    op.drop_column("received", "helo")
