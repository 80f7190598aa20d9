"""What a debtor told us about their life (illness, bereavement, job loss, ...), for a person to review."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.types import UTCDateTime, one_of, utcnow

#: what is happening in the debtor's life (checkboxes; any number, or none)
CIRCUMSTANCE_KINDS = (
    "illness",
    "terminal_illness",
    "mental_health",
    "bereavement",
    "income",
    "caring",
    "abuse",
    "other",
)
#: what would help them (checkboxes; any number, or none)
CIRCUMSTANCE_HELPS = ("more_time", "pause", "lower_payments", "review")
#: helps that ask for a break from paying: nothing is collected or asked for until a person decides
BREAK_HELPS = frozenset({"pause", "lower_payments"})


class CircumstanceStatus(StrEnum):
    """New until a person at the creditor has read it, then reviewed."""

    NEW = "new"
    REVIEWED = "reviewed"


CIRCUMSTANCE_STATUSES = tuple(map(str, CircumstanceStatus))


class Circumstance(db.Model):
    """One disclosure. Sensitive: shown only to the debtor and to staff, never sent in creditor events."""

    __tablename__ = "circumstance"
    __table_args__ = (one_of("status", CircumstanceStatus),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: shown to the debtor and used in URLs, e.g. "C-7K3M9Q2X"
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    #: whose it is; every query is scoped to this debtor
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"), index=True)
    #: a list of CIRCUMSTANCE_KINDS
    kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: a list of CIRCUMSTANCE_HELPS
    helps: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: the debtor's own words, if any
    details: Mapped[str | None] = mapped_column(Text)
    #: when the debtor agreed that we record the details; None: we act on it but keep only what is needed
    consented_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: when the debtor withdrew that consent (the details were removed; the decision is kept)
    consent_withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: no reminders until then (see portal.help.service.contact.may_contact)
    reminders_paused_until: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    status: Mapped[str] = mapped_column(String(10), default="new", index=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the staff user who reviewed it (no staff table yet: the console will add the foreign key)
    reviewed_by_id: Mapped[int | None]
    #: the reviewer's name or initials as they want it recorded
    reviewed_by_name: Mapped[str | None] = mapped_column(String(120))
    #: for staff: what was decided and why
    review_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    def __repr__(self) -> str:
        return f"<Circumstance {self.reference} {self.status}>"
