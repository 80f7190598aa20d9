"""`flask collect`: charge every plan instalment that is due, once.

Safe to run from cron on many machines at once. Each instalment is claimed with
`SELECT ... FOR UPDATE SKIP LOCKED` (PostgreSQL), then moved to "processing" by a conditional
UPDATE that is committed before Stripe is called, so no two runs can charge it, and a crash in
between leaves it for a later run to look up at Stripe instead of charging it again.

One run:
0. finishes holds that have ended, so their plans' dates move on before anything is charged;
1. settles charges in flight (an answer that came by webhook or 3-D Secure, a lost answer, a
   confirmation the debtor never gave);
2. charges each due instalment off-session on the plan's saved card;
3. follows the plans the debtor pays each time (portal.plans.service.self_pay): marks paid what the ledger shows
   paid, and missed what is past its grace (never while asking for money has stopped), as collection would;
4. sends what it queued for the debtors (the outbox keeps to contact hours and the gate).
"""

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from portal import clock, gate, outbox
from portal.accounts.ledger import balance_of
from portal.extensions import db
from portal.models import Debtor, Instalment, Plan
from portal.payments.gateway import CardDeclined, GatewayError, GatewayUnavailable, StripeGateway
from portal.payments.service import apply_intent
from portal.plans.service import IN_FLIGHT, collection, self_pay
from portal.rights.service.holds import expire_due
from portal.transaction import commit_claim, rollback, unit_of_work

log = logging.getLogger(__name__)


@dataclass
class CollectReport:
    #: how many instalments ended each way: paid, requires_action, retry, missed, broken, paused, ...
    counts: Counter = field(default_factory=Counter)
    #: one line per instalment touched, for the operator
    lines: list[str] = field(default_factory=list)

    def add(self, what: str, instalment: Instalment) -> None:
        self.counts[what] += 1
        self.lines.append(f"{instalment.plan.reference} #{instalment.number}: {what}")


