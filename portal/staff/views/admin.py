"""Admin pages: staff users (who they are, their role and creditors, set-up links, sessions) and creditor settings.

Every change asks for confirmation first: the action's POST without `confirmed` shows what will happen, with the
same fields carried in hidden inputs, and the POST from that page does it.
"""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from portal import clock
from portal.creditors import settings
from portal.creditors.forms import CreditorSettingsForm, describe
from portal.domain_errors import Conflict, NotAllowedNow
from portal.staff import ROLE_LABELS, users
from portal.staff.access import Permission, creditor_for_staff, staff_required
from portal.staff.admin_forms import AccessForm, NewStaffForm
from portal.staff.cli import setup_url
from portal.staff.sessions import current_staff
from portal.staff.users import StaffChangeRefused
from portal.staff.views import bp


def _confirmed() -> bool:
    return request.form.get("confirmed") == "yes"


def _confirm(title: str, explanation: str, button: str, back: str, changes=None):
    """The confirmation page: the form's fields again, hidden, and a button that sends them confirmed."""
    carried = [
        (name, value) for name, value in request.form.items(multi=True) if name not in ("csrf_token", "confirmed")
    ]
    return render_template(
        "staff/admin/confirm.html",
        title=title,
        explanation=explanation,
        button=button,
        back=back,
        carried=carried,
        changes=changes or [],
    )


# Staff users


@bp.get("/admin/users")
@staff_required(Permission.MANAGE_STAFF)
def admin_users():
    now = clock.now()
    return render_template("staff/admin/users.html", rows=users.staff_list(current_staff(), now), now=now)


@bp.route("/admin/users/new", methods=["GET", "POST"])
@staff_required(Permission.MANAGE_STAFF)
def admin_new_user():
    admin = current_staff()
    form = NewStaffForm(admin)
    if form.validate_on_submit():
        try:
            user, token = users.create_user(
                admin,
                email=form.email.data,
                name=form.name.data,
                role=form.role.data,
                creditor_ids=form.creditors.data,
                now=clock.now(),
            )
        except Conflict:
            form.email.errors = [_("There is already a staff account with this email address")]
        except StaffChangeRefused as refused:
            form.creditors.errors = [str(refused.message)]
        except NotAllowedNow:
            form.email.errors = [_("Enter an email address like name@example.com")]
        else:
            return _set_up_link_page(user, token, created=True)
    return render_template("staff/admin/new_user.html", form=form)


def _set_up_link_page(user, token: str, *, created: bool):
    """The set-up link, shown on this one response and never again (only its hash is kept)."""
    return render_template("staff/admin/set_up_link.html", user=user, url=setup_url(token), created=created)


@bp.get("/admin/users/<int:user_id>")
@staff_required(Permission.MANAGE_STAFF)
def admin_user(user_id: int):
    admin = current_staff()
    user = users.user_for_admin(admin, user_id)
    form = AccessForm(admin, data={"role": user.role, "creditors": sorted(user.creditor_ids)})
    return render_template(
        "staff/admin/user.html",
        user=user,
        form=form,
        open_sessions=users.open_sessions(user, clock.now()),
        now=clock.now(),
    )


@bp.post("/admin/users/<int:user_id>/access")
@staff_required(Permission.MANAGE_STAFF)
def admin_user_access(user_id: int):
    admin = current_staff()
    user = users.user_for_admin(admin, user_id)
    form = AccessForm(admin)
    back = url_for("staff.admin_user", user_id=user.id)
    if not form.validate_on_submit():
        return render_template("staff/admin/user.html", user=user, form=form, open_sessions=None, now=clock.now()), 400
    if user.id == admin.id and form.role.data != "admin":
        flash(_("You cannot take away your own admin role. Ask another admin."))
        return redirect(back)
    if not _confirmed():
        names = [choice.label for choice in form.creditors.choices if choice.value in form.creditors.data]
        return _confirm(
            _("Change %(name)s's role and creditors?", name=user.name),
            _(
                "They will be %(role)s for %(creditors)s from their next page.",
                role=ROLE_LABELS[form.role.data],
                creditors=", ".join(names),
            ),
            _("Yes, change them"),
            back,
        )
    try:
        changed = users.change_access(admin, user, role=form.role.data, creditor_ids=form.creditors.data)
    except StaffChangeRefused as refused:
        flash(str(refused.message))
    else:
        flash(_("%(name)s's role and creditors are changed.", name=user.name) if changed else _("Nothing changed."))
    return redirect(back)


@bp.post("/admin/users/<int:user_id>/set-up-link")
@staff_required(Permission.MANAGE_STAFF)
def admin_user_set_up_link(user_id: int):
    admin = current_staff()
    user = users.user_for_admin(admin, user_id)
    back = url_for("staff.admin_user", user_id=user.id)
    if not _confirmed():
        return _confirm(
            _("Give %(name)s a new set-up link?", name=user.name),
            _(
                "Any link given before stops working. Once they use the new one, their old password and "
                "authenticator stop working."
            ),
            _("Yes, make a new link"),
            back,
        )
    try:
        token = users.new_setup_link(admin, user, now=clock.now())
    except StaffChangeRefused as refused:
        flash(str(refused.message))
        return redirect(back)
    return _set_up_link_page(user, token, created=False)


