"""`flask promises run`: decide promises and send the reminders the day before (cron, every hour).

Each promise is a step of its own (one commit): kept when the ledger shows it paid, broken once its day has
passed in the debtor's calendar, a reminder queued (once) when it is due tomorrow. A run twice at once, or a
run while the debtor's page marks one kept, decides each once (conditional UPDATEs from `open`). The outbox
sends what was queued at the end of the run, past the gate: the reminder and the broken message ask for
money, so they are withheld while asking has stopped (a hold, a dispute...).
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from portal import clock, outbox
from portal.extensions import db
from portal.models import Debtor, Promise
from portal.models.audit import record
from portal.promises import service
from portal.promises.emails import queue_message
from portal.transaction import unit_of_work


@dataclass
class PromisesReport:
    #: kept, broken, cancelled (asking stopped by its day), reminded
    counts: Counter = field(default_factory=Counter)
    messages: dict[str, int] = field(default_factory=dict)


def run(now: datetime | None = None) -> PromisesReport:
    now = now or clock.now()
    report = PromisesReport()
    # every open promise: kept may come at any time; broken and reminders look at each debtor's own date
    ids = db.session.scalars(select(Promise.id).where(Promise.status == "open").order_by(Promise.due_on)).all()
    db.session.rollback()
    with outbox.held_for_the_job():
        for promise_id in ids:
            with unit_of_work():
                _step(promise_id, now, report)
    report.messages = outbox.deliver(now=now)
    return report


def _step(promise_id: int, now: datetime, report: PromisesReport) -> None:
    promise = db.session.get(Promise, promise_id)
    if promise is None or promise.status != "open":
        return
    became = service.settle(promise, now)
    if became:
        report.counts[became] += 1
        return
    if promise.due_on <= now.date() + timedelta(days=2) and service.claim_reminder(promise, now):
        debtor = db.session.get(Debtor, promise.debtor_id)
        queue_message("reminder", promise, debtor)
        record("promise.reminded", actor_type="system", debtor_id=debtor.id, promise=promise.reference)
        report.counts["reminded"] += 1
