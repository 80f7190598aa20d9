"""The US validation period: notice assumed received 5 business days after it is sent, then 30 days to dispute."""

from datetime import date

import pytest

from portal.rights.validation import (
    add_business_days,
    assumed_receipt,
    days_left,
    federal_holidays,
    is_business_day,
    validation_period_end,
)


@pytest.mark.parametrize(
    ("sent", "received", "ends", "worked"),
    [
        # Thu 19 Nov 2026: Fri 20, Mon 23, Tue 24, Wed 25, (Thu 26 Thanksgiving), Fri 27 -> 27 Nov; +30 -> 27 Dec
        (date(2026, 11, 19), date(2026, 11, 27), date(2026, 12, 27), "Thanksgiving skipped"),
        # Tue 22 Dec 2026: Wed 23, Thu 24, (Fri 25 Christmas), Mon 28, Tue 29, Wed 30 -> 30 Dec; +30 -> 29 Jan 2027
        (date(2026, 12, 22), date(2026, 12, 30), date(2027, 1, 29), "Christmas skipped"),
        # Mon 29 Jun 2026: Tue 30, Wed 1, Thu 2, (Fri 3 Jul: the 4th is a Saturday), Mon 6, Tue 7 -> 7 Jul; +30 -> 6 Aug
        (date(2026, 6, 29), date(2026, 7, 7), date(2026, 8, 6), "observed Independence Day skipped"),
        # Fri 6 Mar 2026: Mon 9 .. Fri 13 -> 13 Mar; +30 -> 12 Apr
        (date(2026, 3, 6), date(2026, 3, 13), date(2026, 4, 12), "weekend skipped"),
    ],
)
def test_the_validation_period_ends_30_days_after_assumed_receipt(sent, received, ends, worked):
    assert assumed_receipt(sent) == received, worked
    assert validation_period_end(sent) == ends, worked


def test_federal_holidays_include_the_day_a_weekend_holiday_is_observed():
    holidays_2027 = federal_holidays(2027)
    assert date(2027, 1, 18) in holidays_2027  # Martin Luther King Jr. Day, third Monday of January
    assert date(2027, 5, 31) in holidays_2027  # Memorial Day, last Monday of May
    assert date(2027, 6, 18) in holidays_2027  # Juneteenth falls on a Saturday: observed Friday
    assert date(2027, 7, 5) in holidays_2027  # Independence Day falls on a Sunday: observed Monday
    assert date(2027, 12, 31) in holidays_2027  # New Year's Day 2028 falls on a Saturday: observed Friday
    assert date(2027, 11, 25) in holidays_2027  # Thanksgiving, fourth Thursday of November


def test_weekends_and_holidays_are_not_business_days():
    assert not is_business_day(date(2026, 11, 21))  # Saturday
    assert not is_business_day(date(2026, 11, 26))  # Thanksgiving
    assert is_business_day(date(2026, 11, 27))


def test_adding_business_days_does_not_count_the_start_day():
    assert add_business_days(date(2026, 11, 23), 1) == date(2026, 11, 24)
    assert add_business_days(date(2026, 11, 23), 0) == date(2026, 11, 23)


def test_days_left_is_zero_on_the_last_day_and_negative_after():
    end = date(2026, 12, 27)
    assert days_left(end, date(2026, 11, 23)) == 34
    assert days_left(end, end) == 0
    assert days_left(end, date(2026, 12, 28)) == -1


def test_only_the_legal_public_holidays_of_5_usc_6103a_are_skipped():
    assert is_business_day(date(2033, 1, 20))  # Inauguration Day (6103(c)) is a holiday only around D.C.
    assert is_business_day(date(2025, 12, 24))  # Christmas Eve 2025 was a day off by executive order, not by 6103(a)
    assert is_business_day(date(2020, 6, 19))  # Juneteenth became a legal public holiday in 2021
    assert not is_business_day(date(2021, 6, 18))  # ... observed on Friday 18 June that year
