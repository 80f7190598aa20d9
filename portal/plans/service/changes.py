"""Changes a debtor makes to a running plan: paying extra, moving the payment day, asking for a pause, cancelling.

Functions flush; the caller's unit of work commits (`portal.transaction`), except that paying
extra commits its claim before calling Stripe.
"""

from datetime import UTC, date, datetime

from portal import clock, transaction
from portal.accounts.ledger import balance_of
from portal.events import emit
from portal.models import Debtor, Payment, Plan
from portal.models.audit import record
from portal.models.plan import LIVE_STATUSES
from portal.payments.gateway import Card, StripeGateway
from portal.payments.rules import Outcome
from portal.payments.service import claim_payment, start_payment
from portal.plans.dates import add_months, schedule_dates
from portal.plans.emails import queue_confirmation
from portal.plans.policy import Frequency
from portal.plans.service import PlanError
from portal.plans.service.collection import charge, confirm_action, extra_key, fit_to_balance, outcome_for
from portal.plans.service.making import policy_for, review_deadline


def pay_extra(plan: Plan, debtor: Debtor, amount: int, key: str, gateway: StripeGateway) -> tuple[Payment, Outcome]:
    """Charge the saved card an extra amount now; the last instalments shrink to match. Safe to repeat.

    Raises Conflict when the key is already another debtor's or another account's payment.
    """
    card = Card(plan.payment_method_id, plan.card_brand, plan.card_last4)
    payment = start_payment(debtor, plan.account, amount, extra_key(plan, key), card=card, plan=plan.reference)
    problem = claim_payment(payment)
    transaction.commit_claim()
    if problem == "claimed":
        return payment, confirm_action(payment, gateway)
    if problem:
        return payment, Outcome("problem", problem)
    intent = charge(payment, plan, gateway, off_session=False)
    if payment.status == "succeeded":
        fit_to_balance(plan, balance_of(plan.account))
    return payment, outcome_for(payment, intent)


def change_payment_day(plan: Plan, debtor: Debtor, next_date: date) -> None:
    """Move the next payment to a new date; the later ones follow it at the plan's frequency.

    Raises PlanError("date_in_past"), ("date_too_late") or ("term_too_long").
    """
    policy = policy_for(debtor)
    today = clock.today_for(debtor)
    if next_date <= today:
        raise PlanError("date_in_past")
    if next_date > policy.latest_first_payment(today):
        raise PlanError("date_too_late")
    pending = [i for i in plan.instalments if i.status == "scheduled" and i.retry_on is None]
    if not pending:
        raise PlanError("nothing_to_move")
    frequency = Frequency(plan.frequency) if plan.frequency else Frequency.MONTHLY
    dates = schedule_dates(next_date, frequency, len(pending))
    if dates[-1] >= add_months(plan.first_date, policy.max_term_months) and len(pending) > 1:
        raise PlanError("term_too_long")
    before = pending[0].due_date
    for instalment, due in zip(pending, dates, strict=True):
        instalment.due_date = due
    plan.payday = None
    record(
        "plan.payment_day_changed",
        actor_type="debtor",
        actor_id=debtor.id,
        debtor_id=debtor.id,
        plan=plan.reference,
        before=before.isoformat(),
        after=next_date.isoformat(),
    )
    emit(
        "plan.changed",
        debtor=debtor,
        account=plan.account,
        plan=plan.reference,
        change="payment_day",
        instalments=[{"number": i.number, "due": i.due_date.isoformat(), "amount": i.amount} for i in pending],
    )


def request_pause(plan: Plan, debtor: Debtor, months: int, reason: str | None) -> None:
    """Ask for a pause: a person decides, and nothing is collected until they do (portal.gate). The debtor is
    sent a confirmation."""
    if plan.status != "active":
        raise PlanError("not_active")
    plan.pause_requested_at = datetime.now(UTC)
    plan.pause_months = months
    plan.pause_reason = (reason or "").strip() or None
    plan.review_by = review_deadline(clock.today_for(debtor), debtor.creditor.jurisdiction)
    record("plan.pause_requested", actor_type="debtor", actor_id=debtor.id, debtor_id=debtor.id, plan=plan.reference)
    emit(
        "plan.pause_requested",
        debtor=debtor,
        account=plan.account,
        plan=plan.reference,
        months=months,
        review_by=plan.review_by.isoformat(),
    )
    queue_confirmation("pause_requested", plan)


def cancel(plan: Plan, debtor: Debtor) -> None:
    """The debtor ends the plan: nothing more is taken. What they owe stays owed. Confirmed to the debtor."""
    if plan.status not in LIVE_STATUSES:
        raise PlanError("not_live")
    plan.status = "cancelled"
    plan.ended_at = datetime.now(UTC)
    for instalment in plan.instalments:
        if instalment.status == "scheduled":
            instalment.status = "cancelled"
    record("plan.cancelled", actor_type="debtor", actor_id=debtor.id, debtor_id=debtor.id, plan=plan.reference)
    emit("plan.cancelled", debtor=debtor, account=plan.account, plan=plan.reference)
    queue_confirmation("cancelled", plan)
