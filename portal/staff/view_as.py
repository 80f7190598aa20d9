"""View as a debtor: a staff user sees the debtor's own pages, with a banner, for a stated reason, for a while.

While a view is open, this browser's debtor pages are drawn for that debtor (Flask-Login's user for the
request is the debtor), and every debtor page seen or action taken writes an audit event naming the staff
user, the debtor and the reason. What a staff user may do there is decided here, endpoint by endpoint,
and nowhere else: card entry, contact details, preferences and signing in are refused; the actions a
debtor can agree to on the phone need a tick saying they did; anything not listed is refused, so a new
page is refused until someone decides.
"""

from datetime import datetime, timedelta

from flask import Flask, Response, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select, update

from portal import clock
from portal.debtor_pages import CARD_ENTRY, CONTACT_DETAILS, SIGN_IN, SIGNING_OUT, is_debtor_endpoint
from portal.domain_errors import NotAllowedNow
from portal.extensions import db
from portal.models import Debtor, DebtorView, StaffUser
from portal.models.audit import record
from portal.staff.sessions import current_staff

REASON_CATEGORIES = {
    "phone_call": _l("Helping them on a phone call"),
    "message": _l("Answering a message"),
    "complaint": _l("Looking into a complaint"),
    "vulnerability": _l("Checking the support we give them"),
    "problem": _l("A problem with the portal"),
}

#: the form field, and its value, that says the debtor agreed on the phone
AGREED_FIELD = "debtor_agreed"

_FOR_THEMSELVES = _l("This is something the debtor does for themselves. It is not done while viewing as them.")
_CARD = _l("Card details are only ever entered by the debtor.")
_MESSAGES = _l("Answer the debtor's messages from the console, so they come from you.")

#: answered only by ending the view: a staff user cannot sign the debtor out
ENDS_VIEW = SIGNING_OUT

#: refused whatever the method: entering card details, and what only happens at sign-in
REFUSED = {
    **dict.fromkeys(CARD_ENTRY, _CARD),
    **dict.fromkeys(SIGN_IN, _l("Signing in is for the debtor only.")),
    "helping.start": _l("Signing in as someone the debtor trusts is for that person only."),
    "helping.code": _l("Signing in as someone the debtor trusts is for that person only."),
}

#: POSTs the debtor must have agreed to on the phone; recorded as done by the staff user on their behalf
#: a call back (booked or cancelled) is one: the debtor on the phone may ask for a call at a better time, and it
#: calls the number already on file, which the staff user cannot change
ASSISTED = frozenset(
    {
        "plans.propose",
        "plans.how_to_pay",
        "plans.check",
        "budget.propose",
        "help.circumstances_form",
        "help.call_back_time",
        "help.cancel_call_back",
        "promises.make",
    }
)

#: POSTs that change nothing the debtor has agreed to: working figures, a preview, the page's language
ALLOWED_POSTS = frozenset(
    {
        "language.choose_language",
        "plans.choose",
        "budget.start",
        "budget.section",
        "budget.quick",
        "budget.household",
        "budget.explain",
        "budget.totals",
        "budget.essentials",
        "budget.offer",
    }
)

#: every other POST is refused, and says why; an endpoint missing here is refused too, in general words
REFUSED_POSTS = {
    **dict.fromkeys(CONTACT_DETAILS, _l("Contact details and preferences are changed by the debtor only.")),
    "help.withdraw_consent": _l("Only the debtor can withdraw their consent."),
    "payments.amount": _CARD,
    "plans.pay_extra": _CARD,
    "links.request_new_link": _l("Send a new link from the debtor's page in the console instead."),
    "help.new_message": _MESSAGES,
    "help.thread": _MESSAGES,
    "rights.dispute": _FOR_THEMSELVES,
    "rights.original_creditor": _FOR_THEMSELVES,
    "rights.statute_barred": _FOR_THEMSELVES,
    "rights.validation": _FOR_THEMSELVES,
    "plans.cancel": _FOR_THEMSELVES,
    "plans.pause": _FOR_THEMSELVES,
    "plans.payment_day": _FOR_THEMSELVES,
    "privacy.download_my_data": _l("The debtor's copy of their data is for the debtor to download."),
    "stop.stop": _l("Contact details and preferences are changed by the debtor only."),
    "trusted.invite": _l("Who helps with their account is for the debtor to decide."),
    "trusted.renew": _l("Who helps with their account is for the debtor to decide."),
    "trusted.end": _l("Who helps with their account is for the debtor to decide."),
}


class ViewRefused(NotAllowedNow):
    pass


def active_view(staff_session_id: int, now: datetime) -> DebtorView | None:
    return db.session.scalar(
        select(DebtorView).where(DebtorView.staff_session_id == staff_session_id, DebtorView.ended_at.is_(None))
    )


