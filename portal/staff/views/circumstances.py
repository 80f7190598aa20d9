"""A supervisor's decision page for one disclosure: what the debtor told us (as much as the role may
see), their accounts, plans and holds, and the decisions, each checked on a page of its own before it
is made: a pause, lower payments, interest and fees frozen, a write-off, and a second supervisor's
approval of a write-off."""

import secrets

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from portal import clock
from portal.accounts import write_offs
from portal.accounts.service import accounts_for
from portal.domain_errors import NotFoundForOwner
from portal.extensions import db
from portal.help.service import circumstances as told
from portal.help.service import decisions
from portal.models import Circumstance, Debtor, StaffUser, WriteOff
from portal.plans.service.progress import progress_by_account
from portal.plans.words import how_often
from portal.rights.service.holds import unfinished
from portal.staff.access import Permission, staff_required, their_creditors
from portal.staff.circumstance_forms import DeclineForm, FreezeForm, PauseForm, ReduceForm, WriteOffForm
from portal.staff.sessions import current_staff
from portal.staff.views import bp
from portal.templating import money

#: what to do when a decision is refused, by the service's code
REFUSALS = {
    "pause_length": _l("Enter how long the pause lasts."),
    "pause_too_long": _l("A pause can last a year at most. Choose a shorter one."),
    "no_plan_to_lower": _l("That plan has no payments left to lower."),
    "amount_not_lower": _l("Enter an amount lower than the plan's payment now."),
    "amount_needed": _l("They have a plan: enter the lower payment."),
    "not_their_account": _l("Choose one of this debtor's accounts."),
    "freeze_ends_before_start": _l("Enter an end date after the first day frozen."),
    "nothing_owed": _l("Nothing is owed on that account, so there is nothing to write off."),
    "amount": _l("Enter the amount to write off."),
    "more_than_owed": _l("Enter an amount no more than what is owed on the account."),
    "already_pending": _l("A write-off on that account is already waiting for approval. Decide that one first."),
    "own_request": _l("Another supervisor must approve or decline a write-off you asked for."),
    "payment_in_flight": _l("A payment on that account is being taken. Try again in a few minutes."),
}


def _circumstance(user: StaffUser, circumstance_id: int) -> tuple[Circumstance, Debtor]:
    """The disclosure, if its debtor is one of the staff user's creditors'; otherwise not found."""
    row = db.session.execute(
        select(Circumstance, Debtor)
        .join(Debtor, Debtor.id == Circumstance.debtor_id)
        .where(Circumstance.id == circumstance_id, their_creditors(user))
    ).first()
    if row is None:
        raise NotFoundForOwner(f"no circumstance {circumstance_id} for staff user {user.id}")
    return row[0], row[1]


def _write_off(user: StaffUser, write_off_id: int) -> WriteOff:
    found = db.session.scalar(
        select(WriteOff)
        .join(Debtor, Debtor.id == WriteOff.debtor_id)
        .where(WriteOff.id == write_off_id, their_creditors(user))
    )
    if found is None:
        raise NotFoundForOwner(f"no write-off {write_off_id} for staff user {user.id}")
    return found


def _fields(user: StaffUser) -> frozenset[str]:
    return told.visible_to(user.role)


def _forms(debtor: Debtor) -> dict:
    """The four decisions' forms, each with its own prefix (so one form's answers never fill another's);
    on a POST the one that was sent reads it."""
    accounts = [
        SelectChoice(str(account.id), f"{account.reference}: {account.description}")
        for account, _b in accounts_for(debtor)
    ]
    currency = debtor.creditor.currency
    return {
        "pause": PauseForm([SelectChoice("all", _("All their accounts")), *accounts], currency, prefix="pause"),
        "reduce": ReduceForm(accounts, currency, prefix="reduce"),
        "freeze": FreezeForm(accounts, currency, prefix="freeze"),
        "write_off": WriteOffForm(accounts, currency, prefix="write_off"),
    }


def _page(circumstance: Circumstance, debtor: Debtor, forms: dict | None = None, status: int = 200):
    user = current_staff()
    fields = _fields(user)
    forms = forms or _forms(debtor)
    forms["write_off"].request_key.data = forms["write_off"].request_key.data or secrets.token_urlsafe(24)
    shows_details = "details" in fields and bool(circumstance.details)
    if shows_details:
        told.details_shown(circumstance, staff_name=user.name)
    accounts = accounts_for(debtor)
    page = render_template(
        "staff/circumstances/circumstance.html",
        circumstance=circumstance,
        debtor=debtor,
        fields=fields,
        kinds=told.kinds_visible(circumstance.kinds, fields),
        health_hidden="health_kinds" not in fields and bool(told.HEALTH_KINDS & set(circumstance.kinds)),
        shows_details=shows_details,
        kind_labels=told.KIND_LABELS,
        help_labels=told.HELP_LABELS,
        accounts=accounts,
        by_id={account.id: account for account, _b in accounts},
        plans=progress_by_account(debtor),
        holds=unfinished(debtor),
        freezes=decisions.freezes_of(debtor),
        write_offs=write_offs.write_offs_of(debtor),
        forms=forms,
        decline=DeclineForm(),
        how_often=how_often,
    )
    return page, status


