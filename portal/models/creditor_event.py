"""Things a creditor needs to hear about (payments, plans, disputes): kept in order until delivered."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.types import UTCDateTime, utcnow


class CreditorEvent(db.Model):
    """An outbox row; the creditor API and outbound webhooks read from here."""

    __tablename__ = "creditor_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    creditor_id: Mapped[int] = mapped_column(ForeignKey("creditor.id"), index=True)
    debtor_id: Mapped[int | None] = mapped_column(ForeignKey("debtor.id"), index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), index=True)
    #: dotted name, e.g. "plan.broken", "dispute.opened"
    kind: Mapped[str] = mapped_column(String(64), index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: set when the creditor has received it (outbound webhook or API read)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
