"""View as a debtor: start it from the debtor's page with a reason, end it from the banner."""

from flask import flash, g, redirect, render_template, url_for
from flask_babel import gettext as _

from portal import clock
from portal.staff import view_as
from portal.staff.access import Permission, debtor_for_staff, staff_required
from portal.staff.forms import ViewAsForm
from portal.staff.sessions import current_session, current_staff
from portal.staff.views import bp


@bp.route("/debtors/<int:debtor_id>/view", methods=["GET", "POST"])
@staff_required(Permission.VIEW_AS)
def start_view(debtor_id: int):
    debtor = debtor_for_staff(current_staff(), debtor_id)
    current = g.get("view_as")
    form = ViewAsForm()
    if current is None and form.validate_on_submit():
        view_as.start_view(
            current_staff(),
            current_session().id,
            debtor,
            category=form.category.data,
            reason=form.reason.data,
            now=clock.now(),
        )
        return redirect(url_for("accounts.dashboard"))
    return render_template("staff/view_as_start.html", debtor=debtor, form=form, current=current)


@bp.post("/view/end")
@staff_required(Permission.VIEW_AS)
def end_view():
    view = g.get("view_as")
    if view is None:
        return redirect(url_for("staff.home"))
    view_as.end_view(view, reason="ended", now=clock.now())
    flash(_("You have stopped viewing as %(name)s.", name=view.debtor.full_name))
    return redirect(url_for("staff.debtor", debtor_id=view.debtor_id))