@bp.get("/circumstances/<int:circumstance_id>")
@staff_required(Permission.REVIEW_CIRCUMSTANCES)
def circumstance(circumstance_id: int):
    return _page(*_circumstance(current_staff(), circumstance_id))


def _decide(circumstance_id: int, name: str, check: dict, act):
    """The shared steps: validate; without `confirmed`, the check page; with it, act, then back to the page.
    `check(form)` gives the check page's heading, rows and button; `act(form, circumstance, user)` decides."""
    user = current_staff()
    found, debtor = _circumstance(user, circumstance_id)
    forms = _forms(debtor)
    form = forms[name]
    if not form.validate_on_submit():
        return _page(found, debtor, forms, status=400)
    if request.form.get("confirmed") != "yes":
        return render_template(
            "staff/circumstances/check.html",
            circumstance=found,
            debtor=debtor,
            form=form,
            action=request.path,
            **check(form, debtor),
        )
    try:
        message = act(form, found, user)
    except (decisions.DecisionRefused, write_offs.WriteOffRefused) as refused:
        flash(str(REFUSALS.get(refused.code, refused.code)))
        return redirect(url_for("staff.circumstance", circumstance_id=found.id))
    except write_offs.AlreadyRequested:
        message = _("That write-off was already recorded: nothing more was written off.")
    flash(message)
    return redirect(url_for("staff.circumstance", circumstance_id=found.id))


def _account_id(form) -> int | None:
    return None if form.account.data == "all" else int(form.account.data)


def _account_label(form) -> str:
    return next(choice.label for choice in form.account.choices if choice.value == form.account.data)


def _money(debtor: Debtor, minor: int) -> str:
    return money(minor, debtor.creditor.currency)


@bp.post("/circumstances/<int:circumstance_id>/pause")
@staff_required(Permission.REVIEW_CIRCUMSTANCES)
def circumstance_pause(circumstance_id: int):
    def check(form, debtor):
        unit = _("days") if form.unit.data == "days" else _("months")
        return {
            "heading": _("Check before you pause payments"),
            "rows": [(_("Accounts"), _account_label(form)), (_("For"), f"{form.length.data} {unit}")],
            "button": _("Pause payments"),
            "effect": _("Nothing will be asked for or collected, and no interest or fees added, until the pause ends."),
        }

    def act(form, found, user):
        decisions.pause(
            found,
            staff=user,
            account_id=_account_id(form),
            length=form.length.data,
            unit=form.unit.data,
            note=form.note.data,
            today=clock.today_for(db.session.get(Debtor, found.debtor_id)),
        )
        return _("Payments are paused. We have told the debtor.")

    return _decide(circumstance_id, "pause", check, act)


@bp.post("/circumstances/<int:circumstance_id>/reduce")
@staff_required(Permission.REVIEW_CIRCUMSTANCES)
def circumstance_reduce(circumstance_id: int):
    def check(form, debtor):
        amount = _money(debtor, form.minor) if form.minor else _("They will propose it")
        return {
            "heading": _("Check before you agree lower payments"),
            "rows": [(_("Account"), _account_label(form)), (_("Lower payment"), amount)],
            "button": _("Agree lower payments"),
            "effect": _(
                "If they have a plan, its payments left are lowered to this amount and the plan runs longer. "
                "If not, we ask them to propose a plan they can afford."
            ),
        }

    def act(form, found, user):
        plan = decisions.reduce_payments(
            found,
            staff=user,
            account_id=_account_id(form),
            amount=form.minor,
            note=form.note.data,
            today=clock.today_for(db.session.get(Debtor, found.debtor_id)),
        )
        if plan is None:
            return _("We have asked the debtor to propose lower payments.")
        return _("The plan's payments are lowered. We have told the debtor.")

    return _decide(circumstance_id, "reduce", check, act)


