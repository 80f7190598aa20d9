"""Instalment dates: every week, fortnight or four weeks from the first, or once a month on a payday.

A debtor pays best just after they are paid, so monthly dates can follow a payday they name
("the last Friday of the month", "the 28th"). The first payment is on the date they chose; the
k-th later payment falls in the k-th month after it, so there is exactly one payment per calendar
month and dates always increase. Weekly pay ("every other Friday from 5 Dec") needs no payday:
it is a fortnightly plan whose first payment is that Friday.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Literal

from dateutil.relativedelta import FR, MO, SA, SU, TH, TU, WE, relativedelta

from portal.plans.policy import Frequency

#: days between payments for the frequencies that are a fixed number of days
STEP_DAYS = {Frequency.WEEKLY: 7, Frequency.FORTNIGHTLY: 14, Frequency.FOUR_WEEKLY: 28}
#: relativedelta's weekdays by number (0 = Monday): FR(-1) is the last Friday on or before a day
_WEEKDAYS = (MO, TU, WE, TH, FR, SA, SU)
#: answers kept: the engine asks for the same few months again and again while it looks for plans,
#: and relativedelta costs several times the arithmetic it replaced (the engine's tests ran ~1.8x
#: slower, past hypothesis's deadline, without this)
_REMEMBERED = 4096


@dataclass(frozen=True)
class Payday:
    """How monthly dates are aligned; ignored for weekly, fortnightly and four-weekly plans."""

    kind: Literal["same_day", "day_of_month", "last_day_of_month", "last_weekday_of_month"]
    #: day_of_month: 1..31, clamped to the month's end (the 31st is the 30th in April)
    day: int | None = None
    #: last_weekday_of_month: 0=Monday .. 6=Sunday
    weekday: int | None = None

    def __post_init__(self) -> None:
        if self.kind == "day_of_month" and not (isinstance(self.day, int) and 1 <= self.day <= 31):
            raise ValueError("a day_of_month payday needs a day 1..31")
        if self.kind == "last_weekday_of_month" and not (isinstance(self.weekday, int) and 0 <= self.weekday <= 6):
            raise ValueError("a last_weekday_of_month payday needs a weekday 0..6")
        if self.kind not in ("same_day", "day_of_month", "last_day_of_month", "last_weekday_of_month"):
            raise ValueError(f"unknown payday kind {self.kind!r}")


@lru_cache(maxsize=_REMEMBERED)
def add_months(day: date, months: int, anchor_day: int | None = None) -> date:
    """The same day `months` later, clamped to the month's end: 31 Jan → 28/29 Feb → 31 Mar.

    Always count from the first date with its day as the anchor (never chain the clamped result),
    so one short month does not pull every later date back to the 28th. (relativedelta clamps a
    day past the month's end to its last day.)
    """
    return day + relativedelta(months=months, day=anchor_day)


@lru_cache(maxsize=_REMEMBERED)
def payday_in_month(payday: Payday, year: int, month: int, anchor_day: int) -> date:
    """The payday in a given month; `anchor_day` is the first payment's day, used by "same_day"."""
    first = date(year, month, 1)
    if payday.kind == "last_day_of_month":
        return first + relativedelta(day=31)
    if payday.kind == "last_weekday_of_month":
        return first + relativedelta(day=31, weekday=_WEEKDAYS[payday.weekday](-1))
    return first + relativedelta(day=payday.day if payday.kind == "day_of_month" else anchor_day)


def nth_date(first: date, frequency: Frequency, k: int, payday: Payday | None = None) -> date:
    """The date of payment k (0 is the first), computed from the first so rounding never drifts."""
    if k == 0:
        return first
    if frequency in STEP_DAYS:
        return first + timedelta(days=k * STEP_DAYS[frequency])
    month = add_months(first.replace(day=1), k)
    return payday_in_month(payday or Payday("same_day"), month.year, month.month, first.day)


def schedule_dates(first: date, frequency: Frequency, count: int, payday: Payday | None = None) -> list[date]:
    """The `count` payment dates of a plan, strictly increasing, the first on `first`."""
    return [nth_date(first, frequency, k, payday) for k in range(count)]


def next_payday(payday: Payday, on_or_after: date) -> date:
    """The first payday on or after a date: a natural default for the first payment."""
    this_month = payday_in_month(payday, on_or_after.year, on_or_after.month, on_or_after.day)
    if this_month >= on_or_after:
        return this_month
    following = add_months(on_or_after.replace(day=1), 1)
    return payday_in_month(payday, following.year, following.month, on_or_after.day)


def move_window(
    today: date, next_due: date, frequency: Frequency, later_days: int, after: date | None = None
) -> tuple[date, date]:
    """(earliest, latest): the days a running plan's next payment may move to, and the later ones with it.

    Earlier: any day from tomorrow (and after `after`, the day of a payment still being taken or retried, so
    two payments never fall on one day). Later: up to `later_days` after its date (the creditor's
    policy), and always less than one payment interval, so moving never jumps over a payment: a weekly
    plan moves at most 6 days, a fortnightly one 13. A date already passed counts from today.
    """
    earliest = max(today, after or today) + timedelta(days=1)
    latest = max(next_due, today) + timedelta(days=later_allowance(frequency, later_days))
    return earliest, max(latest, earliest)


def later_allowance(frequency: Frequency, later_days: int) -> int:
    """How many days later a payment may move at this frequency (see move_window)."""
    step = STEP_DAYS.get(frequency)
    return later_days if step is None else min(later_days, step - 1)
