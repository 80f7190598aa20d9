"""Several `collect` runs at the same moment charge each instalment once.

Real concurrency needs real row locks, so this runs on PostgreSQL only (TEST_DATABASE_URL).
"""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import event

from portal.extensions import db
from portal.jobs.collect import collect
from portal.models import Instalment, LedgerEntry, Payment
from portal.payments.gateway import StripeGateway
from tests.factories import make_account, make_debtor, make_uk_creditor
from tests.plan_support import NOON, POLICY, active_plan

RUNS = 4
PLANS = 5

pytestmark = [pytest.mark.postgres, pytest.mark.commits]


@pytest.fixture(autouse=True)
def _postgresql_only(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip(
            "needs PostgreSQL (set TEST_DATABASE_URL): SQLite has no row locks and lets one writer in at a time, "
            "so it cannot show what truly concurrent collect runs do"
        )


@pytest.fixture
def settings(localstripe, tmp_path):
    return localstripe.settings | {
        "MAIL_BACKEND": "file",
        "MAIL_DIR": str(tmp_path / "mail"),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": RUNS + 5, "max_overflow": 0},
    }


@pytest.fixture
def plans(app, localstripe):
    creditor = make_uk_creditor(policy=POLICY)
    made = []
    for n in range(PLANS):
        debtor = make_debtor(creditor, email=f"debtor{n}@example.com")
        account = make_account(debtor, [("itemization", 30_000)])
        db.session.commit()
        made.append(active_plan(debtor, account, localstripe))
    return made


def _at_once(app, runs: int, day):
    barrier = threading.Barrier(runs)

    def go(_):
        with app.app_context():
            gateway = StripeGateway.from_config(app.config)
            barrier.wait()
            return collect(gateway, today=day, now=NOON)

    with ThreadPoolExecutor(max_workers=runs) as pool:
        return list(pool.map(go, range(runs)))


def test_concurrent_collect_runs_charge_each_instalment_once(app, plans, localstripe):
    day = plans[0].instalments[1].due_date  # two instalments due on every plan
    reports = _at_once(app, RUNS, day)

    assert sum(report.counts["paid"] for report in reports) == 2 * PLANS
    db.session.expire_all()
    charged = db.session.scalars(db.select(Instalment).where(Instalment.status == "paid")).all()
    assert len(charged) == 2 * PLANS
    assert {instalment.attempts for instalment in charged} == {1}
    payments = db.session.scalars(db.select(Payment)).all()
    assert len(payments) == 2 * PLANS
    for payment in payments:
        assert len(localstripe.payment_intents(payment.reference)) == 1
    entries = db.session.scalars(db.select(LedgerEntry).where(LedgerEntry.kind == "payment")).all()
    assert len(entries) == 2 * PLANS
    assert len({entry.external_ref for entry in entries}) == 2 * PLANS


def test_collect_claims_instalments_with_skip_locked(app, plans):
    statements: list[str] = []

    def remember(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        collect(
            StripeGateway.from_config(app.config), today=plans[0].instalments[0].due_date + timedelta(days=1), now=NOON
        )
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)
    assert any("FOR UPDATE OF instalment SKIP LOCKED" in statement for statement in statements)
