"""Today, where the debtor lives: plan dates, validation periods, holds and countdowns are their days."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from portal.models import Debtor


def today_for(debtor: Debtor, now: datetime | None = None) -> date:
    """`now` (timezone-aware) lets a job work as of another moment; default: this moment."""
    return (now or datetime.now(UTC)).astimezone(ZoneInfo(debtor.effective_timezone)).date()
