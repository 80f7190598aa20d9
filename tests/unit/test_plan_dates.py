"""Plan dates: fixed steps, month ends clamped, monthly dates aligned to a payday, dates as people type them."""

from calendar import monthrange
from datetime import date, timedelta
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.plans.dates import Payday, add_months, move_window, next_payday, schedule_dates
from portal.plans.forms import parse_day
from portal.plans.policy import Frequency

DAYS = st.dates(min_value=date(2020, 1, 1), max_value=date(2040, 12, 31))
PAYDAYS = st.one_of(
    st.none(),
    st.just(Payday("same_day")),
    st.builds(Payday, kind=st.just("day_of_month"), day=st.integers(1, 31)),
    st.just(Payday("last_day_of_month")),
    st.builds(Payday, kind=st.just("last_weekday_of_month"), weekday=st.integers(0, 6)),
)
LAST_FRIDAY = Payday("last_weekday_of_month", weekday=4)


def month_index(day: date) -> int:
    return day.year * 12 + day.month


def test_month_ends_are_clamped_and_recover():
    first = date(2025, 1, 31)
    assert schedule_dates(first, Frequency.MONTHLY, 4) == [
        date(2025, 1, 31),
        date(2025, 2, 28),
        date(2025, 3, 31),
        date(2025, 4, 30),
    ]


def test_february_has_29_days_in_a_leap_year():
    assert schedule_dates(date(2024, 1, 31), Frequency.MONTHLY, 3) == [
        date(2024, 1, 31),
        date(2024, 2, 29),
        date(2024, 3, 31),
    ]


def test_add_months_crosses_years_and_honours_an_anchor_day():
    assert add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)
    assert add_months(date(2025, 2, 28), 1, anchor_day=31) == date(2025, 3, 31)
    assert add_months(date(2025, 3, 15), -3) == date(2024, 12, 15)


def test_every_other_friday_from_5_december_is_fortnightly_from_that_friday():
    assert date(2025, 12, 5).weekday() == 4
    assert schedule_dates(date(2025, 12, 5), Frequency.FORTNIGHTLY, 3) == [
        date(2025, 12, 5),
        date(2025, 12, 19),
        date(2026, 1, 2),
    ]


def test_weekly_and_four_weekly_steps():
    weekly = schedule_dates(date(2025, 1, 1), Frequency.WEEKLY, 3)
    assert weekly == [date(2025, 1, 1), date(2025, 1, 8), date(2025, 1, 15)]
    assert schedule_dates(date(2025, 1, 1), Frequency.FOUR_WEEKLY, 2) == [date(2025, 1, 1), date(2025, 1, 29)]


def test_last_friday_of_the_month_after_a_first_payment_the_debtor_chose():
    assert schedule_dates(date(2025, 1, 10), Frequency.MONTHLY, 4, LAST_FRIDAY) == [
        date(2025, 1, 10),
        date(2025, 2, 28),
        date(2025, 3, 28),
        date(2025, 4, 25),
    ]


def test_a_payday_on_the_31st_falls_on_the_last_day_of_shorter_months():
    payday = Payday("day_of_month", day=31)
    assert schedule_dates(date(2025, 1, 31), Frequency.MONTHLY, 3, payday) == [
        date(2025, 1, 31),
        date(2025, 2, 28),
        date(2025, 3, 31),
    ]


def test_last_day_of_month_payday():
    payday = Payday("last_day_of_month")
    assert schedule_dates(date(2025, 1, 15), Frequency.MONTHLY, 3, payday)[1:] == [date(2025, 2, 28), date(2025, 3, 31)]


def test_a_payday_is_ignored_for_weekly_plans():
    assert schedule_dates(date(2025, 1, 1), Frequency.WEEKLY, 2, LAST_FRIDAY) == [date(2025, 1, 1), date(2025, 1, 8)]


def test_next_payday_is_this_month_or_the_next():
    assert next_payday(LAST_FRIDAY, date(2025, 1, 10)) == date(2025, 1, 31)
    assert next_payday(LAST_FRIDAY, date(2025, 1, 31)) == date(2025, 1, 31)
    assert next_payday(Payday("day_of_month", day=15), date(2025, 1, 16)) == date(2025, 2, 15)
    assert next_payday(Payday("same_day"), date(2025, 1, 16)) == date(2025, 1, 16)


@pytest.mark.parametrize(
    "payday",
    [
        {"kind": "day_of_month"},
        {"kind": "day_of_month", "day": 32},
        {"kind": "last_weekday_of_month", "weekday": 7},
        {"kind": "fortnightly"},
    ],
)
def test_a_payday_that_cannot_exist_is_refused(payday):
    with pytest.raises(ValueError):
        Payday(**payday)


@given(DAYS, st.integers(-240, 240), st.one_of(st.none(), st.integers(1, 31)))
def test_add_months_moves_whole_months_and_clamps_to_the_month_end(day, months, anchor):
    moved = add_months(day, months, anchor)
    assert month_index(moved) == month_index(day) + months
    assert moved.day == min(anchor or day.day, monthrange(moved.year, moved.month)[1])


FIXED_STEPS = st.sampled_from([Frequency.WEEKLY, Frequency.FORTNIGHTLY, Frequency.FOUR_WEEKLY])


