"""Whether we may ask for money on an account today: collection and reminders both ask here."""

from datetime import date

from portal.models import Account

#: account statuses during which nothing is collected and no reminder is sent
PAUSED_STATUSES = frozenset({"disputed", "on_hold", "closed"})


def collection_paused(account: Account, on: date) -> bool:
    return account.status in PAUSED_STATUSES
