"""Collecting a plan's payments: claiming an instalment, charging the saved card, and the instalment state machine.

- Each charge of an instalment is one `Payment` row whose idempotency key is
  `instalment:<id>:attempt:<n>`, and goes through `portal.payments.service.apply_intent`, so
  success writes one ledger entry under the PaymentIntent id, exactly once.
- Only one caller may charge an instalment: `claim_attempt` moves it from `scheduled` to
  `processing` with a conditional UPDATE, committed before Stripe is called.
- Every charge (an instalment, an extra payment) is claimed against the balance as a one-off
  payment is (`portal.payments.service.claim_payment`): never while another payment on the
  account is in flight, never for more than is owed.
- `settle` moves an instalment on from what its payment became: paid, retried, missed; a plan
  missed too often is broken, one with nothing left to collect is completed. A first payment
  that also saved the plan's card (`pay_first_with_card`) starts the plan when it is paid.

Functions flush; the caller's unit of work commits (`portal.transaction`), except that charging
commits its claim before calling Stripe.
"""

import logging
from datetime import UTC, date, datetime, timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from portal import clock, transaction
from portal.accounts.ledger import balance_of
from portal.events import emit
from portal.extensions import db
from portal.models import Debtor, Instalment, LedgerEntry, Payment, Plan
from portal.models.account import LedgerWording
from portal.models.audit import record
from portal.payments.gateway import (
    Card,
    CardDeclined,
    GatewayError,
    GatewayUnavailable,
    Intent,
    NotFound,
    NotYourCard,
    StripeGateway,
)
from portal.payments.rules import Outcome
from portal.payments.service import apply_intent, attach_payment_method, claim_payment, mark_failed
from portal.plans.emails import COLLECTION_NOTICES, queue_collection_notice
from portal.plans.engine import Interest
from portal.plans.service import IN_FLIGHT, PENDING
from portal.plans.service.card import keep_card
from portal.plans.service.progress import first_instalment, paid_ahead
from portal.references import new_reference

log = logging.getLogger(__name__)


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


