"""A creditor's API keys in the console: list, create (the key is shown once), revoke after confirming.

Admins see and manage only the keys of their own creditors (Permission.CREDITOR_SETTINGS)."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from portal.api import keys
from portal.help.forms import summary
from portal.staff.access import Permission, creditor_for_staff, staff_required
from portal.staff.sessions import current_staff
from portal.staff.views import bp
from portal.staff.views.admin import _confirm, _confirmed


class NewKeyForm(FlaskForm):
    name = StringField(
        _l("What the key is for"),
        validators=[
            DataRequired(_l("Say what the key is for")),
            Length(max=100, message=_l("Write 100 characters or fewer")),
        ],
    )

    @property
    def errors_for_summary(self) -> list[tuple[str, str]]:
        return summary(self.name)


@bp.route("/admin/creditors/<slug>/api-keys", methods=["GET", "POST"])
@staff_required(Permission.CREDITOR_SETTINGS)
def admin_api_keys(slug: str):
    admin = current_staff()
    creditor = creditor_for_staff(admin, slug)
    form = NewKeyForm()
    if form.validate_on_submit():
        row, key = keys.create_key(creditor, name=form.name.data.strip(), by=admin.name)
        return render_template("staff/api_keys/created.html", creditor=creditor, row=row, key=key)
    status = 400 if form.errors_for_summary else 200
    return render_template(
        "staff/api_keys/list.html", creditor=creditor, form=form, rows=keys.keys_of([creditor.id])
    ), status


@bp.post("/admin/creditors/<slug>/api-keys/<lookup>/revoke")
@staff_required(Permission.CREDITOR_SETTINGS)
def admin_revoke_api_key(slug: str, lookup: str):
    admin = current_staff()
    creditor = creditor_for_staff(admin, slug)
    row = keys.get_key([creditor.id], lookup)
    back = url_for("staff.admin_api_keys", slug=creditor.slug)
    if not _confirmed():
        return _confirm(
            _("Revoke the key “%(name)s”?", name=row.name),
            _("Whatever uses it stops working at once. This cannot be undone: make a new key instead."),
            _("Revoke the key"),
            back,
        )
    keys.revoke(row, by=admin.name)
    flash(_("The key “%(name)s” is revoked.", name=row.name))
    return redirect(back)
