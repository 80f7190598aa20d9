"""Card payments: the flow that makes a payment count exactly once.

- A payment attempt is a `Payment` row whose idempotency key came with the amount form; the
  same key again is the same payment (the unique key settles a race).
- Only one request may create a payment's PaymentIntent: it claims the row with one conditional
  UPDATE (`status` from new/setup to confirming, while no other payment on the account is in
  flight and the amount is at most the balance), committed *before* Stripe is called. Every
  other request, and any retry, only reads what happened.
- Whatever reports an outcome (the browser flow, a webhook, `payments reconcile`) goes through
  `apply_intent`, which locks the row and moves it forward only: "succeeded" is final and
  writes one ledger entry whose external_ref is the PaymentIntent id (unique in the database).

Functions flush; the caller commits once, except `confirm_payment`, which must commit its
claim before calling Stripe and says so. The pure rules the flow follows are in `rules`;
`payments reconcile` is in `reconcile`.
"""

import logging
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from portal import events, outbox, transaction
from portal.accounts.ledger import balance_of, balance_query
from portal.domain_errors import Conflict, NotFoundForOwner
from portal.extensions import db
from portal.models import Account, Creditor, Debtor, LedgerEntry, Payment, StripeCustomer
from portal.models.account import LedgerWording
from portal.models.audit import record
from portal.payments.gateway import (
    Card,
    CardDeclined,
    CustomerNotFound,
    GatewayError,
    GatewayUnavailable,
    Intent,
    NotFound,
    NotYourCard,
    SetupState,
    StripeGateway,
)
from portal.payments.rules import Outcome, failure_code, minimum_payment, next_status
from portal.references import new_reference

log = logging.getLogger(__name__)

#: states in which money may be on its way: a second payment on the account must wait
IN_FLIGHT = ("confirming", "processing")
#: states `payments reconcile` asks Stripe about
UNSETTLED = ("confirming", "requires_action", "processing")
#: states in which the card is still being entered
OPEN = ("new", "setup")


# Reading


def is_payable(account: Account, balance: int) -> bool:
    return balance > 0 and account.status != "closed"


def get_payment_for(debtor: Debtor, reference: str) -> Payment:
    """The debtor's own payment; someone else's payment does not exist for them (NotFoundForOwner)."""
    payment = db.session.scalar(select(Payment).where(Payment.reference == reference, Payment.debtor_id == debtor.id))
    if payment is None:
        raise NotFoundForOwner(f"No payment {reference!r} for debtor {debtor.id}.")
    return payment


def _lock(payment: Payment) -> Payment:
    """Lock the payment's row until commit (PostgreSQL) and read it afresh."""
    return db.session.execute(
        select(Payment)
        .where(Payment.id == payment.id)
        .with_for_update(of=Payment)
        .execution_options(populate_existing=True)
    ).scalar_one()


def _now() -> datetime:
    return datetime.now(UTC)


# Starting a payment


def start_payment(
    debtor: Debtor,
    account: Account,
    amount: int,
    key: str,
    *,
    card: Card | None = None,
    plan: str | None = None,
) -> Payment:
    """The payment for this idempotency key: made once, however many times the form is sent, even at once.

    `card` is a saved card the payment will be charged to (a plan's), and `plan` the reference of the
    plan an extra payment is made on. Raises Conflict when the key is already another debtor's or
    another account's payment.
    """
    existing = db.session.scalar(select(Payment).where(Payment.idempotency_key == key))
    if existing is not None:
        if existing.debtor_id != debtor.id or existing.account_id != account.id:
            raise Conflict("This payment key is already used for another account.")
        return existing
    payment = Payment(
        reference=new_reference("P"),
        idempotency_key=key,
        account_id=account.id,
        debtor_id=debtor.id,
        amount=amount,
        currency=account.currency,
        status="new",
    )
    if card is not None:
        payment.payment_method_id = card.payment_method_id
        payment.card_brand = card.brand
        payment.card_last4 = card.last4
    try:
        with db.session.begin_nested():
            db.session.add(payment)
    except IntegrityError as clash:
        # Another request with the same key won the race (or, once in a blue moon, the reference clashed).
        existing = db.session.scalar(select(Payment).where(Payment.idempotency_key == key))
        if existing is None:
            return start_payment(debtor, account, amount, key, card=card, plan=plan)
        if existing.debtor_id != debtor.id or existing.account_id != account.id:
            raise Conflict("This payment key is already used for another account.") from clash
        return existing
    on_plan = {"plan": plan, "extra": True} if plan else {}
    record(
        "payment.started",
        actor_type="debtor",
        actor_id=debtor.id,
        debtor_id=debtor.id,
        reference=payment.reference,
        amount=amount,
        currency=account.currency,
        **on_plan,
    )
    return payment


