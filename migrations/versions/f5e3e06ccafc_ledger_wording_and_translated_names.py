"""ledger entries say what happened, not in words; creditors' names may carry other languages

Entries the portal writes (card payments, settlement discounts, write-offs) were stored with English
words ("Card payment P-…"). They now keep what happened (`wording`) and the reference it is about
(`reference`), and the page writes the words in its own language (portal.accounts.wording). The
description column keeps only the creditor's own words; `description_translations` holds the
creditor's other languages ({"es": "…"}) on ledger entries and on accounts.

Existing entries the portal wrote are given their wording and reference here, from the patterns the
portal wrote them with. On PostgreSQL the ledger refuses UPDATE (portal.models.append_only): the
trigger is off for this one statement of this migration, and on again before it ends.

Revision ID: f5e3e06ccafc
Revises: a4c9e2f17b35
Create Date: 2026-11-29 14:50:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f5e3e06ccafc"
down_revision = "a4c9e2f17b35"
branch_labels = None
depends_on = None

WORDINGS = "'card_payment', 'settlement_discount', 'write_off', 'creditor_item'"

#: what the portal wrote, as (wording, reference, which rows); the prefixes are those of the code before
BACKFILL = (
    (
        "card_payment",
        "substr(description, 14)",
        "kind = 'payment' AND description LIKE 'Card payment %' AND external_ref NOT LIKE 'creditor:%'",
    ),
    ("settlement_discount", "substr(external_ref, 12)", "kind = 'credit' AND external_ref LIKE 'settlement:%'"),
    ("write_off", "substr(external_ref, 11)", "kind = 'write_off' AND external_ref LIKE 'write-off:%'"),
    (
        "creditor_item",
        "NULL",
        "external_ref LIKE 'creditor:%' AND description IN ('Charge', 'Fee', 'Interest', 'Adjustment', 'Payment')",
    ),
)


def upgrade():
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("description_translations", sa.JSON(), nullable=True))
    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("description_translations", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("wording", sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column("reference", sa.String(length=64), nullable=True))
        batch_op.create_check_constraint(op.f("ck_ledger_entry_wording"), f"wording IN ({WORDINGS})")

    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        op.execute("ALTER TABLE ledger_entry DISABLE TRIGGER ledger_entry_append_only")
    for wording, reference, rows in BACKFILL:
        op.execute(
            f"UPDATE ledger_entry SET wording = '{wording}', reference = {reference} WHERE wording IS NULL AND {rows}"
        )
    if postgresql:
        op.execute("ALTER TABLE ledger_entry ENABLE TRIGGER ledger_entry_append_only")


#: the English the code before wrote, for entries written since (their description is empty)
WORDS_BEFORE = (
    ("card_payment", "'Card payment ' || reference"),
    ("settlement_discount", "'Settlement discount ' || reference"),
    ("write_off", "reference"),
)


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        op.execute("ALTER TABLE ledger_entry DISABLE TRIGGER ledger_entry_append_only")
    for wording, words in WORDS_BEFORE:
        op.execute(f"UPDATE ledger_entry SET description = {words} WHERE wording = '{wording}' AND description IS NULL")
    if postgresql:
        op.execute("ALTER TABLE ledger_entry ENABLE TRIGGER ledger_entry_append_only")
    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_ledger_entry_wording"), type_="check")
        batch_op.drop_column("reference")
        batch_op.drop_column("wording")
        batch_op.drop_column("description_translations")
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_column("description_translations")
