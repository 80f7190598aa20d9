"""Stop emails from a link in the email itself, without signing in (Regulation F §1006.6(e)).

Opening the link changes nothing (mail scanners open links): the page asks, and its one button turns email
off at once. Mail providers' unsubscribe buttons POST to the same address with
"List-Unsubscribe=One-Click" (RFC 8058) and no CSRF token; the signed token in the address is what
allows it, so only that POST goes without one.
"""

from flask import Blueprint, abort, render_template, request, session
from flask_babel import force_locale
from flask_wtf import FlaskForm

from portal.extensions import csrf, db
from portal.help.service.preferences import switch_off
from portal.i18n import language_of
from portal.message_rules import read_opt_out_token
from portal.models import Debtor

bp = Blueprint("stop", __name__, url_prefix="/stop")


class StopForm(FlaskForm):
    """Only a CSRF token: the button is the whole form."""


def _debtor_and_channel(token: str) -> tuple[Debtor, str]:
    found = read_opt_out_token(token)
    debtor = db.session.get(Debtor, found[0]) if found else None
    if debtor is None:
        abort(404)
    return debtor, found[1]


def _page(template: str, debtor: Debtor, **context):
    """In the debtor's language unless this browser chose one."""
    with force_locale(session.get("locale") or language_of(debtor)):
        return render_template(template, creditor=debtor.creditor, **context)


@bp.get("/<token>")
def confirm(token: str):
    debtor, channel = _debtor_and_channel(token)
    return _page("stop/confirm.html", debtor, channel=channel, form=StopForm())


@bp.post("/<token>")
@csrf.exempt
def stop(token: str):
    debtor, channel = _debtor_and_channel(token)
    if request.form.get("List-Unsubscribe") != "One-Click":
        csrf.protect()
    switch_off(debtor, channel)
    return _page("stop/done.html", debtor, channel=channel)
