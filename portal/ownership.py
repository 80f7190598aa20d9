"""The one loader of a debtor's own row, used by every area: someone else's row does not exist for them.

A missing row and another debtor's row raise the same NotFoundForOwner (a 404 on the web), so a guessed
id or reference tells nobody that it exists (flaskr's `get_post`, scoped by construction).
"""

from typing import TypeVar

from sqlalchemy import select

from portal.domain_errors import NotFoundForOwner
from portal.extensions import db
from portal.models import Debtor

Owned = TypeVar("Owned", bound=db.Model)


def get_owned(model: type[Owned], debtor: Debtor, what: str, **key: object) -> Owned:
    """The `model` row with this one `key` (``id=`` or ``reference=``) that is the debtor's; `what` names it in
    the error."""
    row = db.session.scalar(select(model).filter_by(debtor_id=debtor.id, **key))
    if row is None:
        (value,) = key.values()
        raise NotFoundForOwner(f"No {what} {value!r} for debtor {debtor.id}.")
    return row
