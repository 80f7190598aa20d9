"""Pay by card: choose an amount, enter the card (Stripe.js), see the receipt; and Stripe's webhook.

Views stay thin: they read the request, call portal.payments.service, and render. The card
page is the only page that lets Stripe.js in (Content-Security-Policy).
"""

import logging
from collections.abc import Callable

from babel.numbers import get_currency_symbol
from flask import Blueprint, abort, current_app, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal import clock, gate, transaction
from portal.accounts.ledger import balance_of, settled_on
from portal.accounts.service import get_account_for
from portal.extensions import csrf
from portal.i18n import formatting_locale
from portal.money import amount_input, format_money
from portal.payments import receipts, service
from portal.payments.cards import card_words
from portal.payments.forms import AmountForm, RetryForm
from portal.payments.gateway import (
    GatewayError,
    GatewayUnavailable,
    InvalidSignature,
    StripeGateway,
    csp_origins,
    get_gateway,
)
from portal.payments.rules import Outcome
from portal.payments.webhooks import DuplicateEvent, UnusableEvent, handle_event
from portal.security import allow_script_host

log = logging.getLogger(__name__)

bp = Blueprint("payments", __name__)


def _locale() -> str:
    return formatting_locale(current_user.creditor.locale)


def _money(minor: int, currency: str) -> str:
    return format_money(minor, currency, _locale())


def failure_message(code: str | None) -> str:
    """Kind words for why a payment did not go through: what happened, and what to do."""
    if code == "authentication_failed":
        return _(
            "Your bank could not confirm it was you, so the payment did not go through. "
            "No money was taken. Try again, or use another card."
        )
    if code == "expired_card":
        return _("Your card has expired. No money was taken. Try another card.")
    if code in ("incorrect_cvc", "invalid_cvc"):
        return _("The security code is not right. No money was taken. Check the 3 numbers on the back of your card.")
    if code in ("not_created", "error", "canceled"):
        return _("The payment did not go through. No money was taken. Try again.")
    return _("Your card was declined, so no money was taken. Try another card, or ask your bank why it was declined.")


def problem_message(code: str | None, payment=None) -> str:
    if code == "balance_changed" and payment is not None:
        balance = balance_of(payment.account)
        return _(
            "You now owe %(balance)s, which is less than this payment. Go back and choose a new amount.",
            balance=_money(balance, payment.currency),
        )
    if code == "balance_changed":
        return _("Your balance has changed since you chose this amount. Go back and choose a new amount.")
    if code == "payment_in_progress":
        return _(
            "We are still checking another payment on this account. "
            "Wait a few minutes, then check your balance before you pay again."
        )
    if code == "card_not_ready":
        return _("Check your card details and try again.")
    return _("We could not reach our card payment provider. No money was taken. Try again in a few minutes.")


def _pending_message() -> str:
    return _(
        "We are still checking your payment. Do not pay again. "
        "Your accounts page will show the payment once it has gone through."
    )


def _json(payment, outcome: Outcome):
    """The answer pay.js acts on."""
    body: dict = {"status": outcome.status}
    if outcome.status == "succeeded":
        body["redirect"] = url_for(".receipt", reference=payment.reference)
    elif outcome.status == "requires_action":
        body["client_secret"] = outcome.client_secret
    elif outcome.status == "pending":
        body["message"] = _pending_message()
    elif outcome.status == "failed":
        body["message"] = failure_message(outcome.code)
        retry = RetryForm(formdata=None)
        body["retry"] = {
            "url": url_for(".retry", reference=payment.reference),
            "key": retry.idempotency_key.data,
        }
    else:
        body["message"] = problem_message(outcome.code, payment)
        if outcome.code == "balance_changed":
            body["redirect_label"] = _("Choose a new amount")
            body["change_url"] = url_for(".amount", account_id=payment.account_id)
    return jsonify(body)


def configured_gateway() -> StripeGateway | None:
    """Stripe, or None when card payments are not configured (the pages say card payments are not available)."""
    try:
        return get_gateway()
    except GatewayError:
        log.error("Card payments are not configured: set STRIPE_SECRET_KEY")
        return None


