"""A write-off: a person at the creditor decided that the debtor need not pay some or all of a debt.

Asked for by one supervisor; above the creditor's amount (policy "write_off_approval_above") it waits
for a second, different supervisor. The ledger entry (kind "write_off") is written only once approved.
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.account import Account
from portal.models.types import UTCDateTime, one_of, utcnow


class WriteOffStatus(StrEnum):
    PENDING = "pending"  # waiting for a second supervisor
    APPROVED = "approved"  # the ledger entry is written
    DECLINED = "declined"  # the second supervisor said no; nothing was written off


WRITE_OFF_STATUSES = tuple(map(str, WriteOffStatus))


class WriteOff(db.Model):
    __tablename__ = "write_off"
    __table_args__ = (one_of("status", WriteOffStatus),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: shown to staff and on the ledger entry, e.g. "W-7K3M9Q2X"
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    #: the disclosure it was decided on, if any
    circumstance_id: Mapped[int | None] = mapped_column(ForeignKey("circumstance.id"), index=True)
    #: True: whatever is owed when it is approved; False: `amount`
    whole: Mapped[bool] = mapped_column(default=False)
    #: minor units, positive: asked for (for a whole write-off, the balance when asked)
    amount: Mapped[int]
    #: why, for staff and the creditor's records; never sent to the creditor's systems or shown to the debtor
    reason: Mapped[str] = mapped_column(Text)
    #: what the debtor reads in our message once it is written off
    note: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), index=True)
    #: the form's one-time key: a second submission of the same form writes nothing more
    request_key: Mapped[str] = mapped_column(String(64), unique=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    requested_by_name: Mapped[str] = mapped_column(String(120))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: who approved or declined it: never the person who asked (enforced in portal.accounts.write_offs)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    decided_by_name: Mapped[str | None] = mapped_column(String(120))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the second supervisor's reason for declining
    decline_note: Mapped[str | None] = mapped_column(Text)
    #: the amount the ledger entry took off (minor units, positive), once approved
    written_off: Mapped[int | None]
    ledger_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entry.id"))

    account: Mapped[Account] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<WriteOff {self.reference} {self.status}>"
