"""Whether we may contact a debtor on a channel now: every outgoing reminder asks here first."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

from portal.models import Debtor

CHANNELS = ("email", "sms", "post")
#: never contact anyone outside these local hours
EARLIEST, LATEST = time(8, 0), time(21, 0)


def within_contact_hours(now: datetime, timezone: str) -> bool:
    local = now.astimezone(ZoneInfo(timezone)).time()
    return EARLIEST <= local < LATEST


def may_contact(debtor: Debtor, channel: str, now: datetime) -> bool:
    """`now` is timezone-aware (UTC)."""
    if channel == "email" and not debtor.email:
        return False
    if channel == "sms" and not debtor.phone:
        return False
    return within_contact_hours(now, debtor.effective_timezone)
