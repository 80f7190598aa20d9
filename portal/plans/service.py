"""Instalment plans: the rules that store, agree, collect and change a plan.

- A plan is made from an engine offer (`choose_offer`) or from the debtor's own proposal
  (`submit_proposal`): inside the creditor's policy it is a `draft` to agree at once, otherwise
  `pending_review` with the engine's reasons and the date we promised to answer by.
- One plan stands for an account at a time: making a new one withdraws an unstarted one.
- Each charge of an instalment is one `Payment` row whose idempotency key is
  `instalment:<id>:attempt:<n>`, and goes through `portal.payments.service.apply_intent`, so
  success writes one ledger entry under the PaymentIntent id, exactly once.
- Only one caller may charge an instalment: `claim_attempt` moves it from `scheduled` to
  `processing` with a conditional UPDATE, committed before Stripe is called.
- Every charge (an instalment, an extra payment) is claimed against the balance as a one-off
  payment is (`portal.payments.service.claim_payment`): never while another payment on the
  account is in flight, never for more than is owed.

Functions flush; the caller's unit of work commits (`portal.transaction`), except that charging
commits its claim before calling Stripe.
"""

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from flask import current_app, has_request_context, request
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from portal import clock, transaction
from portal.accounts.ledger import balance_of
from portal.domain_errors import NotFoundForOwner
from portal.events import emit
from portal.extensions import db
from portal.models import Account, Agreement, Budget, Debtor, Instalment, LedgerEntry, Payment, Plan
from portal.models.audit import record
from portal.models.plan import LIVE_STATUSES
from portal.payments.gateway import Card, CardDeclined, GatewayError, GatewayUnavailable, Intent, StripeGateway
from portal.payments.rules import Outcome
from portal.payments.service import (
    apply_intent,
    attach_card,
    card_setup,
    claim_payment,
    mark_failed,
    start_payment,
)
from portal.plans.dates import Payday, add_months, schedule_dates
from portal.plans.emails import COLLECTION_NOTICES, queue_collection_notice
from portal.plans.engine import Decision, Interest, evaluate_proposal, interest_during_plan, offers
from portal.plans.engine import Instalment as Scheduled
from portal.plans.policy import Frequency, PlanPolicy
from portal.references import new_reference
from portal.working_days import add_working_days

log = logging.getLogger(__name__)

#: working days a person takes to answer a proposal or a pause request
REVIEW_WORKING_DAYS = 5
#: instalment states in which money may be on its way
IN_FLIGHT = ("processing", "requires_action")
#: instalment states still to be paid
PENDING = ("scheduled", *IN_FLIGHT)


class PlanError(Exception):
    """A change the plan can't take; `code` says why (the view turns it into words)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


# Reading


def policy_for(debtor: Debtor) -> PlanPolicy:
    return PlanPolicy.from_dict(debtor.creditor.policy, default_minimum=current_app.config["PAYMENT_MINIMUM_DEFAULT"])


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


# Making a plan


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
        plan.ended_at = _now()
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
) -> Plan:
    """Store the debtor's own plan with the engine's decision.

    Returns the plan: `status == "draft"` (accepted at once; agree it next at `plans.check`) or
    `"pending_review"` with `review_reasons` and `review_by`. The budget it came from, if any, is kept.
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
    return plan


# Agreeing


def agree(plan: Plan, debtor: Debtor, *, text: str, version: str, language: str, pay_first_now: bool) -> Agreement:
    """Store the agreement word for word with its version and the time; the plan then waits for a card."""
    if plan.status != "draft":
        raise PlanError("not_agreeable")
    now = _now()
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
    db.session.flush()
    return agreement


def latest_agreement(plan: Plan) -> Agreement | None:
    return db.session.scalar(select(Agreement).where(Agreement.plan_id == plan.id).order_by(Agreement.id.desc()))


# The card


def _lock_plan(plan: Plan) -> Plan:
    return db.session.execute(
        select(Plan).where(Plan.id == plan.id).with_for_update(of=Plan).execution_options(populate_existing=True)
    ).scalar_one()


def prepare_card(plan: Plan, debtor: Debtor, gateway: StripeGateway) -> str | None:
    """A SetupIntent's client secret for the card form (saved for charges while they are away), or None."""
    plan = _lock_plan(plan)
    if plan.status not in ("agreed", "active"):
        return None
    setup = card_setup(debtor, gateway, plan.setup_intent_id, {"plan_reference": plan.reference}, usage="off_session")
    if setup.id != plan.setup_intent_id:
        plan.setup_intent_id = setup.id
    return setup.client_secret


