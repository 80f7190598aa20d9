"""The budget tool's pages: start or carry on, household, amounts (section by section or quick), result.

Views stay thin: they read the request, call portal.budget.service, and render. Every budget is loaded
with service.get_budget_for, so another debtor's budget is a 404. The totals fragment serves htmx;
the same totals are on the page after a plain POST of "Update the totals".
"""

from babel.numbers import get_currency_symbol
from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal import clock
from portal.accounts.service import accounts_for
from portal.budget import exports, service
from portal.budget.engine import ESSENTIAL_HOME_LINES
from portal.budget.forms import (
    MAX_EXPLANATION,
    EssentialsForm,
    ExplanationsForm,
    FirstPaymentForm,
    HouseholdForm,
    LinesForm,
    OfferAmountForm,
    choose_mode,
)
from portal.budget.labels import FREQUENCIES, label
from portal.budget.structures import Kind, Section
from portal.i18n import formatting_locale
from portal.models import Budget
from portal.money import amount_input
from portal.plans.words import Formatter, reason_text

bp = Blueprint("budget", __name__, url_prefix="/budget")


def _locale() -> str:
    return formatting_locale(current_user.creditor.locale)


def _url_for_step(budget: Budget, step: service.Step) -> str:
    if step.name == "section":
        return url_for(".section", budget_id=budget.id, position=step.position)
    return url_for(f".{step.name}", budget_id=budget.id)


def _returning() -> bool:
    """True when the debtor came from a "Change" link on the result page, so we send them back there."""
    return request.args.get("return") == "result"


def _render(template: str, status: int = 200, **context):
    return render_template(template, creditor=current_user.creditor, **context), status


# Start, or carry on


@bp.route("/", methods=["GET", "POST"])
@login_required
def start():
    latest = service.latest_budget_for(current_user)
    error = None
    if request.method == "POST":
        mode = choose_mode(request.form.get("mode"))
        if mode is not None:
            budget = service.start_budget(current_user, mode)
            return redirect(url_for(".household", budget_id=budget.id), code=303)
        error = _("Choose the quick budget or the full statement")
    finished = latest is not None and service.resume_step(latest).name == "result"
    return _render("budget/start.html", 400 if error else 200, latest=latest, finished=finished, error=error)


@bp.get("/<int:budget_id>")
@login_required
def carry_on(budget_id: int):
    budget = service.get_budget_for(current_user, budget_id)
    return redirect(_url_for_step(budget, service.resume_step(budget)))


# Household


@bp.route("/<int:budget_id>/household", methods=["GET", "POST"])
@login_required
def household(budget_id: int):
    budget = service.get_budget_for(current_user, budget_id)
    form = HouseholdForm(household=service.household_of(budget))
    if form.validate_on_submit() and form.check():
        service.save_household(budget, form.household)
        if _returning():
            return redirect(url_for(".result", budget_id=budget.id), code=303)
        first = service.Step("quick") if budget.mode == "quick" else service.Step("section", 1)
        return redirect(_url_for_step(budget, first), code=303)
    return _render(
        "budget/household.html",
        400 if form.is_submitted() else 200,
        budget=budget,
        form=form,
        step=1,
        steps=service.step_count(budget),
    )


# Amounts: the quick budget on one page, the full statement one section per page


def _lines_page(budget: Budget, sections: tuple[Section, ...], position: int | None):
    """GET shows the saved amounts; POST saves them and moves on, or ("update") shows the totals again."""
    structure = service.structure_for(budget)
    if request.method == "POST":
        form = LinesForm(sections, budget.currency, _locale(), formdata=request.form)
        if form.validate():
            update_only = request.form.get("action") == "update"
            done = budget.sections_done if update_only else (position or 1)
            service.save_lines(budget, sections, form.lines, reached=done)
            if not update_only:
                return redirect(_next_after(budget, position, len(structure.sections)), code=303)
    else:
        form = LinesForm(sections, budget.currency, _locale(), saved=service.lines_of(budget))
    summary = service.summary_of(budget, form.lines, sections)
    if position is None:
        step, back = 2, url_for(".household", budget_id=budget.id)
    else:
        step = position + 1
        back = (
            url_for(".section", budget_id=budget.id, position=position - 1)
            if position > 1
            else url_for(".household", budget_id=budget.id)
        )
    return _render(
        "budget/lines.html",
        400 if form.errors else 200,
        budget=budget,
        form=form,
        sections=sections,
        section=sections[0] if position is not None else None,
        summary=summary,
        step=step,
        steps=service.step_count(budget),
        back=url_for(".result", budget_id=budget.id) if _returning() else back,
        totals_url=url_for(".totals", budget_id=budget.id, position=position or 0),
        symbol=get_currency_symbol(budget.currency, locale=_locale()),
        frequencies=FREQUENCIES,
        kind=Kind,
    )


