"""current creditor required, payment restarts the time limit

Every account now names who the debt is owed to (account.current_creditor, NOT NULL): pages used
to fall back to the collector's own name when it was missing, which told debtors that a debt
collector was owed the money. Accounts without one are filled in here:
- for a creditor that is not a debt collector, the debt is its own: the creditor's name;
- for a debt collector, the owner it collects for: the creditor on the itemization date
  (account.itemization_creditor), else the original creditor. That is the best guess the data
  allows; a collector collecting for a later owner (a debt buyer) should send the right name
  through its usual account update after this upgrade.

account.payment_restarts_time_limit (default false) says that, where the debtor lives, a payment on
a time-barred debt can restart the time limit to sue; the time-barred notice then warns of it.

Revision ID: ebf1a2afd3c8
Revises: b8741a770506
Create Date: 2026-11-29 06:33:43.871401

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ebf1a2afd3c8'
down_revision = 'b8741a770506'
branch_labels = None
depends_on = None

account = sa.table(
    "account",
    sa.column("debtor_id", sa.Integer()),
    sa.column("current_creditor", sa.String()),
    sa.column("itemization_creditor", sa.String()),
    sa.column("original_creditor", sa.String()),
)
debtor = sa.table("debtor", sa.column("id", sa.Integer()), sa.column("creditor_id", sa.Integer()))
creditor = sa.table(
    "creditor", sa.column("id", sa.Integer()), sa.column("name", sa.String()), sa.column("is_debt_collector", sa.Boolean())
)


def _of_the_accounts_creditor(column):
    return (
        sa.select(column)
        .select_from(creditor.join(debtor, debtor.c.creditor_id == creditor.c.id))
        .where(debtor.c.id == account.c.debtor_id)
        .scalar_subquery()
    )


def upgrade():
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('payment_restarts_time_limit', sa.Boolean(), nullable=False, server_default=sa.false())
        )

    owner = sa.func.coalesce(account.c.itemization_creditor, account.c.original_creditor)
    op.execute(
        account.update()
        .where(account.c.current_creditor.is_(None))
        .values(
            current_creditor=sa.case(
                (_of_the_accounts_creditor(creditor.c.is_debt_collector) == sa.true(), owner),
                else_=_of_the_accounts_creditor(creditor.c.name),
            )
        )
    )

    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.alter_column('current_creditor',
               existing_type=sa.VARCHAR(length=200),
               nullable=False)


def downgrade():
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.alter_column('current_creditor',
               existing_type=sa.VARCHAR(length=200),
               nullable=True)
        batch_op.drop_column('payment_restarts_time_limit')
