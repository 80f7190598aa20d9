"""The queues, and the decisions in them: a call back (mark it done), a proposal (accept, counter-offer,
decline), a pause request (approve, decline), a dispute (resolve, then record the delivery of the answer).

Anyone in the console may read a decision's page; only a role with the permission sees its form and may
post it. The services do the work, audit it and tell the debtor once the request commits.
"""

from datetime import timedelta

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from portal import clock
from portal.accounts.ledger import balance_of
from portal.budget.service import summary_of
from portal.extensions import db
from portal.help.service import call_backs
from portal.i18n import formatting_locale
from portal.models import Budget, Debtor, StaffUser
from portal.plans import review
from portal.plans.views.shared import schedule_rows
from portal.plans.words import Formatter, reason_text
from portal.rights.forms import REASONS
from portal.rights.service import disputes
from portal.staff.access import Permission, staff_required
from portal.staff.decision_forms import (
    CHANNELS,
    OUTCOME_LABELS,
    CallBackDoneForm,
    DeliveryForm,
    PauseDecisionForm,
    ProposalDecisionForm,
    ResolveForm,
)
from portal.staff.queues import QUEUES, dispute_for_staff, plan_for_staff, waiting_for
from portal.staff.sessions import current_staff
from portal.staff.views import bp


@bp.get("/queues")
@staff_required()
def queues():
    return render_template(
        "staff/queues/index.html", queues=waiting_for(current_staff()), names=QUEUES, reasons=REASONS
    )


# A proposal or a pause request


def _plan_page(plan, debtor: Debtor, form, status: int = 200):
    fmt = Formatter(formatting_locale(debtor.creditor.locale))
    budget = db.session.get(Budget, plan.budget_id) if plan.budget_id else None
    today = clock.today_for(debtor)
    return render_template(
        "staff/queues/plan.html",
        plan=plan,
        debtor=debtor,
        account=plan.account,
        balance=balance_of(plan.account),
        reasons=[reason_text(reason, fmt, plan.currency) for reason in plan.review_reasons],
        budget=budget,
        budget_summary=summary_of(budget) if budget is not None and budget.completed_at else None,
        rows=schedule_rows(plan.total, plan.instalments),
        pause=review.is_pause_request(plan) or plan.review_outcome in ("pause_approved", "pause_declined"),
        waiting=plan.status == "pending_review" or review.is_pause_request(plan),
        days_left=(plan.review_by - today).days if plan.review_by else None,
        earliest=today + timedelta(days=review.MIN_DAYS_TO_FIRST),
        form=form,
    ), status


@bp.get("/plans/<reference>")
@staff_required()
def plan(reference: str):
    found = plan_for_staff(current_staff(), reference)
    debtor = db.session.get(Debtor, found.debtor_id)
    form = PauseDecisionForm() if review.is_pause_request(found) else ProposalDecisionForm()
    return _plan_page(found, debtor, form)


@bp.post("/plans/<reference>")
@staff_required(Permission.DECIDE_PLANS)
def decide_plan(reference: str):
    staff = current_staff()
    found = plan_for_staff(staff, reference)
    debtor = db.session.get(Debtor, found.debtor_id)
    today = clock.today_for(debtor)
    pause = review.is_pause_request(found)
    form = PauseDecisionForm() if pause else ProposalDecisionForm()
    locale = formatting_locale(debtor.creditor.locale)
    valid = form.validate_on_submit()
    checked = form.check() if pause else form.check(currency=found.currency, locale=locale, today=today)
    if valid and checked:
        note, by = form.note.data, staff.name
        try:
            if pause:
                decide = review.approve_pause if form.decision.data == "approve" else review.decline_pause
                decide(found, by=by, note=note, today=today)
            elif form.decision.data == "counter":
                review.counter_offer(
                    found,
                    amount=form.amount_minor,
                    frequency=form.frequency.data,
                    first=form.chosen_start,
                    by=by,
                    note=note,
                    today=today,
                )
            else:
                decide = review.approve_proposal if form.decision.data == "accept" else review.decline_proposal
                decide(found, by=by, note=note, today=today)
        except review.NotWaiting:
            flash(_("Someone has already decided this. Here is what they decided."))
            return redirect(url_for("staff.plan", reference=found.reference), code=303)
        except review.OfferNotPossible as problem:
            form.offer_problem(problem.code, balance=balance_of(found.account), currency=found.currency, locale=locale)
        else:
            flash(_decided_words(form.decision.data, pause, debtor))
            return redirect(url_for("staff.plan", reference=found.reference), code=303)
    return _plan_page(found, debtor, form, 400)


