"""Someone you trust to help: the debtor's page to invite, renew and end (blueprint "trusted"), and the helper's
own way in, with their own link and code (blueprint "helping")."""

from flask import Blueprint, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from portal import clock
from portal.help.forms import CodeForm
from portal.models.trusted_helper import EndedBy
from portal.one_time_codes import CODE_MINUTES
from portal.trusted import access, service
from portal.trusted.forms import ConfirmForm, InviteForm

bp = Blueprint("trusted", __name__, url_prefix="/help/trusted")
helping = Blueprint("helping", __name__)

#: the session key of the helper whose link was opened on this browser, before their code
PENDING = "helper_pending"


@bp.get("")
@login_required
def helpers():
    now = clock.now()
    helpers = service.helpers_of(current_user, now)
    return render_template(
        "trusted/helpers.html",
        helpers=helpers,
        ending_soon=service.ending_soon(helpers, now),
        form=ConfirmForm(),
        days=service.access_days(),
        creditor=current_user.creditor,
    )


@bp.route("/invite", methods=["GET", "POST"])
@login_required
def invite():
    form = InviteForm()
    if form.validate_on_submit():
        try:
            helper = service.invite(
                current_user,
                name=form.name.data,
                email=form.normal_email,
                relationship=form.relationship.data,
                may_propose=form.may_propose.data,
                may_pay=form.may_pay.data,
                now=clock.now(),
            )
        except service.TooManyInvites:
            form.email.errors = [_("You have asked enough people today. Try again tomorrow.")]
        else:
            flash(_("We have emailed %(name)s their own link.", name=helper.name))
            return redirect(url_for(".helpers"), code=303)
    return render_template(
        "trusted/invite.html", form=form, days=service.access_days(), creditor=current_user.creditor
    ), (400 if form.errors else 200)


@bp.post("/<int:helper_id>/renew")
@login_required
def renew(helper_id: int):
    helper = service.helper_of(current_user, helper_id)
    if ConfirmForm().validate_on_submit():
        service.renew(helper, now=clock.now())
        flash(
            ngettext(
                "%(name)s can help for %(num)d more day.",
                "%(name)s can help for %(num)d more days.",
                service.access_days(),
                name=helper.name,
            )
        )
    return redirect(url_for(".helpers"), code=303)


@bp.route("/<int:helper_id>/end", methods=["GET", "POST"])
@login_required
def end(helper_id: int):
    helper = service.helper_of(current_user, helper_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        service.end(helper, by=EndedBy.DEBTOR, now=clock.now())
        flash(_("%(name)s can no longer see your account.", name=helper.name))
        return redirect(url_for(".helpers"), code=303)
    return render_template("trusted/end.html", helper=helper, form=form, creditor=current_user.creditor)


# The helper's side


@helping.get("/h/<token>")
def open_link(token: str):
    """The helper's own link: opening it changes nothing (mail scanners open links), and the token leaves the
    address bar at once."""
    helper = service.find_by_token(token)
    if helper is None:
        return render_template("trusted/not_found.html"), 404
    session[PENDING] = helper.public_id
    return redirect(url_for(".start"))


def _pending():
    return service.find_by_public_id(session.get(PENDING))


def _ended():
    session.pop(PENDING, None)
    return render_template("trusted/ended.html"), 410


@helping.route("/helping", methods=["GET", "POST"])
def start():
    helper = _pending()
    if helper is None:
        return render_template("trusted/not_found.html"), 404
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            service.send_code(helper, now=clock.now())
        except service.AccessEnded:
            return _ended()
        except service.TooManyCodes:
            return render_template(
                "trusted/start.html", helper=helper, form=form, too_many=True, creditor=helper.debtor.creditor
            ), 429
        return redirect(url_for(".code"), code=303)
    if not service.is_active(helper, clock.now()):
        return _ended()
    return render_template(
        "trusted/start.html", helper=helper, form=form, too_many=False, creditor=helper.debtor.creditor
    )


@helping.route("/helping/code", methods=["GET", "POST"])
def code():
    helper = _pending()
    if helper is None:
        return render_template("trusted/not_found.html"), 404
    form = CodeForm()
    if form.validate_on_submit():
        try:
            service.confirm_code(helper, form.code.data, now=clock.now())
        except service.AccessEnded:
            return _ended()
        except service.CodeRefused as refused:
            form.refused(refused)
        else:
            access.start_visit(helper)
            return redirect(url_for("accounts.dashboard"), code=303)
    page = render_template(
        "trusted/code.html",
        helper=helper,
        form=form,
        minutes=CODE_MINUTES,
        resend=ConfirmForm(),
        creditor=helper.debtor.creditor,
    )
    return page, (400 if form.errors else 200)


@helping.get("/helping/ended")
def ended():
    return _ended()


@helping.get("/helping/left")
def left():
    return render_template("trusted/left.html")