def save_card(plan: Plan, setup_intent_id: str | None, gateway: StripeGateway) -> str | None:
    """Keep the card the debtor just set up on the plan; the first card starts the plan.

    Returns a problem code, or None when the plan has a usable card (this one, or one saved by an
    earlier call with the same SetupIntent).
    """
    plan = _lock_plan(plan)
    if plan.status not in ("agreed", "active"):
        transaction.rollback()
        return "plan_closed"
    if not setup_intent_id or setup_intent_id != plan.setup_intent_id:
        transaction.rollback()
        return None if plan.has_card else "card_not_ready"
    try:
        setup = gateway.retrieve_setup_intent(setup_intent_id)
        if (
            setup.metadata.get("plan_reference") != plan.reference
            or setup.status != "succeeded"
            or not setup.payment_method_id
            or not setup.customer_id
        ):
            transaction.rollback()
            return "card_not_ready"
        card, customer_id = attach_card(db.session.get(Debtor, plan.debtor_id), gateway, setup)
    except CardDeclined as declined:
        transaction.rollback()
        return declined.code or "card_declined"
    except (GatewayError, GatewayUnavailable):
        transaction.rollback()
        return "unavailable"
    changed = plan.has_card
    plan.customer_id = customer_id
    plan.payment_method_id = card.payment_method_id
    plan.card_brand = card.brand
    plan.card_last4 = card.last4
    plan.setup_intent_id = None
    debtor = db.session.get(Debtor, plan.debtor_id)
    if plan.status == "agreed":
        plan.status = "active"
        plan.activated_at = _now()
        record("plan.activated", actor_type="debtor", actor_id=debtor.id, debtor_id=debtor.id, plan=plan.reference)
        emit("plan.activated", debtor=debtor, account=plan.account, plan=plan.reference)
    elif changed:
        record("plan.card_changed", actor_type="debtor", actor_id=debtor.id, debtor_id=debtor.id, plan=plan.reference)
    return None


# Charging


def _now() -> datetime:
    return datetime.now(UTC)


def claim_attempt(instalment: Instalment, by: str) -> Payment | None:
    """Claim the instalment for one charge, and make that charge's Payment row; None if it can't be charged now.

    See `_claim_attempt`; `collect` only needs to know whether to charge.
    """
    return _claim_attempt(instalment, by)[0]


