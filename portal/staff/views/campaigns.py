"""Campaign results: the campaigns of the staff user's creditors with their totals, and one campaign by day as
a table, a chart and a CSV. Reading them needs only Permission.FIND; another creditor's campaign is not found."""

from babel.dates import format_skeleton
from flask import Response, render_template
from flask_babel import get_locale

from portal.campaigns import export, results
from portal.campaigns.chart import SERIES, bar_chart
from portal.staff.access import creditor_for_staff, staff_required
from portal.staff.sessions import current_staff
from portal.staff.views import bp


@bp.get("/campaigns")
@staff_required()
def campaigns():
    return render_template("staff/campaigns/index.html", campaigns=results.campaigns_of(current_staff().creditors))


def _results(slug: str, campaign: str) -> results.Results:
    return results.results_of(creditor_for_staff(current_staff(), slug), campaign)


@bp.get("/campaigns/<slug>/<campaign>")
@staff_required()
def campaign_results(slug: str, campaign: str):
    found = _results(slug, campaign)
    days = [
        (format_skeleton("MMMd", day, locale=get_locale()), {name: getattr(figures, name) for name in SERIES})
        for day, figures in found.days
    ]
    return render_template(
        "staff/campaigns/results.html", results=found, headings=export.headings(found), chart=bar_chart(days)
    )


@bp.get("/campaigns/<slug>/<campaign>/results.csv")
@staff_required()
def campaign_results_csv(slug: str, campaign: str):
    found = _results(slug, campaign)
    return Response(
        export.csv_text(found),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{export.filename(found)}"'},
    )
