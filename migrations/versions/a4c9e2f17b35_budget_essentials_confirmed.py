"""A budget remembers when the debtor said "yes, that is right" to paying nothing for their home with children.

Revision ID: a4c9e2f17b35
Revises: 7f8740a20497
Create Date: 2026-11-29 14:50:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a4c9e2f17b35"
down_revision = "7f8740a20497"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("budget", schema=None) as batch_op:
        batch_op.add_column(sa.Column("essentials_confirmed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("budget", schema=None) as batch_op:
        batch_op.drop_column("essentials_confirmed_at")
