"""Plans on the debtor's side: options, their own proposal, agreeing, the card, and managing a plan.

Views stay thin: they read the request, call portal.plans.service's stages (and the engine for what to
show), and render. The card pages reuse pay.js and speak its JSON; they are the only plan pages
that let Stripe.js in (Content-Security-Policy).
"""

from datetime import timedelta

from babel.numbers import get_currency_symbol
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal import clock, gate, transaction
from portal.accounts.ledger import balance_of
from portal.accounts.service import get_account_for
from portal.extensions import htmx
from portal.i18n import formatting_locale
from portal.money import amount_input
from portal.payments.gateway import GatewayError, GatewayUnavailable
from portal.payments.rules import Outcome, new_idempotency_key
from portal.payments.service import get_payment_for, is_payable, minimum_for
from portal.payments.views import (
    allow_stripe,
    configured_gateway,
    failure_message,
    problem_message,
    setup_intent_sent,
    unavailable_json,
)
from portal.plans import agreement
from portal.plans.calendar import Event, calendar
from portal.plans.chart import balance_chart
from portal.plans.engine import Offer, interest_during_plan, offers
from portal.plans.forms import (
    PAYDAYS,
    AgreeForm,
    ChooseForm,
    ConfirmForm,
    ExtraForm,
    OptionsForm,
    PauseForm,
    PaymentDayForm,
    ProposalForm,
    payday_key,
)
from portal.plans.policy import Frequency
from portal.plans.service import PlanError, changes
from portal.plans.service.card import prepare_card, save_card
from portal.plans.service.collection import confirm_action, pay_first_now, plan_for_payment
from portal.plans.service.making import (
    agree,
    choose_offer,
    first_date_window,
    latest_agreement,
    payday_from,
    policy_for,
    submit_proposal,
)
from portal.plans.service.progress import first_instalment, get_plan_for, live_plan, progress, progress_by_account
from portal.plans.words import (
    Formatter,
    amount_per,
    frequency_label,
    how_often,
    interest_on_plan,
    payday_label,
    reason_text,
    settlement_on_credit_file,
)

bp = Blueprint("plans", __name__)


def _fmt() -> Formatter:
    return Formatter(formatting_locale(current_user.creditor.locale))


@bp.app_template_global()
def plan_progress() -> dict:
    """{account id: Progress} for the signed-in debtor's live plans (dashboard and account pages)."""
    if not current_user.is_authenticated:
        return {}
    return progress_by_account(current_user)


for _word in (how_often, amount_per, frequency_label, payday_label):
    bp.add_app_template_global(_word)


def _schedule_rows(total: int, schedule) -> list[dict]:
    """The schedule table: each payment (engine instalments or stored ones) with what is left to pay after it.

    Counted down from the plan's total, so any interest the payments include is in it.
    """
    rows, left = [], total
    for item in schedule:
        left = max(left - item.amount, 0)
        due = getattr(item, "due", None) or item.due_date
        rows.append({"number": item.number, "due": due, "amount": item.amount, "left": left, "item": item})
    return rows


# Options


def _unavailable(account, balance: int):
    """An account a plan can't be set up on: nothing owed, closed, or we may not ask for money now (portal.gate)."""
    if not is_payable(account, balance):
        return render_template(
            "payments/nothing_to_pay.html", account=account, balance=balance, creditor=current_user.creditor
        )
    standing = gate.standing(account, clock.today_for(current_user))
    if not standing.may_ask:
        return render_template("plans/paused.html", account=account, standing=standing, creditor=current_user.creditor)
    return None


def _interest_note(frozen: bool, monthly_interest: int, currency: str) -> str | None:
    """Whether interest stops during the plan, so no page promises a balance falling to nothing while it grows."""
    return interest_on_plan(frozen, _fmt().money(monthly_interest, currency) if monthly_interest > 0 else None)


