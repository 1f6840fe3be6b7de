"""Cases: the CSBA team's questions to sellers, and the mail that carries them.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-12

A `cases` table (one row per question the team asks a seller: who, which
contact, when it was asked and is due, when it was answered), the case a
decision belongs to (`decisions.case_id`: a router-made case mail that a
reply names leads to its case through the decision of the message it
relayed), and the outgoing kind `case` (relays, reminders, overdue notes).

SQLite changes a CHECK constraint by copying the table; `router.store.
migrate.upgrade` turns foreign keys off for that and checks them before
the commit (SQLite's documented procedure for schema changes).  The kind
constraint keeps the name revision 0001 gave it on both engines (its name
passes through the naming convention once more: ck_outgoing_ck_outgoing_kind).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)
OLD_KINDS = "kind IN ('forward', 'notice', 'redirect', 'statement')"
NEW_KINDS = "kind IN ('forward', 'notice', 'redirect', 'statement', 'case')"


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", ID, nullable=False),
        sa.Column("seller_id", sa.String, nullable=False),
        sa.Column("region", sa.String, nullable=False),
        sa.Column("contact_id", ID, nullable=True),
        sa.Column("forward_id", ID, nullable=False),
        sa.Column("order_id", sa.String, nullable=True),
        sa.Column("team_address", sa.String, nullable=False),
        sa.Column("question_message_id", sa.String, nullable=True),
        sa.Column("state", sa.String, nullable=False),
        sa.Column("asked_at", TS, nullable=False),
        sa.Column("due_at", TS, nullable=False),
        sa.Column("answered_at", TS, nullable=True),
        sa.Column("answer_id", ID, nullable=True),
        sa.Column("reminder_message_id", sa.String, nullable=True),
        sa.Column("overdue_message_id", sa.String, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_cases"),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"],
                                name="fk_cases_contact_id_contacts"),
        sa.ForeignKeyConstraint(["forward_id"], ["received.id"],
                                name="fk_cases_forward_id_received"),
        sa.ForeignKeyConstraint(["answer_id"], ["received.id"],
                                name="fk_cases_answer_id_received"),
        sa.CheckConstraint("state IN ('open', 'answered')", name="ck_cases_state"),
    )
    op.create_index("ix_cases_contact_id", "cases", ["contact_id"])
    op.create_index("ix_cases_forward_id", "cases", ["forward_id"])
    op.create_index("ix_cases_seller_id_asked_at", "cases", ["seller_id", "asked_at"])

    with op.batch_alter_table("decisions") as batch:
        batch.add_column(sa.Column("case_id", ID, nullable=True))
        batch.create_foreign_key("fk_decisions_case_id_cases", "cases", ["case_id"], ["id"])
        batch.create_index("ix_decisions_case_id", ["case_id"])

    with op.batch_alter_table("outgoing", recreate="auto") as batch:
        batch.drop_constraint("ck_outgoing_kind", type_="check")
        batch.create_check_constraint("ck_outgoing_kind", sa.text(NEW_KINDS))


def downgrade() -> None:
    with op.batch_alter_table("outgoing", recreate="auto") as batch:
        batch.drop_constraint("ck_outgoing_kind", type_="check")
        batch.create_check_constraint("ck_outgoing_kind", sa.text(OLD_KINDS))
    with op.batch_alter_table("decisions") as batch:
        batch.drop_index("ix_decisions_case_id")
        batch.drop_constraint("fk_decisions_case_id_cases", type_="foreignkey")
        batch.drop_column("case_id")
    op.drop_index("ix_cases_seller_id_asked_at", table_name="cases")
    op.drop_index("ix_cases_forward_id", table_name="cases")
    op.drop_index("ix_cases_contact_id", table_name="cases")
    op.drop_table("cases")
