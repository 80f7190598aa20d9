"""A dispute of a debt, or a request for the original creditor's name and address: collection waits for the answer."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.account import Account, AccountStatus
from portal.models.types import UTCDateTime, one_of, utcnow


class DisputeKind(StrEnum):
    """Each stops asking for money until answered."""

    #: the debtor says the debt is wrong
    DISPUTE = "dispute"
    #: they ask who the debt first belonged to
    ORIGINAL_CREDITOR = "original_creditor"
    #: they say it is too old to be enforced (UK CONC 7.15)
    STATUTE_BARRED = "statute_barred"


class DisputeReason(StrEnum):
    NOT_MINE = "not_mine"
    WRONG_AMOUNT = "wrong_amount"
    ALREADY_PAID = "already_paid"
    OTHER = "other"


class DisputeStatus(StrEnum):
    OPEN = "open"
    #: staff confirmed the debt, and asking for money waits until the verification (or the original
    #: creditor's name and address) has reached the debtor and that is recorded
    AWAITING_DELIVERY = "awaiting_delivery"
    RESOLVED = "resolved"


class DisputeOutcome(StrEnum):
    #: the debt is right as it stands
    CONFIRMED = "confirmed"
    #: it was wrong and has been put right
    CORRECTED = "corrected"
    #: the debtor was right, the account is closed
    UPHELD = "upheld"
    #: the original creditor's details were sent
    ANSWERED = "answered"


DISPUTE_KINDS = tuple(map(str, DisputeKind))
DISPUTE_REASONS = tuple(map(str, DisputeReason))
DISPUTE_STATUSES = tuple(map(str, DisputeStatus))
#: statuses during which nothing is asked for on the account
OPEN_DISPUTE_STATUSES = (DisputeStatus.OPEN.value, DisputeStatus.AWAITING_DELIVERY.value)
DISPUTE_OUTCOMES = tuple(map(str, DisputeOutcome))


class Dispute(db.Model):
    __tablename__ = "dispute"
    __table_args__ = (
        one_of("kind", DisputeKind),
        one_of("reason", DisputeReason),
        one_of("status", DisputeStatus),
        one_of("account_status_before", AccountStatus),
        one_of("outcome", DisputeOutcome),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: shown to the debtor and used by staff, e.g. "D-7K3M9Q2X"
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    #: the account's debtor, so every query can be scoped to them
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="dispute")
    #: one of DISPUTE_REASONS; None for an original-creditor request
    reason: Mapped[str | None] = mapped_column(String(20))
    #: what the debtor wrote, in their words
    details: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    #: the account's status when the dispute was opened, to return to when it is resolved
    account_status_before: Mapped[str] = mapped_column(String(20))
    #: US: made before the validation period ended (the law then requires collection to stop)
    within_validation_period: Mapped[bool | None]
    outcome: Mapped[str | None] = mapped_column(String(20))
    #: staff's answer, which the debtor reads
    resolution_note: Mapped[str | None] = mapped_column(Text)
    #: who resolved it (a staff user's name)
    resolved_by: Mapped[str | None] = mapped_column(String(120))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the stored file's name under UPLOAD_FOLDER/disputes; never served to debtors
    attachment_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    #: the name the debtor's file had (cleaned), for staff
    attachment_filename: Mapped[str | None] = mapped_column(String(200))
    #: the type found from the file's content, not its name
    attachment_content_type: Mapped[str | None] = mapped_column(String(50))
    #: bytes
    attachment_size: Mapped[int | None]
    attachment_sha256: Mapped[str | None] = mapped_column(String(64))
    #: when the verification (or the original creditor's details) reached the debtor, and how it was sent
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_by: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    account: Mapped[Account] = relationship(lazy="joined")

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    def __repr__(self) -> str:
        return f"<Dispute {self.reference} {self.status}>"