def _options_context(account, balance: int, args) -> dict:
    policy = policy_for(current_user)
    earliest, latest = first_date_window(current_user, policy)
    fmt = _fmt()
    form = OptionsForm(args)
    form.read(policy.frequencies, earliest, latest, min(earliest + timedelta(days=7), latest), fmt.date, fmt.locale)
    interest = interest_during_plan(policy, account.monthly_interest, earliest)
    found: list[Offer] = offers(policy, balance, form.chosen_start, form.chosen_payday, interest)
    settlement = next((o for o in found if o.kind == "settlement"), None)
    plans = [o for o in found if o.frequency == form.chosen_frequency]
    keys = {o.key: o for o in found}
    selected = keys.get(args.get("offer") or "") or (plans[-1] if plans else settlement)
    return {
        "account": account,
        "balance": balance,
        "creditor": current_user.creditor,
        "form": form,
        "frequencies": policy.frequencies,
        "paydays": list(PAYDAYS),
        "earliest": earliest,
        "latest": latest,
        "settlement": settlement,
        "plans": plans,
        "selected": selected,
        "rows": _schedule_rows(selected.total, selected.schedule) if selected else [],
        "chart": balance_chart(selected.total, [i.amount for i in selected.schedule]) if selected else None,
        "interest_frozen": policy.freeze_interest_on_plan,
        "interest_note": _interest_note(policy.freeze_interest_on_plan, account.monthly_interest, account.currency),
        "credit_file": settlement_on_credit_file(current_user.creditor.jurisdiction)
        if policy.reports_to_credit_files
        else None,
    }


@bp.get("/accounts/<int:account_id>/plans")
@login_required
def options(account_id: int):
    account = get_account_for(current_user, account_id)
    existing = live_plan(account)
    if existing is not None and existing.status == "active":
        return redirect(url_for(".plan", reference=existing.reference))
    balance = balance_of(account)
    unavailable = _unavailable(account, balance)
    if unavailable is not None:
        return unavailable
    context = _options_context(account, balance, request.args)
    context["choose"] = ChooseForm(formdata=None)
    context["existing"] = existing
    if htmx and htmx.target in ("offers", "preview"):
        return render_template(f"plans/_{htmx.target}.html", **context)
    return render_template("plans/options.html", **context)


@bp.post("/accounts/<int:account_id>/plans")
@login_required
def choose(account_id: int):
    account = get_account_for(current_user, account_id)
    balance = balance_of(account)
    unavailable = _unavailable(account, balance)
    if unavailable is not None:
        return unavailable
    form = ChooseForm()
    context = _options_context(account, balance, request.form)
    if form.validate_on_submit() and form.check() and not context["form"].start.errors:
        options_form = context["form"]
        try:
            plan = choose_offer(
                current_user, account, form.offer.data, options_form.chosen_start, options_form.chosen_payday
            )
        except PlanError:
            transaction.rollback()
            return redirect(url_for(".options", account_id=account.id), code=303)
        if plan is not None:
            return redirect(url_for(".check", reference=plan.reference), code=303)
        form.offer.errors = [_("That plan has changed. Choose a plan again.")]
    context["choose"] = form
    context["existing"] = live_plan(account)
    return render_template("plans/options.html", **context), 400


# Proposing their own plan


@bp.route("/accounts/<int:account_id>/plans/propose", methods=["GET", "POST"])
@login_required
def propose(account_id: int):
    """Their own amount, frequency and first date. GET takes ?amount=<minor units>&frequency= to fill it in."""
    account = get_account_for(current_user, account_id)
    balance = balance_of(account)
    unavailable = _unavailable(account, balance)
    if unavailable is not None:
        return unavailable
    existing = live_plan(account)
    if existing is not None and existing.status == "active":
        return redirect(url_for(".plan", reference=existing.reference))
    fmt = _fmt()
    form = ProposalForm()
    if request.method == "GET":
        amount = request.args.get("amount", "")
        if amount.isdigit() and int(amount) > 0:
            form.amount.data = amount_input(int(amount), account.currency, fmt.locale)
        if request.args.get("frequency") in {f.value for f in Frequency}:
            form.frequency.data = request.args["frequency"]
    elif form.validate_on_submit() and form.check(currency=account.currency, locale=fmt.locale):
        if form.amount_minor > balance:
            form.amount.errors = [
                _(
                    "Enter an amount of %(balance)s or less. That is what you owe.",
                    balance=fmt.money(balance, account.currency),
                )
            ]
        elif not form.reject_past(clock.today_for(current_user)):
            try:
                plan = submit_proposal(
                    current_user, account, form.amount_minor, form.chosen_frequency, form.chosen_start
                )
            except PlanError:
                transaction.rollback()
                return redirect(url_for(".options", account_id=account.id), code=303)
            if plan.status == "draft":
                flash(_("Good news: we can agree this plan straight away."))
                return redirect(url_for(".check", reference=plan.reference), code=303)
            return redirect(url_for(".plan", reference=plan.reference), code=303)
    policy = policy_for(current_user)
    status = 400 if request.method == "POST" else 200
    return render_template(
        "plans/propose.html",
        account=account,
        balance=balance,
        creditor=current_user.creditor,
        form=form,
        frequencies=list(Frequency),
        symbol=get_currency_symbol(account.currency, locale=fmt.locale),
        minimum=policy.min_instalment,
        today=clock.today_for(current_user),
    ), status


