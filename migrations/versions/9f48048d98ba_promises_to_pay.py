"""Promises to pay: "I'll pay £X by <date>", without a plan or a card (issue 16, point 1).

Revision ID: 9f48048d98ba
Revises: 4a40aeedbcbf
Create Date: 2026-11-29 15:10:34.146846

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "9f48048d98ba"
down_revision = "4a40aeedbcbf"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "promise",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("debtor_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("made_by_staff_id", sa.Integer(), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('open', 'kept', 'broken', 'cancelled')", name=op.f("ck_promise_status")),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"], name=op.f("fk_promise_account_id_account")),
        sa.ForeignKeyConstraint(["debtor_id"], ["debtor.id"], name=op.f("fk_promise_debtor_id_debtor")),
        sa.ForeignKeyConstraint(
            ["made_by_staff_id"], ["staff_user.id"], name=op.f("fk_promise_made_by_staff_id_staff_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promise")),
        sa.UniqueConstraint("reference", name=op.f("uq_promise_reference")),
    )
    with op.batch_alter_table("promise", schema=None) as batch_op:
        batch_op.create_index("ix_promise_account_status", ["account_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_promise_debtor_id"), ["debtor_id"], unique=False)
        batch_op.create_index("ix_promise_status_due_on", ["status", "due_on"], unique=False)


def downgrade():
    with op.batch_alter_table("promise", schema=None) as batch_op:
        batch_op.drop_index("ix_promise_status_due_on")
        batch_op.drop_index(batch_op.f("ix_promise_debtor_id"))
        batch_op.drop_index("ix_promise_account_status")

    op.drop_table("promise")
