"""Where a plan stands: the debtor's plan found by reference, the live plan of an account, what is paid and next."""

from dataclasses import dataclass

from sqlalchemy import select

from portal.domain_errors import NotFoundForOwner
from portal.extensions import db
from portal.models import Account, Debtor, Instalment, Payment, Plan
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
class Progress:
    """What the dashboard says about a plan."""

    plan: Plan
    #: the next instalment to be paid (or being paid), if any
    next: Instalment | None
    paid: int
    #: what the unpaid instalments add up to
    left: int
    #: a payment waiting for the debtor to confirm it is them (3-D Secure)
    needs_action: Payment | None


def progress(plan: Plan) -> Progress:
    pending = [i for i in plan.instalments if i.status in PENDING]
    paid = [i for i in plan.instalments if i.status == "paid"]
    action = next((i.payment for i in pending if i.status == "requires_action" and i.payment), None)
    return Progress(
        plan=plan,
        next=min(pending, key=lambda i: (i.collect_on, i.number)) if pending else None,
        paid=sum(i.amount for i in paid),
        left=sum(i.amount for i in pending),
        needs_action=action if action is not None and action.status == "requires_action" else None,
    )


def progress_by_account(debtor: Debtor) -> dict[int, Progress]:
    """Each account's live plan with its progress, in a fixed number of queries however many accounts."""
    plans = db.session.scalars(
        select(Plan).where(Plan.debtor_id == debtor.id, Plan.status.in_(LIVE_STATUSES)).order_by(Plan.id)
    ).all()
    instalments = [i for plan in plans for i in plan.instalments]
    payment_ids = {i.payment_id for i in instalments if i.payment_id and i.status == "requires_action"}
    if payment_ids:
        db.session.scalars(select(Payment).where(Payment.id.in_(payment_ids))).all()  # load them in one go
    return {plan.account_id: progress(plan) for plan in plans}


def first_instalment(plan: Plan) -> Instalment | None:
    """The plan's first instalment while it is still to be paid (the one "pay the first now" means)."""
    return next((i for i in plan.instalments if i.number == 1 and i.status in PENDING), None)
