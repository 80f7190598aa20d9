"""The time, and today where the debtor lives: plan dates, validation periods, holds and countdowns are their days.

Code that must know the time of day (contact hours) asks `now()`, so a test can set the clock.
"""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from portal.models import Debtor


def now() -> datetime:
    """This moment, timezone-aware (UTC)."""
    return datetime.now(UTC)


def today_for(debtor: Debtor, at: datetime | None = None) -> date:
    """`at` (timezone-aware) lets a job work as of another moment; default: this moment."""
    return (at or now()).astimezone(ZoneInfo(debtor.effective_timezone)).date()