def _next_after(budget: Budget, position: int | None, count: int) -> str:
    if position is None or position >= count or _returning():
        return url_for(".result", budget_id=budget.id)
    return url_for(".section", budget_id=budget.id, position=position + 1)


@bp.route("/<int:budget_id>/quick", methods=["GET", "POST"])
@login_required
def quick(budget_id: int):
    budget = service.get_budget_for(current_user, budget_id)
    if budget.mode != "quick":
        abort(404)
    return _lines_page(budget, service.structure_for(budget).sections, None)


@bp.route("/<int:budget_id>/section/<int:position>", methods=["GET", "POST"])
@login_required
def section(budget_id: int, position: int):
    budget = service.get_budget_for(current_user, budget_id)
    if budget.mode != "full":
        abort(404)
    return _lines_page(budget, (service.section_at(service.structure_for(budget), position),), position)


@bp.post("/<int:budget_id>/totals/<int:position>")
@login_required
def totals(budget_id: int, position: int):
    """The totals fragment, for htmx as the debtor types: adds up what is on the page, saves nothing.

    Position 0 is the quick budget's one page; otherwise the section at that position.
    """
    budget = service.get_budget_for(current_user, budget_id)
    structure = service.structure_for(budget)
    if (position == 0) != (budget.mode == "quick"):
        abort(404)
    sections = structure.sections if position == 0 else (service.section_at(structure, position),)
    form = LinesForm(sections, budget.currency, _locale(), formdata=request.form)
    return render_template(
        "budget/_totals.html",
        budget=budget,
        sections=sections,
        section=sections[0] if position else None,
        summary=service.summary_of(budget, form.lines, sections),
    )


# Explanations for amounts above the creditor's guidelines


@bp.route("/<int:budget_id>/explain", methods=["GET", "POST"])
@login_required
def explain(budget_id: int):
    budget = service.get_budget_for(current_user, budget_id)
    creditor = current_user.creditor
    structure = service.structure_for(budget)
    flags = service.flags_for(budget, service.summary_of(budget), creditor)
    if not flags:
        return redirect(url_for(".result", budget_id=budget.id))
    labels = service.item_labels(structure)
    if request.method == "POST":
        form = ExplanationsForm(flags, labels, formdata=request.form)
        if form.validate():
            service.save_explanations(budget, form.texts)
            return redirect(url_for(".result", budget_id=budget.id), code=303)
    else:
        form = ExplanationsForm(flags, labels, saved=budget.explanations)
    urls = _change_urls(budget)
    return _render(
        "budget/explain.html",
        400 if form.errors else 200,
        budget=budget,
        form=form,
        labels=labels,
        change_urls=urls,
        back=urls[structure.sections[-1].id],
        max_length=MAX_EXPLANATION,
    )


def _change_urls(budget: Budget) -> dict[str, str]:
    """For every section and line id, the page where its amount is entered (coming back to the result)."""
    urls = {}
    for position, section in enumerate(service.structure_for(budget).sections, start=1):
        if budget.mode == "quick":
            url = url_for(".quick", budget_id=budget.id, **{"return": "result"})
        else:
            url = url_for(".section", budget_id=budget.id, position=position, **{"return": "result"})
        urls[section.id] = url
        urls.update(dict.fromkeys((line.id for line in section.lines), url))
    return urls


# The result


@bp.get("/<int:budget_id>/result")
@login_required
def result(budget_id: int):
    budget = service.get_budget_for(current_user, budget_id)
    step = service.resume_step(budget)
    if step.name != "result":
        return redirect(_url_for_step(budget, step))
    creditor = current_user.creditor
    summary = service.summary_of(budget)
    flags = service.flags_for(budget, summary, creditor)
    if service.unexplained(budget, flags):
        return redirect(url_for(".explain", budget_id=budget.id))
    if service.needs_essentials_check(budget, summary):
        return redirect(url_for(".essentials", budget_id=budget.id))
    service.mark_complete(budget, summary)
    structure = service.structure_for(budget)
    return _render(
        "budget/result.html",
        budget=budget,
        structure=structure,
        summary=summary,
        flags=flags,
        labels=service.item_labels(structure),
        chart=service.where_the_money_goes(structure, summary),
        offer=service.offer_for(current_user, budget, summary),
        household=service.household_of(budget),
    )


# Proposing the offer as plans


