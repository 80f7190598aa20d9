"""A new email address or mobile number a debtor gave us, waiting for the code we sent to it.

Debtor.email and Debtor.phone change only once the right code comes back, so what is on the debtor's
record is either what the creditor gave us (imported or sent by the API) or what the debtor proved they
can read: both count as "on file". The code itself is never stored, only a keyed hash of it.
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.types import UTCDateTime, one_of, utcnow


class ContactKind(StrEnum):
    EMAIL = "email"
    PHONE = "phone"


class ContactChange(db.Model):
    __tablename__ = "contact_change"
    __table_args__ = (one_of("kind", ContactKind),)

    id: Mapped[int] = mapped_column(primary_key=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"), index=True)
    #: "email" or "phone"
    kind: Mapped[str] = mapped_column(String(10))
    #: the address or number as it will be stored (email lower-cased, phone in E.164)
    new_value: Mapped[str] = mapped_column(String(200))
    #: HMAC-SHA256 of the code (keyed with the app's secret and this change); None until the code is written
    code_hash: Mapped[str | None] = mapped_column(String(64))
    #: the code works until then
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: codes compared so far; each try is claimed in one atomic UPDATE before the code is compared
    attempts: Mapped[int] = mapped_column(default=0)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: a newer change of the same kind, or the debtor gave up: this one's code no longer works
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<ContactChange {self.id} {self.kind}>"
