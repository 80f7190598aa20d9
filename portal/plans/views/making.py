"""Making a plan: the engine's offers, the debtor's own proposal, and checking and agreeing it."""

from datetime import timedelta

from babel.numbers import get_currency_symbol
from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal import clock, gate, transaction
from portal.accounts.ledger import balance_of
from portal.accounts.service import get_account_for
from portal.extensions import htmx
from portal.money import amount_input
from portal.payments.service import is_payable
from portal.plans import agreement
from portal.plans.chart import balance_chart
from portal.plans.engine import Offer, interest_during_plan, offers
from portal.plans.forms import PAYDAYS, AgreeForm, ChooseForm, HowToPayForm, OptionsForm, ProposalForm, payday_key
from portal.plans.policy import Frequency
from portal.plans.service import PlanError
from portal.plans.service.making import (
    agree,
    agreed_at_once,
    choose_offer,
    first_date_window,
    payday_from,
    policy_for,
    submit_proposal,
)
from portal.plans.service.progress import get_plan_for, live_plan
from portal.plans.service.self_pay import choose_how_to_pay
from portal.plans.views import bp
from portal.plans.views.shared import formatter, interest_note, plan_context, schedule_rows
from portal.plans.words import settlement_on_credit_file


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


def _options_context(account, balance: int, args) -> dict:
    policy = policy_for(current_user)
    earliest, latest = first_date_window(current_user, policy)
    fmt = formatter()
    form = OptionsForm(args)
    form.read(policy.frequencies, earliest, latest, min(earliest + timedelta(days=7), latest), fmt.date, fmt.locale)
    interest = interest_during_plan(policy, account.monthly_interest, earliest)
    found: list[Offer] = offers(policy, balance, form.chosen_start, form.chosen_payday, interest)
    settlements = [o for o in found if o.kind == "settlement"]
    plans = [o for o in found if o.kind == "plan" and o.frequency == form.chosen_frequency]
    keys = {o.key: o for o in found}
    selected = keys.get(args.get("offer") or "")  # none until the debtor picks one: no plan is agreed by default
    return {
        "account": account,
        "balance": balance,
        "creditor": current_user.creditor,
        "form": form,
        "frequencies": policy.frequencies,
        "paydays": list(PAYDAYS),
        "earliest": earliest,
        "latest": latest,
        "settlements": settlements,
        "plans": plans,
        "selected": selected,
        "rows": schedule_rows(selected.total, selected.schedule) if selected else [],
        "chart": balance_chart(selected.total, [i.amount for i in selected.schedule]) if selected else None,
        "interest_frozen": policy.freeze_interest_on_plan,
        "interest_note": interest_note(policy.freeze_interest_on_plan, account.monthly_interest, account.currency),
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
    fmt = formatter()
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
        at_once=agreed_at_once(current_user, account, balance),
        at_once_months=policy.auto_accept_max_term_months,
        today=clock.today_for(current_user),
    ), status


@bp.route("/plans/<reference>/how-to-pay", methods=["GET", "POST"])
@login_required
def how_to_pay(reference: str):
    """Before agreeing: save a card so each payment is taken on its date, or pay each one yourself from a reminder."""
    plan = get_plan_for(current_user, reference)
    if plan.status != "draft":
        return redirect(url_for(".plan", reference=reference))
    form = HowToPayForm()
    if request.method == "GET":
        form.pays_by.data = plan.pays_by
    if form.validate_on_submit() and form.check():
        try:
            choose_how_to_pay(plan, current_user, form.pays_by.data)
        except PlanError:
            transaction.rollback()
            return redirect(url_for(".plan", reference=reference))
        return redirect(url_for(".check", reference=reference), code=303)
    return render_template(
        "plans/how_to_pay.html", form=form, back_url=url_for(".check", reference=reference), **plan_context(plan)
    ), (400 if request.method == "POST" else 200)


@bp.route("/plans/<reference>/check", methods=["GET", "POST"])
@login_required
def check(reference: str):
    """Check your answers, read the agreement, choose when the first payment is taken, and agree."""
    plan = get_plan_for(current_user, reference)
    if plan.status != "draft":
        return redirect(url_for(".plan", reference=reference))
    fmt = formatter()
    sections = agreement.sections(plan, plan.account, current_user.creditor, fmt)
    today = clock.today_for(current_user)
    choice_needed = plan.first_date > today and not plan.paid_by_debtor
    form = AgreeForm()
    if form.validate_on_submit() and form.check(choice_needed):
        try:
            agree(
                plan,
                current_user,
                text=agreement.as_text(sections),
                version=agreement.VERSION,
                language=str(get_locale()),
                pay_first_now=not plan.paid_by_debtor and (not choice_needed or form.first.data == "now"),
            )
        except PlanError:
            transaction.rollback()
            return redirect(url_for(".plan", reference=reference))
        return redirect(url_for(".done" if plan.paid_by_debtor else ".card", reference=reference), code=303)
    terms = plan.terms
    frozen, monthly = bool(terms.get("interest_frozen")), terms.get("monthly_interest", 0)
    return render_template(
        "plans/check.html",
        change_url=_change_url(plan),
        form=form,
        sections=sections,
        choice_needed=choice_needed,
        rows=schedule_rows(plan.total, plan.instalments),
        chart=balance_chart(plan.total, [i.amount for i in plan.instalments]) if len(plan.instalments) > 1 else None,
        interest_note=interest_note(frozen, monthly, plan.currency) if plan.kind == "plan" else None,
        lost_discount=agreement.lost_discount_warning()
        if plan.kind == "settlement" and len(plan.instalments) > 1
        else None,
        version=agreement.VERSION,
        **plan_context(plan),
    ), (400 if request.method == "POST" else 200)


def _change_url(plan) -> str:
    """Back to where the plan was made, with the same choices filled in."""
    if plan.source != "offer":
        return url_for(".propose", account_id=plan.account_id, amount=plan.proposed_amount, frequency=plan.frequency)
    count = len(plan.instalments)
    if plan.kind == "settlement":
        offer = "settlement" if count == 1 else f"settlement:{count}"
    else:
        offer = f"{plan.frequency}:{count}"
    return url_for(
        ".options",
        account_id=plan.account_id,
        frequency=plan.frequency or None,
        start=plan.first_date.isoformat(),
        payday=payday_key(payday_from(plan.payday)),
        offer=offer,
    )
