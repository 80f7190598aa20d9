"""Balances: the one place that adds up ledger entries.

The ledger is append-only and a balance is never stored, so every balance shown, charged against
or written on a receipt is a sum read here. Each sum covers only the accounts asked about.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, case, func, select, tuple_
from sqlalchemy.orm import aliased

from portal.extensions import db
from portal.models import Account, LedgerEntry


def _total(entries):
    return func.coalesce(func.sum(entries.amount), 0)


_TOTAL = _total(LedgerEntry)


def balance_query(account_id: int) -> Select:
    """The balance as a statement, for use inside another one (the payment claim's conditional UPDATE)."""
    return select(_TOTAL).where(LedgerEntry.account_id == account_id)


def balance_of(account: Account) -> int:
    return int(db.session.scalar(balance_query(account.id)))


def balance_after(entry: LedgerEntry) -> int:
    """The account's balance just after a ledger entry (entries are only ever added, in id order)."""
    return int(db.session.scalar(balance_query(entry.account_id).where(LedgerEntry.id <= entry.id)))


#: the balance of the account on the same row, for `select(Account, BALANCE)`: accounts and their balances in one
#: statement (a correlated subquery, summed from the same covering index as `balance_query`)
BALANCE = select(_TOTAL).where(LedgerEntry.account_id == Account.id).scalar_subquery()


def _settled_on():
    """The day the payment or credit that last brought the balance of the account on the row to zero took effect.

    NULL while something is owed, or when what cleared the balance was not a payment or credit (a write-off). Ledgers
    are short and this runs only for accounts owing nothing, so the running sums are plain subqueries.
    """
    crossing, earlier, settling = aliased(LedgerEntry), aliased(LedgerEntry), aliased(LedgerEntry)
    through = (
        select(_total(earlier))
        .where(earlier.account_id == crossing.account_id, earlier.id <= crossing.id)
        .scalar_subquery()
    )
    last_crossing = (
        select(func.max(crossing.id))
        .where(crossing.account_id == settling.account_id, through <= 0, through - crossing.amount > 0)
        .scalar_subquery()
    )
    settled = (
        select(settling.effective_date)
        .where(
            settling.account_id == Account.id,
            settling.id == last_crossing,
            settling.kind.in_(("payment", "credit")),
        )
        .scalar_subquery()
    )
    return case((BALANCE <= 0, settled))


#: for `select(Account, BALANCE, SETTLED_ON)`: when an account owing nothing was paid in full, on the same row
SETTLED_ON = _settled_on()


def settled_on(account: Account) -> date | None:
    """The day the account was paid in full; None while something is owed or if it was never paid off."""
    return db.session.scalar(select(SETTLED_ON).where(Account.id == account.id))


def sums_by_kind(account: Account) -> dict[str, int]:
    """The account's ledger added up by kind (itemization, interest, fee, payment, credit, write_off), in one query."""
    rows = db.session.execute(
        select(LedgerEntry.kind, _TOTAL).where(LedgerEntry.account_id == account.id).group_by(LedgerEntry.kind)
    )
    return {kind: int(total) for kind, total in rows}


@dataclass(frozen=True)
class HistoryPage:
    """Some of an account's entries, newest first, and where the next older ones start (None: no more)."""

    entries: list[LedgerEntry]
    older: str | None


def history(account: Account, *, before: str | None = None, size: int = 20) -> HistoryPage:
    """A page of the ledger, newest first, from just before the entry `before` names ("<date>.<id>").

    Keyset paging on (effective date, id), which an index covers: a page costs the same however long
    the ledger. A `before` that does not parse starts from the newest.
    """
    query = select(LedgerEntry).where(LedgerEntry.account_id == account.id)
    start = _position(before)
    if start is not None:
        query = query.where(tuple_(LedgerEntry.effective_date, LedgerEntry.id) < tuple_(*start))
    rows = list(
        db.session.scalars(query.order_by(LedgerEntry.effective_date.desc(), LedgerEntry.id.desc()).limit(size + 1))
    )
    entries, more = rows[:size], len(rows) > size
    last = entries[-1] if entries else None
    return HistoryPage(entries, f"{last.effective_date.isoformat()}.{last.id}" if more and last else None)


def _position(value: str | None) -> tuple[date, int] | None:
    day, _, entry_id = (value or "").partition(".")
    try:
        return date.fromisoformat(day), int(entry_id)
    except ValueError:
        return None
