"""A person who owes money to a creditor."""

from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.creditor import Creditor
from portal.models.types import UTCDateTime, utcnow


class Debtor(UserMixin, db.Model):
    __tablename__ = "debtor"
    __table_args__ = (UniqueConstraint("creditor_id", "reference", name="uq_debtor_creditor_reference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    creditor_id: Mapped[int] = mapped_column(ForeignKey("creditor.id"), index=True)
    #: the creditor's own id for this person
    reference: Mapped[str] = mapped_column(String(64))
    full_name: Mapped[str] = mapped_column(String(200))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    postcode: Mapped[str | None] = mapped_column(String(16))
    address: Mapped[str | None] = mapped_column(String(500))
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    #: preferred language ("en", "es"); None means the creditor's default
    locale: Mapped[str | None] = mapped_column(String(16))
    timezone: Mapped[str | None] = mapped_column(String(64))
    #: bumped to sign the debtor out everywhere
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    creditor: Mapped[Creditor] = relationship(lazy="joined")

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def effective_timezone(self) -> str:
        return self.timezone or self.creditor.timezone

    def __repr__(self) -> str:
        return f"<Debtor {self.reference}>"