@bp.post("/admin/users/<int:user_id>/deactivate")
@staff_required(Permission.MANAGE_STAFF)
def admin_user_deactivate(user_id: int):
    admin = current_staff()
    user = users.user_for_admin(admin, user_id)
    back = url_for("staff.admin_user", user_id=user.id)
    if user.id == admin.id:
        flash(_("You cannot deactivate your own account. Ask another admin."))
        return redirect(back)
    if not _confirmed():
        return _confirm(
            _("Deactivate %(name)s?", name=user.name),
            _("They are signed out now and cannot sign in until an admin reactivates them. Their history stays."),
            _("Yes, deactivate"),
            back,
        )
    users.deactivate(admin, user, now=clock.now())
    flash(_("%(name)s is deactivated and signed out.", name=user.name))
    return redirect(back)


@bp.post("/admin/users/<int:user_id>/reactivate")
@staff_required(Permission.MANAGE_STAFF)
def admin_user_reactivate(user_id: int):
    admin = current_staff()
    user = users.user_for_admin(admin, user_id)
    back = url_for("staff.admin_user", user_id=user.id)
    if not _confirmed():
        return _confirm(
            _("Reactivate %(name)s?", name=user.name),
            _("They can sign in again with their password and authenticator."),
            _("Yes, reactivate"),
            back,
        )
    users.reactivate(admin, user)
    flash(_("%(name)s can sign in again.", name=user.name))
    return redirect(back)


@bp.post("/admin/users/<int:user_id>/end-sessions")
@staff_required(Permission.MANAGE_STAFF)
def admin_user_end_sessions(user_id: int):
    admin = current_staff()
    user = users.user_for_admin(admin, user_id)
    back = url_for("staff.admin_user", user_id=user.id)
    if not _confirmed():
        return _confirm(
            _("End all of %(name)s's sessions?", name=user.name),
            _("They are signed out everywhere, and any view as a debtor ends. They can sign in again."),
            _("Yes, end their sessions"),
            back,
        )
    ended = users.end_sessions(admin, user, now=clock.now())
    flash(ngettext("%(num)d session ended.", "%(num)d sessions ended.", ended))
    return redirect(back)


# Creditor settings


@bp.get("/admin/creditors")
@staff_required(Permission.CREDITOR_SETTINGS)
def admin_creditors():
    return render_template("staff/admin/creditors.html", creditors=current_staff().creditors)


@bp.route("/admin/creditors/<slug>", methods=["GET", "POST"])
@staff_required(Permission.CREDITOR_SETTINGS)
def admin_creditor(slug: str):
    admin = current_staff()
    creditor = creditor_for_staff(admin, slug)
    form = CreditorSettingsForm(creditor)
    before = settings.editable(settings.current_settings(creditor))
    if request.method == "GET":
        form.fill(before)
    elif form.validate_on_submit() and (values := form.values()) is not None:
        try:
            if not _confirmed():
                return _review(form, creditor, before, values)
            version = settings.change_settings(
                creditor, values, staff=admin, now=clock.now(), based_on=request.form.get("based_on", type=int)
            )
        except settings.SettingsRefused as refused:
            form.refuse(refused.problems)
        except settings.SettingsChangedMeanwhile:
            flash(
                _(
                    "Someone else saved these settings while you were changing them, so yours were not saved. "
                    "The page now shows what they saved: make your changes again."
                )
            )
            return redirect(url_for("staff.admin_creditor", slug=creditor.slug), code=303)
        else:
            flash(
                _("Settings saved as version %(number)d.", number=version.version) if version else _("Nothing changed.")
            )
            return redirect(url_for("staff.admin_creditor", slug=creditor.slug))
    status = 400 if form.errors_for_summary else 200
    return render_template(
        "staff/admin/creditor.html",
        creditor=creditor,
        form=form,
        history=settings.history(creditor),
        labels=settings.LABELS,
        describe=describe,
    ), status


def _review(form: CreditorSettingsForm, creditor, before: dict, values: dict):
    """What will change, before and after, to confirm; refused values are refused here already."""
    found = settings.problems(values, creditor)
    if found:
        raise settings.SettingsRefused(found)
    changes = [
        (settings.LABELS[field], describe(field, before[field], form), describe(field, values[field], form))
        for field in settings.LABELS
        if before[field] != values[field]
    ]
    if not changes:
        flash(_("Nothing changed."))
        return redirect(url_for("staff.admin_creditor", slug=creditor.slug))
    return _confirm(
        _("Change %(name)s's settings?", name=creditor.name),
        _("Debtors see the new settings on their next page."),
        _("Yes, save these settings"),
        url_for("staff.admin_creditor", slug=creditor.slug),
        changes=changes,
    )


@bp.get("/admin/creditors/<slug>/versions/<int:number>")
@staff_required(Permission.CREDITOR_SETTINGS)
def admin_creditor_version(slug: str, number: int):
    creditor = creditor_for_staff(current_staff(), slug)
    version = settings.version_of(creditor, number)
    return render_template(
        "staff/admin/creditor_version.html",
        creditor=creditor,
        version=version,
        values=settings.editable(version.settings),
        labels=settings.LABELS,
        describe=describe,
        form=CreditorSettingsForm(creditor),
    )
