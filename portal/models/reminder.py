"""A link reminder the portal sent a debtor for their creditor: at most one per debtor per day.

The unique (debtor, day) pair is the claim: several `flask reminders send` runs at once each try to
insert it, and only the run whose insert lands writes to the debtor.
"""

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.types import UTCDateTime, utcnow


class Reminder(db.Model):
    __tablename__ = "reminder"
    __table_args__ = (UniqueConstraint("debtor_id", "sent_on", name="uq_reminder_debtor_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: indexed by the unique constraint, which starts with it
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"))
    #: the UTC day of the run that claimed it
    sent_on: Mapped[date]
    campaign: Mapped[str | None] = mapped_column(String(80))
    #: the channels it was queued on, e.g. "email,sms"
    channels: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