@bp.post("/circumstances/<int:circumstance_id>/freeze")
@staff_required(Permission.REVIEW_CIRCUMSTANCES)
def circumstance_freeze(circumstance_id: int):
    def check(form, debtor):
        until = form.ends_on.data.isoformat() if form.ends_on.data else _("Until someone ends it")
        return {
            "heading": _("Check before you freeze interest and fees"),
            "rows": [
                (_("Account"), _account_label(form)),
                (_("Frozen from"), form.starts_on.data.isoformat()),
                (_("Until"), until),
            ],
            "button": _("Freeze interest and fees"),
            "effect": _("No interest or fee can be added to the account while it is frozen, by any route."),
        }

    def act(form, found, user):
        decisions.freeze_interest(
            found,
            staff=user,
            account_id=_account_id(form),
            starts_on=form.starts_on.data,
            ends_on=form.ends_on.data,
            note=form.note.data,
        )
        return _("Interest and fees are frozen. We have told the debtor.")

    return _decide(circumstance_id, "freeze", check, act)


@bp.post("/circumstances/<int:circumstance_id>/write-off")
@staff_required(Permission.WRITE_OFF)
def circumstance_write_off(circumstance_id: int):
    def check(form, debtor):
        balances = dict((str(account.id), balance) for account, balance in accounts_for(debtor))
        whole = form.extent.data == "whole"
        amount = balances.get(form.account.data, 0) if whole else form.minor
        return {
            "heading": _("Check before you write off %(amount)s", amount=_money(debtor, amount)),
            "rows": [
                (_("Account"), _account_label(form)),
                (_("Write off"), _("The whole debt") if whole else _money(debtor, amount)),
                (_("Why"), form.reason.data),
            ],
            "button": _("Write off %(amount)s", amount=_money(debtor, amount)),
            "effect": _(
                "The debtor will not be asked for this again. Above your creditor's limit, another supervisor "
                "must approve it before it is written off."
            ),
        }

    def act(form, found, user):
        done = decisions.write_off(
            found,
            staff=user,
            account_id=_account_id(form),
            whole=form.extent.data == "whole",
            amount=form.minor,
            reason=form.reason.data,
            note=form.note.data,
            request_key=form.request_key.data,
            today=clock.today_for(db.session.get(Debtor, found.debtor_id)),
        )
        if done.status == "pending":
            return _("The write-off is waiting for another supervisor to approve it.")
        return _("Written off. We have told the debtor and the creditor.")

    return _decide(circumstance_id, "write_off", check, act)


@bp.post("/write-offs/<int:write_off_id>/approve")
@staff_required(Permission.WRITE_OFF)
def write_off_approve(write_off_id: int):
    user = current_staff()
    found = _write_off(user, write_off_id)
    back = url_for("staff.circumstance", circumstance_id=found.circumstance_id) if found.circumstance_id else None
    back = back or url_for("staff.debtor", debtor_id=found.debtor_id)
    if found.status != "pending":
        flash(_("Someone has already decided this write-off."))
        return redirect(back)
    if request.form.get("confirmed") != "yes":
        debtor = db.session.get(Debtor, found.debtor_id)
        amount = _money(debtor, found.amount)
        return render_template(
            "staff/circumstances/approve.html", write_off=found, debtor=debtor, amount=amount, back=back
        )
    try:
        decisions.approve_write_off(found, staff=user, today=clock.today_for(db.session.get(Debtor, found.debtor_id)))
    except write_offs.WriteOffRefused as refused:
        flash(str(REFUSALS.get(refused.code, refused.code)))
        return redirect(back)
    except write_offs.AlreadyDecided:
        flash(_("Someone has already decided this write-off."))
        return redirect(back)
    flash(_("Approved and written off. We have told the debtor and the creditor."))
    return redirect(back)


@bp.post("/write-offs/<int:write_off_id>/decline")
@staff_required(Permission.WRITE_OFF)
def write_off_decline(write_off_id: int):
    user = current_staff()
    found = _write_off(user, write_off_id)
    back = url_for("staff.circumstance", circumstance_id=found.circumstance_id) if found.circumstance_id else None
    back = back or url_for("staff.debtor", debtor_id=found.debtor_id)
    form = DeclineForm()
    if not form.validate_on_submit():
        flash(_("Say why you are declining the write-off."))
        return redirect(back)
    try:
        write_offs.decline(found, staff=user, note=form.decline_note.data)
    except write_offs.WriteOffRefused as refused:
        flash(str(REFUSALS.get(refused.code, refused.code)))
        return redirect(back)
    except write_offs.AlreadyDecided:
        flash(_("Someone has already decided this write-off."))
        return redirect(back)
    flash(_("Declined: nothing was written off. The disclosure waits for another decision."))
    return redirect(back)
