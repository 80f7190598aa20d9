"""Making a plan and agreeing it: from an engine offer or the debtor's own proposal, to the words they agreed.

- A plan is made from an engine offer (`choose_offer`) or from the debtor's own proposal
  (`submit_proposal`): inside the creditor's policy it is a `draft` to agree at once, otherwise
  `pending_review` with the engine's reasons and the date we promised to answer by.
- One plan stands for an account at a time: making a new one withdraws an unstarted one.

Functions flush; the caller's unit of work commits (`portal.transaction`).
"""

from datetime import UTC, date, datetime

from flask import current_app, has_request_context, request
from sqlalchemy import select

from portal import clock
from portal.accounts.ledger import balance_of
from portal.events import emit
from portal.extensions import db
from portal.models import Account, Agreement, Budget, Debtor, Instalment, Plan
from portal.models.audit import record
from portal.plans.dates import Payday
from portal.plans.emails import queue_confirmation
from portal.plans.engine import Decision, evaluate_proposal, interest_during_plan, offers, smallest_accepted_amount
from portal.plans.engine import Instalment as Scheduled
from portal.plans.policy import Frequency, PlanPolicy
from portal.plans.service import PlanError
from portal.plans.service.self_pay import start
from portal.references import new_reference
from portal.working_days import add_working_days

#: working days a person takes to answer a proposal or a pause request
REVIEW_WORKING_DAYS = 5


def policy_for(debtor: Debtor) -> PlanPolicy:
    return PlanPolicy.from_dict(debtor.creditor.policy, default_minimum=current_app.config["PAYMENT_MINIMUM_DEFAULT"])


def agreed_at_once(debtor: Debtor, account: Account, balance: int) -> tuple[int, Frequency] | None:
    """The least regular amount (monthly where the creditor allows it) a proposal is agreed at once with,
    for the proposal page's hint; None when a person looks at every proposal.

    Worked out for the latest first date allowed: with interest added that is the dearest, so the
    amount is agreed whichever date the debtor picks.
    """
    policy = policy_for(debtor)
    frequency = Frequency.MONTHLY if Frequency.MONTHLY in policy.frequencies else policy.frequencies[0]
    today = clock.today_for(debtor)
    interest = interest_during_plan(policy, account.monthly_interest, today)
    first = policy.latest_first_payment(today)
    amount = smallest_accepted_amount(policy, balance, frequency, first, today, interest=interest)
    return None if amount is None else (amount, frequency)


def first_date_window(debtor: Debtor, policy: PlanPolicy) -> tuple[date, date]:
    """The first payment may be any day from today to the policy's latest."""
    today = clock.today_for(debtor)
    return today, policy.latest_first_payment(today)


def payday_from(value: dict | None) -> Payday | None:
    return Payday(**value) if value else None


def payday_to_dict(payday: Payday | None) -> dict | None:
    if payday is None or payday.kind == "same_day":
        return None
    return {key: value for key, value in vars(payday).items() if value is not None}


def review_deadline(today: date, jurisdiction: str, working_days: int = REVIEW_WORKING_DAYS) -> date:
    """`working_days` working days after today: weekdays that are not the creditor's public holidays."""
    return add_working_days(today, working_days, jurisdiction)


def _lock_account(account: Account) -> None:
    """Two requests making a plan for one account take turns (PostgreSQL)."""
    db.session.execute(select(Account.id).where(Account.id == account.id).with_for_update())


def _withdraw_unstarted(account: Account, debtor: Debtor) -> None:
    """A new choice replaces a plan not yet started; a running plan must be changed or cancelled instead."""
    for plan in db.session.scalars(
        select(Plan).where(Plan.account_id == account.id, Plan.status.in_(("draft", "pending_review", "agreed")))
    ):
        plan.status = "withdrawn"
        plan.ended_at = datetime.now(UTC)
        for instalment in plan.instalments:
            if instalment.status == "scheduled":
                instalment.status = "cancelled"
        record("plan.withdrawn", actor_type="debtor", actor_id=debtor.id, debtor_id=debtor.id, plan=plan.reference)


def _store(
    debtor: Debtor,
    account: Account,
    *,
    status: str,
    kind: str,
    source: str,
    frequency: Frequency | None,
    payday: Payday | None,
    balance: int,
    total: int,
    regular: int,
    saving: int,
    first: date,
    schedule: tuple[Scheduled, ...],
    policy: PlanPolicy,
) -> Plan:
    _lock_account(account)
    if db.session.scalar(select(Plan.id).where(Plan.account_id == account.id, Plan.status == "active")):
        raise PlanError("plan_running")
    _withdraw_unstarted(account, debtor)
    plan = Plan(
        reference=new_reference("PL"),
        debtor_id=debtor.id,
        account_id=account.id,
        status=status,
        kind=kind,
        source=source,
        frequency=str(frequency) if frequency else None,
        payday=payday_to_dict(payday),
        currency=account.currency,
        balance_at_start=balance,
        total=total,
        instalment_amount=regular,
        saving=saving,
        first_date=first,
        review_reasons=[],
        terms={
            "retry_attempts": policy.retry_attempts,
            "retry_after_days": policy.retry_after_days,
            "missed_payments_to_break": policy.missed_payments_to_break,
            # the creditor's promise to add no interest or charges while the plan is kept; without it, the
            # schedule includes what the creditor goes on adding each month, counted from the day it was made
            "interest_frozen": policy.freeze_interest_on_plan,
            "monthly_interest": account.monthly_interest,
            "interest_since": clock.today_for(debtor).isoformat(),
        },
        instalments=[Instalment(number=s.number, due_date=s.due, amount=s.amount) for s in schedule],
    )
    db.session.add(plan)
    db.session.flush()
    return plan


