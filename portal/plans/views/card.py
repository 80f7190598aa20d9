"""The card a plan is paid with (pay.js and its JSON): set it up, save it, take the first payment if chosen.

The only plan pages, with the 3-D Secure page, that let Stripe.js in (Content-Security-Policy).
"""

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.payments.rules import Outcome, new_idempotency_key
from portal.payments.views import (
    allow_stripe,
    configured_gateway,
    failure_message,
    payment_method_sent,
    problem_message,
    setup_intent_sent,
    setup_json,
    unavailable_json,
)
from portal.plans.service.card import prepare_card, save_card
from portal.plans.service.collection import pay_first_now, pay_first_with_card
from portal.plans.service.progress import first_instalment, get_plan_for
from portal.plans.views import bp
from portal.plans.views.shared import plan_context


@bp.get("/plans/<reference>/card")
@login_required
def card(reference: str):
    plan = get_plan_for(current_user, reference)
    if plan.status not in ("agreed", "active"):
        return redirect(url_for(".plan", reference=reference))
    first = first_instalment(plan)
    pay_now = plan.status == "agreed" and plan.pay_first_now and first is not None
    return render_template(
        "plans/card.html",
        available=allow_stripe(),
        changing=plan.status == "active" and not plan.paid_by_debtor,
        first=first,
        pay_now=pay_now,
        **plan_context(plan),
    )


def _card_json(plan, outcome: Outcome, *, changing: bool):
    """The answer pay.js acts on."""
    body: dict = {"status": outcome.status}
    if outcome.status == "succeeded":
        if changing:
            flash(_("Your new card is saved. We will use it for your next payments."))
            body["redirect"] = url_for(".plan", reference=plan.reference)
        else:
            body["redirect"] = url_for(".done", reference=plan.reference)
    elif outcome.status == "requires_action":
        body["client_secret"] = outcome.client_secret
    elif outcome.status == "pending":
        body["message"] = _(
            "We are still checking your payment. Do not pay again. "
            "Your plan page will show it once it has gone through."
        )
    elif outcome.status == "failed":
        body["message"] = failure_message(outcome.code)
        body["retry"] = {
            "url": url_for(".card_retry", reference=plan.reference, change="1" if changing else None),
            "key": new_idempotency_key(),
        }
    else:
        body["message"] = problem_message(outcome.code)
    return jsonify(body)


@bp.post("/plans/<reference>/card/setup")
@login_required
def card_setup(reference: str):
    """A SetupIntent for the card being typed, saved for later payments (JSON, for pay.js)."""
    plan = get_plan_for(current_user, reference)
    answer = setup_json(lambda gateway: prepare_card(plan, current_user, gateway))
    if answer is None:
        return jsonify(status="problem", message=problem_message("card_not_ready"))
    return answer


@bp.post("/plans/<reference>/card/confirm")
@login_required
def card_confirm(reference: str):
    """Save the card; if they chose to, take the first payment now. Safe to send again (JSON, for pay.js).

    A card Stripe.js made (createPaymentMethod) pays the first payment and is saved by it, with one bank check;
    a SetupIntent's card (a Stripe.js without createPaymentMethod, or no payment now) is saved first.
    """
    plan = get_plan_for(current_user, reference)
    changing = request.args.get("change") == "1"
    gateway = configured_gateway()
    if gateway is None:
        return unavailable_json()
    payment_method = payment_method_sent()
    if payment_method and plan.status == "agreed":  # the first payment now, which also saves the card
        return _card_json(plan, pay_first_with_card(plan, payment_method, gateway), changing=changing)
    problem = save_card(plan, setup_intent_sent(), gateway)
    if problem in ("card_declined", "expired_card", "incorrect_cvc"):
        return _card_json(plan, Outcome("failed", problem), changing=changing)
    if problem:
        return _card_json(plan, Outcome("problem", problem), changing=changing)
    outcome = Outcome("succeeded")
    if plan.pay_first_now and first_instalment(plan) is not None:
        outcome = pay_first_now(plan, gateway)
    return _card_json(plan, outcome, changing=changing)


@bp.post("/plans/<reference>/card/retry")
@login_required
def card_retry(reference: str):
    """Another card after a decline: pay.js asks where to send it (JSON), or a plain POST goes back to the card page."""
    plan = get_plan_for(current_user, reference)
    change = "1" if request.args.get("change") == "1" else None
    if request.accept_mimetypes.best == "application/json":
        return jsonify(
            reference=plan.reference,
            setup_url=url_for(".card_setup", reference=plan.reference),
            confirm_url=url_for(".card_confirm", reference=plan.reference, change=change),
            retry_url=url_for(".card_retry", reference=plan.reference, change=change),
        )
    return redirect(url_for(".card", reference=plan.reference), code=303)


@bp.get("/plans/<reference>/done")
@login_required
def done(reference: str):
    plan = get_plan_for(current_user, reference)
    if plan.status not in ("active", "completed"):
        return redirect(url_for(".plan", reference=reference))
    return render_template("plans/done.html", email=current_user.email, **plan_context(plan))