def retry_payment(payment: Payment, key: str) -> Payment:
    """A new attempt, with another card, for the same amount after one failed."""
    if payment.status != "failed":
        return payment
    debtor = db.session.get(Debtor, payment.debtor_id)
    return start_payment(debtor, payment.account, payment.amount, key)


def customer_for(debtor: Debtor, gateway: StripeGateway, *, gone: str | None = None) -> str:
    """The debtor's Stripe customer id, made the first time they pay.

    `gone` is a customer Stripe says it no longer knows: while it is still the one stored, a new one replaces it.
    """
    row = db.session.scalar(select(StripeCustomer).where(StripeCustomer.debtor_id == debtor.id))
    if row is not None and row.customer_id != gone:
        return row.customer_id
    customer_id = gateway.create_customer({"debtor_id": str(debtor.id), "creditor": debtor.creditor.slug})
    if row is not None:
        log.warning("Stripe no longer knows customer %s of debtor %s: made %s", gone, debtor.id, customer_id)
        row.customer_id = customer_id
        return customer_id
    try:
        with db.session.begin_nested():
            db.session.add(StripeCustomer(debtor_id=debtor.id, customer_id=customer_id))
    except IntegrityError:
        return db.session.scalar(select(StripeCustomer.customer_id).where(StripeCustomer.debtor_id == debtor.id))
    return customer_id


def card_setup(
    debtor: Debtor, gateway: StripeGateway, current_id: str | None, metadata: dict[str, str], **options
) -> SetupState:
    """The SetupIntent for the card form: the current one while it still wants a card, or a new one."""
    if current_id:
        try:
            setup = gateway.retrieve_setup_intent(current_id)
        except NotFound:
            setup = None
        if setup and setup.status in ("requires_payment_method", "requires_confirmation", "requires_action"):
            return setup
    customer_id = customer_for(debtor, gateway)
    try:
        return gateway.create_setup_intent(customer_id, metadata, **options)
    except NotFound:
        # Stripe no longer knows the customer (deleted; or localstripe restarted): make a new one.
        return gateway.create_setup_intent(customer_for(debtor, gateway, gone=customer_id), metadata, **options)


def attach_card(debtor: Debtor, gateway: StripeGateway, setup: SetupState) -> tuple[Card, str]:
    """Attach the card set up in `setup` to the debtor's customer; returns it and the customer it is on.

    When Stripe no longer knows the SetupIntent's customer, a new customer takes the card.
    """
    try:
        return gateway.attach_card(setup.payment_method_id, setup.customer_id), setup.customer_id
    except CustomerNotFound:
        customer_id = customer_for(debtor, gateway, gone=setup.customer_id)
        return gateway.attach_card(setup.payment_method_id, customer_id), customer_id


def attach_payment_method(debtor: Debtor, gateway: StripeGateway, payment_method_id: str) -> tuple[Card, str]:
    """Attach a card the browser made with Stripe.js (createPaymentMethod) to the debtor's customer.

    Raises NotYourCard when it is not a card, or is already another customer's. When Stripe no longer knows the
    stored customer, a new customer takes the card.
    """
    customer_id = customer_for(debtor, gateway)
    try:
        return gateway.attach_card(payment_method_id, customer_id, unowned_only=True), customer_id
    except CustomerNotFound:
        customer_id = customer_for(debtor, gateway, gone=customer_id)
        return gateway.attach_card(payment_method_id, customer_id, unowned_only=True), customer_id


