"""A helper's visit: while a helper is signed in, this browser's debtor pages are drawn for the debtor who
invited them, under a banner, and only what the debtor allowed them is done.

What a helper may do is decided here, endpoint by endpoint, and nowhere else. Every helper may read the
debtor's pages (not those listed in REFUSED) and choose the page's language. With "may_propose" they may also
work on and send the budget and propose plans (PROPOSE_POSTS); with "may_pay", enter card details (PAY).
Anything not listed is refused, so a new form is refused to helpers until someone decides. Access is checked
on every request: ended or expired, the helper is signed out and told. Every page seen and action taken is
audited as `helper.viewed` / `helper.acted` / `helper.refused`, naming the helper.
"""

from flask import Flask, Response, g, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l

from portal import clock
from portal.debtor_pages import CARD_ENTRY, CONTACT_DETAILS, SIGN_IN, SIGNING_OUT, is_debtor_endpoint
from portal.extensions import db
from portal.help.quick_exit import quick_exit_url
from portal.models import TrustedHelper
from portal.models.audit import record
from portal.sessions import forget_session, fresh_session
from portal.trusted import service

#: the session key that names the signed-in helper
SESSION_KEY = "helper"

_OWN = _l("This is something the person you are helping does for themselves.")
_DETAILS = _l("Contact details and preferences are for the person you are helping to see and change.")
_SIGN_IN = _l("Use your own link to help. Signing in as the person you are helping is for them only.")

#: refused whatever the method: signing in as the debtor, their contact details, their data, who helps them
REFUSED = {
    **dict.fromkeys(SIGN_IN | {"links.open_short_link"}, _SIGN_IN),
    **dict.fromkeys(CONTACT_DETAILS | {"help.contact_details", "stop.confirm", "stop.stop"}, _DETAILS),
    "help.circumstance": _l("What they told us about their circumstances is for them to share."),
    "privacy.my_data": _l("A copy of their data is for them to download."),
    "privacy.download_my_data": _l("A copy of their data is for them to download."),
    **dict.fromkeys(
        {"trusted.helpers", "trusted.invite", "trusted.renew", "trusted.end"},
        _l("Who helps with the account is for the person you are helping to decide."),
    ),
}

_CARD = _l("Only the person you are helping can enter card details, unless they allow you to.")

#: card entry, and paying (which leads to it): only for helpers the debtor allowed to pay ("may_pay")
PAY = CARD_ENTRY | {"payments.amount", "plans.pay_extra"}

#: POSTs for helpers the debtor allowed to work on the budget and propose plans ("may_propose"); agreeing to a
#: plan (plans.check) stays with the debtor, who reads the agreement and agrees when they sign in
PROPOSE_POSTS = frozenset(
    {
        "plans.choose",
        "plans.propose",
        "budget.start",
        "budget.section",
        "budget.quick",
        "budget.household",
        "budget.explain",
        "budget.totals",
        "budget.essentials",
        "budget.offer",
        "budget.propose",
    }
)

#: POSTs every helper may make: they change nothing of the debtor's
ALLOWED_POSTS = frozenset({"language.choose_language"})


def current_helper() -> TrustedHelper | None:
    return g.get("helper")


def start_visit(helper: TrustedHelper) -> None:
    """The helper proved who they are: this browser is theirs, with nothing from before but the language."""
    fresh_session()
    session[SESSION_KEY] = helper.id


def _enter() -> Response | None:
    """Before a request: a helper's debtor pages are the debtor's, as far as the helper was allowed."""
    helper_id = session.get(SESSION_KEY)
    endpoint = request.endpoint or ""
    if helper_id is None or endpoint == "static" or g.get("view_as") is not None:
        return None
    helper = db.session.get(TrustedHelper, helper_id)
    now = clock.now()
    try:
        if helper is None:
            raise service.AccessEnded("no such helper")
        service.check_access(helper, now=now)
    except service.AccessEnded:
        forget_session()
        if endpoint.startswith("helping."):
            return None
        return redirect(url_for("helping.ended"))
    if endpoint.startswith("helping.") or not is_debtor_endpoint(endpoint):
        return None
    g.helper = helper
    g._login_user = helper.debtor
    g.helper_detail = {"helper_id": helper.id, **service.helper_detail(helper)}
    service.seen(helper, now=now)
    return _police(helper)


def _police(helper: TrustedHelper) -> Response | None:
    endpoint = request.endpoint or ""
    if endpoint in SIGNING_OUT:
        record("helper.left", actor_type="helper", actor_id=helper.id, debtor_id=helper.debtor_id)
        away = quick_exit_url() if endpoint == "help.quick_exit" else url_for("helping.left")
        forget_session()
        return redirect(away, code=303)
    if endpoint in REFUSED:
        return _refuse(REFUSED[endpoint])
    if endpoint in PAY:
        return None if helper.may_pay else _refuse(_CARD)
    if request.method != "POST" or endpoint in ALLOWED_POSTS:
        return None
    if endpoint in PROPOSE_POSTS:
        if helper.may_propose:
            return None
        return _refuse(_l("The person you are helping has allowed you to look, not to change anything."))
    return _refuse(_OWN)


def _refuse(why) -> tuple[str, int]:
    g.helper_refused = True
    return render_template("trusted/refused.html", why=why), 403


def _audit(response: Response) -> Response:
    """Every debtor page seen and every action taken by a helper, naming them."""
    helper = g.get("helper")
    if helper is None:
        return response
    if request.method == "POST":
        action = "helper.refused" if g.get("helper_refused") else "helper.acted"
    else:
        action = "helper.refused" if g.get("helper_refused") else "helper.viewed"
    record(
        action,
        actor_type="helper",
        actor_id=helper.id,
        debtor_id=helper.debtor_id,
        **service.helper_detail(helper),
        page=request.endpoint,
        method=request.method,
        status=response.status_code,
    )
    return response


def may_pay_here() -> bool:
    """False while a helper the debtor did not allow to pay is looking: the pages then offer no way to pay (or to
    enter a card), which would only lead to a refusal. The debtor, and staff viewing as them, see every one."""
    helper = g.get("helper")
    return helper is None or helper.may_pay


def init_app(app: Flask) -> None:
    app.before_request(_enter)
    app.after_request(_audit)
    app.jinja_env.globals["may_pay_here"] = may_pay_here

    @app.context_processor
    def helper_context():
        return {"helping": g.get("helper")}
