"""statuses and kinds checked, append-only tables refuse changes

Every status and kind column gets a CHECK of the values the code knows (portal.models: the StrEnum
beside each model), so raw SQL or another program can't store one it doesn't. The upgrade fails,
naming the constraint, if a row already holds an unknown value: fix that row, then upgrade again.

On PostgreSQL the append-only tables (ledger entries, audit events, Stripe events, plan agreements,
messages) refuse UPDATE and DELETE with a trigger, whoever sends them; the SQL is shared with
`db.create_all()` (portal.models.append_only).

Revision ID: 50835e06ddae
Revises: ebf1a2afd3c8
Create Date: 2026-11-29 07:28:16.159134

"""

from alembic import op

from portal.models.append_only import (
    DROP_REFUSE_CHANGE_FUNCTION,
    REFUSE_CHANGE_FUNCTION,
    drop_refuse_change_trigger,
    refuse_change_trigger,
)

# revision identifiers, used by Alembic.
revision = "50835e06ddae"
down_revision = "ebf1a2afd3c8"
branch_labels = None
depends_on = None

ACCOUNT_STATUSES = "'open', 'disputed', 'on_hold', 'closed'"
SENDERS = "'debtor', 'staff'"

#: table: {column: the values it may hold}
CHECKS = {
    "creditor": {"identity_method": "'date_of_birth', 'postcode'"},
    "account": {"status": ACCOUNT_STATUSES},
    "ledger_entry": {"kind": "'itemization', 'interest', 'fee', 'payment', 'credit'"},
    "budget": {"mode": "'quick', 'full'"},
    "circumstance": {"status": "'new', 'reviewed'"},
    "message_thread": {"last_sender": SENDERS},
    "message": {"sender": SENDERS},
    "dispute": {
        "kind": "'dispute', 'original_creditor', 'statute_barred'",
        "reason": "'not_mine', 'wrong_amount', 'already_paid', 'other'",
        "status": "'open', 'awaiting_delivery', 'resolved'",
        "account_status_before": ACCOUNT_STATUSES,
        "outcome": "'confirmed', 'corrected', 'upheld', 'answered'",
    },
    "hold": {"kind": "'breathing_space', 'mental_health_crisis', 'creditor_pause'"},
    "outbound_message": {
        "channel": "'email', 'sms', 'post'",
        "state": "'queued', 'sent', 'in_portal', 'withheld', 'stale', 'failed'",
    },
    "payment": {"status": "'new', 'setup', 'confirming', 'requires_action', 'processing', 'succeeded', 'failed'"},
    "stripe_event": {"outcome": "'recorded', 'updated', 'unchanged', 'ignored', 'unusable'"},
    "plan": {
        "status": "'draft', 'pending_review', 'agreed', 'active', 'completed', 'broken', 'cancelled', "
        "'declined', 'withdrawn'",
        "kind": "'settlement', 'plan'",
        "source": "'offer', 'proposal', 'budget'",
        "review_outcome": "'approved', 'declined', 'pause_approved', 'pause_declined'",
    },
    "instalment": {"status": "'scheduled', 'processing', 'requires_action', 'paid', 'missed', 'cancelled'"},
}

#: the append-only tables at this revision (portal.models.append_only.APPEND_ONLY_TABLES lists them now)
APPEND_ONLY = ("ledger_entry", "audit_event", "stripe_event", "plan_agreement", "message")


def upgrade():
    for table, columns in CHECKS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, values in columns.items():
                batch_op.create_check_constraint(op.f(f"ck_{table}_{column}"), f"{column} IN ({values})")

    if op.get_bind().dialect.name == "postgresql":
        op.execute(REFUSE_CHANGE_FUNCTION)
        for table in APPEND_ONLY:
            op.execute(refuse_change_trigger(table))


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(drop_refuse_change_trigger(table))
        op.execute(DROP_REFUSE_CHANGE_FUNCTION)

    for table, columns in reversed(CHECKS.items()):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in reversed(columns):
                batch_op.drop_constraint(op.f(f"ck_{table}_{column}"), type_="check")
