"""Where a plan stands: the debtor's plan found by reference, the live plan of an account, what is paid and next.

What is paid comes from the ledger, the one truth of money paid: the ledger entries of the plan's payments
(each instalment's, and the extra payments made with the plan's card), with the day each took effect. An
instalment paid early (the first one paid on the day the plan is set up) shows the day it was paid, not the
day it was due, and extra payments count in "paid so far". A plan the debtor pays each time themselves has no
payments of its own: every payment on the account since it started counts (`paid_since_start`).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select

from portal import clock
from portal.domain_errors import NotFoundForOwner
from portal.extensions import db
from portal.models import Account, Debtor, Instalment, LedgerEntry, Payment, Plan
from portal.models.plan import LIVE_STATUSES
from portal.plans.service import PENDING


def get_plan_for(debtor: Debtor, reference: str) -> Plan:
    """The debtor's own plan; someone else's plan does not exist for them (NotFoundForOwner)."""
    plan = db.session.scalar(select(Plan).where(Plan.reference == reference, Plan.debtor_id == debtor.id))
    if plan is None:
        raise NotFoundForOwner(f"No plan {reference!r} for debtor {debtor.id}.")
    return plan


def live_plan(account: Account) -> Plan | None:
    """The plan that stands for the account now (drafts and proposals included), if any."""
    return db.session.scalar(
        select(Plan).where(Plan.account_id == account.id, Plan.status.in_(LIVE_STATUSES)).order_by(Plan.id.desc())
    )


@dataclass(frozen=True)
class PlanPayment:
    """Money a plan's card paid, as the ledger has it."""

    #: the day its ledger entry took effect (the day it was paid, in the creditor's calendar)
    day: date
    #: minor units paid (the ledger entry's amount, as a positive number)
    amount: int
    #: the payment's reference (P-...), as on its receipt
    reference: str
    #: the instalment it paid; None for an extra payment
    instalment_id: int | None


#: how many days before its date a plan payment the debtor makes themselves becomes their account's main action
PAY_SOON_DAYS = 7


@dataclass(frozen=True)
class Progress:
    """What the dashboard says about a plan."""

    plan: Plan
    #: the next instalment to be paid (or being paid), if any
    next: Instalment | None
    #: what the plan's payments (instalments and extra payments) have paid, from the ledger
    paid: int
    #: what the unpaid instalments add up to
    left: int
    #: a payment waiting for the debtor to confirm it is them (3-D Secure)
    needs_action: Payment | None
    #: the plan's payments in the ledger, oldest first
    payments: tuple[PlanPayment, ...] = ()
    #: a plan the debtor pays themselves whose next payment is due within PAY_SOON_DAYS, or overdue: paying it is
    #: the account's main action
    pay_soon: bool = False
    _paid_on: dict[int, date] = field(default_factory=dict, repr=False)

    def day_of(self, instalment: Instalment) -> date:
        """The day to show an instalment on: the day it was paid once the ledger has it, else the day it is due."""
        return self._paid_on.get(instalment.id) or instalment.collect_on

    @property
    def extra_payments(self) -> list[PlanPayment]:
        return [p for p in self.payments if p.instalment_id is None]


def progress(plan: Plan, payments: list[PlanPayment] | None = None, paid_by_debtor: int | None = None) -> Progress:
    """Where a plan stands; `payments` are its payments when the caller has read them already (payments_by_plan),
    `paid_by_debtor` what the ledger has since a plan the debtor pays themselves started (paid_since_start)."""
    if plan.paid_by_debtor:
        if paid_by_debtor is None:
            paid_by_debtor = paid_since_start([plan]).get(plan.id, 0)
        return _progress_paid_by_debtor(plan, paid_by_debtor)
    if payments is None:
        payments = payments_by_plan([plan]).get(plan.id, [])
    pending = [i for i in plan.instalments if i.status in PENDING]
    action = next((i.payment for i in pending if i.status == "requires_action" and i.payment), None)
    # paid by the debtor themselves before they saved a card: the ledger covered them, no card payment of the plan's
    paid_before_the_card = [i for i in plan.instalments if i.status == "paid" and i.payment_id is None]
    return Progress(
        plan=plan,
        next=min(pending, key=lambda i: (i.collect_on, i.number)) if pending else None,
        paid=sum(p.amount for p in payments) + sum(i.amount for i in paid_before_the_card),
        left=sum(i.amount for i in pending),
        needs_action=action if action is not None and action.status == "requires_action" else None,
        payments=tuple(payments),
        _paid_on={i.id: i.paid_at.date() for i in paid_before_the_card if i.paid_at}
        | {p.instalment_id: p.day for p in payments if p.instalment_id is not None},
    )


def _progress_paid_by_debtor(plan: Plan, paid: int) -> Progress:
    """A plan paid by the debtor each time: paid is what the ledger has since it started; each instalment is shown
    on the day it was marked paid."""
    pending = [i for i in plan.instalments if i.status in PENDING]
    upcoming = min(pending, key=lambda i: (i.collect_on, i.number)) if pending else None
    today = clock.today_for(db.session.get(Debtor, plan.debtor_id))
    return Progress(
        plan=plan,
        next=upcoming,
        paid=paid,
        left=sum(i.amount for i in pending),
        needs_action=None,
        pay_soon=upcoming is not None and upcoming.due_date <= today + timedelta(days=PAY_SOON_DAYS),
        _paid_on={i.id: i.paid_at.date() for i in plan.instalments if i.status == "paid" and i.paid_at},
    )


