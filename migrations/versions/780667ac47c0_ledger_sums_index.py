"""ledger sums index

Balances and itemizations are sums over an account's ledger entries. With an index of (account_id,
kind, amount) PostgreSQL adds them up from the index alone (an index-only scan), instead of fetching
each entry from the table, where one account's rows lie scattered among everyone else's. It begins
with account_id, so it also serves every other lookup by account and replaces the plain index on it.

The new index is built before the old one goes, so lookups by account stay indexed throughout.

Revision ID: 780667ac47c0
Revises: eb158e8a882b
Create Date: 2026-11-29 09:40:59.866014

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '780667ac47c0'
down_revision = 'eb158e8a882b'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.create_index('ix_ledger_entry_account_sums', ['account_id', 'kind', 'amount'], unique=False)
        batch_op.drop_index(batch_op.f('ix_ledger_entry_account_id'))


def downgrade():
    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_entry_account_id'), ['account_id'], unique=False)
        batch_op.drop_index('ix_ledger_entry_account_sums')
