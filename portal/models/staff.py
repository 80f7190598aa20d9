"""Support staff: who they are, which creditors they serve, their signed-in sessions and their views as a debtor."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.creditor import Creditor
from portal.models.debtor import Debtor
from portal.models.types import UTCDateTime, one_of, utcnow


class StaffRole(StrEnum):
    """Each role may do what the ones before it may, and more."""

    AGENT = "agent"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


STAFF_ROLES = tuple(map(str, StaffRole))

staff_creditor = Table(
    "staff_creditor",
    db.metadata,
    Column("staff_user_id", ForeignKey("staff_user.id", ondelete="CASCADE"), primary_key=True),
    Column("creditor_id", ForeignKey("creditor.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class StaffUser(db.Model):
    __tablename__ = "staff_user"
    __table_args__ = (one_of("role", StaffRole),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: lower case; what they sign in with
    email: Mapped[str] = mapped_column(String(200), unique=True)
    #: the name colleagues see; debtors see the first word of it
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))
    #: scrypt (Werkzeug); None until set-up is finished
    password_hash: Mapped[str | None] = mapped_column(String(255))
    #: base32 TOTP secret; None until set-up is finished
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    #: the last TOTP time step accepted: a code is good once
    totp_last_step: Mapped[int] = mapped_column(default=0)
    #: sha256 of the one-time set-up token, until it is used
    setup_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    setup_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: wrong passwords and codes since the last sign-in; the account locks at STAFF_MAX_FAILURES
    failed_attempts: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: a deactivated user cannot sign in; their history stays
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    creditors: Mapped[list[Creditor]] = relationship(secondary=staff_creditor, lazy="selectin", order_by=Creditor.name)

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.split() else self.name

    @property
    def creditor_ids(self) -> frozenset[int]:
        return frozenset(creditor.id for creditor in self.creditors)

    @property
    def is_set_up(self) -> bool:
        return self.password_hash is not None and self.totp_secret is not None

    def __repr__(self) -> str:
        return f"<StaffUser {self.email} {self.role}>"


class StaffSession(db.Model):
    """A staff sign-in, kept on the server: the cookie holds only a random token whose hash is stored here."""

    __tablename__ = "staff_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: None while the TOTP code is still to be given after the password
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: "signed_out", "idle", "expired", "ended_by_admin", "password_stage_expired"
    ended_reason: Mapped[str | None] = mapped_column(String(40))

    staff_user: Mapped[StaffUser] = relationship(lazy="joined")


class DebtorView(db.Model):
    """A staff user seeing the portal as one debtor sees it: why, since when, until when."""

    __tablename__ = "debtor_view"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_session_id: Mapped[int] = mapped_column(ForeignKey("staff_session.id"), index=True)
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"), index=True)
    #: one of portal.staff.view_as.REASON_CATEGORIES
    category: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: "ended", "expired", "signed_out"
    ended_reason: Mapped[str | None] = mapped_column(String(40))

    staff_user: Mapped[StaffUser] = relationship(lazy="joined")
    debtor: Mapped[Debtor] = relationship(lazy="joined")
