"""When a person may call a debtor back: the rule over plain data.

A slot is offered only when all of these hold:
- it lies inside the creditor's opening hours (`policy["opening_hours"]`, in the creditor's time zone), on a
  day that is not a public holiday of the creditor's jurisdiction;
- it lies inside the hours the debtor lets us contact them (8am to 9pm their time, and the parts of the day
  they chose: portal.help.contact). There is no "phone" channel: a call is contact like any other, so the
  same hours apply;
- it starts at least MIN_NOTICE from now (no slot today that has passed or is about to).

Slots are SLOT_HOURS long, start on the hour in the debtor's time, and do not overlap: from the earliest that
fits, the next that fits after it ends, and so on. Days offered: from today to the DAYS_AHEAD-th working day.

portal.help.service.call_backs reads a debtor's settings and their creditor's policy for it.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from portal.help.contact import within_windows
from portal.working_days import is_working_day, public_holidays

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: the policy key, and what applies when a creditor set nothing: Monday to Friday, 9am to 5pm
POLICY_KEY = "opening_hours"
DEFAULT_OPENING_HOURS = {day: ["09:00", "17:00"] for day in WEEKDAYS[:5]}
SLOT_HOURS = 2
MIN_NOTICE = timedelta(hours=1)
DAYS_AHEAD = 10
_LINE = re.compile(r"(mon|tue|wed|thu|fri|sat|sun)\s+(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})")

OpeningHours = dict[str, tuple[time, time]]


def opening_hours(policy: dict | None) -> OpeningHours:
    """The creditor's opening hours by weekday key ("mon"), as (open, close) local times; a day not listed
    is closed. No key in the policy: DEFAULT_OPENING_HOURS. An empty dict: closed every day."""
    stored = (policy or {}).get(POLICY_KEY)
    if stored is None:
        stored = DEFAULT_OPENING_HOURS
    return {day: (time.fromisoformat(pair[0]), time.fromisoformat(pair[1])) for day, pair in stored.items()}


def opening_hours_text(stored: dict[str, list[str]]) -> str:
    """Stored opening hours as the settings form's lines: "mon 09:00-17:00"."""
    return "\n".join(f"{day} {stored[day][0]}-{stored[day][1]}" for day in WEEKDAYS if day in stored)


def parse_opening_hours(text: str) -> tuple[dict[str, list[str]], int | None]:
    """Lines of "mon 09:00-17:00" as stored opening hours; returns (hours, number of the first bad line)."""
    hours: dict[str, list[str]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        found = _LINE.fullmatch(line.strip().lower())
        if not found:
            return hours, number
        day, *parts = found.groups()
        try:
            opens, closes = time(int(parts[0]), int(parts[1])), time(int(parts[2]), int(parts[3]))
        except ValueError:
            return hours, number
        if opens >= closes or day in hours:
            return hours, number
        hours[day] = [opens.strftime("%H:%M"), closes.strftime("%H:%M")]
    return {day: hours[day] for day in WEEKDAYS if day in hours}, None


@dataclass(frozen=True)
class Slot:
    #: timezone-aware, UTC
    start: datetime
    end: datetime

    @property
    def key(self) -> str:
        """How a form names the slot: its start in UTC."""
        return self.start.strftime("%Y-%m-%dT%H:%MZ")


@dataclass(frozen=True)
class Where:
    """Everything about the debtor and creditor the rule reads."""

    debtor_timezone: str
    creditor_timezone: str
    jurisdiction: str
    hours: OpeningHours
    #: the parts of the day the debtor chose (portal.models.contact_preference.CONTACT_WINDOWS); empty: any
    windows: frozenset[str]


def is_open(start: datetime, end: datetime, where: Where) -> bool:
    """The whole of [start, end) is inside the creditor's opening hours, on a day that is not a public holiday of
    its jurisdiction (a creditor open on Saturdays says so in its hours)."""
    zone = ZoneInfo(where.creditor_timezone)
    local_start, local_end = start.astimezone(zone), (end - timedelta(minutes=1)).astimezone(zone)
    day = local_start.date()
    if local_start.date() != local_end.date() or day in public_holidays(where.jurisdiction, day.year):
        return False
    hours = where.hours.get(WEEKDAYS[local_start.weekday()])
    if hours is None:
        return False
    opens, closes = hours
    return opens <= local_start.time() and local_end.time() < closes


def within_contact_times(start: datetime, end: datetime, where: Where) -> bool:
    """Every moment of [start, end) is a time the debtor lets us contact them (windows are whole hours)."""
    moment = start
    while moment < end:
        if not within_windows(moment, where.debtor_timezone, where.windows):
            return False
        moment += timedelta(minutes=30)
    return within_windows(end - timedelta(minutes=1), where.debtor_timezone, where.windows)


def fits(start: datetime, end: datetime, where: Where, now: datetime) -> bool:
    return start >= now + MIN_NOTICE and is_open(start, end, where) and within_contact_times(start, end, where)


def slots_on(day: date, where: Where, now: datetime) -> list[Slot]:
    """The slots offered on `day`, a date where the debtor lives, earliest first."""
    zone = ZoneInfo(where.debtor_timezone)
    slots: list[Slot] = []
    for hour in range(24):
        start = datetime.combine(day, time(hour), tzinfo=zone).astimezone(ZoneInfo("UTC"))
        end = start + timedelta(hours=SLOT_HOURS)
        if slots and start < slots[-1].end:
            continue
        if fits(start, end, where, now):
            slots.append(Slot(start, end))
    return slots


def days_offered(where: Where, now: datetime) -> list[tuple[date, list[Slot]]]:
    """The days from today (the debtor's dates) to the DAYS_AHEAD-th working day, each with its slots; days with
    no slot left out (a weekend day has slots only if the creditor opens then)."""
    day = now.astimezone(ZoneInfo(where.debtor_timezone)).date()
    offered, counted = [], 0
    while counted < DAYS_AHEAD:
        if is_working_day(day, where.jurisdiction):
            counted += 1
        slots = slots_on(day, where, now)
        if slots:
            offered.append((day, slots))
        day += timedelta(days=1)
    return offered
