"""Stripe's webhook events, handled by a plain function (the view only checks the signature).

Each event id is stored once; a second delivery does nothing. The PaymentIntent in the event
goes through `service.apply_intent`, which only moves a payment forward, so events arriving
late, twice or out of order can never count a payment twice or undo one. A payment whose
browser flow was cut off after Stripe took the money is recorded here.

A signed event is trusted to come from Stripe, not to be complete: one without an id or type we
can store is refused; a payment event whose PaymentIntent we can't read is stored as "unusable"
(so Stripe stops sending it, and someone can look), and changes nothing.
"""

import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import Payment, StripeEvent
from portal.payments import service
from portal.payments.gateway import Intent, Unreadable

log = logging.getLogger(__name__)

PAYMENT_INTENT_EVENTS = {
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "payment_intent.processing",
    "payment_intent.requires_action",
    "payment_intent.canceled",
}


#: the longest event id, event type and PaymentIntent id we can store
_LONGEST = {name: StripeEvent.__table__.c[name].type.length for name in ("event_id", "type", "payment_intent_id")}


class DuplicateEvent(Exception):
    """The event was stored by another delivery at the same moment; the caller rolls back."""


class UnusableEvent(Exception):
    """The event has no id or type we can store; the caller refuses it."""


@dataclass(frozen=True)
class Handled:
    #: "duplicate", "ignored", "unusable" (a payment event we can't read), "recorded" (a payment
    #: succeeded just now), "updated" or "unchanged"
    outcome: str
    payment: Payment | None = None


def handle_event(event: dict) -> Handled:
    """Handle one verified event. Flushes; the caller commits (or rolls back on DuplicateEvent).

    Raises UnusableEvent when the event has no id or type we can store.
    """
    event_id, kind = event.get("id"), event.get("type")
    if not _fits(event_id, "event_id") or not _fits(kind, "type"):
        raise UnusableEvent(repr(event_id)[:40])
    if db.session.scalar(select(StripeEvent.id).where(StripeEvent.event_id == event_id)) is not None:
        return Handled("duplicate")
    intent = None
    if kind in PAYMENT_INTENT_EVENTS:
        intent = _intent_in(event)
        if intent is None:
            log.warning("Stripe event %s %s has no PaymentIntent we can read", event_id, kind)
        handled = _handle_intent(intent) if intent else Handled("unusable")
    else:
        handled = Handled("ignored")
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


def _fits(value, column: str) -> bool:
    return isinstance(value, str) and 0 < len(value) <= _LONGEST[column]


def _intent_in(event: dict) -> Intent | None:
    """The PaymentIntent in a payment_intent.* event, or None when it has none we can read."""
    data = event.get("data")
    found = data.get("object") if isinstance(data, dict) else None
    if not isinstance(found, dict) or found.get("object") != "payment_intent":
        return None
    try:
        intent = Intent.from_stripe(found)
    except Unreadable:
        return None
    return intent if _fits(intent.id, "payment_intent_id") else None


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
