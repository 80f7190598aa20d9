"""A call back a debtor asked for: a slot when a person at the creditor phones them, and why.

Kept once cancelled or done: the debtor's page, the console and the creditor's events all tell the story.
At most one is open ("booked") per debtor, and the database says so (a unique partial index), so two
requests at the same moment can never book two.
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.types import UTCDateTime, one_of, utcnow


class CallBackStatus(StrEnum):
    BOOKED = "booked"
    CANCELLED = "cancelled"
    DONE = "done"


class CallBackReason(StrEnum):
    PLAN = "plan"
    CANT_PAY = "cant_pay"
    ACCOUNT = "account"
    OTHER = "other"


class CallBack(db.Model):
    __tablename__ = "call_back"
    __table_args__ = (
        one_of("status", CallBackStatus),
        one_of("reason", CallBackReason),
        Index(
            "uq_call_back_one_booked",
            "debtor_id",
            unique=True,
            sqlite_where=text("status = 'booked'"),
            postgresql_where=text("status = 'booked'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"), index=True)
    #: booked, cancelled (by the debtor) or done (a staff user called)
    status: Mapped[str] = mapped_column(String(10), default=CallBackStatus.BOOKED)
    #: the slot, in UTC; shown in the debtor's time zone
    slot_start: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    slot_end: Mapped[datetime] = mapped_column(UTCDateTime)
    #: one of CallBackReason
    reason: Mapped[str] = mapped_column(String(10))
    #: the debtor's own words, if they wrote any (never sent to the creditor's systems)
    note: Mapped[str | None] = mapped_column(String(500))
    #: the number to call, as it was on file when they booked
    phone: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    #: the staff user's short note when they marked it done
    done_note: Mapped[str | None] = mapped_column(String(500))

    def __repr__(self) -> str:
        return f"<CallBack {self.id} {self.status}>"