def choose_offer(debtor: Debtor, account: Account, key: str, first: date, payday: Payday | None = None) -> Plan | None:
    """Store the offer the debtor picked as a draft plan; None when no offer has that key any more."""
    policy = policy_for(debtor)
    balance = balance_of(account)
    interest = interest_during_plan(policy, account.monthly_interest, clock.today_for(debtor))
    offer = next((o for o in offers(policy, balance, first, payday, interest) if o.key == key), None)
    if offer is None:
        return None
    plan = _store(
        debtor,
        account,
        status="draft",
        kind=offer.kind,
        source="offer",
        frequency=offer.frequency,
        payday=payday if offer.frequency == Frequency.MONTHLY else None,
        balance=balance,
        total=offer.total,
        regular=offer.instalment,
        saving=offer.saving,
        first=offer.first_date,
        schedule=offer.schedule,
        policy=policy,
    )
    if offer.kind == "settlement" and offer.count > 1:
        # a settlement is earned only when every payment is made: once one is missed (after its retries) it
        # cannot be, so the plan ends then and the debtor is told the discount is lost (not at its last payment)
        plan.terms = {**plan.terms, "missed_payments_to_break": 1}
    record("plan.chosen", actor_type="debtor", actor_id=debtor.id, debtor_id=debtor.id, plan=plan.reference, offer=key)
    return plan


def submit_proposal(
    debtor: Debtor,
    account: Account,
    amount: int,
    frequency: str,
    first: date,
    budget: Budget | None = None,
    payday: Payday | None = None,
    *,
    confirm: bool = True,
) -> Plan:
    """Store the debtor's own plan with the engine's decision.

    Returns the plan: `status == "draft"` (accepted at once; agree it next at `plans.check`) or
    `"pending_review"` with `review_reasons` and `review_by`, and then the debtor is sent a confirmation
    (unless `confirm` is False: demo data). The budget it came from, if any, is kept.
    Raises PlanError("nothing_owed") when the balance is nothing, PlanError("plan_running") when a
    plan is already being collected on the account.
    """
    policy = policy_for(debtor)
    balance = balance_of(account)
    if balance < 1:
        raise PlanError("nothing_owed")
    today = clock.today_for(debtor)
    chosen = Frequency(frequency)
    interest = interest_during_plan(policy, account.monthly_interest, today)
    decision: Decision = evaluate_proposal(policy, balance, amount, chosen, first, today, payday, interest)
    plan = _store(
        debtor,
        account,
        status="draft" if decision.accepted else "pending_review",
        kind="plan",
        source="budget" if budget is not None else "proposal",
        frequency=chosen,
        payday=payday if chosen == Frequency.MONTHLY else None,
        balance=balance,
        total=decision.total,
        regular=min(amount, balance),
        saving=0,
        first=first,
        schedule=decision.schedule,
        policy=policy,
    )
    plan.proposed_amount = amount
    plan.budget_id = budget.id if budget is not None else None
    plan.review_reasons = [{"code": reason.code, "params": dict(reason.params)} for reason in decision.reasons]
    record(
        "plan.proposed",
        actor_type="debtor",
        actor_id=debtor.id,
        debtor_id=debtor.id,
        plan=plan.reference,
        amount=amount,
        frequency=str(chosen),
        first=first.isoformat(),
        accepted=decision.accepted,
        reasons=[reason.code for reason in decision.reasons],
    )
    if not decision.accepted:
        plan.review_by = review_deadline(today, debtor.creditor.jurisdiction)
        emit(
            "plan.proposed",
            debtor=debtor,
            account=account,
            plan=plan.reference,
            amount=amount,
            currency=account.currency,
            frequency=str(chosen),
            first=first.isoformat(),
            reasons=plan.review_reasons,
            review_by=plan.review_by.isoformat(),
            budget_id=plan.budget_id,
        )
        if confirm:
            queue_confirmation("proposal_received", plan)
    return plan


def agree(plan: Plan, debtor: Debtor, *, text: str, version: str, language: str, pay_first_now: bool) -> Agreement:
    """Store the agreement word for word with its version and the time; the plan then waits for a card, or runs at
    once when the debtor pays each payment themselves. The debtor is sent a confirmation with a copy of it."""
    if plan.status != "draft":
        raise PlanError("not_agreeable")
    now = datetime.now(UTC)
    agreement = Agreement(plan_id=plan.id, debtor_id=debtor.id, version=version, language=language, text=text)
    agreement.agreed_at = now
    agreement.ip_address = request.remote_addr if has_request_context() else None
    db.session.add(agreement)
    plan.status = "agreed"
    plan.agreed_at = now
    plan.pay_first_now = pay_first_now
    record(
        "plan.agreed",
        actor_type="debtor",
        actor_id=debtor.id,
        debtor_id=debtor.id,
        plan=plan.reference,
        version=version,
        pay_first_now=pay_first_now,
    )
    emit(
        "plan.agreed",
        debtor=debtor,
        account=plan.account,
        plan=plan.reference,
        plan_kind=plan.kind,
        frequency=plan.frequency,
        total=plan.total,
        currency=plan.currency,
        instalments=[{"number": i.number, "due": i.due_date.isoformat(), "amount": i.amount} for i in plan.instalments],
        agreement_version=version,
        interest_frozen=bool(plan.terms.get("interest_frozen")),
    )
    if plan.paid_by_debtor:
        start(plan, debtor)
    db.session.flush()
    queue_confirmation("agreed", plan)
    return agreement


def latest_agreement(plan: Plan) -> Agreement | None:
    return db.session.scalar(select(Agreement).where(Agreement.plan_id == plan.id).order_by(Agreement.id.desc()))