@given(DAYS, FIXED_STEPS, st.integers(1, 60), PAYDAYS)
def test_fixed_step_dates_are_exactly_one_step_apart(first, frequency, count, payday):
    step = {Frequency.WEEKLY: 7, Frequency.FORTNIGHTLY: 14, Frequency.FOUR_WEEKLY: 28}[frequency]
    dates = schedule_dates(first, frequency, count, payday)
    assert len(dates) == count
    assert dates[0] == first
    assert all(later - earlier == timedelta(days=step) for earlier, later in pairwise(dates))


@given(DAYS, st.integers(1, 60), PAYDAYS)
def test_monthly_dates_increase_one_calendar_month_at_a_time_on_the_payday(first, count, payday):
    dates = schedule_dates(first, Frequency.MONTHLY, count, payday)
    assert dates[0] == first
    assert all(earlier < later for earlier, later in pairwise(dates))
    for k, due in enumerate(dates[1:], 1):
        assert month_index(due) == month_index(first) + k
        month_end = monthrange(due.year, due.month)[1]
        kind = payday.kind if payday else "same_day"
        if kind == "same_day":
            assert due.day == min(first.day, month_end)
        elif kind == "day_of_month":
            assert due.day == min(payday.day, month_end)
        elif kind == "last_day_of_month":
            assert due.day == month_end
        else:
            assert due.weekday() == payday.weekday
            assert due.day + 7 > month_end


@pytest.mark.parametrize(
    ("typed", "locale", "day"),
    [
        ("1/12/2026", "en_GB", date(2026, 12, 1)),
        ("12/1/2026", "en_US", date(2026, 12, 1)),
        ("1/12/2026", "es", date(2026, 12, 1)),
        ("1/12/2026", "es_US", date(2026, 12, 1)),  # Spanish in the US writes the day first too
        ("01.12.2026", "en_GB", date(2026, 12, 1)),
        (" 1 12 2026 ", "en_GB", date(2026, 12, 1)),
        ("2026-12-01", "en_US", date(2026, 12, 1)),  # what a date input sends, whatever the page's locale
        ("2026-12-01", "es", date(2026, 12, 1)),
        ("29/2/2028", "en_GB", date(2028, 2, 29)),
        ("31/02/2030", "en_GB", None),  # no such day
        ("2/31/2030", "en_US", None),
        ("2026-02-30", "en_GB", None),
        ("13/1/2026", "en_US", None),  # no 13th month: ask again rather than guess 13 January
        ("1/13/2026", "en_GB", None),
        ("1/12/26", "en_GB", None),  # the year in full
        ("1/12/202", "en_GB", None),
        ("1/12/2026 or so", "en_GB", None),
        ("next Tuesday", "en_GB", None),
        ("", "en_GB", None),
    ],
)
def test_a_date_is_read_as_people_write_it_on_the_page(typed, locale, day):
    assert parse_day(typed, locale) == day


def test_the_us_order_is_month_first_and_the_uk_order_day_first():
    assert parse_day("12/1/2026", "en_US") == date(2026, 12, 1)
    assert parse_day("12/1/2026", "en_GB") == date(2026, 1, 12)


# Moving a running plan's next payment

TODAY = date(2026, 11, 29)


def test_a_monthly_payment_may_move_from_tomorrow_to_the_policys_days_after_its_date():
    assert move_window(TODAY, date(2026, 12, 5), Frequency.MONTHLY, 14) == (date(2026, 11, 30), date(2026, 12, 19))


def test_a_payment_never_moves_a_whole_interval_later_so_none_is_jumped():
    assert move_window(TODAY, date(2026, 12, 5), Frequency.WEEKLY, 14)[1] == date(2026, 12, 11)
    assert move_window(TODAY, date(2026, 12, 5), Frequency.FORTNIGHTLY, 14)[1] == date(2026, 12, 18)
    assert move_window(TODAY, date(2026, 12, 5), Frequency.FOUR_WEEKLY, 14)[1] == date(2026, 12, 19)


def test_a_creditor_that_allows_no_later_move_still_allows_earlier_ones():
    assert move_window(TODAY, date(2026, 12, 5), Frequency.MONTHLY, 0) == (date(2026, 11, 30), date(2026, 12, 5))


def test_a_payment_cannot_move_onto_or_before_one_still_being_taken_or_retried():
    earliest, _ = move_window(TODAY, date(2026, 12, 28), Frequency.MONTHLY, 14, after=date(2026, 12, 2))
    assert earliest == date(2026, 12, 3)


@given(DAYS, st.integers(0, 60), st.sampled_from(list(Frequency)), st.integers(0, 28))
def test_the_window_is_never_empty_and_never_spans_a_whole_interval_later(today, ahead, frequency, days):
    next_due = today + timedelta(days=ahead)
    earliest, latest = move_window(today, next_due, frequency, days)
    assert today < earliest <= latest
    assert latest <= max(next_due + timedelta(days=days), earliest)
    if frequency != Frequency.MONTHLY:
        assert (latest - max(next_due, today)).days < {"weekly": 7, "fortnightly": 14, "four_weekly": 28}[frequency]
