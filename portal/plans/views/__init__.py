"""Plans on the debtor's side, one module a stage: `making` (options, a proposal, agreeing), `progress` (the plan
page), `card`, `collection` (3-D Secure for a plan payment), `changes` (managing a running plan).

Views stay thin: they read the request, call the stage's service in portal.plans.service (and the engine for
what to show), and render. Each module adds its routes to `bp`, so they are imported once it exists.
"""

from flask import Blueprint
from flask_login import current_user

from portal.plans.service.progress import progress_by_account
from portal.plans.words import amount_per, frequency_label, how_often, payday_label

bp = Blueprint("plans", __name__)


@bp.app_template_global()
def plan_progress() -> dict:
    """{account id: Progress} for the signed-in debtor's live plans (dashboard and account pages)."""
    if not current_user.is_authenticated:
        return {}
    return progress_by_account(current_user)


for _word in (how_often, amount_per, frequency_label, payday_label):
    bp.add_app_template_global(_word)

from portal.plans.views import card, changes, collection, making, progress  # noqa: E402, F401  (their routes)
