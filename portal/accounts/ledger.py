"""Balances: the one place that adds up ledger entries.

The ledger is append-only and a balance is never stored, so every balance shown, charged against
or written on a receipt is a sum read here. Each sum covers only the accounts asked about.
"""

from collections.abc import Iterable

from sqlalchemy import Select, func, select

from portal.extensions import db
from portal.models import Account, LedgerEntry

_TOTAL = func.coalesce(func.sum(LedgerEntry.amount), 0)


def balance_query(account_id: int) -> Select:
    """The balance as a statement, for use inside another one (the payment claim's conditional UPDATE)."""
    return select(_TOTAL).where(LedgerEntry.account_id == account_id)


def balance_of(account: Account) -> int:
    return int(db.session.scalar(balance_query(account.id)))


def balance_after(entry: LedgerEntry) -> int:
    """The account's balance just after a ledger entry (entries are only ever added, in id order)."""
    return int(db.session.scalar(balance_query(entry.account_id).where(LedgerEntry.id <= entry.id)))


def balances(accounts: Iterable[Account]) -> dict[int, int]:
    """Each account's balance by account id, in one query however many accounts; 0 for an empty ledger."""
    ids = [account.id for account in accounts]
    if not ids:
        return {}
    totals = dict(
        db.session.execute(
            select(LedgerEntry.account_id, _TOTAL)
            .where(LedgerEntry.account_id.in_(ids))
            .group_by(LedgerEntry.account_id)
        ).all()
    )
    return {account_id: int(totals.get(account_id, 0)) for account_id in ids}
