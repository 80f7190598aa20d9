"""Confirming it is them (3-D Secure) for a plan payment: an instalment taken now, or an extra payment."""

from flask import abort, flash, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.payments.service import get_payment_for
from portal.payments.views import allow_stripe, configured_gateway, failure_message, unavailable_json
from portal.plans.service.collection import confirm_action, plan_for_payment
from portal.plans.views import bp
from portal.plans.views.shared import plan_context


@bp.get("/plans/payments/<reference>/confirm")
@login_required
def confirm_payment(reference: str):
    payment = get_payment_for(current_user, reference)
    plan = plan_for_payment(payment)
    if plan is None:
        abort(404)
    if payment.status == "succeeded":
        return redirect(url_for("payments.receipt", reference=reference))
    if payment.status != "requires_action":
        flash(_("This payment does not need you to confirm it any more."))
        return redirect(url_for(".plan", reference=plan.reference))
    return render_template("plans/authenticate.html", payment=payment, available=allow_stripe(), **plan_context(plan))


@bp.post("/plans/payments/<reference>/confirm")
@login_required
def confirm_payment_json(reference: str):
    """Where the payment stands after 3-D Secure, recorded (JSON, for plans.js)."""
    payment = get_payment_for(current_user, reference)
    plan = plan_for_payment(payment)
    if plan is None:
        abort(404)
    gateway = configured_gateway()
    if gateway is None:
        return unavailable_json()
    outcome = confirm_action(payment, gateway)
    body: dict = {"status": outcome.status}
    if outcome.status == "succeeded":
        body["redirect"] = url_for("payments.receipt", reference=reference)
    elif outcome.status == "requires_action":
        body["client_secret"] = outcome.client_secret
    elif outcome.status == "failed":
        body["message"] = failure_message(outcome.code)
    else:
        body["message"] = _("We are still checking your payment. Do not pay again.")
    return jsonify(body)
