"""Signing in to the console (password, then a TOTP code), setting up an account, signing out."""

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from portal import clock
from portal.security import is_local_path
from portal.staff import accounts, sessions, totp
from portal.staff.accounts import SetupProblem, SignInRefused
from portal.staff.forms import CodeForm, SetupForm, SignInForm
from portal.staff.views import bp

_WRONG = _l("The email address, password or code is wrong.")


def _locked_message() -> str:
    return ngettext(
        "This account is locked after too many wrong answers. Try again in %(num)d minute, or ask an admin.",
        "This account is locked after too many wrong answers. Try again in %(num)d minutes, or ask an admin.",
        current_app.config["STAFF_LOCK_MINUTES"],
    )


def _next() -> str:
    target = request.args.get("next", "")
    return target if target.startswith("/staff") and is_local_path(target) else url_for("staff.home")


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    if sessions.current_staff() is not None:
        return redirect(url_for("staff.home"))
    form = SignInForm()
    problem = None
    if form.validate_on_submit():
        try:
            user = accounts.check_password(form.email.data, form.password.data, now=clock.now())
        except SignInRefused as refused:
            problem = _locked_message() if refused.locked else _WRONG
        else:
            sessions.start(user)
            return redirect(url_for("staff.code", next=request.args.get("next")))
    return render_template("staff/sign_in.html", form=form, problem=problem)


@bp.route("/sign-in/code", methods=["GET", "POST"])
def code():
    row = sessions.pending()
    if row is None:
        return redirect(url_for("staff.sign_in"))
    form = CodeForm()
    problem = None
    if form.validate_on_submit():
        try:
            accounts.check_code(row.staff_user, form.code.data, now=clock.now())
        except SignInRefused as refused:
            problem = _locked_message() if refused.locked else _WRONG
            if refused.locked:
                sessions.end(row, "locked")
        else:
            sessions.verified(row)
            return redirect(_next())
    return render_template("staff/code.html", form=form, problem=problem)


@bp.route("/set-up/<token>", methods=["GET", "POST"])
def set_up(token: str):
    now = clock.now()
    user = accounts.user_for_setup(token, now)
    if user is None:
        return render_template("staff/set_up_expired.html"), 404
    form = SetupForm()
    if not form.secret.data:
        form.secret.data = totp.new_secret()
    if form.validate_on_submit():
        try:
            accounts.finish_setup(
                user, password=form.password.data, secret=form.secret.data, code=form.code.data, now=now
            )
        except SetupProblem as problem:
            field = getattr(form, problem.field)
            field.errors = [
                problem.message
                if problem.field == "password"
                else _("That code is not right. Enter the code your app shows now.")
            ]
        else:
            flash(_("Your account is set up. Sign in with your email address, password and a code."))
            return redirect(url_for("staff.sign_in"))
    uri = totp.enrolment_uri(form.secret.data, user.email, issuer=_("Debtor portal staff"))
    return render_template(
        "staff/set_up.html",
        form=form,
        user=user,
        qr=totp.qr_svg(uri, title=_("QR code for your authenticator app")),
        secret=form.secret.data,
    )


@bp.post("/sign-out")
def sign_out():
    row = sessions.current_session()
    if row is not None:
        sessions.end(row, "signed_out")
    flash(_("You have signed out."))
    return redirect(url_for("staff.sign_in"))