# One plan


def _plan_context(plan, **extra) -> dict:
    return {
        "plan": plan,
        "account": plan.account,
        "creditor": current_user.creditor,
        "progress": progress(plan),
        "balance": balance_of(plan.account),
        "today": clock.today_for(current_user),
        **extra,
    }


@bp.get("/plans/<reference>")
@login_required
def plan(reference: str):
    plan = get_plan_for(current_user, reference)
    if plan.status == "draft":
        return redirect(url_for(".check", reference=reference))
    if plan.status == "agreed":
        return redirect(url_for(".card", reference=reference))
    if plan.status == "pending_review":
        fmt = _fmt()
        return render_template(
            "plans/review.html",
            reasons=[reason_text(reason, fmt, plan.currency) for reason in plan.review_reasons],
            **_plan_context(plan),
        )
    standing = gate.standing(plan.account, clock.today_for(current_user))
    return render_template(
        "plans/plan.html",
        rows=_plan_rows(plan, standing),
        standing=standing,
        agreement=latest_agreement(plan),
        **_plan_context(plan),
    )


def _plan_rows(plan, standing: gate.Standing) -> list[dict]:
    """The plan's payments; one still to be taken while a hold lasts is paused: its date moves on when the hold ends."""
    return [
        {
            "number": i.number,
            "due": i.collect_on,
            "amount": i.amount,
            "item": i,
            "paused": standing.on_hold
            and i.status == "scheduled"
            and (standing.hold_ends_on is None or i.collect_on < standing.hold_ends_on),
        }
        for i in plan.instalments
    ]


@bp.route("/plans/<reference>/check", methods=["GET", "POST"])
@login_required
def check(reference: str):
    """Check your answers, read the agreement, choose when the first payment is taken, and agree."""
    plan = get_plan_for(current_user, reference)
    if plan.status != "draft":
        return redirect(url_for(".plan", reference=reference))
    fmt = _fmt()
    sections = agreement.sections(plan, plan.account, current_user.creditor, fmt)
    today = clock.today_for(current_user)
    choice_needed = plan.first_date > today
    form = AgreeForm()
    if form.validate_on_submit() and form.check(choice_needed):
        try:
            agree(
                plan,
                current_user,
                text=agreement.as_text(sections),
                version=agreement.VERSION,
                language=str(get_locale()),
                pay_first_now=not choice_needed or form.first.data == "now",
            )
        except PlanError:
            transaction.rollback()
            return redirect(url_for(".plan", reference=reference))
        return redirect(url_for(".card", reference=reference), code=303)
    terms = plan.terms
    frozen, monthly = bool(terms.get("interest_frozen")), terms.get("monthly_interest", 0)
    return render_template(
        "plans/check.html",
        change_url=_change_url(plan),
        form=form,
        sections=sections,
        choice_needed=choice_needed,
        rows=_schedule_rows(plan.total, plan.instalments),
        chart=balance_chart(plan.total, [i.amount for i in plan.instalments]) if len(plan.instalments) > 1 else None,
        interest_note=_interest_note(frozen, monthly, plan.currency) if plan.kind == "plan" else None,
        version=agreement.VERSION,
        **_plan_context(plan),
    ), (400 if request.method == "POST" else 200)


def _change_url(plan) -> str:
    """Back to where the plan was made, with the same choices filled in."""
    if plan.source != "offer":
        return url_for(".propose", account_id=plan.account_id, amount=plan.proposed_amount, frequency=plan.frequency)
    offer = "settlement" if plan.kind == "settlement" else f"{plan.frequency}:{len(plan.instalments)}"
    return url_for(
        ".options",
        account_id=plan.account_id,
        frequency=plan.frequency or None,
        start=plan.first_date.isoformat(),
        payday=payday_key(payday_from(plan.payday)),
        offer=offer,
    )


