"""Someone a debtor trusts to help with their account (a debt adviser, a carer, a family member), and the codes
that prove, each time they sign in, that they read the email address the debtor gave for them.

A helper sees the debtor's pages with their own link and their own code, never the debtor's, and only while
their access lasts: until the debtor or staff end it, or until `expires_at` (TRUSTED_HELPER_DAYS after the
invitation or the last renewal). Ended rows are kept: they say who had access, and until when.
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, orm
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.debtor import Debtor
from portal.models.types import UTCDateTime, one_of, utcnow


class Relationship(StrEnum):
    DEBT_ADVISER = "debt_adviser"
    CARER = "carer"
    FAMILY = "family"
    OTHER = "other"


class EndedBy(StrEnum):
    DEBTOR = "debtor"
    STAFF = "staff"
    EXPIRED = "expired"


class TrustedHelper(db.Model):
    __tablename__ = "trusted_helper"
    __table_args__ = (one_of("relationship", Relationship), one_of("ended_by", EndedBy))

    id: Mapped[int] = mapped_column(primary_key=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"), index=True)
    #: random, signed into the helper's link; it names this row and nothing else
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    #: where the invitation and every sign-in code go (trimmed, the domain in lower case)
    email: Mapped[str] = mapped_column(String(200))
    relationship: Mapped[str] = mapped_column(String(20))
    #: may also work on the budget, send it, and propose plans; without it the helper only looks
    may_propose: Mapped[bool] = mapped_column(default=False)
    #: may enter card details on the debtor's behalf (only when the debtor said so)
    may_pay: Mapped[bool] = mapped_column(default=False)
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: access ends by itself then, unless renewed
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: "debtor", "staff" or "expired"
    ended_by: Mapped[str | None] = mapped_column(String(10))
    #: the staff user's reason, when staff ended it
    ended_reason: Mapped[str | None] = mapped_column(String(500))
    #: when the debtor was told this access ends soon (once per end date: renewing clears it)
    expiry_warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the helper's newest page seen (what the console shows; every visit is in the audit trail)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    debtor: Mapped[Debtor] = orm.relationship(lazy="joined")

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.split() else self.name

    def __repr__(self) -> str:
        return f"<TrustedHelper {self.id} for debtor {self.debtor_id}>"


class HelperCode(db.Model):
    """A sign-in code emailed to a helper. Only a keyed hash of the code is kept; each try is claimed in one
    atomic UPDATE before the code is compared (portal.one_time_codes)."""

    __tablename__ = "helper_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    helper_id: Mapped[int] = mapped_column(ForeignKey("trusted_helper.id"), index=True)
    #: HMAC-SHA256 of the code; None until the code is written (when its email is)
    code_hash: Mapped[str | None] = mapped_column(String(64))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: codes compared so far
    attempts: Mapped[int] = mapped_column(default=0)
    #: the right code came back: it signed the helper in once, and works no more
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: a newer code was asked for: this one no longer works
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
