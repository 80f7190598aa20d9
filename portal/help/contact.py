"""Whether we may contact a debtor on a channel now: every outgoing reminder asks here first.

The rules, each a reason to stay quiet:
- the channel is one we can't use (no email address, no phone number, an email address at work) or one they
  switched off;
- they told us about their circumstances in the last 30 days (a person is looking at it);
- it is outside 8am to 9pm where they live, or outside the parts of the day they chose.
"""

from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Circumstance, ContactPreference, Debtor
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


def settings_for(debtor: Debtor) -> ContactSettings:
    preference = db.session.scalar(select(ContactPreference).where(ContactPreference.debtor_id == debtor.id))
    if preference is None:
        return ContactSettings()
    switched_on = {"email": preference.email_on, "sms": preference.sms_on, "post": preference.post_on}
    return ContactSettings(
        channels=frozenset(channel for channel, on in switched_on.items() if on),
        windows=frozenset(name for name in preference.windows or [] if name in CONTACT_WINDOWS),
        discreet=preference.discreet,
        contact_at_work=preference.contact_at_work,
        email_is_work=preference.email_is_work,
    )


def reminders_paused_until(debtor: Debtor, now: datetime) -> datetime | None:
    """The end of the latest pause that comes from telling us about their circumstances, if it is still running."""
    until = db.session.scalar(
        select(func.max(Circumstance.reminders_paused_until)).where(Circumstance.debtor_id == debtor.id)
    )
    return until if until is not None and until > now else None


def usable(channel: str, *, email: str | None, phone: str | None, settings: ContactSettings) -> bool:
    """Whether we have an address for the channel that we may use. An employer can read a work email
    address, so we never write to one, whatever else the debtor chose (US §1006.22(f)(3))."""
    if channel == "email":
        return bool(email) and not settings.email_is_work
    if channel == "sms":
        return bool(phone)
    return True


def reachable(debtor: Debtor, channel: str) -> bool:
    return usable(channel, email=debtor.email, phone=debtor.phone, settings=settings_for(debtor))


def may_contact(debtor: Debtor, channel: str, now: datetime) -> bool:
    """`now` is timezone-aware (UTC). Two small queries: the debtor's preferences and any running pause."""
    return allowed(
        channel,
        now,
        timezone=debtor.effective_timezone,
        settings=settings_for(debtor),
        reachable=reachable(debtor, channel),
        paused_until=reminders_paused_until(debtor, now),
    )


def subject_for(debtor: Debtor, subject: str, neutral_subject: str) -> str:
    """The subject line (or SMS opening) to send: the neutral one when they asked us not to mention the debt,
    because a preview on a locked phone can be read by anyone nearby."""
    return neutral_subject if settings_for(debtor).discreet else subject