# The card (pay.js)


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
        changing=plan.status == "active",
        first=first,
        pay_now=pay_now,
        **_plan_context(plan),
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
    gateway = configured_gateway()
    if gateway is None:
        return unavailable_json()
    try:
        client_secret = prepare_card(plan, current_user, gateway)
    except (GatewayError, GatewayUnavailable):
        transaction.rollback()
        return unavailable_json()
    if client_secret is None:
        return jsonify(status="problem", message=problem_message("card_not_ready"))
    return jsonify(status="setup", client_secret=client_secret)


@bp.post("/plans/<reference>/card/confirm")
@login_required
def card_confirm(reference: str):
    """Save the card; if they chose to, take the first payment now. Safe to send again (JSON, for pay.js)."""
    plan = get_plan_for(current_user, reference)
    changing = request.args.get("change") == "1"
    gateway = configured_gateway()
    if gateway is None:
        return unavailable_json()
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
    return render_template("plans/done.html", email=current_user.email, **_plan_context(plan))


# Managing a plan


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
    today = clock.today_for(current_user)
    latest = policy_for(current_user).latest_first_payment(today)
    fmt = _fmt()
    if form.validate_on_submit():
        day = form.check(fmt.locale)
        if day is not None:
            try:
                changes.change_payment_day(plan, current_user, day)
            except PlanError as error:
                transaction.rollback()
                form.next_date.errors = [_payment_day_problem(error.code, today, latest, fmt)]
            else:
                flash(_("Your payment date is changed. Your next payment is on %(date)s.", date=fmt.date(day)))
                return redirect(url_for(".plan", reference=reference), code=303)
    return render_template(
        "plans/payment_day.html",
        form=form,
        earliest=today + timedelta(days=1),
        latest=latest,
        **_plan_context(plan),
    ), (400 if request.method == "POST" else 200)


def _payment_day_problem(code: str, today, latest, fmt: Formatter) -> str:
    if code in ("date_in_past", "date_too_late"):
        return _(
            "Choose a date from %(earliest)s to %(latest)s",
            earliest=fmt.date(today + timedelta(days=1)),
            latest=fmt.date(latest),
        )
    if code == "term_too_long":
        return _("That date would make your plan too long. Choose an earlier date.")
    return _("There are no payments left to move.")


@bp.route("/plans/<reference>/pay", methods=["GET", "POST"])
@login_required
def pay_extra(reference: str):
    """Pay extra, or pay off the rest, with the saved card: choose the amount, check it, pay."""
    plan = _active_plan(reference)
    balance = balance_of(plan.account)
    fmt = _fmt()
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
        **_plan_context(plan),
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
                date=_fmt().date(plan.review_by),
            )
        )
        return redirect(url_for(".plan", reference=reference), code=303)
    return render_template("plans/pause.html", form=form, **_plan_context(plan)), (
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
    return render_template("plans/cancel.html", form=form, **_plan_context(plan))


@bp.get("/plans/<reference>/calendar.ics")
@login_required
def calendar_file(reference: str):
    plan = get_plan_for(current_user, reference)
    fmt = _fmt()
    creditor = current_user.creditor
    host = (current_app.config["PUBLIC_BASE_URL"].split("//")[-1] or "portal").split("/")[0]
    events = [
        Event(
            day=instalment.collect_on,
            uid=f"{plan.reference}-{instalment.number}@{host}",
            summary=_(
                "Payment of %(amount)s to %(creditor)s",
                amount=fmt.money(instalment.amount, plan.currency),
                creditor=creditor.name,
            ),
            description=_(
                "Payment %(number)d of %(count)d for %(description)s (account %(reference)s). Plan %(plan)s.",
                number=instalment.number,
                count=len(plan.instalments),
                description=plan.account.description,
                reference=plan.account.reference,
                plan=plan.reference,
            ),
        )
        for instalment in plan.instalments
        if instalment.status in ("scheduled", "processing", "requires_action", "paid")
    ]
    body = calendar(_("Payment plan %(reference)s", reference=plan.reference), events)
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="payment-plan-{plan.reference}.ics"'
    return response


# Confirming it's them (3-D Secure) for a plan payment


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
    return render_template("plans/authenticate.html", payment=payment, available=allow_stripe(), **_plan_context(plan))


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
