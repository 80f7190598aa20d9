"""A promise to pay: "I'll pay £X by <date>", without a plan and without a card.

A promise is `open` from when it is made until it is decided: `kept` as soon as the payments recorded on the
account since it was made (any channel: the ledger is the truth) add up to its amount by its date, `broken` the
day after its date if they do not, or `cancelled`. Each decision is one conditional UPDATE from `open`, so a job
run twice, or a job and a page at once, decide a promise once (portal.promises.service).
"""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.account import Account
from portal.models.types import UTCDateTime, one_of, utcnow


class PromiseStatus(StrEnum):
    OPEN = "open"
    KEPT = "kept"
    BROKEN = "broken"
    CANCELLED = "cancelled"


PROMISE_STATUSES = tuple(map(str, PromiseStatus))


class Promise(db.Model):
    __tablename__ = "promise"
    __table_args__ = (
        one_of("status", PromiseStatus),
        # the open promises of an account (the limit, the dashboard) and the job's open promises by date
        Index("ix_promise_account_status", "account_id", "status"),
        Index("ix_promise_status_due_on", "status", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: what the debtor and staff read out: "PR-7K3M9Q2X"
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    #: what the debtor promised, in minor units of `currency` (the account's)
    amount: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    #: the last day the payments may arrive on, in the debtor's own calendar
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default=PromiseStatus.OPEN.value)
    made_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: when it was decided (kept, broken or cancelled)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the staff user who made it for the debtor in a console "view as", the debtor having agreed on the phone
    made_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    #: when the reminder the day before was queued (once)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    account: Mapped[Account] = relationship()

    def __repr__(self) -> str:
        return f"<Promise {self.reference} {self.status}>"
