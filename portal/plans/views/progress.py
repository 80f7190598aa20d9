"""Where a plan stands: the plan page (or the review page while a person decides), the copy of the agreement
to read or print, and the calendar file."""

from flask import Response, current_app, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal import clock, gate
from portal.plans import agreement as agreement_words
from portal.plans.calendar import Event, calendar
from portal.plans.service.making import latest_agreement
from portal.plans.service.progress import Progress, get_plan_for, progress, to_pay_now
from portal.plans.service.self_pay import catch_up
from portal.plans.views import bp
from portal.plans.views.shared import formatter, plan_context
from portal.plans.words import reason_text


@bp.get("/plans/<reference>")
@login_required
def plan(reference: str):
    plan = get_plan_for(current_user, reference)
    if plan.status == "draft":
        return redirect(url_for(".check", reference=reference))
    if plan.status == "agreed":
        return redirect(url_for(".card", reference=reference))
    if plan.status == "pending_review":
        fmt = formatter()
        return render_template(
            "plans/review.html",
            reasons=[reason_text(reason, fmt, plan.currency) for reason in plan.review_reasons],
            **plan_context(plan),
        )
    catch_up(plan)  # a plan the debtor pays: instalments the ledger shows paid are marked so, once
    today = clock.today_for(current_user)
    standing = gate.standing(plan.account, today)
    context = plan_context(plan)
    return render_template(
        "plans/plan.html",
        rows=_plan_rows(plan, standing, context["progress"]),
        standing=standing,
        pay_now=to_pay_now(plan, today, context["progress"].paid) if standing.may_ask else 0,
        agreement=latest_agreement(plan),
        **context,
    )


@bp.get("/plans/<reference>/agreement")
@login_required
def agreement_copy(reference: str):
    """What the debtor agreed, word for word, as stored when they agreed it: a page to keep, print or save as a PDF
    (the confirmation message links here)."""
    plan = get_plan_for(current_user, reference)
    agreed = latest_agreement(plan)
    if agreed is None:
        return redirect(url_for(".plan", reference=reference))
    return render_template(
        "plans/agreement.html",
        agreement=agreed,
        sections=agreement_words.from_text(agreed.text),
        **plan_context(plan),
    )


def _plan_rows(plan, standing: gate.Standing, progress: Progress) -> list[dict]:
    """The plan's payments in date order: each instalment on the day it was paid (the ledger's day) or is due, and
    each extra payment. One still to be taken while a hold lasts is paused: its date moves on when the hold ends."""
    rows = [
        {
            "number": i.number,
            "due": progress.day_of(i),
            "amount": i.amount,
            "item": i,
            "extra": False,
            "paused": standing.on_hold
            and i.status == "scheduled"
            and (standing.hold_ends_on is None or i.collect_on < standing.hold_ends_on),
        }
        for i in plan.instalments
    ]
    rows += [
        {"number": None, "due": p.day, "amount": p.amount, "item": p, "extra": True, "paused": False}
        for p in progress.extra_payments
    ]
    return sorted(rows, key=lambda row: row["due"])


@bp.get("/plans/<reference>/calendar.ics")
@login_required
def calendar_file(reference: str):
    plan = get_plan_for(current_user, reference)
    fmt = formatter()
    creditor = current_user.creditor
    where = progress(plan)
    host = (current_app.config["PUBLIC_BASE_URL"].split("//")[-1] or "portal").split("/")[0]
    events = [
        Event(
            day=where.day_of(instalment),
            uid=f"{plan.reference}-{instalment.number}@{host}",
            summary=_(
                "Paid %(amount)s to %(creditor)s",
                amount=fmt.money(instalment.amount, plan.currency),
                creditor=creditor.name,
            )
            if instalment.status == "paid"
            else _(
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