def _claim_attempt(instalment: Instalment, by: str) -> tuple[Payment | None, str | None]:
    """The charge's Payment row, or None and why: "claimed" (someone else has the instalment) or a payment problem.

    A conditional UPDATE (scheduled → processing) lets exactly one caller win the instalment, even on
    SQLite; its payment is then claimed against the balance like any other (`claim_payment`): not
    while another payment on the account is in flight, never for more than is owed. If that fails,
    neither claim stands. The caller commits the claim before calling Stripe (`transaction.commit_claim`),
    so a crash can never lead to a second charge.
    """
    attempt = db.session.begin_nested()
    claimed = db.session.execute(
        update(Instalment)
        .where(Instalment.id == instalment.id, Instalment.status == "scheduled")
        .values(status="processing", attempts=Instalment.attempts + 1, attempt_by=by)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        attempt.rollback()
        return None, "claimed"
    db.session.refresh(instalment)
    plan = instalment.plan
    payment = Payment(
        reference=new_reference("P"),
        idempotency_key=instalment.idempotency_key,
        account_id=plan.account_id,
        debtor_id=plan.debtor_id,
        amount=instalment.amount,
        currency=plan.currency,
        status="new",
        payment_method_id=plan.payment_method_id,
        card_brand=plan.card_brand,
        card_last4=plan.card_last4,
    )
    db.session.add(payment)
    db.session.flush()
    problem = claim_payment(payment)
    if problem:
        attempt.rollback()
        db.session.expire(instalment)
        return None, problem
    attempt.commit()
    instalment.payment_id = payment.id
    instalment.payment = payment
    record(
        "payment.started",
        actor_type="system" if by == "collect" else "debtor",
        actor_id=None if by == "collect" else plan.debtor_id,
        debtor_id=plan.debtor_id,
        reference=payment.reference,
        amount=payment.amount,
        currency=payment.currency,
        plan=plan.reference,
        instalment=instalment.number,
        attempt=instalment.attempts,
    )
    return payment, None


def charge(payment: Payment, plan: Plan, gateway: StripeGateway, *, off_session: bool) -> Intent | None:
    """Charge the plan's saved card for a claimed payment, and record what Stripe said on the payment.

    Returns the PaymentIntent when Stripe answered with one. When Stripe could not be heard the
    payment stays "confirming": `collect` (or `payments reconcile`) asks Stripe later; nothing here retries.
    """
    actor = "system" if off_session else "debtor"
    try:
        intent = gateway.create_payment_intent(
            amount=payment.amount,
            currency=payment.currency,
            customer_id=plan.customer_id,
            payment_method_id=plan.payment_method_id,
            metadata={
                "payment_reference": payment.reference,
                "account_reference": plan.account.reference,
                "plan_reference": plan.reference,
            },
            idempotency_key=payment.idempotency_key,
            off_session=off_session,
        )
    except CardDeclined as declined:
        if declined.intent is not None:
            apply_intent(payment, declined.intent, actor=actor)
        else:
            mark_failed(payment, declined.code or "card_declined", actor)
        return declined.intent
    except GatewayUnavailable:
        log.warning(
            "Payment %s for plan %s: no answer from Stripe; left for collect", payment.reference, plan.reference
        )
        return None
    except GatewayError as error:
        mark_failed(payment, error.code or "error", actor)
        return None
    apply_intent(payment, intent, actor=actor)
    return intent


def stale_after() -> timedelta:
    """How long a charge may go unanswered before `collect` asks Stripe; the same setting `payments reconcile` uses."""
    return timedelta(minutes=current_app.config["PAYMENT_RECONCILE_AFTER_MINUTES"])


def refresh_payment(payment: Payment, plan: Plan, gateway: StripeGateway) -> Intent | None:
    """Ask Stripe where an unsettled charge stands and record it. Raises GatewayError/GatewayUnavailable."""
    if payment.status not in ("confirming", "processing", "requires_action"):
        return None
    if payment.payment_intent_id:
        intent = gateway.retrieve_payment_intent(payment.payment_intent_id)
    else:
        intent = gateway.find_payment_intent(plan.customer_id or "", "payment_reference", payment.reference)
        if intent is None:
            if payment.confirming_at and _now() - payment.confirming_at > stale_after():
                mark_failed(payment, "not_created", "system")
            return None
    apply_intent(payment, intent, actor="system")
    return intent


def settle(instalment: Instalment, today: date) -> str | None:
    """Bring an instalment in line with its latest payment; returns what happened to it.

    "paid"; "requires_action"; "declined" (an on-session try: back to scheduled); "retry" (a
    collection declined: tried again `retry_after_days` later); "missed" (retries used up);
    "broken" (missed too often: the plan ends); None (nothing new). What the debtor must hear
    about a collection is queued in the outbox, which keeps to contact hours and the gate.
    """
    what = _settle(instalment, today)
    if what in COLLECTION_NOTICES and instalment.attempt_by == "collect":
        queue_collection_notice(what, instalment)
    return what


def _settle(instalment: Instalment, today: date) -> str | None:
    payment = instalment.payment
    plan = instalment.plan
    if instalment.status not in IN_FLIGHT or payment is None:
        return None
    if payment.status == "succeeded":
        instalment.status = "paid"
        instalment.paid_at = payment.succeeded_at or _now()
        instalment.failure_code = None
        instalment.retry_on = None
        _note(plan, "instalment.paid", number=instalment.number, amount=payment.amount, payment=payment.reference)
        _finish_if_done(plan)
        return "paid"
    if payment.status == "requires_action":
        if instalment.status == "requires_action":
            return None
        instalment.status = "requires_action"
        return "requires_action"
    if payment.status != "failed":
        return None
    instalment.failure_code = payment.failure_code
    if instalment.attempt_by == "debtor":
        instalment.status = "scheduled"
        return "declined"
    instalment.declines += 1
    terms = plan.terms
    if instalment.declines <= terms.get("retry_attempts", 2):
        instalment.status = "scheduled"
        instalment.retry_on = today + timedelta(days=terms.get("retry_after_days", 3))
        record(
            "instalment.retry_scheduled",
            actor_type="system",
            debtor_id=plan.debtor_id,
            plan=plan.reference,
            number=instalment.number,
            retry_on=instalment.retry_on.isoformat(),
            code=payment.failure_code,
        )
        return "retry"
    instalment.status = "missed"
    instalment.missed_at = _now()
    instalment.retry_on = None
    plan.missed_count += 1
    _note(plan, "instalment.missed", number=instalment.number, amount=instalment.amount, due=str(instalment.due_date))
    if plan.missed_count >= terms.get("missed_payments_to_break", 2):
        _end(plan, "broken")
        return "broken"
    _finish_if_done(plan)
    return "missed"


def _note(plan: Plan, kind: str, **data) -> None:
    """An audit event and a creditor event for something that happened to a plan."""
    debtor = db.session.get(Debtor, plan.debtor_id)
    record(kind, actor_type="system", debtor_id=plan.debtor_id, plan=plan.reference, **data)
    emit(kind, debtor=debtor, account=plan.account, plan=plan.reference, currency=plan.currency, **data)


def _end(plan: Plan, status: str) -> None:
    """Close a plan: nothing more is collected on it."""
    plan.status = status
    plan.ended_at = _now()
    for instalment in plan.instalments:
        if instalment.status == "scheduled":
            instalment.status = "cancelled"
    if status in ("broken", "completed"):
        _note(plan, f"plan.{status}", missed=plan.missed_count)


def _finish_if_done(plan: Plan) -> None:
    """Complete the plan when nothing is left to collect; a paid settlement writes off the discount."""
    if any(i.status in PENDING for i in plan.instalments):
        return
    if plan.kind == "settlement" and all(i.status == "paid" for i in plan.instalments):
        _write_off_settlement(plan)
    _end(plan, "completed")


def _write_off_settlement(plan: Plan) -> None:
    """The creditor accepted less in full payment: credit the rest of the balance (at most the saving), once."""
    balance = balance_of(plan.account)
    credit = min(balance, plan.saving)
    if credit <= 0:
        return
    entry = LedgerEntry(
        account_id=plan.account_id,
        kind="credit",
        amount=-credit,
        effective_date=clock.today_for(db.session.get(Debtor, plan.debtor_id)),
        description=f"Settlement discount {plan.reference}",
        external_ref=f"settlement:{plan.reference}",
    )
    try:
        with db.session.begin_nested():
            db.session.add(entry)
    except IntegrityError:
        return


def fit_to_balance(plan: Plan, balance: int) -> None:
    """Never ask for more than is owed: after an extra payment, take it off the last instalments.

    What is owed includes the interest and charges the payments still cover (see `_interest_to_come`).
    Once nothing is owed, the plan is complete.
    """
    in_flight = sum(i.amount for i in plan.instalments if i.status in IN_FLIGHT)
    room = max(balance - in_flight, 0) + _interest_to_come(plan)
    scheduled = [i for i in plan.instalments if i.status == "scheduled"]
    excess = sum(i.amount for i in scheduled) - room
    if excess > 0:
        record(
            "plan.instalments_reduced",
            actor_type="system",
            debtor_id=plan.debtor_id,
            plan=plan.reference,
            by=excess,
            balance=balance,
        )
    for instalment in reversed(scheduled):
        if excess <= 0:
            break
        cut = min(instalment.amount, excess)
        instalment.amount -= cut
        excess -= cut
        if instalment.amount == 0:
            instalment.status = "cancelled"
    if balance <= 0 and not any(i.status in IN_FLIGHT for i in plan.instalments):
        _end(plan, "completed")


def _interest_to_come(plan: Plan) -> int:
    """Interest and charges the plan's payments include that the creditor has not added yet; none if frozen.

    The creditor adds them on a day of its own, so one month more is allowed until the last payment's
    day, when what is asked for is just the balance.
    """
    terms = plan.terms
    due = [i.collect_on for i in plan.instalments if i.status == "scheduled"]
    if terms.get("interest_frozen") or terms.get("monthly_interest", 0) < 1 or "interest_since" not in terms or not due:
        return 0
    interest = Interest(terms["monthly_interest"], date.fromisoformat(terms["interest_since"]))
    to_come = interest.added_by(max(due)) - interest.added_by(clock.today_for(db.session.get(Debtor, plan.debtor_id)))
    return to_come + interest.monthly if to_come > 0 else 0


def outcome_for(payment: Payment, intent: Intent | None) -> Outcome:
    """What the browser should do next about a charge."""
    if payment.status == "succeeded":
        return Outcome("succeeded")
    if payment.status == "failed":
        return Outcome("failed", payment.failure_code)
    if payment.status == "requires_action" and intent is not None and intent.client_secret:
        return Outcome("requires_action", client_secret=intent.client_secret)
    return Outcome("pending")


def first_instalment(plan: Plan) -> Instalment | None:
    """The plan's first instalment while it is still to be paid (the one "pay the first now" means)."""
    return next((i for i in plan.instalments if i.number == 1 and i.status in PENDING), None)


def pay_first_now(plan: Plan, gateway: StripeGateway) -> Outcome:
    """Take the first instalment now, on-session (3-D Secure may be asked). Safe to call again."""
    instalment = first_instalment(plan)
    if instalment is None:
        return Outcome("succeeded")
    today = clock.today_for(db.session.get(Debtor, plan.debtor_id))
    if instalment.status in IN_FLIGHT:
        return sync_instalment(instalment, gateway, today)
    payment, problem = _claim_attempt(instalment, "debtor")
    transaction.commit_claim()
    if problem == "claimed":
        db.session.refresh(instalment)
        return sync_instalment(instalment, gateway, today)
    if problem:
        return Outcome("problem", problem)
    intent = charge(payment, plan, gateway, off_session=False)
    settle(instalment, today)
    return outcome_for(payment, intent)


def sync_instalment(instalment: Instalment, gateway: StripeGateway, today: date) -> Outcome:
    """Ask Stripe about an instalment's charge in flight (after 3-D Secure, or a reload), and record it."""
    payment = instalment.payment
    if payment is None:
        return Outcome("pending")
    try:
        intent = refresh_payment(payment, instalment.plan, gateway)
    except (GatewayError, GatewayUnavailable):
        transaction.rollback()
        return Outcome("pending")
    settle(instalment, today)
    return outcome_for(payment, intent)


def instalment_for(payment: Payment) -> Instalment | None:
    return db.session.scalar(select(Instalment).where(Instalment.payment_id == payment.id))


def extra_key(plan: Plan, key: str) -> str:
    """An extra payment's idempotency key names its plan: "plan:<id>:extra:<the form's key>"."""
    return f"plan:{plan.id}:extra:{key}"


def plan_for_payment(payment: Payment) -> Plan | None:
    """The plan whose saved card made a payment: an instalment's, or an extra payment's (named in its key)."""
    instalment = instalment_for(payment)
    if instalment is not None:
        return instalment.plan
    kind, _, rest = payment.idempotency_key.partition(":")
    plan_id, _, tail = rest.partition(":")
    if kind != "plan" or not plan_id.isdigit() or not tail.startswith("extra:"):
        return None
    return db.session.get(Plan, int(plan_id))


def confirm_action(payment: Payment, gateway: StripeGateway) -> Outcome:
    """After the debtor confirmed it was them (3-D Secure) on a plan charge: record the answer."""
    plan = plan_for_payment(payment)
    if plan is None:
        return Outcome("problem", "not_a_plan_payment")
    try:
        intent = refresh_payment(payment, plan, gateway)
    except (GatewayError, GatewayUnavailable):
        transaction.rollback()
        return Outcome("pending")
    instalment = instalment_for(payment)
    if instalment is not None:
        settle(instalment, clock.today_for(db.session.get(Debtor, plan.debtor_id)))
    elif payment.status == "succeeded" and plan.status == "active":
        fit_to_balance(plan, balance_of(plan.account))
    return outcome_for(payment, intent)


# Paying extra


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


# Changing a plan


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
    """Ask for a pause: a person decides, and nothing is collected until they do (portal.gate)."""
    if plan.status != "active":
        raise PlanError("not_active")
    plan.pause_requested_at = _now()
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
        reason=plan.pause_reason,
        review_by=plan.review_by.isoformat(),
    )


def cancel(plan: Plan, debtor: Debtor) -> None:
    """The debtor ends the plan: nothing more is taken. What they owe stays owed."""
    if plan.status not in LIVE_STATUSES:
        raise PlanError("not_live")
    plan.status = "cancelled"
    plan.ended_at = _now()
    for instalment in plan.instalments:
        if instalment.status == "scheduled":
            instalment.status = "cancelled"
    record("plan.cancelled", actor_type="debtor", actor_id=debtor.id, debtor_id=debtor.id, plan=plan.reference)
    emit("plan.cancelled", debtor=debtor, account=plan.account, plan=plan.reference)
