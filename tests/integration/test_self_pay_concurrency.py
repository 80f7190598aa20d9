"""Several `collect` runs at once, and a run while the debtor's plan page looks, change each instalment of a plan the
debtor pays once: one "paid" or "missed" each, one creditor event each, one notice each.

Real concurrency needs real row locks, so this runs on PostgreSQL only (TEST_DATABASE_URL), as the collect race does.
"""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from portal import clock
from portal.extensions import db
from portal.jobs.collect import collect
from portal.models import CreditorEvent, Instalment, LedgerEntry, OutboundMessage, Plan
from portal.payments.gateway import StripeGateway
from portal.plans.service.self_pay import catch_up
from tests.factories import make_account, make_debtor, make_uk_creditor
from tests.integration.test_collect_concurrency import (  # noqa: F401  (PostgreSQL only, and its settings)
    RUNS,
    _postgresql_only,
    settings,
)
from tests.plan_support import NOON, POLICY, self_paid_plan

PLANS = 4

pytestmark = [pytest.mark.postgres, pytest.mark.commits]


@pytest.fixture
def plans(app):
    """Plans of three £100 payments a month paid by the debtor: the first paid by a bank transfer, the second not."""
    creditor = make_uk_creditor(policy=POLICY)
    made = []
    for n in range(PLANS):
        debtor = make_debtor(creditor, email=f"debtor{n}@example.com")
        account = make_account(debtor, [("itemization", 30_000)])
        db.session.commit()
        plan = self_paid_plan(debtor, account)
        db.session.add(
            LedgerEntry(
                account_id=account.id,
                kind="payment",
                amount=-10_000,
                effective_date=clock.today_for(debtor),
                external_ref=f"transfer-{n}",
            )
        )
        db.session.commit()
        made.append(plan)
    return made


def _at_once(app, jobs):
    barrier = threading.Barrier(len(jobs))

    def go(job):
        with app.app_context():
            barrier.wait()
            return job()

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(go, jobs))


def test_concurrent_runs_mark_each_instalment_once(app, plans):
    day = plans[0].instalments[1].due_date + timedelta(days=4)  # the second is past its grace

    def run():
        return collect(StripeGateway.from_config(app.config), today=day, now=NOON)

    def look():
        plan = db.session.get(Plan, plans[0].id)
        marked = catch_up(plan)
        db.session.commit()
        return marked

    results = _at_once(app, [run] * RUNS + [look])
    reports = results[:RUNS]

    paid_by_runs = sum(report.counts["paid"] for report in reports)
    assert paid_by_runs + len(results[RUNS]) == PLANS
    assert sum(report.counts["missed"] for report in reports) == PLANS
    db.session.expire_all()
    statuses = db.session.execute(db.select(Instalment.number, Instalment.status).order_by(Instalment.id)).all()
    assert sorted({(number, status) for number, status in statuses}) == [(1, "paid"), (2, "missed"), (3, "scheduled")]
    assert {plan.missed_count for plan in db.session.scalars(db.select(Plan))} == {1}
    kinds = [event.kind for event in db.session.scalars(db.select(CreditorEvent))]
    assert (kinds.count("instalment.paid"), kinds.count("instalment.missed")) == (PLANS, PLANS)
    notices = db.session.scalars(db.select(OutboundMessage).where(OutboundMessage.template == "plan.missed")).all()
    assert len(notices) == PLANS
