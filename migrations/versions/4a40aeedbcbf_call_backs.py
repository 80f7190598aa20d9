"""Call backs a debtor books: one open at a time per debtor (a unique partial index), kept once cancelled or done.

Revision ID: 4a40aeedbcbf
Revises: c0d3c4a9e2f1
Create Date: 2026-11-29 15:07:41.453751

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "4a40aeedbcbf"
down_revision = "c0d3c4a9e2f1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "call_back",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("debtor_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("slot_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("slot_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=10), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.Column("done_note", sa.String(length=500), nullable=True),
        sa.CheckConstraint("reason IN ('plan', 'cant_pay', 'account', 'other')", name=op.f("ck_call_back_reason")),
        sa.CheckConstraint("status IN ('booked', 'cancelled', 'done')", name=op.f("ck_call_back_status")),
        sa.ForeignKeyConstraint(["debtor_id"], ["debtor.id"], name=op.f("fk_call_back_debtor_id_debtor")),
        sa.ForeignKeyConstraint(["done_by_id"], ["staff_user.id"], name=op.f("fk_call_back_done_by_id_staff_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_back")),
    )
    with op.batch_alter_table("call_back", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_call_back_debtor_id"), ["debtor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_call_back_slot_start"), ["slot_start"], unique=False)
        batch_op.create_index(
            "uq_call_back_one_booked",
            ["debtor_id"],
            unique=True,
            sqlite_where=sa.text("status = 'booked'"),
            postgresql_where=sa.text("status = 'booked'"),
        )


def downgrade():
    with op.batch_alter_table("call_back", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_call_back_one_booked",
            sqlite_where=sa.text("status = 'booked'"),
            postgresql_where=sa.text("status = 'booked'"),
        )
        batch_op.drop_index(batch_op.f("ix_call_back_slot_start"))
        batch_op.drop_index(batch_op.f("ix_call_back_debtor_id"))

    op.drop_table("call_back")
