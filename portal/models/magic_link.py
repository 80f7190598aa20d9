"""A personal link sent in a reminder, and the requests for a new one."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.debtor import Debtor
from portal.models.types import UTCDateTime, utcnow


class MagicLink(db.Model):
    __tablename__ = "magic_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: random id carried, signed, in the URL; the primary key never leaves the server
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    #: the code of the short address (/s/<code>) for text messages: random, not derived from the token
    short_code: Mapped[str | None] = mapped_column(String(16), unique=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"), index=True)
    campaign: Mapped[str | None] = mapped_column(String(100))
    #: how the creditor sends it ("email", "sms", "letter"), when they say, for campaign results
    channel: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: how many times the link was opened (GET), mail scanners included
    open_count: Mapped[int] = mapped_column(default=0)
    last_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: wrong identity answers so far; at the limit the link locks
    failed_attempts: Mapped[int] = mapped_column(default=0)
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sign_in_count: Mapped[int] = mapped_column(default=0)
    #: a page of the portal to open after the identity check (e.g. a payment to confirm); None: the dashboard
    destination: Mapped[str | None] = mapped_column(String(200))

    debtor: Mapped[Debtor] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<MagicLink {self.public_id}>"


class LinkRequest(db.Model):
    """Someone asked for a new link; a person or the creditor follows it up."""

    __tablename__ = "link_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    magic_link_id: Mapped[int | None] = mapped_column(ForeignKey("magic_link.id"), index=True)
    debtor_id: Mapped[int | None] = mapped_column(ForeignKey("debtor.id"), index=True)
    #: why the old link failed: "expired", "revoked", "locked" or "invalid"
    reason: Mapped[str] = mapped_column(String(20))
    #: what the person typed when we could not tell who they are
    contact: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
