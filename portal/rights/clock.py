"""Today, where the debtor lives: validation periods, holds and countdowns are counted in their days."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from portal.models import Debtor


def today_for(debtor: Debtor) -> date:
    return datetime.now(ZoneInfo(debtor.effective_timezone)).date()
