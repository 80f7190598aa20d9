"""The call back rule over plain data: inside the creditor's opening hours on its working days, inside the debtor's
contact times, an hour ahead at least, in 2-hour slots that do not overlap; and opening hours as typed."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from portal.help.call_backs import (
    DEFAULT_OPENING_HOURS,
    Where,
    days_offered,
    opening_hours,
    opening_hours_text,
    parse_opening_hours,
    slots_on,
)

LONDON = ZoneInfo("Europe/London")
#: a Monday in a fortnight with no bank holiday in England
MONDAY = date(2027, 3, 1)


def where(**changes) -> Where:
    fields = {
        "debtor_timezone": "Europe/London",
        "creditor_timezone": "Europe/London",
        "jurisdiction": "UK",
        "hours": opening_hours(None),
        "windows": frozenset(),
    } | changes
    return Where(**fields)


def local(day: date, hour: int, minute: int = 0, zone: str = "Europe/London") -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(zone)).astimezone(UTC)


def hours_of(slots, zone: str = "Europe/London") -> list[tuple[int, int]]:
    return [(slot.start.astimezone(ZoneInfo(zone)).hour, slot.end.astimezone(ZoneInfo(zone)).hour) for slot in slots]


def test_the_default_is_monday_to_friday_9_to_5():
    assert opening_hours({}) == {day: (time(9), time(17)) for day in DEFAULT_OPENING_HOURS}
    assert opening_hours({"opening_hours": {}}) == {}


def test_slots_fill_the_opening_hours_without_overlapping():
    assert hours_of(slots_on(MONDAY, where(), local(MONDAY, 7))) == [(9, 11), (11, 13), (13, 15), (15, 17)]


def test_a_slot_never_runs_past_closing_time():
    hours = opening_hours({"opening_hours": {"mon": ["09:00", "16:00"]}})
    assert hours_of(slots_on(MONDAY, where(hours=hours), local(MONDAY, 7))) == [(9, 11), (11, 13), (13, 15)]


def test_half_hours_are_kept_to():
    hours = opening_hours({"opening_hours": {"mon": ["08:30", "12:30"]}})
    assert hours_of(slots_on(MONDAY, where(hours=hours), local(MONDAY, 7))) == [(9, 11)]


def test_slots_keep_to_the_parts_of_the_day_the_debtor_chose():
    chosen = where(windows=frozenset({"afternoon"}))
    assert hours_of(slots_on(MONDAY, chosen, local(MONDAY, 7))) == [(12, 14), (14, 16)]


def test_never_before_8am_nor_after_9pm_where_the_debtor_lives():
    late = opening_hours({"opening_hours": {"mon": ["06:00", "23:00"]}})
    assert hours_of(slots_on(MONDAY, where(hours=late), local(MONDAY, 5))) == [
        (8, 10),
        (10, 12),
        (12, 14),
        (14, 16),
        (16, 18),
        (18, 20),
    ]


def test_a_debtor_in_another_time_zone_gets_the_overlap_in_their_own_time():
    new_york = where(debtor_timezone="America/New_York")
    slots = slots_on(MONDAY, new_york, local(MONDAY, 7))
    assert hours_of(slots, "America/New_York") == [(8, 10), (10, 12)]


def test_nothing_within_the_hour_or_past():
    assert hours_of(slots_on(MONDAY, where(), local(MONDAY, 10, 1))) == [(12, 14), (14, 16)]
    assert slots_on(MONDAY, where(), local(MONDAY, 16)) == []


def test_weekends_and_bank_holidays_are_closed():
    good_friday = date(2027, 3, 26)
    assert slots_on(good_friday, where(), local(MONDAY, 7)) == []
    saturday = opening_hours({"opening_hours": {"sat": ["09:00", "13:00"]}})
    assert hours_of(slots_on(date(2027, 3, 6), where(hours=saturday), local(MONDAY, 7))) == [(9, 11), (11, 13)]


def test_the_next_ten_working_days_are_offered_and_skip_a_bank_holiday():
    days = [day for day, _slots in days_offered(where(), local(date(2027, 3, 22), 7))]
    assert len(days) == 10 and date(2027, 3, 26) not in days and date(2027, 3, 29) not in days


def test_across_a_clock_change_slots_are_still_in_local_time():
    spring_forward = date(2027, 3, 29)  # Easter Monday is a bank holiday; the clocks changed on the Sunday before
    tuesday = date(2027, 3, 30)
    assert hours_of(slots_on(tuesday, where(), local(spring_forward, 7))) == [(9, 11), (11, 13), (13, 15), (15, 17)]


def test_opening_hours_are_read_as_typed_and_written_back_the_same():
    hours, bad = parse_opening_hours("Mon 9:00-17:00\n\nsat 10:00 - 13:30\n")
    assert bad is None and hours == {"mon": ["09:00", "17:00"], "sat": ["10:00", "13:30"]}
    assert opening_hours_text(hours) == "mon 09:00-17:00\nsat 10:00-13:30"
    assert parse_opening_hours("") == ({}, None)


@pytest.mark.parametrize(
    "typed, line",
    [("monday 09:00-17:00", 1), ("mon 09:00-17:00\ntue 17:00-09:00", 2), ("mon 09:00-10:00\nmon 11:00-12:00", 2)],
)
def test_opening_hours_that_cannot_be_read_name_the_line(typed, line):
    assert parse_opening_hours(typed)[1] == line


def test_a_creditor_open_on_saturdays_offers_them_among_the_days():
    saturday = opening_hours({"opening_hours": {"mon": ["09:00", "17:00"], "sat": ["09:00", "13:00"]}})
    days = [day for day, _slots in days_offered(where(hours=saturday), local(MONDAY, 7))]
    assert days == [MONDAY, date(2027, 3, 6), date(2027, 3, 8)]  # to Friday 12 March, the 10th working day
