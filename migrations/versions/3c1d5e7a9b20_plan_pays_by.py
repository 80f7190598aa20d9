"""A plan the debtor pays each time, no saved card (issue 16, point 2): plan.pays_by.

Revision ID: 3c1d5e7a9b20
Revises: 9f48048d98ba
Create Date: 2026-11-29 17:20:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "3c1d5e7a9b20"
down_revision = "9f48048d98ba"
branch_labels = None
depends_on = None


def upgrade():
    # every plan so far is paid by a saved card
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pays_by", sa.String(length=10), nullable=False, server_default="card"))
        batch_op.create_check_constraint(op.f("ck_plan_pays_by"), "pays_by IN ('card', 'debtor')")


def downgrade():
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_plan_pays_by"), type_="check")
        batch_op.drop_column("pays_by")
