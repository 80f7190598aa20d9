"""A hold: Breathing Space, a mental-health crisis breathing space, or a pause the creditor grants.

While a hold covers a day, nothing is collected, no reminder is sent, and no interest or fee may be
added for that day. The last rule is enforced here, at the model layer, so that no path (the
creditor API, a CSV import, a job, a shell) can get round it.
"""

from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, String, and_, event, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal.extensions import db
from portal.models.account import Account, LedgerEntry
from portal.models.types import UTCDateTime, one_of, utcnow


class HoldKind(StrEnum):
    BREATHING_SPACE = "breathing_space"
    MENTAL_HEALTH_CRISIS = "mental_health_crisis"
    CREDITOR_PAUSE = "creditor_pause"


HOLD_KINDS = tuple(map(str, HoldKind))
#: the ledger kinds a hold refuses
FROZEN_KINDS = frozenset({"interest", "fee"})


class LedgerEntryOnHold(ValueError):
    """Raised at flush when interest or a fee would be added to an account on hold."""


class Hold(db.Model):
    __tablename__ = "hold"
    __table_args__ = (one_of("kind", HoldKind),)

    id: Mapped[int] = mapped_column(primary_key=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"), index=True)
    #: one account, or None for every account the debtor has with the creditor
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    #: the first day on hold
    starts_on: Mapped[date] = mapped_column(Date)
    #: the first day no longer on hold; None while a mental-health crisis hold lasts
    ends_on: Mapped[date | None] = mapped_column(Date)
    #: when the end was dealt with (plan dates moved on, accounts reopened); None until then
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    #: days the active plan's unpaid instalments were moved on by when the hold finished
    plan_days_shifted: Mapped[int | None]
    note: Mapped[str | None] = mapped_column(String(500))
    #: who started it (staff user, "creditor api", ...)
    created_by: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def covers(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day < self.ends_on)

    @property
    def last_day(self) -> date | None:
        return self.ends_on - timedelta(days=1) if self.ends_on else None

    @property
    def length_days(self) -> int:
        """How long the hold lasted (or has lasted so far, if it has no end yet)."""
        end = self.ends_on or utcnow().date()
        return max((end - self.starts_on).days, 0)

    def __repr__(self) -> str:
        return f"<Hold {self.kind} {self.starts_on}..{self.ends_on}>"


def holds_covering(account_id: int, debtor_id: int, days: list[date]):
    """A select of the holds on an account (its own, or its debtor's all-accounts holds) covering any of `days`."""
    on_account = or_(Hold.account_id == account_id, and_(Hold.account_id.is_(None), Hold.debtor_id == debtor_id))
    covering = or_(*[and_(Hold.starts_on <= day, or_(Hold.ends_on.is_(None), Hold.ends_on > day)) for day in days])
    return select(Hold).where(on_account, covering)


def _refuse_interest_and_fees_on_hold(session: Session, flush_context, instances) -> None:
    """A hold freezes interest and fees: for the days it covers, and for anything posted while it lasts."""
    new_entries = [obj for obj in session.new if isinstance(obj, LedgerEntry) and obj.kind in FROZEN_KINDS]
    if not new_entries:
        return
    today = utcnow().date()
    with session.no_autoflush:
        for entry in new_entries:
            account = entry.account
            if account is None and entry.account_id is not None:
                account = session.get(Account, entry.account_id)
            if account is None or account.debtor_id is None:
                continue
            days = sorted({entry.effective_date or today, today})
            hold = session.scalars(holds_covering(account.id or -1, account.debtor_id, days).limit(1)).first()
            if hold is not None:
                raise LedgerEntryOnHold(
                    f"account {account.reference} is on hold ({hold.kind}) from {hold.starts_on}: "
                    f"no {entry.kind} may be added"
                )


event.listen(Session, "before_flush", _refuse_interest_and_fees_on_hold)
