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
from flask_babel import lazy_gettext as _l
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
    day, _, entry_id = (value or "").partition(".")
    try:
        return date.fromisoformat(day), int(entry_id)
    except ValueError:
        return None


# The period of a statement

#: the boxes of each date, named as the GOV.UK date input names them (`<name>-day`, ...)
PARTS = ("day", "month", "year")


@dataclass
class DateBoxes:
    """What was typed in one date's Day, Month and Year boxes, and what is wrong with it."""

    name: str
    day: str = ""
    month: str = ""
    year: str = ""
    error: str | None = None
    #: the boxes the error is about (each gets a red border; the summary links to the first)
    error_parts: tuple[str, ...] = PARTS

    @property
    def typed(self) -> bool:
        return bool(self.day or self.month or self.year)

    @property
    def summary(self) -> tuple[str, str | None]:
        """The error summary's link: the first box the error is about, and the message."""
        return f"{self.name}-{self.error_parts[0]}", self.error

    def show(self, day: date) -> None:
        self.day, self.month, self.year = str(day.day), str(day.month), str(day.year)


@dataclass
class Period:
    """The statement's first and last days (both included), as asked for; `errors` empty when they can be used."""

    starts: DateBoxes
    ends: DateBoxes
    first: date | None = None
    last: date | None = None

    @property
    def errors(self) -> list[DateBoxes]:
        return [boxes for boxes in (self.starts, self.ends) if boxes.error]

    @property
    def valid(self) -> bool:
        return self.first is not None and self.last is not None and not self.errors


_WHAT = {"from": _l("The start date"), "to": _l("The end date")}


def _read_boxes(args, name: str) -> tuple[DateBoxes, date | None]:
    """One date from the query: three boxes, or the whole date as 2026-03-31 (the PDF link and the console)."""
    boxes = DateBoxes(name, *((args.get(f"{name}-{part}") or "").strip() for part in PARTS))
    what = str(_WHAT[name])
    if not boxes.typed and args.get(name):
        try:
            day = date.fromisoformat(args[name].strip())
        except ValueError:
            boxes.error = _("%(what)s must be a real date", what=what)
            return boxes, None
        boxes.show(day)
        return boxes, day
    if not boxes.typed:
        return boxes, None
    missing = tuple(part for part in PARTS if not getattr(boxes, part))
    if missing:
        boxes.error = _("%(what)s must include a day, a month and a year", what=what)
        boxes.error_parts = missing
        return boxes, None
    wrong = tuple(part for part in PARTS if not getattr(boxes, part).isdigit())
    if wrong or len(boxes.year) != 4:
        boxes.error = _("%(what)s must be a real date", what=what)
        boxes.error_parts = wrong or ("year",)
        return boxes, None
    try:
        return boxes, date(int(boxes.year), int(boxes.month), int(boxes.day))
    except ValueError:
        boxes.error = _("%(what)s must be a real date", what=what)
        return boxes, None


def period_args(args) -> dict[str, str]:
    """Only the period's own values from a query string (to send the same period on to another page)."""
    names = {"from", "to"} | {f"{name}-{part}" for name in ("from", "to") for part in PARTS}
    return {name: value for name, value in args.items() if name in names}


def read_period(args, *, today: date, default_first: date) -> Period:
    """The period a debtor (or an agent) asked for, from a query string.

    Nothing asked for: from `default_first` (the account's first day) to today. Either date may be left out
    (from the first day, or to today). The last day may not be after today (a statement says what happened),
    nor the first after the last.
    """
    starts, first = _read_boxes(args, "from")
    ends, last = _read_boxes(args, "to")
    period = Period(starts, ends)
    if starts.error or ends.error:
        return period
    first = first or default_first
    last = last or today
    if first > today:
        starts.error = _("The start date must be today or in the past")
        return period
    if last > today:
        ends.error = _("The end date must be today or in the past")
        return period
    if first > last:
        starts.error = _("The start date must be the same as or before the end date")
        return period
    starts.show(first)
    ends.show(last)
    period.first, period.last = first, last
    return period


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