def _lock(instalment_id: int, statuses: tuple[str, ...]) -> Instalment | None:
    """The instalment, locked for this run, if it is still in one of these states and nobody else has it."""
    return db.session.execute(
        select(Instalment)
        .where(Instalment.id == instalment_id, Instalment.status.in_(statuses))
        .with_for_update(of=Instalment, skip_locked=True)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def _day(today: date | None, plan: Plan) -> date:
    return today or clock.today_for(db.session.get(Debtor, plan.debtor_id))


def collect(gateway: StripeGateway, today: date | None = None, now: datetime | None = None) -> CollectReport:
    """Charge every due instalment. `today` (the --today option) overrides each debtor's own date."""
    report = CollectReport()
    now = now or clock.now()
    with outbox.held_for_the_job():
        with unit_of_work():
            for hold in expire_due(today):
                report.counts["hold ended"] += 1
                report.lines.append(f"hold {hold.id} ended: plan dates moved on {hold.plan_days_shifted} day(s)")
        _settle_in_flight(gateway, today, now, report)
        _collect_due(gateway, today, now, report)
        _follow_paid_by_debtor(today, now, report)
    outbox.deliver(now=now)
    return report


def _collect_due(gateway: StripeGateway, today: date | None, now: datetime, report: CollectReport) -> None:
    # A debtor's today is at most a day ahead of UTC's: look that far, then check each debtor's own date.
    horizon = today or (now.date() + timedelta(days=1))
    due_ids = db.session.scalars(
        select(Instalment.id)
        .join(Plan, Plan.id == Instalment.plan_id)
        .where(
            Plan.status == "active",
            Instalment.status == "scheduled",
            func.coalesce(Instalment.retry_on, Instalment.due_date) <= horizon,
        )
        .order_by(func.coalesce(Instalment.retry_on, Instalment.due_date), Instalment.id)
    ).all()
    db.session.rollback()
    for instalment_id in due_ids:
        with unit_of_work():
            _collect_one(instalment_id, gateway, today, report)


def _collect_one(instalment_id: int, gateway: StripeGateway, today: date | None, report: CollectReport) -> None:
    instalment = _lock(instalment_id, ("scheduled",))
    if instalment is None:
        rollback()
        return
    plan = instalment.plan
    day = _day(today, plan)
    if plan.status != "active" or instalment.collect_on > day or not plan.has_card:
        rollback()
        return
    if not gate.may_ask_for_money(plan.account, day):
        report.add("paused", instalment)
        rollback()
        return
    collection.fit_to_balance(plan, balance_of(plan.account))
    if instalment.status != "scheduled":
        report.add("not_needed", instalment)
        return
    payment = collection.claim_attempt(instalment, "collect")
    if payment is None:
        rollback()
        return
    commit_claim()

    collection.charge(payment, plan, gateway, off_session=True)
    what = collection.settle(instalment, day) or payment.status
    report.add(what, instalment)


def _follow_paid_by_debtor(today: date | None, now: datetime, report: CollectReport) -> None:
    """Each plan the debtor pays themselves, a step of its own, the plan row locked for this run (PostgreSQL); each
    instalment's change is a conditional UPDATE as well, so two runs at once (or a run and the plan page) change it
    once."""
    ids = db.session.scalars(
        select(Plan.id).where(Plan.status == "active", Plan.pays_by == "debtor").order_by(Plan.id)
    ).all()
    db.session.rollback()
    for plan_id in ids:
        with unit_of_work():
            plan = db.session.execute(
                select(Plan)
                .where(Plan.id == plan_id, Plan.status == "active")
                .with_for_update(of=Plan, skip_locked=True)
                .execution_options(populate_existing=True)
            ).scalar_one_or_none()
            if plan is None:
                continue
            for what, instalment in self_pay.follow(plan, _day(today, plan), now):
                report.add(what, instalment)


def _settle_in_flight(gateway: StripeGateway, today: date | None, now: datetime, report: CollectReport) -> None:
    """Record answers that came another way, look up lost ones, and give up on confirmations never given."""
    ids = db.session.scalars(
        select(Instalment.id).where(Instalment.status.in_(IN_FLIGHT)).order_by(Instalment.id)
    ).all()
    db.session.rollback()
    stale = collection.stale_after()
    for instalment_id in ids:
        with unit_of_work():
            _settle_one(instalment_id, gateway, today, now, stale, report)


def _settle_one(
    instalment_id: int,
    gateway: StripeGateway,
    today: date | None,
    now: datetime,
    stale: timedelta,
    report: CollectReport,
) -> None:
    instalment = _lock(instalment_id, IN_FLIGHT)
    if instalment is None or instalment.payment is None:
        return
    plan, payment = instalment.plan, instalment.payment
    day = _day(today, plan)
    try:
        if payment.status == "requires_action" and _waited_too_long(instalment, day):
            _give_up(payment, gateway)
        elif payment.status in ("confirming", "processing") and now - (payment.confirming_at or now) > stale:
            collection.refresh_payment(payment, plan, gateway)
    except (GatewayError, GatewayUnavailable) as error:
        log.warning("Collect: Stripe did not answer about %s (%s)", payment.reference, type(error).__name__)
        rollback()
        return
    what = collection.settle(instalment, day)
    if what:
        report.add(what, instalment)


def _waited_too_long(instalment: Instalment, day: date) -> bool:
    """The debtor was asked to confirm a collection, and did not within the plan's retry interval."""
    asked = instalment.payment.confirming_at or instalment.payment.created_at
    debtor = db.session.get(Debtor, instalment.plan.debtor_id)
    asked_on = clock.today_for(debtor, asked)
    return asked_on + timedelta(days=instalment.plan.terms.get("retry_after_days", 3)) <= day


def _give_up(payment, gateway: StripeGateway) -> None:
    """Cancel a charge still waiting for 3-D Secure, so it can never be completed on top of the next try."""
    try:
        intent = gateway.cancel_payment_intent(payment.payment_intent_id)
    except CardDeclined:
        return
    except GatewayError:
        intent = gateway.retrieve_payment_intent(payment.payment_intent_id)
    apply_intent(payment, intent, actor="system")
