"""Whether we may contact a debtor on a channel now: the rule over plain data that every outgoing message asks.

The rules, each a reason to stay quiet:
- the channel is one we can't use (no email address, no phone number, an email address at work) or one they
  switched off;
- they told us about their circumstances in the last 30 days (a person is looking at it);
- it is outside 8am to 9pm where they live, or outside the parts of the day they chose.

portal.help.service.contact reads a debtor's settings and any running pause from the database for it.
"""

from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from portal.models.contact_preference import CONTACT_WINDOWS

CHANNELS = ("email", "sms", "post")
#: never contact anyone outside these local hours
EARLIEST, LATEST = time(8, 0), time(21, 0)


@dataclass(frozen=True)
class ContactSettings:
    """A debtor's choices, or the defaults when they made none."""

    #: channels switched on
    channels: frozenset[str] = frozenset(CHANNELS)
    #: keys of CONTACT_WINDOWS; empty means any time from 8am to 9pm
    windows: frozenset[str] = frozenset()
    #: True: subjects and previews don't mention the debt
    discreet: bool = False
    #: False: they asked us not to contact them at work (staff see it; US §1006.6(b)(1)(iii))
    contact_at_work: bool = True
    #: the email address we have is their employer's: we never write to it (US §1006.22(f)(3))
    email_is_work: bool = False


def within_contact_hours(now: datetime, timezone: str) -> bool:
    local = now.astimezone(ZoneInfo(timezone)).time()
    return EARLIEST <= local < LATEST


def within_windows(now: datetime, timezone: str, windows: frozenset[str]) -> bool:
    """Inside one of the chosen parts of the day, and never outside 8am to 9pm whatever was chosen."""
    if not within_contact_hours(now, timezone):
        return False
    if not windows:
        return True
    local = now.astimezone(ZoneInfo(timezone)).time()
    return any(time(start) <= local < time(end) for start, end in (CONTACT_WINDOWS[name] for name in windows))


def allowed(
    channel: str,
    now: datetime,
    *,
    timezone: str,
    settings: ContactSettings,
    reachable: bool,
    paused_until: datetime | None,
) -> bool:
    """The rule itself, over plain data. `now` must be timezone-aware: a naive time has no "local"."""
    if now.tzinfo is None:
        raise ValueError("may_contact needs a timezone-aware datetime")
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    if not reachable or channel not in settings.channels:
        return False
    if paused_until is not None and now < paused_until:
        return False
    return within_windows(now, timezone, settings.windows)


def usable(channel: str, *, email: str | None, phone: str | None, settings: ContactSettings) -> bool:
    """Whether we have an address for the channel that we may use. An employer can read a work email
    address, so we never write to one, whatever else the debtor chose (US §1006.22(f)(3))."""
    if channel == "email":
        return bool(email) and not settings.email_is_work
    if channel == "sms":
        return bool(phone)
    return True
