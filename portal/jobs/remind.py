"""`flask remind`: tell each debtor a few days before a plan payment is taken.

Run it every hour from cron. A reminder goes once per due date (a new date after a change gets its
own), only on channels the debtor may be contacted on now (`may_contact`: 8am to 9pm their time,
their preferences), and never for an account whose collection is paused (disputed, on hold).
Waiting collection notices (see portal.jobs.notices) go out on the same run.
"""

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select, update

from portal import clock
from portal.accounts.collection import collection_paused
from portal.extensions import db
from portal.help.contact import may_contact
from portal.jobs.notices import send_notices
from portal.mail import MailError
from portal.models import Debtor, Instalment, Plan
from portal.models.audit import record
from portal.plans.emails import send_plan_email

log = logging.getLogger(__name__)

#: how a reminder goes out on each channel we can send on
SENDERS: dict[str, Callable[[Instalment, Debtor], None]] = {
    "email": lambda instalment, debtor: send_plan_email("reminder", instalment, debtor),
}


@dataclass
class RemindReport:
    #: sent, paused, not_now (outside contact hours or no allowed channel), failed
    counts: Counter = field(default_factory=Counter)
    #: notices about collections sent on this run
    notices: int = 0


def remind(now: datetime | None = None, days_before: int = 3) -> RemindReport:
    """Send the reminders due now; see the module docstring for the rules."""
    now = now or datetime.now(UTC)
    report = RemindReport()
    report.notices = send_notices(now)
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
    for instalment_id in ids:
        _remind_one(instalment_id, now, days_before, report)
    return report


def _remind_one(instalment_id: int, now: datetime, days_before: int, report: RemindReport) -> None:
    instalment = db.session.execute(
        select(Instalment)
        .where(Instalment.id == instalment_id, Instalment.status == "scheduled")
        .with_for_update(of=Instalment, skip_locked=True)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if instalment is None or instalment.reminded_for == instalment.due_date:
        db.session.rollback()
        return
    plan = instalment.plan
    debtor = db.session.get(Debtor, plan.debtor_id)
    today = clock.today_for(debtor, now)
    if not today < instalment.due_date <= today + timedelta(days=days_before):
        db.session.rollback()
        return
    if collection_paused(plan.account, today):
        report.counts["paused"] += 1
        db.session.rollback()
        return
    channels = [channel for channel in SENDERS if may_contact(debtor, channel, now)]
    if not channels:
        report.counts["not_now"] += 1
        db.session.rollback()
        return
    due = instalment.due_date
    db.session.execute(
        update(Instalment)
        .where(Instalment.id == instalment.id)
        .values(reminded_for=due, reminded_at=now)
        .execution_options(synchronize_session=False)
    )
    record(
        "instalment.reminded",
        actor_type="system",
        debtor_id=debtor.id,
        plan=plan.reference,
        number=instalment.number,
        due=due.isoformat(),
        channels=channels,
    )
    db.session.commit()  # claimed: no other run sends it
    sent = False
    for channel in channels:
        try:
            SENDERS[channel](instalment, debtor)
            sent = True
        except MailError as error:
            log.error("Reminder for instalment %s by %s not sent: %s", instalment.id, channel, error)
    if sent:
        db.session.commit()  # the sign-in link in it
        report.counts["sent"] += 1
        return
    db.session.rollback()
    db.session.execute(
        update(Instalment)
        .where(Instalment.id == instalment.id)
        .values(reminded_for=None, reminded_at=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    report.counts["failed"] += 1
