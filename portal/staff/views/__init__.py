"""The staff console (/staff), one module a part: `auth` (sign-in, set-up, sign-out), `find`, `debtor` (a debtor's
page and what an agent does there), `view` (view as a debtor), `queues` (what waits for a person and the
decisions), `campaigns` (campaign results), `admin` (staff users and creditor settings).

Views stay thin: each is guarded by `staff_required(permission)`, loads what it names through
portal.staff.access (a debtor of another creditor is not found) and calls the same services as the debtor
pages and the CLI. Each module adds its routes to `bp`.
"""

from flask import Blueprint

from portal.staff.access import Permission, may
from portal.staff.sessions import current_staff

bp = Blueprint("staff", __name__, url_prefix="/staff")


@bp.app_context_processor
def staff_context() -> dict:
    user = current_staff()
    return {"staff_user": user, "can": lambda permission: may(user, Permission(permission))}


from portal.staff.views import (  # noqa: E402, F401  (their routes)
    admin,
    api_keys,
    auth,
    campaigns,
    circumstances,
    debtor,
    find,
    queues,
    view,
    webhooks,
)