def prepare_card(payment: Payment, gateway: StripeGateway) -> str | None:
    """A SetupIntent's client secret for the card form, or None when the card step is over."""
    payment = _lock(payment)
    if payment.status not in OPEN:
        return None
    debtor = db.session.get(Debtor, payment.debtor_id)
    setup = card_setup(debtor, gateway, payment.setup_intent_id, {"payment_reference": payment.reference})
    if setup.id != payment.setup_intent_id:
        payment.setup_intent_id = setup.id
        payment.status = "setup"
    return setup.client_secret


# Confirming


def _release(payment: Payment) -> None:
    """Give back a claim when nothing was sent to Stripe, so the debtor can try again."""
    db.session.execute(
        update(Payment)
        .where(Payment.id == payment.id, Payment.status == "confirming", Payment.payment_intent_id.is_(None))
        .values(status="setup", confirming_at=None, updated_at=_now())
    )


def mark_failed(payment: Payment, code: str, actor: str = "debtor") -> None:
    """This attempt is over: record why, once (a payment that has succeeded or failed stays so)."""
    if payment.status in ("succeeded", "failed"):
        return
    payment.status = "failed"
    payment.failure_code = code
    record(
        "payment.failed",
        actor_type=actor,
        actor_id=payment.debtor_id if actor == "debtor" else None,
        debtor_id=payment.debtor_id,
        reference=payment.reference,
        code=code,
    )
    _tell_creditor("payment.failed", payment)


def _fail(payment: Payment, code: str, actor: str = "debtor") -> None:
    mark_failed(_lock(payment), code, actor)


def _settle_other_attempts(payment: Payment, gateway: StripeGateway) -> None:
    """Cancel the account's attempts abandoned at 3-D Secure, so they can never be completed on top of this one."""
    stale = db.session.scalars(
        select(Payment).where(
            Payment.account_id == payment.account_id,
            Payment.id != payment.id,
            Payment.status == "requires_action",
            Payment.payment_intent_id.is_not(None),
        )
    ).all()
    for other in stale:
        try:
            intent = gateway.cancel_payment_intent(other.payment_intent_id)
        except CardDeclined:
            continue
        except GatewayError:
            # Stripe would not cancel it (it has moved on): ask what it is now.
            intent = gateway.retrieve_payment_intent(other.payment_intent_id)
        apply_intent(other, intent, actor="system")


def _other_in_flight(payment: Payment):
    """EXISTS another payment on the account that may be taking money right now."""
    other = aliased(Payment)
    return exists().where(other.account_id == payment.account_id, other.id != payment.id, other.status.in_(IN_FLIGHT))


