"""The debtor is told, once per end date, that a helper's access ends soon (trusted_helper.expiry_warned_at).

Revision ID: 5b7e2d9c4a18
Revises: 31c8d57fa85b
Create Date: 2026-11-29 19:40:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5b7e2d9c4a18"
down_revision = "31c8d57fa85b"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("trusted_helper", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expiry_warned_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("trusted_helper", schema=None) as batch_op:
        batch_op.drop_column("expiry_warned_at")
