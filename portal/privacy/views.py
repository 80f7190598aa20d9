"""The privacy notice (public for each creditor, and for the signed-in debtor) and "Download my data"."""

from flask import Blueprint, Response, abort, render_template
from flask_login import current_user, login_required

from portal import clock
from portal.models import Creditor
from portal.privacy import service

bp = Blueprint("privacy", __name__)


def _notice(creditor: Creditor):
    return render_template(
        "privacy/notice.html",
        creditor=creditor,
        years=service.retention_years(creditor),
        theirs=current_user.is_authenticated and current_user.creditor_id == creditor.id,
    )


@bp.get("/privacy")
@login_required
def notice():
    return _notice(current_user.creditor)


@bp.get("/privacy/<slug>")
def public_notice(slug: str):
    """Anyone can read a creditor's notice, before they sign in and type anything."""
    creditor = service.find_creditor(slug)
    if creditor is None:
        abort(404)
    return _notice(creditor)


@bp.get("/my-data")
@login_required
def my_data():
    return render_template("privacy/my_data.html", creditor=current_user.creditor)


@bp.post("/my-data")
@login_required
def download_my_data():
    """A POST, because it writes an audit event; the answer is the file."""
    text = service.download(current_user)
    day = clock.today_for(current_user)
    return Response(
        text,
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="my-information-{current_user.creditor.slug}-{day}.json"',
            "Cache-Control": "no-store",
        },
    )
