"""`payments reconcile`: ask Stripe about payments whose outcome never reached us, and record the answers.

A webhook can be lost and a browser can close mid-payment; this is the job that catches up.
Whatever Stripe says goes through `service.apply_intent`, like every other report.
"""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from portal import outbox, transaction
from portal.extensions import db
from portal.models import Payment, StripeCustomer
from portal.payments.gateway import GatewayError, GatewayUnavailable, Intent, StripeGateway
from portal.payments.service import UNSETTLED, apply_intent, mark_failed

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reconciled:
    reference: str
    before: str
    after: str


def reconcile(gateway: StripeGateway, older_than: timedelta, now: datetime | None = None) -> list[Reconciled]:
    """Ask Stripe about every payment left unsettled for longer than `older_than`, and record the answers.

    Safe to run on many machines at once: each payment is claimed with SELECT ... FOR UPDATE SKIP LOCKED.
    Each payment is a unit of work of its own.
    """
    cutoff = (now or datetime.now(UTC)) - older_than
    ids = db.session.scalars(
        select(Payment.id).where(Payment.status.in_(UNSETTLED), Payment.updated_at <= cutoff).order_by(Payment.id)
    ).all()
    results = []
    with outbox.held_for_the_job():  # receipts go with `flask outbox send`
        for payment_id in ids:
            with transaction.unit_of_work():
                found = _reconcile_one(payment_id, gateway)
            if found is not None:
                results.append(found)
    return results


def _reconcile_one(payment_id: int, gateway: StripeGateway) -> Reconciled | None:
    payment = db.session.execute(
        select(Payment)
        .where(Payment.id == payment_id, Payment.status.in_(UNSETTLED))
        .with_for_update(of=Payment, skip_locked=True)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if payment is None:
        return None
    before = payment.status
    try:
        intent = _intent_of(payment, gateway)
    except (GatewayError, GatewayUnavailable) as error:
        log.warning("Reconcile %s: Stripe did not answer (%s)", payment.reference, type(error).__name__)
        return None
    if intent is not None:
        apply_intent(payment, intent, actor="system")
    elif payment.status == "confirming":
        # Claimed long ago, yet Stripe has no PaymentIntent for it: the create never arrived.
        mark_failed(payment, "not_created", actor="system")  # locked above
    if payment.status == before:
        return None
    return Reconciled(payment.reference, before, payment.status)


def _intent_of(payment: Payment, gateway: StripeGateway) -> Intent | None:
    if payment.payment_intent_id:
        return gateway.retrieve_payment_intent(payment.payment_intent_id)
    customer_id = db.session.scalar(
        select(StripeCustomer.customer_id).where(StripeCustomer.debtor_id == payment.debtor_id)
    )
    if customer_id is None:
        return None
    return gateway.find_payment_intent(customer_id, "payment_reference", payment.reference)
