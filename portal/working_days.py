"""Working days: Monday to Friday, less the public holidays of the creditor's jurisdiction.

Deadlines we promise or that the law sets (the answer to a proposal, the day a US validation
notice is assumed received) count working days, and a holiday is not one. Which days are holidays
is law that changes (Juneteenth from 2021; one-off UK bank holidays for a coronation or a state
funeral), so we take them from the `holidays` package, which follows those changes, rather than
keep our own list that silently goes out of date.

- "US": the legal public holidays of 5 U.S.C. 6103(a), with the weekday one is observed on when it
  falls on a weekend (6103(b): Saturday → the Friday before, Sunday → the Monday after). Inauguration
  Day (6103(c)) is a holiday only around Washington D.C. and is not among them; nor are the days
  off a President gives by executive order (the package's "government" category).
- "UK": the bank holidays of England and Wales, with their substitute days (Boxing Day on a Saturday
  is taken on the Monday). Scotland and Northern Ireland have some different ones; a creditor has
  one jurisdiction, not a nation of the UK, so England and Wales stands for the UK.
"""

from datetime import date, timedelta
from functools import cache

import holidays

#: jurisdiction ("US" or "UK", as `Creditor.jurisdiction`) → its public holidays for some years
_CALENDARS = {
    "US": lambda years: holidays.US(years=years),
    "UK": lambda years: holidays.UK(subdiv="ENG", years=years),
}


@cache
def public_holidays(jurisdiction: str, year: int) -> frozenset[date]:
    """Every day in `year` that is a public holiday, or the weekday one is observed on.

    The neighbouring years are asked too: New Year's Day on a Saturday is observed on 31 December.
    Unknown jurisdictions are a ValueError.
    """
    try:
        calendar = _CALENDARS[jurisdiction]
    except KeyError:
        raise ValueError(f"no public holidays known for jurisdiction {jurisdiction!r}") from None
    return frozenset(day for day in calendar(range(year - 1, year + 2)) if day.year == year)


def is_working_day(day: date, jurisdiction: str) -> bool:
    return day.weekday() < 5 and day not in public_holidays(jurisdiction, day.year)


def add_working_days(start: date, count: int, jurisdiction: str) -> date:
    """The day `count` working days after `start` (start itself is not counted; 0 is `start`)."""
    day = start
    while count > 0:
        day += timedelta(days=1)
        if is_working_day(day, jurisdiction):
            count -= 1
    return day