def paid_since_start(plans: list[Plan]) -> dict[int, int]:
    """{plan id: minor units paid on its account since it started (became active)}, for plans the debtor pays each
    time, in one statement however many: payments by any channel, the creditor's own items included."""
    started = [plan for plan in plans if plan.paid_by_debtor and plan.activated_at is not None]
    if not started:
        return {}
    rows = db.session.execute(
        select(Plan.id, func.coalesce(func.sum(LedgerEntry.amount), 0))
        .join(LedgerEntry, LedgerEntry.account_id == Plan.account_id)
        .where(
            Plan.id.in_([plan.id for plan in started]),
            LedgerEntry.kind == "payment",
            LedgerEntry.created_at >= Plan.activated_at,
        )
        .group_by(Plan.id)
    )
    return {plan_id: -int(total) for plan_id, total in rows}


def paid_ahead(plan: Plan) -> int:
    """For a plan the debtor pays: what they paid since it started that no instalment marked paid accounts for yet
    (a part payment); it goes towards the next instalment, so what is still asked for is that much less."""
    if not plan.paid_by_debtor:
        return 0
    paid = paid_since_start([plan]).get(plan.id, 0)
    return max(paid - sum(i.amount for i in plan.instalments if i.status == "paid"), 0)


def payments_by_plan(plans: list[Plan]) -> dict[int, list[PlanPayment]]:
    """{plan id: its payments in the ledger, oldest first}, in two queries however many plans and payments.

    An instalment's payment is the one it names; an extra payment is named by its idempotency key
    ("plan:<id>:extra:<key>", portal.plans.service.collection.extra_key). Only payments that reached the
    ledger count: one still being decided, or declined, paid nothing.
    """
    if not plans:
        return {}
    found: dict[int, list[tuple[int, PlanPayment]]] = defaultdict(list)
    by_id = {plan.id: plan for plan in plans}
    instalment_rows = db.session.execute(
        select(
            Instalment.plan_id,
            Instalment.id,
            LedgerEntry.id,
            LedgerEntry.effective_date,
            LedgerEntry.amount,
            Payment.reference,
        )
        .join(Payment, Payment.id == Instalment.payment_id)
        .join(LedgerEntry, LedgerEntry.id == Payment.ledger_entry_id)
        .where(Instalment.plan_id.in_(by_id))
    )
    for plan_id, instalment_id, entry_id, day, amount, reference in instalment_rows:
        found[plan_id].append((entry_id, PlanPayment(day, -amount, reference, instalment_id)))
    extra_rows = db.session.execute(
        select(
            Payment.idempotency_key, LedgerEntry.id, LedgerEntry.effective_date, LedgerEntry.amount, Payment.reference
        )
        .join(LedgerEntry, LedgerEntry.id == Payment.ledger_entry_id)
        .where(
            Payment.account_id.in_({plan.account_id for plan in plans}),
            Payment.debtor_id.in_({plan.debtor_id for plan in plans}),
            Payment.idempotency_key.like("plan:%:extra:%"),
        )
    )
    for key, entry_id, day, amount, reference in extra_rows:
        plan_id = key.split(":")[1]
        if plan_id.isdigit() and int(plan_id) in by_id:
            found[int(plan_id)].append((entry_id, PlanPayment(day, -amount, reference, None)))
    return {plan_id: [p for _, p in sorted(rows, key=lambda row: row[0])] for plan_id, rows in found.items()}


def running_totals(plan: Plan) -> list[tuple[Instalment, int]]:
    """Each instalment still counted (paid or to pay), in order, with what the plan asks for up to and including it.
    A missed one is not asked for again (as on a collected plan), so it does not count."""
    total, rows = 0, []
    for instalment in plan.instalments:
        if instalment.status in ("paid", "scheduled"):
            total += instalment.amount
            rows.append((instalment, total))
    return rows


def to_pay_now(plan: Plan, today: date, paid: int | None = None) -> int:
    """What the "Pay now" button and a reminder's link ask for: the instalments due by today (or, with none due, the
    next one), less what the ledger already has towards them. 0 when nothing is to pay."""
    if not plan.paid_by_debtor or plan.status != "active":
        return 0
    paid = paid_since_start([plan]).get(plan.id, 0) if paid is None else paid
    wanted = None
    for instalment, running in running_totals(plan):
        if instalment.status != "scheduled":
            continue
        if wanted is not None and instalment.due_date > today:
            break
        wanted = running
    return max((wanted or 0) - paid, 0)


def progress_by_account(debtor: Debtor) -> dict[int, Progress]:
    """Each account's live plan with its progress, in a fixed number of queries however many accounts."""
    plans = db.session.scalars(
        select(Plan).where(Plan.debtor_id == debtor.id, Plan.status.in_(LIVE_STATUSES)).order_by(Plan.id)
    ).all()
    instalments = [i for plan in plans for i in plan.instalments]
    payment_ids = {i.payment_id for i in instalments if i.payment_id and i.status == "requires_action"}
    if payment_ids:
        db.session.scalars(select(Payment).where(Payment.id.in_(payment_ids))).all()  # load them in one go
    payments = payments_by_plan([plan for plan in plans if not plan.paid_by_debtor])
    by_debtor = paid_since_start(list(plans))
    return {plan.account_id: progress(plan, payments.get(plan.id, []), by_debtor.get(plan.id, 0)) for plan in plans}


def first_instalment(plan: Plan) -> Instalment | None:
    """The plan's first instalment while it is still to be paid (the one "pay the first now" means)."""
    return next((i for i in plan.instalments if i.number == 1 and i.status in PENDING), None)
