"""Whether we may ask for money on an account on a day: collection and reminders both ask here.

Paused when the account is disputed, on hold or closed; when an original-creditor request on it
is still unanswered (FDCPA section 809(b)); or when a hold (on the account, or on all of its
debtor's accounts) covers the day.
"""

from datetime import date

from sqlalchemy import and_, exists, or_, select

from portal.extensions import db
from portal.models import Account, Dispute, Hold

#: account statuses during which nothing is collected and no reminder is sent
PAUSED_STATUSES = frozenset({"disputed", "on_hold", "closed"})


def _pausing(account_ids: list[int], on: date):
    """(open dispute or request on the account) or (a hold covering `on`), as SQL for a select."""
    open_dispute = exists().where(Dispute.account_id == Account.id, Dispute.status == "open")
    hold = exists().where(
        or_(Hold.account_id == Account.id, and_(Hold.account_id.is_(None), Hold.debtor_id == Account.debtor_id)),
        Hold.starts_on <= on,
        or_(Hold.ends_on.is_(None), Hold.ends_on > on),
    )
    return select(Account.id).where(Account.id.in_(account_ids), or_(open_dispute, hold))


def collection_paused(account: Account, on: date) -> bool:
    if account.status in PAUSED_STATUSES:
        return True
    return db.session.scalar(_pausing([account.id], on).limit(1)) is not None


def paused_account_ids(accounts: list[Account], on: date) -> set[int]:
    """The ids of the accounts on which nothing may be asked for on `on`, in one query (for jobs)."""
    paused = {account.id for account in accounts if account.status in PAUSED_STATUSES}
    others = [account for account in accounts if account.id not in paused]
    if others:
        paused |= set(db.session.scalars(_pausing([account.id for account in others], on)))
    return paused
