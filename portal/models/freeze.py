"""Interest and fees frozen on an account, as a person decided: from a day, until a day or until ended.

Collection carries on (unlike a hold); only interest and fee ledger entries are refused, here at the
model layer as for holds (portal.models.hold), so no path (the creditor API, an import, a job, a shell)
can add them while the freeze lasts.
"""

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text, and_, event, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal.extensions import db
from portal.models.account import LedgerEntry
from portal.models.hold import FROZEN_KINDS, LedgerEntryOnHold
from portal.models.types import UTCDateTime, utcnow


class LedgerEntryFrozen(LedgerEntryOnHold):
    """Raised at flush when interest or a fee would be added to an account whose interest is frozen
    (a LedgerEntryOnHold, so whoever handles that refusal handles this one too)."""


class InterestFreeze(db.Model):
    __tablename__ = "interest_freeze"

    id: Mapped[int] = mapped_column(primary_key=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    #: the disclosure it was decided on, if any
    circumstance_id: Mapped[int | None] = mapped_column(ForeignKey("circumstance.id"), index=True)
    #: the first day frozen
    starts_on: Mapped[date] = mapped_column(Date)
    #: the first day no longer frozen; None: until a person ends it
    ends_on: Mapped[date | None] = mapped_column(Date)
    #: what the debtor was told
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def covers(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day < self.ends_on)

    def __repr__(self) -> str:
        return f"<InterestFreeze {self.account_id} {self.starts_on}..{self.ends_on}>"


def freezes_covering(account_id: int, days: list[date]):
    """A select of the account's freezes covering any of `days`."""
    covering = or_(
        *[
            and_(InterestFreeze.starts_on <= day, or_(InterestFreeze.ends_on.is_(None), InterestFreeze.ends_on > day))
            for day in days
        ]
    )
    return select(InterestFreeze).where(InterestFreeze.account_id == account_id, covering)


def _refuse_interest_and_fees_while_frozen(session: Session, flush_context, instances) -> None:
    """A freeze refuses interest and fees for the days it covers, and anything posted while it lasts."""
    new_entries = [obj for obj in session.new if isinstance(obj, LedgerEntry) and obj.kind in FROZEN_KINDS]
    if not new_entries:
        return
    today = utcnow().date()
    with session.no_autoflush:
        for entry in new_entries:
            account_id = entry.account_id if entry.account_id is not None else getattr(entry.account, "id", None)
            if account_id is None:
                continue
            days = sorted({entry.effective_date or today, today})
            freeze = session.scalars(freezes_covering(account_id, days).limit(1)).first()
            if freeze is not None:
                raise LedgerEntryFrozen(
                    f"interest and fees on account {account_id} are frozen from {freeze.starts_on}: "
                    f"no {entry.kind} may be added"
                )


event.listen(Session, "before_flush", _refuse_interest_and_fees_while_frozen)
