"""`flask remind`: tell each debtor a few days before a plan payment is taken, or, on a plan they pay each time
themselves, is due (that reminder carries a link to pay it: portal.plans.emails).

Run it every hour from cron. A reminder is queued once per due date (a new date after a change gets
its own), never for an account on which asking for money has stopped (portal.gate); the outbox then
sends it on a channel the debtor allows, inside their contact hours, or withholds it if asking has
stopped by then. Everything else waiting in the outbox goes on the same run.
"""

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from portal import clock, gate, outbox
from portal.extensions import db
from portal.models import Debtor, Instalment, Plan
from portal.models.audit import record
from portal.plans.emails import queue_reminder
from portal.transaction import rollback, unit_of_work

log = logging.getLogger(__name__)


@dataclass
class RemindReport:
    #: queued (for the outbox), paused (asking for money has stopped on the account)
    counts: Counter = field(default_factory=Counter)
    #: what the outbox did on this run: {"sent": 3, "waiting": 1, ...}
    messages: dict[str, int] = field(default_factory=dict)


def remind(now: datetime | None = None, days_before: int = 3) -> RemindReport:
    """Send the reminders due now; see the module docstring for the rules."""
    now = now or clock.now()
    report = RemindReport()
    # Debtors' dates are within a day of UTC's: look a day either side, then use each debtor's own date.
    ids = db.session.scalars(
        select(Instalment.id)
        .join(Plan, Plan.id == Instalment.plan_id)
        .where(
            Plan.status == "active",
            Instalment.status == "scheduled",
            Instalment.due_date >= now.date() - timedelta(days=1),
            Instalment.due_date <= now.date() + timedelta(days=days_before + 1),
            or_(Instalment.reminded_for.is_(None), Instalment.reminded_for != Instalment.due_date),
        )
        .order_by(Instalment.due_date, Instalment.id)
    ).all()
    db.session.rollback()
    with outbox.held_for_the_job():
        for instalment_id in ids:
            with unit_of_work():
                _remind_one(instalment_id, now, days_before, report)
    report.messages = outbox.deliver(now=now)
    return report


def _remind_one(instalment_id: int, now: datetime, days_before: int, report: RemindReport) -> None:
    instalment = db.session.execute(
        select(Instalment)
        .where(Instalment.id == instalment_id, Instalment.status == "scheduled")
        .with_for_update(of=Instalment, skip_locked=True)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if instalment is None or instalment.reminded_for == instalment.due_date:
        rollback()
        return
    plan = instalment.plan
    debtor = db.session.get(Debtor, plan.debtor_id)
    today = clock.today_for(debtor, now)
    if not today < instalment.due_date <= today + timedelta(days=days_before):
        rollback()
        return
    if not gate.may_ask_for_money(plan.account, today):
        report.counts["paused"] += 1
        rollback()
        return
    claimed = db.session.execute(
        update(Instalment)
        .where(
            Instalment.id == instalment.id,
            or_(Instalment.reminded_for.is_(None), Instalment.reminded_for != instalment.due_date),
        )
        .values(reminded_for=instalment.due_date, reminded_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        rollback()
        return
    queue_reminder(instalment)
    record(
        "instalment.reminded",
        actor_type="system",
        debtor_id=debtor.id,
        plan=plan.reference,
        number=instalment.number,
        due=instalment.due_date.isoformat(),
    )
    report.counts["queued"] += 1
