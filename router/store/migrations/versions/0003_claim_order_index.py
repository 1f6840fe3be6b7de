"""Waiting messages are claimed in id order through an index on (state, id).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25

The claim asks for the oldest few messages in state `received` whose lease
is free.  With the old index on (state, lease_expires) the database had to
read every waiting message and sort them by id on each claim, so a backlog
of thousands made every claim cost milliseconds; (state, id) hands them
over in order and the claim stops after the first few.  The old index
served only that query, so it goes.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_received_state_id", "received", ["state", "id"])
    op.drop_index("ix_received_state_lease_expires", table_name="received")


def downgrade() -> None:
    op.create_index("ix_received_state_lease_expires", "received", ["state", "lease_expires"])
    op.drop_index("ix_received_state_id", table_name="received")