def claim_payment(payment: Payment) -> str | None:
    """Claim the right to create this payment's PaymentIntent; returns a problem code instead if it can't be paid.

    One conditional UPDATE decides, atomically on every database: the row is still open, no other
    payment on the account is in flight, and the amount is at most the balance. On SQLite that
    UPDATE takes the write lock before it reads, so it sees every committed claim (pysqlite begins
    a transaction only at the first write: no earlier read holds an older snapshot). On PostgreSQL,
    under READ COMMITTED, two such UPDATEs of different rows would miss each other's claim, so a
    lock on the account makes them take turns; FOR NO KEY UPDATE, because a payment row inserted
    in the same transaction holds KEY SHARE on its account (FOR UPDATE would deadlock two claims).
    The caller commits.
    """
    db.session.execute(select(Account.id).where(Account.id == payment.account_id).with_for_update(key_share=True))
    now = _now()
    claimed = db.session.execute(
        update(Payment)
        .where(
            Payment.id == payment.id,
            Payment.status.in_(OPEN),
            ~_other_in_flight(payment),
            Payment.amount <= balance_query(payment.account_id).scalar_subquery(),
        )
        .values(status="confirming", confirming_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire(payment)
    if claimed == 1:
        return None
    if payment.status not in OPEN:
        return "claimed"
    if payment.amount > balance_of(payment.account) and not db.session.scalar(select(_other_in_flight(payment))):
        return "balance_changed"
    # Another payment is in flight (or was, a moment ago): the debtor waits, then tries again.
    return "payment_in_progress"


def confirm_payment(
    payment: Payment, setup_intent_id: str | None, gateway: StripeGateway, *, payment_method_id: str | None = None
) -> Outcome:
    """Charge the card the debtor just entered. Safe to call any number of times, at once.

    The card comes either as a payment method Stripe.js made (`payment_method_id`, createPaymentMethod: the
    bank's check, if it wants one, is then asked once, on the payment) or as a SetupIntent the browser
    confirmed (`setup_intent_id`, confirmCardSetup: for a Stripe.js that can't make a payment method, like
    localstripe's own without tests/localstripe_server.py; a bank that checks every time asks twice).
    Commits the claim before Stripe is called (so a crash or a second request can never create a
    second PaymentIntent); the caller's unit of work stores the outcome.
    """
    if payment.status not in OPEN:
        return sync_payment(payment, gateway)
    try:
        _settle_other_attempts(payment, gateway)
    except (GatewayError, GatewayUnavailable):
        transaction.rollback()
        return Outcome("problem", "unavailable")
    problem = claim_payment(payment)
    transaction.commit_claim()
    if problem == "claimed":
        db.session.refresh(payment)
        return sync_payment(payment, gateway)
    if problem:
        return Outcome("problem", problem)

    # The claim is ours, and committed. Check the card, then charge it once.
    debtor = db.session.get(Debtor, payment.debtor_id)
    try:
        if payment_method_id:
            card, customer_id = attach_payment_method(debtor, gateway, payment_method_id)
        else:
            setup = gateway.retrieve_setup_intent(setup_intent_id) if setup_intent_id else None
            if (
                setup is None
                or setup.metadata.get("payment_reference") != payment.reference
                or setup.status != "succeeded"
                or not setup.payment_method_id
                or not setup.customer_id
            ):
                _release(payment)
                return Outcome("problem", "card_not_ready")
            card, customer_id = attach_card(debtor, gateway, setup)
    except NotYourCard:
        _release(payment)
        return Outcome("problem", "card_not_ready")
    except NotFound:
        # A payment method Stripe does not know (the debtor enters the card again), or a lost SetupIntent.
        _release(payment)
        return Outcome("problem", "card_not_ready" if payment_method_id else "unavailable")
    except CardDeclined as declined:
        _fail(payment, declined.code or "card_declined")
        return Outcome("failed", declined.code or "card_declined")
    except (GatewayError, GatewayUnavailable):
        _release(payment)
        return Outcome("problem", "unavailable")
    payment.payment_method_id = card.payment_method_id
    payment.card_brand = card.brand
    payment.card_last4 = card.last4
    transaction.commit_claim()  # with the card it charges; no write may wait on Stripe's answer

    try:
        intent = gateway.create_payment_intent(
            amount=payment.amount,
            currency=payment.currency,
            customer_id=customer_id,
            payment_method_id=card.payment_method_id,
            metadata={"payment_reference": payment.reference, "account_reference": payment.account.reference},
            idempotency_key=payment.idempotency_key,
        )
    except CardDeclined as declined:
        if declined.intent is not None:
            apply_intent(payment, declined.intent)
        else:
            _fail(payment, declined.code or "card_declined")
        return Outcome("failed", declined.code or "card_declined")
    except GatewayUnavailable:
        # We don't know whether Stripe made it. The row stays "confirming": the webhook or
        # `payments reconcile` will find out. Nothing here may try again.
        log.warning("Payment %s: no answer from Stripe; left for the webhook or reconcile", payment.reference)
        return Outcome("pending")
    except GatewayError as error:
        _fail(payment, error.code or "error")
        return Outcome("failed", "error")
    apply_intent(payment, intent)
    return outcome_of(payment, intent)


def sync_payment(payment: Payment, gateway: StripeGateway) -> Outcome:
    """Ask Stripe where an unfinished payment stands (after 3-D Secure, or a reload), and record it."""
    intent = None
    if payment.payment_intent_id and payment.status in UNSETTLED:
        try:
            intent = gateway.retrieve_payment_intent(payment.payment_intent_id)
        except (GatewayError, GatewayUnavailable):
            return Outcome("pending")
        apply_intent(payment, intent)
    return outcome_of(payment, intent)


def outcome_of(payment: Payment, intent: Intent | None) -> Outcome:
    if payment.status == "succeeded":
        return Outcome("succeeded")
    if payment.status == "failed":
        return Outcome("failed", payment.failure_code)
    if payment.status == "requires_action" and intent is not None and intent.client_secret:
        return Outcome("requires_action", client_secret=intent.client_secret)
    if payment.status in OPEN:
        return Outcome("problem", "card_not_ready")
    return Outcome("pending")


# Recording what Stripe says


def _effective_date(payment: Payment):
    creditor = db.session.get(Creditor, db.session.get(Debtor, payment.debtor_id).creditor_id)
    return datetime.now(ZoneInfo(creditor.timezone)).date()


def _write_ledger(payment: Payment, intent: Intent) -> LedgerEntry:
    entry = LedgerEntry(
        account_id=payment.account_id,
        kind="payment",
        amount=-intent.amount,
        effective_date=_effective_date(payment),
        wording=LedgerWording.CARD_PAYMENT,
        reference=payment.reference,
        external_ref=intent.id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(entry)
    except IntegrityError:
        # Already in the ledger under this PaymentIntent id: never twice.
        entry = db.session.scalar(select(LedgerEntry).where(LedgerEntry.external_ref == intent.id))
    return entry


def apply_intent(payment: Payment, intent: Intent, *, actor: str = "debtor") -> bool:
    """Record a PaymentIntent's state on its payment, moving forward only.

    Returns True when this call recorded the success (and wrote the ledger entry).
    """
    payment = _lock(payment)
    if payment.payment_intent_id not in (None, intent.id):
        log.error(
            "Payment %s has %s; ignoring report about %s", payment.reference, payment.payment_intent_id, intent.id
        )
        return False
    payment.payment_intent_id = intent.id
    new = next_status(payment.status, intent.status)
    if new == payment.status:
        return False
    if new == "succeeded":
        if intent.currency != payment.currency:
            log.error("Payment %s: Stripe took %s, expected %s", payment.reference, intent.currency, payment.currency)
            return False
        if intent.amount != payment.amount:
            log.warning("Payment %s: Stripe took %d, expected %d", payment.reference, intent.amount, payment.amount)
        entry = _write_ledger(payment, intent)
        payment.ledger_entry_id = entry.id
        payment.succeeded_at = _now()
        payment.failure_code = None
        payment.status = "succeeded"
        record(
            "payment.succeeded",
            actor_type=actor,
            actor_id=payment.debtor_id if actor == "debtor" else None,
            debtor_id=payment.debtor_id,
            reference=payment.reference,
            amount=intent.amount,
            currency=payment.currency,
            payment_intent=intent.id,
        )
        _tell_creditor("payment.succeeded", payment)
        debtor = db.session.get(Debtor, payment.debtor_id)
        outbox.queue(debtor, "receipt", account=payment.account, params={"payment_id": payment.id})
        return True
    if new == "failed":
        payment.failure_code = failure_code(intent)
        record(
            "payment.failed",
            actor_type=actor,
            actor_id=payment.debtor_id if actor == "debtor" else None,
            debtor_id=payment.debtor_id,
            reference=payment.reference,
            code=payment.failure_code,
        )
        _tell_creditor("payment.failed", payment)
    payment.status = new
    return False


def _tell_creditor(kind: str, payment: Payment) -> None:
    """The creditor's event for a payment that succeeded or failed: the amount and why, never card details."""
    events.emit(
        kind,
        debtor=db.session.get(Debtor, payment.debtor_id),
        account=payment.account,
        payment=payment.reference,
        amount=payment.amount,
        currency=payment.currency,
        failure_code=payment.failure_code,
    )


def find_payment_for_intent(intent: Intent) -> Payment | None:
    """The payment a PaymentIntent belongs to: by its id, or by the reference we put in its metadata."""
    payment = db.session.scalar(select(Payment).where(Payment.payment_intent_id == intent.id))
    if payment is None and intent.metadata.get("payment_reference"):
        payment = db.session.scalar(select(Payment).where(Payment.reference == intent.metadata["payment_reference"]))
    return payment


def minimum_for(debtor: Debtor) -> int:
    return minimum_payment(debtor.creditor, current_app.config["PAYMENT_MINIMUM_DEFAULT"])
