"""When a reminder may go out: 8am to 9pm where the debtor lives, in the parts of the day they chose,
on channels they left on, and never while a circumstances pause runs. Fixed instants, several time zones."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.help.contact import CHANNELS, ContactSettings, allowed, usable, within_contact_hours, within_windows

ANY = ContactSettings()


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def may(now: datetime, timezone: str = "Europe/London", *, channel: str = "email", **overrides) -> bool:
    options = {"settings": ANY, "reachable": True, "paused_until": None} | overrides
    return allowed(channel, now, timezone=timezone, **options)


@pytest.mark.parametrize(
    ("now", "timezone", "expected"),
    [
        # New York in winter is UTC-5: 12:59 UTC is 7:59am, 13:00 UTC is 8am.
        (utc(2026, 1, 15, 12, 59), "America/New_York", False),
        (utc(2026, 1, 15, 13, 0), "America/New_York", True),
        # 9pm is already too late: 02:00 UTC the next day is 9pm in New York.
        (utc(2026, 1, 16, 1, 59), "America/New_York", True),
        (utc(2026, 1, 16, 2, 0), "America/New_York", False),
        # London in summer is UTC+1: 07:30 UTC is 8:30am, 20:30 UTC is 9:30pm.
        (utc(2026, 7, 1, 7, 30), "Europe/London", True),
        (utc(2026, 7, 1, 20, 30), "Europe/London", False),
        # The same instants in winter, when London is on UTC.
        (utc(2026, 1, 15, 7, 30), "Europe/London", False),
        (utc(2026, 1, 15, 20, 30), "Europe/London", True),
        # Los Angeles is UTC-8 in January: 16:00 UTC is 8am.
        (utc(2026, 1, 15, 15, 59), "America/Los_Angeles", False),
        (utc(2026, 1, 15, 16, 0), "America/Los_Angeles", True),
        # Sydney is a day ahead: 22:00 UTC on the 14th is 9am on the 15th there.
        (utc(2026, 1, 14, 22, 0), "Australia/Sydney", True),
        (utc(2026, 1, 14, 10, 0), "Australia/Sydney", False),
    ],
)
def test_only_between_8am_and_9pm_where_the_debtor_lives(now, timezone, expected):
    assert may(now, timezone) is expected


def test_the_clocks_changing_moves_the_window_with_them():
    # The UK moves to summer time on 29 March 2026: 07:30 UTC is 7:30am the day before, 8:30am that day.
    assert may(utc(2026, 3, 28, 7, 30)) is False
    assert may(utc(2026, 3, 29, 7, 30)) is True
    # The US moves on 8 March 2026: 12:30 UTC is 7:30am before, 8:30am after, in New York.
    assert may(utc(2026, 3, 7, 12, 30), "America/New_York") is False
    assert may(utc(2026, 3, 8, 12, 30), "America/New_York") is True


@pytest.mark.parametrize(
    ("windows", "local_hour", "expected"),
    [
        ({"morning"}, 9, True),
        ({"morning"}, 12, False),
        ({"afternoon"}, 12, True),
        ({"afternoon"}, 16, True),
        ({"afternoon"}, 17, False),
        ({"evening"}, 20, True),
        ({"evening"}, 8, False),
        ({"morning", "evening"}, 13, False),
        ({"morning", "evening"}, 18, True),
    ],
)
def test_only_in_the_parts_of_the_day_they_chose(windows, local_hour, expected):
    chicago = ZoneInfo("America/Chicago")
    now = datetime(2026, 2, 10, local_hour, 30, tzinfo=chicago).astimezone(UTC)
    assert may(now, "America/Chicago", settings=ContactSettings(windows=frozenset(windows))) is expected


def test_choosing_no_part_of_the_day_means_any_time_from_8am_to_9pm():
    assert within_windows(utc(2026, 1, 15, 8, 0), "Europe/London", frozenset())
    assert not within_windows(utc(2026, 1, 15, 21, 0), "Europe/London", frozenset())


def test_evening_ends_at_9pm_however_it_was_chosen():
    evening = ContactSettings(windows=frozenset({"evening"}))
    assert may(utc(2026, 1, 15, 20, 59), settings=evening) is True
    assert may(utc(2026, 1, 15, 21, 0), settings=evening) is False


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_channel_switched_off_is_never_used(channel):
    others = frozenset(CHANNELS) - {channel}
    noon = utc(2026, 1, 15, 12, 0)
    assert may(noon, channel=channel) is True
    assert may(noon, channel=channel, settings=ContactSettings(channels=others)) is False


def test_a_channel_we_cannot_reach_them_on_is_never_used():
    assert may(utc(2026, 1, 15, 12, 0), channel="sms", reachable=False) is False


def test_a_work_email_address_is_never_written_to():
    work = ContactSettings(email_is_work=True)
    assert usable("email", email="sarah@employer.example", phone=None, settings=work) is False
    assert usable("email", email="sarah@example.co.uk", phone=None, settings=ANY) is True


def test_not_at_work_leaves_a_personal_email_and_other_channels_in_use():
    not_at_work = ContactSettings(contact_at_work=False)
    assert usable("email", email="sarah@example.co.uk", phone=None, settings=not_at_work) is True
    work = ContactSettings(email_is_work=True, contact_at_work=False)
    assert usable("sms", email="sarah@employer.example", phone="07700 900123", settings=work) is True
    assert usable("post", email="sarah@employer.example", phone=None, settings=work) is True


def test_no_address_no_channel():
    assert usable("email", email=None, phone="07700 900123", settings=ANY) is False
    assert usable("sms", email="sarah@example.co.uk", phone=None, settings=ANY) is False


def test_nothing_goes_out_until_a_circumstances_pause_ends():
    noon = utc(2026, 1, 15, 12, 0)
    assert may(noon, paused_until=noon + timedelta(seconds=1)) is False
    assert may(noon, paused_until=noon) is True
    assert may(noon, paused_until=noon - timedelta(days=1)) is True


def test_a_naive_time_is_refused_because_it_has_no_local_hour():
    with pytest.raises(ValueError, match="timezone-aware"):
        may(datetime(2026, 1, 15, 12, 0))


def test_an_unknown_channel_is_a_mistake_not_a_no():
    with pytest.raises(ValueError, match="carrier pigeon"):
        may(utc(2026, 1, 15, 12, 0), channel="carrier pigeon")


ZONES = st.sampled_from(
    ["Europe/London", "America/New_York", "America/Los_Angeles", "Pacific/Auckland", "Asia/Kolkata"]
)
WINDOWS = st.frozensets(st.sampled_from(["morning", "afternoon", "evening"]))
INSTANTS = st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC))


@given(now=INSTANTS, timezone=ZONES, windows=WINDOWS, channel=st.sampled_from(CHANNELS))
def test_whatever_was_chosen_nobody_is_contacted_outside_8am_to_9pm(now, timezone, windows, channel):
    if may(now, timezone, channel=channel, settings=ContactSettings(windows=windows)):
        assert within_contact_hours(now, timezone)
        assert 8 <= now.astimezone(ZoneInfo(timezone)).hour < 21
