"""Working days: weekdays less the public holidays of the creditor's jurisdiction (portal.working_days)."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.working_days import add_working_days, is_working_day, public_holidays


@pytest.mark.parametrize(
    ("jurisdiction", "start", "count", "end", "worked"),
    [
        # Wed 23 Dec 2026: Thu 24, (Fri 25 Christmas), (Mon 28 Boxing Day, the 26th being a Saturday),
        # Tue 29, Wed 30, Thu 31, (Fri 1 Jan New Year's Day), Mon 4 Jan
        ("UK", date(2026, 12, 23), 5, date(2027, 1, 4), "Christmas, Boxing Day observed and New Year skipped"),
        # Wed 23 Dec 2026: Thu 24, (Fri 25 Christmas), Mon 28, Tue 29, Wed 30, Thu 31
        ("US", date(2026, 12, 23), 5, date(2026, 12, 31), "Christmas skipped; Boxing Day is not a US holiday"),
        # Thu 24 Dec 2026: (Fri 25), Mon 28, Tue 29, Wed 30, Thu 31, (Fri 1 Jan), Mon 4 Jan
        ("US", date(2026, 12, 24), 5, date(2027, 1, 4), "Christmas and New Year skipped"),
        # Thu 2 Apr 2026: (Fri 3 Good Friday), (Mon 6 Easter Monday), Tue 7
        ("UK", date(2026, 4, 2), 1, date(2026, 4, 7), "Easter in England and Wales"),
        ("US", date(2026, 4, 2), 1, date(2026, 4, 3), "Good Friday is not a US federal holiday"),
        # Wed 25 Nov 2026: (Thu 26 Thanksgiving), Fri 27
        ("US", date(2026, 11, 25), 1, date(2026, 11, 27), "Thanksgiving"),
        ("UK", date(2026, 11, 25), 1, date(2026, 11, 26), "no Thanksgiving in the UK"),
        ("UK", date(2026, 11, 25), 0, date(2026, 11, 25), "no days: the start"),
    ],
)
def test_adding_working_days_skips_weekends_and_that_jurisdictions_holidays(jurisdiction, start, count, end, worked):
    assert add_working_days(start, count, jurisdiction) == end, worked


def test_one_off_bank_holidays_come_with_the_library():
    assert date(2022, 9, 19) in public_holidays("UK", 2022)  # the State Funeral of Queen Elizabeth II
    assert date(2023, 5, 8) in public_holidays("UK", 2023)  # the Coronation of King Charles III


def test_the_uk_calendar_is_england_and_wales():
    assert is_working_day(date(2026, 1, 2), "UK")  # 2 January is a bank holiday in Scotland only
    assert not is_working_day(date(2026, 4, 6), "UK")  # Easter Monday is not one in Scotland


def test_a_holiday_observed_in_the_year_before_belongs_to_that_year():
    # New Year's Day 2022 was a Saturday: observed on Friday 31 December 2021
    assert date(2021, 12, 31) in public_holidays("US", 2021)
    assert all(day.year == 2022 for day in public_holidays("US", 2022))


def test_an_unknown_jurisdiction_is_refused():
    with pytest.raises(ValueError, match="FR"):
        public_holidays("FR", 2026)


def _weekdays_after(start: date, count: int) -> date:
    day = start
    while count:
        day += timedelta(days=1)
        count -= day.weekday() < 5
    return day


@given(
    st.sampled_from(["US", "UK"]),
    st.dates(min_value=date(2020, 1, 1), max_value=date(2040, 12, 31)),
    st.integers(0, 30),
)
def test_holidays_only_ever_move_the_end_later_and_the_end_is_a_working_day(jurisdiction, start, count):
    end = add_working_days(start, count, jurisdiction)
    plain = _weekdays_after(start, count)
    holidays = public_holidays(jurisdiction, start.year) | public_holidays(jurisdiction, end.year)
    assert end >= plain
    assert count == 0 or is_working_day(end, jurisdiction)
    assert end == plain or any(start < day <= end and day.weekday() < 5 for day in holidays)