def allow_stripe(card_entry: bool = True) -> bool:
    """Whether card payments are set up; if so, and the page takes a card, let Stripe.js in (CSP)."""
    config = current_app.config
    available = bool(config.get("STRIPE_PUBLISHABLE_KEY") and config.get("STRIPE_SECRET_KEY"))
    if available and card_entry:
        for origin in csp_origins(config["STRIPE_JS_URL"], config["STRIPE_API_BASE"]):
            allow_script_host(origin)
    return available


def unavailable_json():
    """The answer pay.js shows when Stripe can't be used: nothing was taken."""
    return jsonify(status="problem", message=problem_message("unavailable")), 503


def setup_json(prepare: Callable[[StripeGateway], str | None]):
    """pay.js's answer to "set up the card": `prepare` makes or finds the SetupIntent and gives its client secret.

    None when `prepare` says the card step is over: the caller answers what the debtor should do instead.
    Shared by the card pages of a payment and of a plan.
    """
    gateway = configured_gateway()
    if gateway is None:
        return unavailable_json()
    try:
        client_secret = prepare(gateway)
    except (GatewayError, GatewayUnavailable):
        transaction.rollback()
        return unavailable_json()
    if client_secret is None:
        return None
    return jsonify(status="setup", client_secret=client_secret)


def setup_intent_sent() -> str | None:
    """The SetupIntent id pay.js sends once the card is set up."""
    return _sent("setup_intent")


def payment_method_sent() -> str | None:
    """The card pay.js sends by its id once Stripe.js has made it (createPaymentMethod)."""
    return _sent("payment_method")


def _sent(name: str) -> str | None:
    body = request.get_json(silent=True)
    value = body.get(name) if isinstance(body, dict) else None
    return value if isinstance(value, str) and value else None


def _nothing_to_pay(account, balance: int):
    """Instead of a way to pay: why there is nothing to pay now, and the way back to the accounts."""
    return render_template(
        "payments/nothing_to_pay.html",
        account=account,
        balance=balance,
        settled_on=settled_on(account) if balance <= 0 else None,
        creditor=current_user.creditor,
    )


def _paid_off_since(payment) -> int | None:
    """The balance, when a payment not yet under way (new, or failed) is for an account that owes nothing now."""
    if payment.status not in (*service.OPEN, "failed"):
        return None
    balance = balance_of(payment.account)
    return None if balance > 0 else balance


# Choosing the amount


@bp.route("/accounts/<int:account_id>/pay", methods=["GET", "POST"])
@login_required
def amount(account_id: int):
    account = get_account_for(current_user, account_id)
    balance = balance_of(account)
    creditor = current_user.creditor
    if not service.is_payable(account, balance):
        return _nothing_to_pay(account, balance)
    form = AmountForm()
    if request.method == "GET":
        _fill_in(form, request.args.get("amount", ""), balance, account.currency)
    if form.validate_on_submit():
        if not form.has_valid_key():
            abort(400)
        if form.check(
            balance=balance, minimum=service.minimum_for(current_user), currency=account.currency, locale=_locale()
        ):
            payment = service.start_payment(current_user, account, form.amount_minor, form.idempotency_key.data)
            return redirect(url_for(".card", reference=payment.reference), code=303)
    status = 400 if request.method == "POST" else 200
    return render_template(
        "payments/amount.html",
        account=account,
        balance=balance,
        standing=gate.standing(account, clock.today_for(current_user)),
        minimum=service.minimum_for(current_user),
        symbol=get_currency_symbol(account.currency, locale=_locale()),
        form=form,
        creditor=creditor,
    ), status


def _fill_in(form: AmountForm, amount: str, balance: int, currency: str) -> None:
    """?amount=<minor units> (a plan's pay link, the plan page's Pay button) fills in the amount; nothing is paid
    until the debtor presses Pay."""
    if not amount.isdigit() or int(amount) <= 0:
        return
    if int(amount) >= balance:
        form.choice.data = "full"
    else:
        form.choice.data = "other"
        form.amount.data = amount_input(int(amount), currency, _locale())


