"""The console's first page: find a debtor."""

from flask import render_template, request

from portal.staff import search
from portal.staff.access import staff_required
from portal.staff.forms import FindForm
from portal.staff.sessions import current_staff
from portal.staff.views import bp


@bp.get("/")
@staff_required()
def home():
    form = FindForm(request.args)
    asked = "q" in request.args
    found = search.find_debtors(current_staff(), form.q.data or "") if asked else None
    return render_template("staff/find.html", form=form, found=found, asked=asked)
