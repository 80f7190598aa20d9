"""The database keeps the rules itself, against raw SQL that never passes through the models.

Statuses and kinds are CHECKed on every database; append-only tables refuse UPDATE and DELETE with
a trigger on PostgreSQL (SQLite has no such trigger: the ORM guard is all it gets, so those tests
skip there, and CI, which runs PostgreSQL, forbids the skip).
"""

from datetime import date

import pytest
from sqlalchemy import column, func, select, table, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from portal.extensions import db
from portal.models import Agreement, AuditEvent, CreditorSettingsVersion, Message, MessageThread, Plan, StripeEvent
from portal.models.append_only import APPEND_ONLY_TABLES
from tests.factories import make_account, make_debtor


@pytest.fixture
def facts(app) -> dict[str, int]:
    """One committed row in every append-only table, and the ids raw SQL needs to add more."""
    debtor = make_debtor()
    account = make_account(debtor)
    db.session.add(AuditEvent(action="test.fact", actor_type="system", debtor_id=debtor.id))
    db.session.add(StripeEvent(event_id="evt_fact", type="payment_intent.succeeded", outcome="ignored"))
    thread = MessageThread(debtor_id=debtor.id, subject="A question", last_sender="debtor")
    db.session.add(Message(thread=thread, debtor_id=debtor.id, sender="debtor", body="Hello"))
    plan = Plan(
        reference="PL-FACT",
        debtor_id=debtor.id,
        account_id=account.id,
        status="agreed",
        kind="settlement",
        source="offer",
        currency=account.currency,
        balance_at_start=100_000,
        total=80_000,
        instalment_amount=80_000,
        first_date=date(2030, 1, 1),
    )
    db.session.add(plan)
    db.session.flush()
    db.session.add(Agreement(plan_id=plan.id, debtor_id=debtor.id, version="1", language="en", text="I agree"))
    db.session.add(CreditorSettingsVersion(creditor_id=debtor.creditor_id, version=1, settings={}))
    db.session.commit()
    return {"debtor_id": debtor.id, "account_id": account.id, "thread_id": thread.id, "plan_id": plan.id}


def test_every_append_only_table_is_covered():
    assert sorted(APPEND_ONLY_TABLES) == [
        "audit_event",
        "creditor_settings_version",
        "ledger_entry",
        "message",
        "plan_agreement",
        "stripe_event",
    ]


@pytest.mark.parametrize("statement", ["UPDATE {name} SET id = id", "DELETE FROM {name}"])
@pytest.mark.parametrize("name", APPEND_ONLY_TABLES)
def test_append_only_tables_refuse_raw_updates_and_deletes(app, facts, name, statement):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the append-only triggers are PostgreSQL's: set TEST_DATABASE_URL (CI does)")
    rows = _count(name)
    assert rows > 0, f"the test needs a row in {name}"

    with pytest.raises(DBAPIError, match=f"{name} rows are append-only"):
        db.session.execute(text(statement.format(name=name)))
    db.session.rollback()

    assert _count(name) == rows


def _count(name: str) -> int:
    return db.session.scalar(select(func.count()).select_from(table(name)))


#: (table, column checked, a raw INSERT's columns and values; the checked column's value is :value)
INSERTS = [
    (
        "ledger_entry",
        "kind",
        "(account_id, kind, amount, effective_date, created_at) "
        "VALUES (:account_id, :value, 100, CURRENT_DATE, CURRENT_TIMESTAMP)",
    ),
    (
        "hold",
        "kind",
        "(debtor_id, kind, starts_on, created_at) VALUES (:debtor_id, :value, CURRENT_DATE, CURRENT_TIMESTAMP)",
    ),
    (
        "message",
        "sender",
        "(thread_id, debtor_id, sender, body, created_at) "
        "VALUES (:thread_id, :debtor_id, :value, 'Hi', CURRENT_TIMESTAMP)",
    ),
    (
        "instalment",
        "status",
        "(plan_id, number, due_date, amount, status, attempts, declines) "
        "VALUES (:plan_id, 99, CURRENT_DATE, 100, :value, 0, 0)",
    ),
]
KNOWN = {"ledger_entry": "fee", "hold": "creditor_pause", "message": "staff", "instalment": "scheduled"}


@pytest.mark.parametrize(("name", "checked", "values"), INSERTS, ids=[f"{t}.{c}" for t, c, _ in INSERTS])
def test_an_unknown_status_or_kind_is_refused_on_every_database(app, facts, name, checked, values):
    statement = text(f"INSERT INTO {name} {values}")
    with db.session.begin_nested():
        db.session.execute(statement, facts | {"value": KNOWN[name]})

    refused = pytest.raises(IntegrityError, match=rf"(?i)ck_{name}_{checked}|CHECK constraint failed")
    with refused, db.session.begin_nested():
        db.session.execute(statement, facts | {"value": "made_up"})
    db.session.rollback()

    found = select(column(checked)).select_from(table(name)).where(column(checked) == "made_up")
    assert db.session.scalars(found).all() == []
