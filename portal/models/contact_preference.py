"""How a debtor wants to be contacted: channels, times of day, discreet previews."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.types import UTCDateTime, utcnow

#: parts of the day a debtor may choose, as [start hour, end hour) in their local time, all inside 8am–9pm
CONTACT_WINDOWS = {"morning": (8, 12), "afternoon": (12, 17), "evening": (17, 21)}


class ContactPreference(db.Model):
    """At most one per debtor; no row means the defaults (every channel, any time from 8am to 9pm)."""

    __tablename__ = "contact_preference"

    id: Mapped[int] = mapped_column(primary_key=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"), unique=True)
    email_on: Mapped[bool] = mapped_column(default=True)
    sms_on: Mapped[bool] = mapped_column(default=True)
    post_on: Mapped[bool] = mapped_column(default=True)
    #: keys of CONTACT_WINDOWS; empty means any of them
    windows: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: True: subjects and previews of emails and texts don't mention the debt
    discreet: Mapped[bool] = mapped_column(default=False)
    #: False: the debtor told us not to contact them at work (US §1006.6(b)(1)(iii))
    contact_at_work: Mapped[bool] = mapped_column(default=True)
    #: the email address we have is a work address: never written to (US §1006.22(f)(3))
    email_is_work: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
