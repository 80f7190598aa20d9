"""Contact changes waiting for their code, and an outbox message's own address (a code to the new one,
a notice to the old one).

Revision ID: c0d3c4a9e2f1
Revises: f5e3e06ccafc
Create Date: 2026-11-29 14:45:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c0d3c4a9e2f1"
down_revision = "f5e3e06ccafc"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "contact_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("debtor_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("new_value", sa.String(length=200), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('email', 'phone')", name=op.f("ck_contact_change_kind")),
        sa.ForeignKeyConstraint(["debtor_id"], ["debtor.id"], name=op.f("fk_contact_change_debtor_id_debtor")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_change")),
    )
    with op.batch_alter_table("contact_change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contact_change_debtor_id"), ["debtor_id"], unique=False)
    with op.batch_alter_table("outbound_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("to_address", sa.String(length=200), nullable=True))


def downgrade():
    with op.batch_alter_table("outbound_message", schema=None) as batch_op:
        batch_op.drop_column("to_address")
    with op.batch_alter_table("contact_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_change_debtor_id"))
    op.drop_table("contact_change")