# Entering the card


@bp.get("/pay/<reference>")
@login_required
def card(reference: str):
    payment = service.get_payment_for(current_user, reference)
    if payment.status == "succeeded":
        return redirect(url_for(".receipt", reference=reference))
    balance = _paid_off_since(payment)
    if balance is not None:
        return _nothing_to_pay(payment.account, balance)
    available = allow_stripe(payment.status in (*service.OPEN, "requires_action"))
    return render_template(
        "payments/card.html",
        payment=payment,
        account=payment.account,
        creditor=current_user.creditor,
        available=available,
        failure=failure_message(payment.failure_code) if payment.status == "failed" else None,
        retry_form=RetryForm(formdata=None) if payment.status == "failed" else None,
        pending=_pending_message() if payment.status in service.IN_FLIGHT else None,
    )


@bp.post("/pay/<reference>/setup")
@login_required
def setup(reference: str):
    """A SetupIntent for the card the debtor is typing (JSON, for pay.js)."""
    payment = service.get_payment_for(current_user, reference)
    answer = setup_json(lambda gateway: service.prepare_card(payment, gateway))
    if answer is None:
        return _json(payment, service.outcome_of(payment, None))
    return answer


@bp.post("/pay/<reference>/confirm")
@login_required
def confirm(reference: str):
    """Charge the card once: safe to send again and again (JSON, for pay.js)."""
    payment = service.get_payment_for(current_user, reference)
    gateway = configured_gateway()
    if gateway is None:
        return unavailable_json()
    outcome = service.confirm_payment(payment, setup_intent_sent(), gateway, payment_method_id=payment_method_sent())
    return _json(payment, outcome)


@bp.post("/pay/<reference>/retry")
@login_required
def retry(reference: str):
    """A new attempt after a decline: JSON for pay.js, or a redirect to the new card page."""
    payment = service.get_payment_for(current_user, reference)
    form = RetryForm()
    if not form.validate_on_submit() or not form.has_valid_key():
        abort(400)
    wants_json = request.accept_mimetypes.best == "application/json"
    if not wants_json and _paid_off_since(payment) is not None:
        # the card page says the account is paid; pay.js hears it when the new attempt is confirmed (balance_changed)
        return redirect(url_for(".card", reference=reference), code=303)
    attempt = service.retry_payment(payment, form.idempotency_key.data)
    if wants_json:
        return jsonify(
            reference=attempt.reference,
            setup_url=url_for(".setup", reference=attempt.reference),
            confirm_url=url_for(".confirm", reference=attempt.reference),
            retry_url=url_for(".retry", reference=attempt.reference),
        )
    return redirect(url_for(".card", reference=attempt.reference), code=303)


# The receipt


@bp.get("/payments/<reference>/receipt")
@login_required
def receipt(reference: str):
    payment = service.get_payment_for(current_user, reference)
    if payment.status != "succeeded":
        return redirect(url_for(".card", reference=reference))
    return render_template(
        "payments/receipt.html",
        receipt=receipts.receipt_for(payment),
        card=card_words(payment.card_brand, payment.card_last4),
        creditor=current_user.creditor,
        email=current_user.email,
    )


# Stripe's webhook


@bp.post("/stripe/webhook")
@csrf.exempt
def stripe_webhook():
    try:
        event = StripeGateway.verify_event(
            request.get_data(), request.headers.get("Stripe-Signature"), current_app.config["STRIPE_WEBHOOK_SECRET"]
        )
    except InvalidSignature as error:
        log.warning("Refused a Stripe webhook: %s", error)
        return jsonify(error="invalid signature"), 400
    try:
        handled = handle_event(event)
    except UnusableEvent as error:
        transaction.rollback()
        log.warning("Refused a Stripe webhook: no usable id or type (%s)", error)
        return jsonify(error="not an event"), 400
    except DuplicateEvent:
        transaction.rollback()
        return jsonify(received=True, outcome="duplicate")
    return jsonify(received=True, outcome=handled.outcome)
