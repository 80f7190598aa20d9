"""Stripe's webhook events, handled by a plain function (the view only checks the signature).

Each event id is stored once; a second delivery does nothing. The PaymentIntent in the event
goes through `service.apply_intent`, which only moves a payment forward, so events arriving
late, twice or out of order can never count a payment twice or undo one. A payment whose
browser flow was cut off after Stripe took the money is recorded here.
"""

import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import Payment, StripeEvent
from portal.payments import service
from portal.payments.gateway import Intent

log = logging.getLogger(__name__)

PAYMENT_INTENT_EVENTS = {
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "payment_intent.processing",
    "payment_intent.requires_action",
    "payment_intent.canceled",
}


class DuplicateEvent(Exception):
    """The event was stored by another delivery at the same moment; the caller rolls back."""


@dataclass(frozen=True)
class Handled:
    #: "duplicate", "ignored", "recorded" (a payment succeeded just now), "updated" or "unchanged"
    outcome: str
    payment: Payment | None = None


def handle_event(event: dict) -> Handled:
    """Handle one verified event. Flushes; the caller commits (or rolls back on DuplicateEvent)."""
    event_id, kind = str(event["id"]), str(event["type"])
    if db.session.scalar(select(StripeEvent.id).where(StripeEvent.event_id == event_id)) is not None:
        return Handled("duplicate")
    data = (event.get("data") or {}).get("object") or {}
    intent = None
    if kind in PAYMENT_INTENT_EVENTS and data.get("object") == "payment_intent":
        intent = Intent.from_stripe(data)
    handled = _handle_intent(intent) if intent else Handled("ignored")
    try:
        with db.session.begin_nested():
            db.session.add(
                StripeEvent(
                    event_id=event_id,
                    type=kind,
                    payment_intent_id=intent.id if intent else None,
                    outcome=handled.outcome,
                )
            )
    except IntegrityError as error:
        raise DuplicateEvent(event_id) from error
    log.info("Stripe event %s %s: %s", event_id, kind, handled.outcome)
    return handled


def _handle_intent(intent: Intent) -> Handled:
    payment = service.find_payment_for_intent(intent)
    if payment is None:
        return Handled("ignored")
    before = (payment.status, payment.payment_intent_id)
    recorded = service.apply_intent(payment, intent, actor="system")
    if recorded:
        return Handled("recorded", payment)
    changed = (payment.status, payment.payment_intent_id) != before
    return Handled("updated" if changed else "unchanged", payment)
