"""A plan's review outcome may be "countered": a person offered other terms than the debtor proposed.

Revision ID: 3c1f7a9d2e4b
Revises: 6728f0d40d04
Create Date: 2026-11-29 12:30:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "3c1f7a9d2e4b"
down_revision = "6728f0d40d04"
branch_labels = None
depends_on = None

BEFORE = "'approved', 'declined', 'pause_approved', 'pause_declined'"
AFTER = "'approved', 'countered', 'declined', 'pause_approved', 'pause_declined'"


def _outcomes(values: str) -> None:
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_plan_review_outcome"), type_="check")
        batch_op.create_check_constraint(op.f("ck_plan_review_outcome"), f"review_outcome IN ({values})")


def upgrade():
    _outcomes(AFTER)


def downgrade():
    op.execute("UPDATE plan SET review_outcome = 'approved' WHERE review_outcome = 'countered'")
    _outcomes(BEFORE)
