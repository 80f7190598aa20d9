"""Someone a debtor trusts to help (a debt adviser, a carer, family): helpers and their sign-in codes (issue 16,
point 5).

Revision ID: 31c8d57fa85b
Revises: 3c1d5e7a9b20
Create Date: 2026-11-29 17:11:10.344341

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "31c8d57fa85b"
down_revision = "3c1d5e7a9b20"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "trusted_helper",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("debtor_id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=False),
        sa.Column("relationship", sa.String(length=20), nullable=False),
        sa.Column("may_propose", sa.Boolean(), nullable=False),
        sa.Column("may_pay", sa.Boolean(), nullable=False),
        sa.Column("invited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by", sa.String(length=10), nullable=True),
        sa.Column("ended_reason", sa.String(length=500), nullable=True),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("ended_by IN ('debtor', 'staff', 'expired')", name=op.f("ck_trusted_helper_ended_by")),
        sa.CheckConstraint(
            "relationship IN ('debt_adviser', 'carer', 'family', 'other')", name=op.f("ck_trusted_helper_relationship")
        ),
        sa.ForeignKeyConstraint(["debtor_id"], ["debtor.id"], name=op.f("fk_trusted_helper_debtor_id_debtor")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trusted_helper")),
        sa.UniqueConstraint("public_id", name=op.f("uq_trusted_helper_public_id")),
    )
    with op.batch_alter_table("trusted_helper", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_trusted_helper_debtor_id"), ["debtor_id"], unique=False)

    op.create_table(
        "helper_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("helper_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["helper_id"], ["trusted_helper.id"], name=op.f("fk_helper_code_helper_id_trusted_helper")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_helper_code")),
    )
    with op.batch_alter_table("helper_code", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_helper_code_helper_id"), ["helper_id"], unique=False)


def downgrade():
    with op.batch_alter_table("helper_code", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_helper_code_helper_id"))

    op.drop_table("helper_code")
    with op.batch_alter_table("trusted_helper", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trusted_helper_debtor_id"))

    op.drop_table("trusted_helper")
