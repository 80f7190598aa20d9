"""US validation information (FDCPA section 809, Regulation F 12 CFR 1006.34): the end of the validation period.

The validation period ends 30 days after the consumer receives the validation notice. A collector
may assume the notice is received 5 days after it is sent, not counting Saturdays, Sundays and the
legal public holidays of 5 U.S.C. 6103(a) (1006.34(b)(5)). We also skip the weekday on which a
holiday falling on a weekend is observed: that only ever moves the end date later, in the
consumer's favour.
"""

from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from portal.accounts.service import Itemization

#: days a notice is assumed to take to arrive, not counting weekends and federal holidays
RECEIPT_BUSINESS_DAYS = 5
#: calendar days after the assumed receipt that the consumer has to dispute
VALIDATION_PERIOD_DAYS = 30


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The n-th given weekday (0 = Monday) of a month; n = -1 is the last one."""
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    last = date(year, month, monthrange(year, month)[1])
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _observed(day: date) -> date:
    """5 U.S.C. 6103(b): a Saturday holiday is observed on the Friday before, a Sunday one on the Monday after."""
    if day.weekday() == 5:
        return day - timedelta(days=1)
    if day.weekday() == 6:
        return day + timedelta(days=1)
    return day


def _holidays_of(year: int) -> list[date]:
    """The legal public holidays of 5 U.S.C. 6103(a) in a year (Inauguration Day, local to D.C., is left out)."""
    days = [
        date(year, 1, 1),  # New Year's Day
        _nth_weekday(year, 1, 0, 3),  # Birthday of Martin Luther King, Jr.
        _nth_weekday(year, 2, 0, 3),  # Washington's Birthday
        _nth_weekday(year, 5, 0, -1),  # Memorial Day
        date(year, 7, 4),  # Independence Day
        _nth_weekday(year, 9, 0, 1),  # Labor Day
        _nth_weekday(year, 10, 0, 2),  # Columbus Day
        date(year, 11, 11),  # Veterans Day
        _nth_weekday(year, 11, 3, 4),  # Thanksgiving Day
        date(year, 12, 25),  # Christmas Day
    ]
    if year >= 2021:
        days.append(date(year, 6, 19))  # Juneteenth National Independence Day
    return days


@cache
def federal_holidays(year: int) -> frozenset[date]:
    """Every day in `year` that is a federal holiday or the weekday one is observed on."""
    days: set[date] = set()
    for y in (year - 1, year, year + 1):
        for holiday in _holidays_of(y):
            days.update({holiday, _observed(holiday)})
    return frozenset(day for day in days if day.year == year)


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in federal_holidays(day.year)


def add_business_days(start: date, count: int) -> date:
    """The day `count` business days after `start` (start itself is not counted)."""
    day = start
    while count > 0:
        day += timedelta(days=1)
        if is_business_day(day):
            count -= 1
    return day


def assumed_receipt(sent_on: date) -> date:
    return add_business_days(sent_on, RECEIPT_BUSINESS_DAYS)


def validation_period_end(sent_on: date) -> date:
    """The last day of the validation period for a notice sent on `sent_on`."""
    return assumed_receipt(sent_on) + timedelta(days=VALIDATION_PERIOD_DAYS)


def days_left(end: date, today: date) -> int:
    """Whole days from today to the end date: 0 on the last day, negative once it has passed."""
    return (end - today).days


@dataclass(frozen=True)
class ValidationInformation:
    """Everything the CFPB's model validation notice (Regulation F, Model Form B-1) says about one debt."""

    #: the communication is from a debt collector (the notice then says so)
    is_debt_collector: bool
    collector_name: str
    collector_address: str | None
    collector_phone: str | None
    consumer_name: str
    consumer_address: str | None
    #: who owned the debt on the itemization date
    itemization_creditor: str
    #: who the debt is owed to now
    current_creditor: str
    account_number: str
    description: str
    itemization: Itemization
    #: None until the notice has been sent
    notice_sent_on: date | None
    period_ends_on: date | None
    days_left: int | None

    @property
    def payments_and_credits(self) -> int:
        """The model form shows payments and credits as one line."""
        return self.itemization.payments + self.itemization.credits

    @property
    def period_open(self) -> bool:
        return self.days_left is not None and self.days_left >= 0


def validation_information(account, creditor, itemization: Itemization, today: date) -> ValidationInformation:
    """Gather the notice's elements for one account (its debtor and creditor already loaded)."""
    debtor = account.debtor
    sent_on = account.validation_notice_sent_on
    end = validation_period_end(sent_on) if sent_on else None
    return ValidationInformation(
        is_debt_collector=creditor.is_debt_collector,
        collector_name=creditor.name,
        collector_address=creditor.mailing_address,
        collector_phone=creditor.phone,
        consumer_name=debtor.full_name,
        consumer_address=debtor.address,
        itemization_creditor=account.itemization_creditor or account.original_creditor,
        current_creditor=account.current_creditor,
        account_number=account.original_reference or account.reference,
        description=account.description,
        itemization=itemization,
        notice_sent_on=sent_on,
        period_ends_on=end,
        days_left=days_left(end, today) if end else None,
    )
