"""The card a plan is paid with: a SetupIntent for the card form, and the saved card that starts the plan.

A plan whose first payment is taken now saves its card with that payment instead (one bank check, not two):
see `collection.pay_first_with_card`; it too starts the plan here (`keep_card`).

Functions flush; the caller's unit of work commits (`portal.transaction`).
"""

from datetime import UTC, datetime

from sqlalchemy import select

from portal import transaction
from portal.events import emit
from portal.extensions import db
from portal.models import Debtor, Plan
from portal.models.audit import record
from portal.payments.gateway import Card, CardDeclined, GatewayError, GatewayUnavailable, StripeGateway
from portal.payments.service import attach_card, card_setup


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
    keep_card(plan, customer_id, card)
    return None


def keep_card(plan: Plan, customer_id: str, card: Card) -> None:
    """Make `card` the one the plan is paid with; the first card starts the plan (audited, and the creditor told).

    Called when a SetupIntent saved it, or when the first payment, made with it, succeeded (`collection.settle`).
    """
    changed = plan.has_card
    plan.customer_id = customer_id
    plan.payment_method_id = card.payment_method_id
    plan.card_brand = card.brand
    plan.card_last4 = card.last4
    plan.setup_intent_id = None
    debtor = db.session.get(Debtor, plan.debtor_id)
    if plan.status == "agreed":
        plan.status = "active"
        plan.activated_at = datetime.now(UTC)
        record("plan.activated", actor_type="debtor", actor_id=debtor.id, debtor_id=debtor.id, plan=plan.reference)
        emit("plan.activated", debtor=debtor, account=plan.account, plan=plan.reference, pays_by=plan.pays_by)
    elif plan.paid_by_debtor:
        plan.pays_by = "card"  # from now on each payment is taken on its date
        record(
            "plan.pays_by_changed",
            actor_type="debtor",
            actor_id=debtor.id,
            debtor_id=debtor.id,
            plan=plan.reference,
            pays_by="card",
        )
        emit("plan.pays_by_changed", debtor=debtor, account=plan.account, plan=plan.reference, pays_by="card")
    elif changed:
        record("plan.card_changed", actor_type="debtor", actor_id=debtor.id, debtor_id=debtor.id, plan=plan.reference)
