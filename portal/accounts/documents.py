"""Documents a debtor keeps: every payment with its receipt, a statement for any period, a "paid in full" letter.

All read the ledger, never a stored balance: a statement's opening balance is the sum of the entries before
its first day, its closing balance the sum up to its last day, and the lines between are the entries in the
period in the order they took effect. The words of each line are chosen when it is drawn (portal.accounts.wording),
so the same statement reads in English or Spanish.

Plain functions over the debtor's own accounts; the views and the console decide what to show.
"""

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select, tuple_

from portal.accounts.ledger import balance_of, settled_on
from portal.extensions import db
from portal.models import Account, Debtor, LedgerEntry, Payment
from portal.models.account import LedgerKind

# Payments


@dataclass(frozen=True)
class PaymentLine:
    """One payment into the ledger: by card through the portal (it has a receipt page), or taken elsewhere and
    posted by the creditor (no receipt here: the creditor's own)."""

    entry: LedgerEntry
    account: Account
    #: the portal's card payment behind the entry, when there is one (its receipt page exists)
    payment: Payment | None

    @property
    def amount(self) -> int:
        """Paid, as a positive number of minor units (the ledger stores payments as negative)."""
        return -self.entry.amount


@dataclass(frozen=True)
class PaymentsPage:
    lines: list[PaymentLine]
    #: where the next older page starts ("<date>.<id>"), None when there are no more
    older: str | None


def payments_of(debtor: Debtor, *, before: str | None = None, size: int = 25) -> PaymentsPage:
    """A page of the debtor's payments on every account, newest first, in one statement whatever the count.

    Keyset paging on (effective date, entry id), as the account history does: a page costs the same however
    many payments came before.
    """
    query = (
        select(LedgerEntry, Account, Payment)
        .join(Account, Account.id == LedgerEntry.account_id)
        .outerjoin(Payment, Payment.ledger_entry_id == LedgerEntry.id)
        .where(Account.debtor_id == debtor.id, LedgerEntry.kind == LedgerKind.PAYMENT)
    )
    start = _position(before)
    if start is not None:
        query = query.where(tuple_(LedgerEntry.effective_date, LedgerEntry.id) < tuple_(*start))
    rows = db.session.execute(
        query.order_by(LedgerEntry.effective_date.desc(), LedgerEntry.id.desc()).limit(size + 1)
    ).all()
    lines = [PaymentLine(entry, account, payment) for entry, account, payment in rows[:size]]
    last = lines[-1].entry if lines and len(rows) > size else None
    return PaymentsPage(lines, f"{last.effective_date.isoformat()}.{last.id}" if last else None)


def _position(value: str | None) -> tuple[date, int] | None:
    day, _dot, entry_id = (value or "").partition(".")
    try:
        return date.fromisoformat(day), int(entry_id)
    except ValueError:
        return None


# The period of a statement


@dataclass(frozen=True)
class PeriodProblem:
    """Why a period cannot be: which of its dates ("from" or "to") and what to do about it."""

    date: str
    message: str


def period_problem(first: date, last: date, today: date) -> PeriodProblem | None:
    """A statement says what happened: no day after today, and the first day no later than the last."""
    if first > today:
        return PeriodProblem("from", _("The start date must be today or in the past"))
    if last > today:
        return PeriodProblem("to", _("The end date must be today or in the past"))
    if first > last:
        return PeriodProblem("from", _("The start date must be the same as or before the end date"))
    return None


def first_day(account: Account) -> date:
    """Where a statement of the whole account starts: the itemization date, or an earlier entry's."""
    earliest = db.session.scalar(
        select(func.min(LedgerEntry.effective_date)).where(LedgerEntry.account_id == account.id)
    )
    return min(d for d in (earliest, account.itemization_date) if d is not None)


# The statement


@dataclass(frozen=True)
class StatementLine:
    entry: LedgerEntry
    #: the balance just after this line, in minor units
    balance: int


@dataclass(frozen=True)
class Statement:
    account: Account
    first: date
    last: date
    #: minor units owed at the start of the first day, and at the end of the last
    opening: int
    closing: int
    lines: list[StatementLine]


def statement_of(account: Account, first: date, last: date) -> Statement:
    """The account from `first` to `last` (both included): two statements, whatever the ledger's length."""
    opening = int(
        db.session.scalar(
            select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(
                LedgerEntry.account_id == account.id, LedgerEntry.effective_date < first
            )
        )
    )
    entries = db.session.scalars(
        select(LedgerEntry)
        .where(
            LedgerEntry.account_id == account.id,
            LedgerEntry.effective_date >= first,
            LedgerEntry.effective_date <= last,
        )
        .order_by(LedgerEntry.effective_date, LedgerEntry.id)
    )
    lines, running = [], opening
    for entry in entries:
        running += entry.amount
        lines.append(StatementLine(entry, running))
    return Statement(account, first, last, opening, running, lines)


# Paid in full


@dataclass(frozen=True)
class PaidInFull:
    """Whether the account was paid in full, and when; `balance` is what is owed now (minor units)."""

    account: Account
    balance: int
    #: the day the payment or credit that cleared the balance took effect; None: not paid in full
    settled_on: date | None

    @property
    def paid(self) -> bool:
        return self.settled_on is not None


def paid_in_full(account: Account) -> PaidInFull:
    """A letter is due only when a payment (or the creditor's credit) brought the balance to nothing: an account
    cleared by a write-off owes nothing too, but was not paid in full, and its letter would not be true."""
    balance = balance_of(account)
    return PaidInFull(account, balance, settled_on(account) if balance <= 0 else None)
