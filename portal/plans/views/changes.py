"""Changes to a running plan: the payment day, paying extra, a pause, cancelling."""

from babel.numbers import get_currency_symbol
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from portal import transaction
from portal.accounts.ledger import balance_of
from portal.payments.rules import Outcome
from portal.payments.service import minimum_for
from portal.payments.views import configured_gateway, failure_message, problem_message
from portal.plans.forms import ConfirmForm, ExtraForm, PauseForm, PaymentDayForm
from portal.plans.service import PlanError, changes
from portal.plans.service.progress import get_plan_for
from portal.plans.views import bp
from portal.plans.views.shared import formatter, plan_context
from portal.plans.words import Formatter


def _active_plan(reference: str):
    plan = get_plan_for(current_user, reference)
    if plan.status != "active":
        abort(redirect(url_for(".plan", reference=reference)))
    return plan


@bp.route("/plans/<reference>/payment-day", methods=["GET", "POST"])
@login_required
def payment_day(reference: str):
    plan = _active_plan(reference)
    form = PaymentDayForm()
    window = changes.move_window(plan, current_user)
    fmt = formatter()
    if form.validate_on_submit():
        day = form.check(fmt.locale)
        if day is not None:
            try:
                change = changes.change_payment_day(plan, current_user, day)
            except PlanError as error:
                transaction.rollback()
                form.next_date.errors = [_payment_day_problem(error.code, window, fmt)]
            else:
                flash(_("Your payment date is changed. Your next payment is on %(date)s.", date=fmt.date(day)))
                if change:
                    last = [i for i in plan.instalments if i.status == "scheduled"][-1]
                    flash(
                        _(
                            "Your last payment is now %(amount)s, for the interest added in the time it moved.",
                            amount=fmt.money(last.amount, plan.currency),
                        )
                    )
                return redirect(url_for(".plan", reference=reference), code=303)
    return render_template(
        "plans/payment_day.html",
        form=form,
        earliest=window.earliest,
        latest=window.latest,
        later_days=window.later_days,
        **plan_context(plan),
    ), (400 if request.method == "POST" else 200)


def _payment_day_problem(code: str, window: changes.MoveWindow, fmt: Formatter) -> str:
    if code == "date_too_late":
        return later_limit(window.later_days)
    if code == "date_in_past":
        return _(
            "Choose a date from %(earliest)s to %(latest)s",
            earliest=fmt.date(window.earliest),
            latest=fmt.date(window.latest),
        )
    if code == "term_too_long":
        return _("That date would make your plan too long. Choose an earlier date.")
    return _("There are no payments left to move.")


def later_limit(days: int) -> str:
    """The creditor's limit on moving a payment later, in words, with what to do to go further."""
    if days < 1:
        return _("You cannot move a payment later. Contact us to move it.")
    return ngettext(
        "You can move a payment up to %(num)d day later. Contact us to move it further.",
        "You can move a payment up to %(num)d days later. Contact us to move it further.",
        days,
    )


@bp.route("/plans/<reference>/pay", methods=["GET", "POST"])
@login_required
def pay_extra(reference: str):
    """Pay extra, or pay off the rest, with the saved card: choose the amount, check it, pay."""
    plan = _active_plan(reference)
    if plan.paid_by_debtor:  # no saved card: the normal payment page takes any amount
        return redirect(url_for("payments.amount", account_id=plan.account_id))
    balance = balance_of(plan.account)
    if plan.kind == "settlement":  # "pay off everything" is what is left of the settlement, not the whole balance
        balance = min(balance, sum(i.amount for i in plan.instalments if i.status == "scheduled"))
    fmt = formatter()
    form = ExtraForm()
    step, problem, status = "amount", None, 200
    if request.method == "POST":
        if not form.validate_on_submit() or not form.has_valid_key():
            abort(400)
        minimum = minimum_for(current_user)
        if not form.check(balance=balance, minimum=minimum, currency=plan.currency, locale=fmt.locale):
            status = 400
        elif request.form.get("step") != "pay":
            step = "check"
        else:
            gateway = configured_gateway()
            outcome = Outcome("problem", "unavailable")
            if gateway is not None:
                payment, outcome = changes.pay_extra(
                    plan, current_user, form.amount_minor, form.idempotency_key.data, gateway
                )
            if outcome.status == "succeeded":
                return redirect(url_for("payments.receipt", reference=payment.reference), code=303)
            if outcome.status == "requires_action":
                return redirect(url_for(".confirm_payment", reference=payment.reference), code=303)
            if outcome.status == "pending":
                flash(_("We are still checking your payment. Do not pay again."))
                return redirect(url_for(".plan", reference=reference), code=303)
            problem = failure_message(outcome.code) if outcome.status == "failed" else problem_message(outcome.code)
            form = ExtraForm(formdata=None, choice=form.choice.data, amount=form.amount.data)
            status = 400
    return render_template(
        "plans/pay_extra.html",
        form=form,
        step=step,
        problem=problem,
        symbol=get_currency_symbol(plan.currency, locale=fmt.locale),
        **plan_context(plan, balance=balance),
    ), status


@bp.route("/plans/<reference>/pause", methods=["GET", "POST"])
@login_required
def pause(reference: str):
    plan = _active_plan(reference)
    form = PauseForm()
    if form.validate_on_submit() and form.check():
        changes.request_pause(plan, current_user, int(form.months.data), form.reason.data)
        flash(
            _(
                "We have your request for a pause. We will tell you by %(date)s. We take no payments until then.",
                date=formatter().date(plan.review_by),
            )
        )
        return redirect(url_for(".plan", reference=reference), code=303)
    return render_template("plans/pause.html", form=form, **plan_context(plan)), (
        400 if request.method == "POST" else 200
    )


@bp.route("/plans/<reference>/cancel", methods=["GET", "POST"])
@login_required
def cancel(reference: str):
    plan = get_plan_for(current_user, reference)
    if plan.status not in ("draft", "pending_review", "agreed", "active"):
        return redirect(url_for(".plan", reference=reference))
    form = ConfirmForm()
    if form.validate_on_submit():
        changes.cancel(plan, current_user)
        flash(_("Your plan is cancelled. We will not take any more payments for it."))
        return redirect(url_for("accounts.account", account_id=plan.account_id), code=303)
    return render_template("plans/cancel.html", form=form, **plan_context(plan))