@bp.route("/<int:budget_id>/essentials", methods=["GET", "POST"])
@login_required
def essentials(budget_id: int):
    """ "Is that right?" about paying nothing for rent, mortgage or bills with children at home: yes goes on."""
    budget = service.get_budget_for(current_user, budget_id)
    summary = service.summary_of(budget)
    if service.resume_step(budget).name != "result" or not service.needs_essentials_check(budget, summary):
        return redirect(url_for(".result", budget_id=budget.id))
    form = EssentialsForm()
    urls = _change_urls(budget)
    home = next(line for line in sorted(ESSENTIAL_HOME_LINES) if line in urls)
    if form.validate_on_submit() and form.check():
        if form.answer.data == "no":
            return redirect(urls[home], code=303)
        service.confirm_essentials(budget)
        return redirect(url_for(".result", budget_id=budget.id), code=303)
    return _render(
        "budget/essentials.html",
        400 if form.is_submitted() else 200,
        budget=budget,
        form=form,
        household=service.household_of(budget),
        change_url=urls[home],
    )


def _monthly_asked() -> int | None:
    """The monthly amount the debtor chose on the offer step (carried in the address and the form), if any."""
    value = request.values.get("monthly", "")
    return int(value) if value.isdigit() else None


@bp.route("/<int:budget_id>/offer", methods=["GET", "POST"])
@login_required
def offer(budget_id: int):
    """How much to offer each month: the suggestion (what is left less a margin) filled in, theirs to change."""
    budget = service.get_budget_for(current_user, budget_id)
    suggested = service.offer_to_propose(current_user, budget)
    if suggested is None:
        return redirect(url_for(".result", budget_id=budget.id))
    asked = _monthly_asked()
    start = asked if asked is not None and 0 < asked <= suggested.available else suggested.chosen
    form = OfferAmountForm(suggested=amount_input(start, budget.currency, _locale()))
    if form.validate_on_submit() and form.check(suggested.available, budget.currency, _locale()):
        return redirect(url_for(".propose", budget_id=budget.id, monthly=form.minor), code=303)
    return _render(
        "budget/offer.html",
        400 if form.is_submitted() else 200,
        budget=budget,
        offer=suggested,
        form=form,
        symbol=get_currency_symbol(budget.currency, locale=_locale()),
    )


@bp.route("/<int:budget_id>/propose", methods=["GET", "POST"])
@login_required
def propose(budget_id: int):
    """Check the monthly amount for each account, choose the first date, send them all at once."""
    budget = service.get_budget_for(current_user, budget_id)
    monthly = _monthly_asked()
    offer = service.offer_to_propose(current_user, budget, monthly) if monthly is not None else None
    if offer is None:
        return redirect(url_for(".offer", budget_id=budget.id))
    form = FirstPaymentForm(suggested=service.suggested_first_date(current_user))
    if form.validate_on_submit() and form.check(clock.today_for(current_user)):
        for sent in service.send_proposals(current_user, budget, offer, form.first.data):
            if sent.problem is not None:
                flash(_not_sent_message(sent))
        return redirect(url_for(".proposals", budget_id=budget.id), code=303)
    return _render("budget/propose.html", 400 if form.is_submitted() else 200, budget=budget, offer=offer, form=form)


def _not_sent_message(sent: service.Sent) -> str:
    account = sent.share.account.description
    if sent.problem == "plan_running":
        return _("You already have a plan for %(account)s, so we did not send a proposal for it.", account=account)
    if sent.problem == "too_small":
        return _(
            "Your budget leaves too little to share with %(account)s, so we did not send a proposal for it.",
            account=account,
        )
    return _("There is nothing to pay on %(account)s, so we did not send a proposal for it.", account=account)


@bp.get("/<int:budget_id>/proposals")
@login_required
def proposals(budget_id: int):
    budget = service.get_budget_for(current_user, budget_id)
    sent = service.proposals_from(current_user, budget)
    formatter = Formatter(_locale())
    reasons = {
        plan.id: [reason_text(reason, formatter, plan.currency) for reason in plan.review_reasons] for plan in sent
    }
    accounts = {account.id: account for account, _balance in accounts_for(current_user)}
    return _render("budget/proposals.html", budget=budget, plans=sent, reasons=reasons, accounts=accounts)


# Downloads


def _filename(budget: Budget, extension: str) -> str:
    return f"budget-{budget.updated_at.date().isoformat()}.{extension}"


@bp.get("/<int:budget_id>/budget.json")
@login_required
def download_json(budget_id: int):
    budget = service.get_budget_for(current_user, budget_id)
    response = current_app.json.response(exports.export_data(budget, current_user.creditor))
    response.headers["Content-Disposition"] = f'attachment; filename="{_filename(budget, "json")}"'
    return response


@bp.get("/<int:budget_id>/budget.csv")
@login_required
def download_csv(budget_id: int):
    budget = service.get_budget_for(current_user, budget_id)
    return Response(
        exports.export_csv(budget, current_user.creditor),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{_filename(budget, "csv")}"'},
    )


@bp.app_template_filter("budget_label")
def budget_label(text: str) -> str:
    return label(text)
