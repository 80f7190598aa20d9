"""write-offs and interest freezes: a "write_off" ledger kind, the write_off and interest_freeze tables

Revision ID: 75b15336a5bc
Revises: a858316732fe
Create Date: 2026-11-29 11:57:01.529320

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "75b15336a5bc"
down_revision = "a858316732fe"
branch_labels = None
depends_on = None

KINDS = "'itemization', 'interest', 'fee', 'payment', 'credit'"


def _ledger_kinds(values: str) -> None:
    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_ledger_entry_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_ledger_entry_kind"), f"kind IN ({values})")


def upgrade():
    _ledger_kinds(KINDS + ", 'write_off'")
    op.create_table(
        "interest_freeze",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("debtor_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("circumstance_id", sa.Integer(), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"], name=op.f("fk_interest_freeze_account_id_account")),
        sa.ForeignKeyConstraint(
            ["circumstance_id"], ["circumstance.id"], name=op.f("fk_interest_freeze_circumstance_id_circumstance")
        ),
        sa.ForeignKeyConstraint(["debtor_id"], ["debtor.id"], name=op.f("fk_interest_freeze_debtor_id_debtor")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interest_freeze")),
    )
    with op.batch_alter_table("interest_freeze", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_interest_freeze_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_interest_freeze_circumstance_id"), ["circumstance_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_interest_freeze_debtor_id"), ["debtor_id"], unique=False)

    op.create_table(
        "write_off",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=16), nullable=False),
        sa.Column("debtor_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("circumstance_id", sa.Integer(), nullable=True),
        sa.Column("whole", sa.Boolean(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("request_key", sa.String(length=64), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("requested_by_name", sa.String(length=120), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_by_name", sa.String(length=120), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decline_note", sa.Text(), nullable=True),
        sa.Column("written_off", sa.Integer(), nullable=True),
        sa.Column("ledger_entry_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("status IN ('pending', 'approved', 'declined')", name=op.f("ck_write_off_status")),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"], name=op.f("fk_write_off_account_id_account")),
        sa.ForeignKeyConstraint(
            ["circumstance_id"], ["circumstance.id"], name=op.f("fk_write_off_circumstance_id_circumstance")
        ),
        sa.ForeignKeyConstraint(["debtor_id"], ["debtor.id"], name=op.f("fk_write_off_debtor_id_debtor")),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["staff_user.id"], name=op.f("fk_write_off_decided_by_id_staff_user")
        ),
        sa.ForeignKeyConstraint(
            ["ledger_entry_id"], ["ledger_entry.id"], name=op.f("fk_write_off_ledger_entry_id_ledger_entry")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"], ["staff_user.id"], name=op.f("fk_write_off_requested_by_id_staff_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_write_off")),
        sa.UniqueConstraint("reference", name=op.f("uq_write_off_reference")),
        sa.UniqueConstraint("request_key", name=op.f("uq_write_off_request_key")),
    )
    with op.batch_alter_table("write_off", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_write_off_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_write_off_circumstance_id"), ["circumstance_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_write_off_debtor_id"), ["debtor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_write_off_status"), ["status"], unique=False)


def downgrade():
    with op.batch_alter_table("write_off", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_write_off_status"))
        batch_op.drop_index(batch_op.f("ix_write_off_debtor_id"))
        batch_op.drop_index(batch_op.f("ix_write_off_circumstance_id"))
        batch_op.drop_index(batch_op.f("ix_write_off_account_id"))

    op.drop_table("write_off")
    with op.batch_alter_table("interest_freeze", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_interest_freeze_debtor_id"))
        batch_op.drop_index(batch_op.f("ix_interest_freeze_circumstance_id"))
        batch_op.drop_index(batch_op.f("ix_interest_freeze_account_id"))

    op.drop_table("interest_freeze")
    _ledger_kinds(KINDS)