def charge(
    payment: Payment, plan: Plan, gateway: StripeGateway, *, off_session: bool, save_for_later: bool = False
) -> Intent | None:
    """Charge the card of a claimed payment (the plan's saved card, copied when it was claimed), and record what
    Stripe said on the payment. `save_for_later`: the card is new, and this payment also saves it for the plan.

    Returns the PaymentIntent when Stripe answered with one. When Stripe could not be heard the
    payment stays "confirming": `collect` (or `payments reconcile`) asks Stripe later; nothing here retries.
    """
    actor = "system" if off_session else "debtor"
    try:
        intent = gateway.create_payment_intent(
            amount=payment.amount,
            currency=payment.currency,
            customer_id=plan.customer_id,
            payment_method_id=payment.payment_method_id,
            metadata={
                "payment_reference": payment.reference,
                "account_reference": plan.account.reference,
                "plan_reference": plan.reference,
            },
            idempotency_key=payment.idempotency_key,
            off_session=off_session,
            save_for_later=save_for_later,
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
            if payment.confirming_at and datetime.now(UTC) - payment.confirming_at > stale_after():
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
        if plan.status == "agreed" and not plan.has_card and payment.payment_method_id:
            # the first payment, made with a new card (`pay_first_with_card`): that card is the plan's now
            keep_card(plan, plan.customer_id, Card(payment.payment_method_id, payment.card_brand, payment.card_last4))
        instalment.status = "paid"
        instalment.paid_at = payment.succeeded_at or datetime.now(UTC)
        instalment.failure_code = None
        instalment.retry_on = None
        note_plan_event(
            plan, "instalment.paid", number=instalment.number, amount=payment.amount, payment=payment.reference
        )
        finish_if_done(plan)
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
    instalment.missed_at = datetime.now(UTC)
    instalment.retry_on = None
    plan.missed_count += 1
    note_plan_event(
        plan, "instalment.missed", number=instalment.number, amount=instalment.amount, due=str(instalment.due_date)
    )
    if plan.missed_count >= terms.get("missed_payments_to_break", 2):
        end_plan(plan, "broken")
        return "broken"
    finish_if_done(plan)
    return "missed"


def note_plan_event(plan: Plan, kind: str, **data) -> None:
    """An audit event and a creditor event for something that happened to a plan, saying how the plan is paid."""
    debtor = db.session.get(Debtor, plan.debtor_id)
    data["pays_by"] = plan.pays_by
    record(kind, actor_type="system", debtor_id=plan.debtor_id, plan=plan.reference, **data)
    emit(kind, debtor=debtor, account=plan.account, plan=plan.reference, currency=plan.currency, **data)


def end_plan(plan: Plan, status: str) -> None:
    """Close a plan: nothing more is collected on it."""
    plan.status = status
    plan.ended_at = datetime.now(UTC)
    for instalment in plan.instalments:
        if instalment.status == "scheduled":
            instalment.status = "cancelled"
    if status in ("broken", "completed"):
        # a settlement's discount: written off when it completes with nothing missed, lost when it breaks
        settlement = {"plan_kind": "settlement", "discount": plan.saving} if plan.kind == "settlement" else {}
        note_plan_event(plan, f"plan.{status}", missed=plan.missed_count, **settlement)


def finish_if_done(plan: Plan) -> None:
    """Complete the plan when nothing is left to collect; a paid settlement writes off the discount."""
    if any(i.status in PENDING for i in plan.instalments):
        return
    if plan.kind == "settlement" and not any(i.status == "missed" for i in plan.instalments):
        _write_off_settlement(plan)
    end_plan(plan, "completed")


def _write_off_settlement(plan: Plan) -> None:
    """The creditor accepted less in full payment: credit the rest of the balance, once.

    Called only when every payment of the settlement is paid (in one payment or in instalments): until then
    nothing is taken off, so a settlement that ends early leaves the whole balance owed less what was paid.
    The credit is at most the saving plus the interest and charges the plan's terms say were added meanwhile
    (a settlement in monthly payments runs for up to SETTLEMENT_WITHIN_MONTHS), never more than is owed.
    """
    balance = balance_of(plan.account)
    credit = min(balance, plan.saving + _interest_added_during(plan))
    if credit <= 0:
        return
    entry = LedgerEntry(
        account_id=plan.account_id,
        kind="credit",
        amount=-credit,
        effective_date=clock.today_for(db.session.get(Debtor, plan.debtor_id)),
        wording=LedgerWording.SETTLEMENT_DISCOUNT,
        reference=plan.reference,
        external_ref=f"settlement:{plan.reference}",
    )
    try:
        with db.session.begin_nested():
            db.session.add(entry)
    except IntegrityError:
        return


def settlement_left(plan: Plan, balance: int) -> int:
    """What is left to pay of a running settlement: the balance less the discount still to be written off.

    Whatever way the money came (its payments, an extra payment, a payment made another way), the debtor
    never pays more than the settlement's total, so paying extra makes its last payments smaller.
    """
    return max(balance - plan.saving, 0)


def _interest_added_during(plan: Plan) -> int:
    """The interest and charges added from the day the plan was made to today, by its terms; none if frozen."""
    terms = plan.terms
    if terms.get("interest_frozen") or terms.get("monthly_interest", 0) < 1 or "interest_since" not in terms:
        return 0
    interest = Interest(terms["monthly_interest"], date.fromisoformat(terms["interest_since"]))
    return interest.added_by(clock.today_for(db.session.get(Debtor, plan.debtor_id)))


def fit_to_balance(plan: Plan, balance: int) -> None:
    """Never ask for more than is owed: after an extra payment, take it off the last instalments.

    What is owed includes the interest and charges the payments still cover (see `_interest_to_come`). A part
    payment towards a plan the debtor pays counts towards its scheduled instalments (`paid_ahead`), so it is
    added back: otherwise the plan would ask for that much too little and be done before the balance is paid.
    Once nothing is owed, the plan is complete.
    """
    in_flight = sum(i.amount for i in plan.instalments if i.status in IN_FLIGHT)
    if plan.kind == "settlement":
        room = max(settlement_left(plan, balance) - in_flight, 0)
    else:
        room = max(balance - in_flight, 0) + _interest_to_come(plan)
    room += paid_ahead(plan)  # already paid towards the scheduled instalments: they must still add up to it
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
    if plan.kind == "settlement" and plan.status == "active":
        finish_if_done(plan)  # nothing left to pay: the discount is written off and the settlement completes
    elif balance <= 0 and not any(i.status in IN_FLIGHT for i in plan.instalments):
        end_plan(plan, "completed")


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


def pay_first_now(plan: Plan, gateway: StripeGateway) -> Outcome:
    """Take the first instalment now from the plan's saved card, on-session (3-D Secure may be asked). Safe to call
    again."""
    instalment = first_instalment(plan)
    if instalment is None:
        return Outcome("succeeded")
    today = clock.today_for(db.session.get(Debtor, plan.debtor_id))
    if instalment.status in IN_FLIGHT:
        return sync_instalment(instalment, gateway, today)
    return _charge_first(plan, instalment, gateway, today)


def pay_first_with_card(plan: Plan, payment_method_id: str, gateway: StripeGateway) -> Outcome:
    """Take the first instalment now with the card Stripe.js just made, and save that card for the plan.

    One PaymentIntent with `setup_future_usage`, so the bank checks it is them once, on the payment (a
    SetupIntent to save the card, then a payment, would ask twice). The card is checked to be nobody else's
    and put on the debtor's customer; the instalment is claimed as `pay_first_now` claims it (one conditional
    UPDATE, committed before Stripe is called), so requests at once charge once. The plan starts, with this
    card, when the payment is settled as paid (`settle`): at once, after 3-D Secure, or, when the phone never
    comes back, once the webhook or `payments reconcile` has recorded it and `collect` settles it.
    Safe to call again: a charge in flight is only asked about.
    """
    instalment = first_instalment(plan)
    if plan.status != "agreed" or instalment is None:
        return pay_first_now(plan, gateway) if plan.status == "active" else Outcome("problem", "plan_closed")
    debtor = db.session.get(Debtor, plan.debtor_id)
    today = clock.today_for(debtor)
    if instalment.status in IN_FLIGHT:
        return sync_instalment(instalment, gateway, today)
    try:  # nothing is claimed or charged yet: a card that can't be used is only a problem to show
        card, customer_id = attach_payment_method(debtor, gateway, payment_method_id)
    except (NotYourCard, NotFound):
        return Outcome("problem", "card_not_ready")
    except CardDeclined as declined:
        return Outcome("failed", declined.code or "card_declined")
    except (GatewayError, GatewayUnavailable):
        return Outcome("problem", "unavailable")
    return _charge_first(plan, instalment, gateway, today, new_card=(card, customer_id))


def _charge_first(
    plan: Plan, instalment: Instalment, gateway: StripeGateway, today: date, new_card: tuple[Card, str] | None = None
) -> Outcome:
    """Claim the first instalment and charge it while the debtor is here: the plan's saved card, or `new_card` (a
    card and the customer it is on), which this payment then saves for the plan."""
    payment, problem = _claim_attempt(instalment, "debtor")
    if payment is not None and new_card is not None:
        card, plan.customer_id = new_card
        payment.payment_method_id = card.payment_method_id
        payment.card_brand = card.brand
        payment.card_last4 = card.last4
    transaction.commit_claim()
    if problem == "claimed":
        db.session.refresh(instalment)
        return sync_instalment(instalment, gateway, today)
    if problem:
        return Outcome("problem", problem)
    intent = charge(payment, plan, gateway, off_session=False, save_for_later=new_card is not None)
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
