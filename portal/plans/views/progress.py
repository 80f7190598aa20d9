"""Where a plan stands: the plan page (or the review page while a person decides), the copy of the agreement
to read or print, and the calendar file."""

from flask import Response, current_app, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal import clock, gate
from portal.plans import agreement as agreement_words
from portal.plans.calendar import Event, calendar
from portal.plans.service.making import latest_agreement
from portal.plans.service.progress import get_plan_for
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
    standing = gate.standing(plan.account, clock.today_for(current_user))
    return render_template(
        "plans/plan.html",
        rows=_plan_rows(plan, standing),
        standing=standing,
        agreement=latest_agreement(plan),
        **plan_context(plan),
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


@bp.get("/plans/<reference>/calendar.ics")
@login_required
def calendar_file(reference: str):
    plan = get_plan_for(current_user, reference)
    fmt = formatter()
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
