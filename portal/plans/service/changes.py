"""Changes a debtor makes to a running plan: paying extra, moving the payment day, asking for a pause, cancelling.

Functions flush; the caller's unit of work commits (`portal.transaction`), except that paying
extra commits its claim before calling Stripe.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from portal import clock, transaction
from portal.accounts.ledger import balance_of
from portal.events import emit
from portal.models import Debtor, Instalment, Payment, Plan
from portal.models.audit import record
from portal.models.plan import LIVE_STATUSES
from portal.payments.gateway import Card, StripeGateway
from portal.payments.rules import Outcome
from portal.payments.service import claim_payment, start_payment
from portal.plans import dates
from portal.plans.dates import add_months
from portal.plans.emails import queue_confirmation
from portal.plans.engine import Interest
from portal.plans.policy import SETTLEMENT_WITHIN_MONTHS, Frequency
from portal.plans.service import IN_FLIGHT, PlanError
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


@dataclass(frozen=True)
class MoveWindow:
    """Where the next payment of a running plan may move to, and how many days later the policy allows."""

    earliest: date
    latest: date
    #: the furthest later, in days, a payment may move (the creditor's policy, within one payment interval)
    later_days: int
    #: the next payment's date now
    next_due: date | None


def _pending(plan: Plan) -> list[Instalment]:
    """The instalments a new date moves: those waiting for their date (not one being taken or retried)."""
    return [i for i in plan.instalments if i.status == "scheduled" and i.retry_on is None]


def move_window(plan: Plan, debtor: Debtor) -> MoveWindow:
    """From tomorrow to `later_days` after the next payment's date; after any payment being taken or retried."""
    policy = policy_for(debtor)
    today = clock.today_for(debtor)
    frequency = Frequency(plan.frequency) if plan.frequency else Frequency.MONTHLY
    pending = _pending(plan)
    busy = [i.collect_on for i in plan.instalments if i.status in IN_FLIGHT or (i.status == "scheduled" and i.retry_on)]
    next_due = pending[0].due_date if pending else None
    earliest, latest = dates.move_window(
        today, next_due or today, frequency, policy.move_payment_later_days, max(busy) if busy else None
    )
    return MoveWindow(earliest, latest, dates.later_allowance(frequency, policy.move_payment_later_days), next_due)


def change_payment_day(plan: Plan, debtor: Debtor, next_date: date) -> int:
    """Move the next payment to a new date; the later ones follow it at the plan's frequency.

    Every payment left keeps its amount and its place: none is dropped, none falls on another's day. If
    the creditor still adds interest during the plan and the last payment now falls after another
    month's interest, the last payment grows by it (or shrinks, moving earlier), so the plan still pays
    what is owed. Returns that change to the last payment (0 almost always), in minor units.

    Raises PlanError("date_in_past") (before the window), ("date_too_late") (after it: past the
    policy's move_payment_later_days), ("nothing_to_move") or ("term_too_long").
    """
    policy = policy_for(debtor)
    window = move_window(plan, debtor)
    pending = _pending(plan)
    if not pending:
        raise PlanError("nothing_to_move")
    if next_date < window.earliest:
        raise PlanError("date_in_past")
    if next_date > window.latest:
        raise PlanError("date_too_late")
    frequency = Frequency(plan.frequency) if plan.frequency else Frequency.MONTHLY
    new_dates = dates.schedule_dates(next_date, frequency, len(pending))
    old_last = pending[-1].due_date
    # the policy's longest term, or (moving later, as the policy allows) the old last day plus that allowance
    allowed_end = old_last + timedelta(days=window.later_days + 1)
    term_end = max(add_months(plan.first_date, policy.max_term_months), allowed_end)
    if new_dates[-1] >= term_end and len(pending) > 1:
        raise PlanError("term_too_long")
    if plan.kind == "settlement" and new_dates[-1] >= add_months(plan.first_date, SETTLEMENT_WITHIN_MONTHS):
        raise PlanError("term_too_long")  # a settlement in payments ends within 3 months of its first
    before = pending[0].due_date
    for instalment, due in zip(pending, new_dates, strict=True):
        instalment.due_date = due
    # a settlement's total is fixed: interest added meanwhile is written off with the discount
    change = 0 if plan.kind == "settlement" else _interest_change(plan, old_last, new_dates[-1])
    if change:
        last = pending[-1]
        change = max(change, -last.amount + 1)
        last.amount += change
        plan.total += change
    plan.payday = None
    record(
        "plan.payment_day_changed",
        actor_type="debtor",
        actor_id=debtor.id,
        debtor_id=debtor.id,
        plan=plan.reference,
        before=before.isoformat(),
        after=next_date.isoformat(),
        last_payment_change=change,
    )
    emit(
        "plan.changed",
        debtor=debtor,
        account=plan.account,
        plan=plan.reference,
        change="payment_day",
        instalments=[{"number": i.number, "due": i.due_date.isoformat(), "amount": i.amount} for i in pending],
    )
    return change


def _interest_change(plan: Plan, old_last: date, new_last: date) -> int:
    """The interest the creditor adds between the plan's old last day and its new one (negative moving earlier)."""
    terms = plan.terms
    if terms.get("interest_frozen") or terms.get("monthly_interest", 0) < 1 or "interest_since" not in terms:
        return 0
    interest = Interest(terms["monthly_interest"], date.fromisoformat(terms["interest_since"]))
    return interest.added_by(new_last) - interest.added_by(old_last)


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