def _decided_words(decision: str, pause: bool, debtor: Debtor) -> str:
    name = debtor.full_name
    if pause:
        if decision == "approve":
            return _("Pause approved. %(name)s will be told, and their payment dates have moved on.", name=name)
        return _("Pause declined. %(name)s will be told, with your note; their payments carry on.", name=name)
    return {
        "accept": _("Proposal accepted. %(name)s will be told, and can now agree the plan.", name=name),
        "counter": _("Counter-offer made. %(name)s will be told, and can agree the new plan or not.", name=name),
        "decline": _("Proposal declined. %(name)s will be told, with your note.", name=name),
    }[decision]


# A dispute


def _dispute_page(dispute, resolve_form, delivery_form, status: int = 200):
    debtor = dispute.account.debtor
    return render_template(
        "staff/queues/dispute.html",
        dispute=dispute,
        account=dispute.account,
        debtor=debtor,
        resolve_form=resolve_form,
        delivery_form=delivery_form,
        reasons=REASONS,
        outcome_labels=OUTCOME_LABELS,
        channels=CHANNELS,
        today=clock.today_for(debtor),
    ), status


@bp.get("/disputes/<reference>")
@staff_required()
def dispute(reference: str):
    found = dispute_for_staff(current_staff(), reference)
    return _dispute_page(found, ResolveForm().for_kind(found.kind), DeliveryForm())


@bp.post("/disputes/<reference>")
@staff_required(Permission.RESOLVE_DISPUTES)
def resolve_dispute(reference: str):
    staff = current_staff()
    found = dispute_for_staff(staff, reference)
    form = ResolveForm().for_kind(found.kind)
    valid = form.validate_on_submit()
    if form.check() and valid:
        try:
            disputes.resolve(
                found,
                outcome=form.outcome.data,
                note=form.note.data,
                by=staff.name,
                today=clock.today_for(found.account.debtor),
            )
        except disputes.AlreadyResolved:
            flash(_("Someone has already answered this. Here is their answer."))
        else:
            if found.status == "awaiting_delivery":
                flash(_("Answer saved. Collection stays paused until you record that the answer reached the debtor."))
            else:
                flash(_("Answer saved. The account is closed."))
        return redirect(url_for("staff.dispute", reference=found.reference), code=303)
    return _dispute_page(found, form, DeliveryForm(formdata=None), 400)


@bp.post("/disputes/<reference>/delivered")
@staff_required(Permission.RESOLVE_DISPUTES)
def dispute_delivered(reference: str):
    staff = current_staff()
    found = dispute_for_staff(staff, reference)
    debtor = found.account.debtor
    today = clock.today_for(debtor)
    form = DeliveryForm()
    valid = form.validate_on_submit()
    if form.check(locale=formatting_locale(debtor.creditor.locale), today=today) and valid:
        try:
            disputes.record_delivery(found, channel=form.channel.data, on=form.day, by=staff.name, today=today)
        except disputes.NotAwaitingDelivery:
            flash(_("There is no answer waiting to be delivered."))
        else:
            flash(_("Delivery recorded. Collection may start again, and %(name)s will be told.", name=debtor.full_name))
        return redirect(url_for("staff.dispute", reference=found.reference), code=303)
    return _dispute_page(found, ResolveForm(formdata=None).for_kind(found.kind), form, 400)


# A call back


def _call_back_page(found, form, status: int = 200):
    debtor = db.session.get(Debtor, found.debtor_id)
    done_by = db.session.get(StaffUser, found.done_by_id) if found.done_by_id else None
    return render_template(
        "staff/queues/call_back.html", call_back=found, debtor=debtor, done_by=done_by, form=form
    ), status


@bp.get("/call-backs/<int:call_back_id>")
@staff_required()
def call_back(call_back_id: int):
    return _call_back_page(call_backs.call_back_for_staff(current_staff(), call_back_id), CallBackDoneForm())


@bp.post("/call-backs/<int:call_back_id>")
@staff_required()
def call_back_done(call_back_id: int):
    staff = current_staff()
    found = call_backs.call_back_for_staff(staff, call_back_id)
    form = CallBackDoneForm()
    if not form.validate_on_submit():
        return _call_back_page(found, form, 400)
    try:
        call_backs.mark_done(found, staff=staff, note=form.note.data, now=clock.now())
    except call_backs.NotOpen:
        flash(_("This call back is no longer open: it was cancelled or marked as done."))
    else:
        flash(_("Call back marked as done."))
    return redirect(url_for("staff.call_back", call_back_id=found.id), code=303)