def start_view(
    user: StaffUser, staff_session_id: int, debtor: Debtor, *, category: str, reason: str, now: datetime
) -> DebtorView:
    """Open a view; the caller has already checked that the debtor is one of the staff user's creditors'."""
    if category not in REASON_CATEGORIES or not reason.strip():
        raise ViewRefused("a reason and its kind are needed")
    if active_view(staff_session_id, now) is not None:
        raise ViewRefused("a view is already open: end it first")
    view = DebtorView(
        staff_session_id=staff_session_id,
        staff_user_id=user.id,
        debtor_id=debtor.id,
        category=category,
        reason=reason.strip(),
        started_at=now,
        expires_at=now + timedelta(minutes=current_app.config["VIEW_AS_MINUTES"]),
    )
    db.session.add(view)
    db.session.flush()
    _record("staff.view_started", view, user)
    return view


def end_view(view: DebtorView, *, reason: str, now: datetime) -> None:
    view.ended_at = now
    view.ended_reason = reason
    _record("staff.view_ended", view, view.staff_user, why=reason)


def end_views_of(staff_user_id: int, *, reason: str, now: datetime, session_id: int | None = None) -> None:
    where = [DebtorView.staff_user_id == staff_user_id, DebtorView.ended_at.is_(None)]
    if session_id is not None:
        where.append(DebtorView.staff_session_id == session_id)
    db.session.execute(update(DebtorView).where(*where).values(ended_at=now, ended_reason=reason))


def minutes_left(view: DebtorView, now: datetime) -> int:
    return max(0, int((view.expires_at - now).total_seconds() + 59) // 60)


def viewer_detail(view: DebtorView, user: StaffUser) -> dict:
    """What an audit event about a view says: who, in what role, why (the debtor's page shows these)."""
    return {
        "staff_name": user.first_name,
        "staff_role": user.role,
        "reason": view.reason,
        "reason_category": view.category,
        "view": view.id,
    }


def _record(action: str, view: DebtorView, user: StaffUser, **detail) -> None:
    record(
        action, actor_type="staff", actor_id=user.id, debtor_id=view.debtor_id, **viewer_detail(view, user), **detail
    )


def current_view() -> DebtorView | None:
    return g.get("view_as")


def _enter() -> Response | None:
    """Before a request: if this browser's staff session has a view open, the debtor pages are the debtor's."""
    user = current_staff()
    if user is None or request.endpoint == "static":
        return None
    now = clock.now()
    view = active_view(g.staff_session.id, now)
    if view is None:
        return None
    if view.expires_at <= now:
        end_view(view, reason="expired", now=now)
        flash(
            ngettext(
                "Your view as %(name)s ended after %(num)d minute.",
                "Your view as %(name)s ended after %(num)d minutes.",
                current_app.config["VIEW_AS_MINUTES"],
                name=view.debtor.full_name,
            )
        )
        if _is_debtor_page():
            return redirect(url_for("staff.debtor", debtor_id=view.debtor_id))
        return None
    g.view_as = view
    if not _is_debtor_page():
        return None
    g._login_user = view.debtor
    g.view_as_detail = {"staff_id": view.staff_user_id, **viewer_detail(view, view.staff_user)}
    return _police(view, now)


def _is_debtor_page() -> bool:
    endpoint = request.endpoint or ""
    return is_debtor_endpoint(endpoint)


def _police(view: DebtorView, now: datetime) -> Response | None:
    endpoint = request.endpoint or ""
    if endpoint in ENDS_VIEW:
        end_view(view, reason="ended", now=now)
        return redirect(url_for("staff.debtor", debtor_id=view.debtor_id))
    if endpoint in REFUSED:
        return _refuse(REFUSED[endpoint])
    if request.method != "POST" or endpoint in ALLOWED_POSTS:
        return None
    if endpoint in ASSISTED:
        if request.form.get(AGREED_FIELD) == "yes":
            g.view_as_assisted = True
            return None
        return _refuse(_("Tick “%(label)s” to do this for them.", label=AGREED_LABEL), status=400)
    return _refuse(REFUSED_POSTS.get(endpoint, _FOR_THEMSELVES))


AGREED_LABEL = _l("The debtor agreed to this on the phone")


def _refuse(why: str, status: int = 403) -> tuple[str, int]:
    g.view_as_refused = True
    return render_template("staff/view_as_refused.html", why=why), status


def _audit(response: Response) -> Response:
    """Every debtor page seen and every action taken while viewing, naming the staff user, debtor and reason."""
    view = g.get("view_as")
    if view is None or not _is_debtor_page() or request.endpoint in ENDS_VIEW:
        return response
    if request.method == "POST":
        action = "staff.refused" if g.get("view_as_refused") else "staff.acted_for_debtor"
    else:
        action = "staff.viewed"
    _record(action, view, view.staff_user, page=request.endpoint, method=request.method, status=response.status_code)
    return response


def init_app(app: Flask) -> None:
    app.before_request(_enter)
    app.after_request(_audit)

    @app.context_processor
    def view_as_context():
        view = g.get("view_as")
        if view is None:
            return {"view_as": None}
        return {
            "view_as": view,
            "view_as_minutes_left": minutes_left(view, clock.now()),
            "view_as_categories": REASON_CATEGORIES,
            "agreed_field": AGREED_FIELD,
            "agreed_label": AGREED_LABEL,
        }
