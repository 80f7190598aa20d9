"""Every email or text we mean to send: written by the code that decides to write, sent by the outbox.

The row is also the record of the message (who, channel, template, when, what happened), kept
for at least the creditor's retention period (US: three years, Regulation F §1006.100).
"""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.types import UTCDateTime, one_of, utcnow


class OutboundState(StrEnum):
    #: waiting to be sent (now or at `due_at`)
    QUEUED = "queued"
    #: handed to the provider
    SENT = "sent"
    #: the channel is off or unknown, so the debtor reads it in the portal
    IN_PORTAL = "in_portal"
    #: it asks for money and asking has stopped
    WITHHELD = "withheld"
    #: what it said is no longer true
    STALE = "stale"
    #: the provider refused it for good
    FAILED = "failed"


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    POST = "post"


OUTBOUND_STATES = tuple(map(str, OutboundState))
CHANNELS = tuple(map(str, Channel))


class OutboundMessage(db.Model):
    __tablename__ = "outbound_message"
    __table_args__ = (one_of("channel", Channel), one_of("state", OutboundState))

    id: Mapped[int] = mapped_column(primary_key=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"), index=True)
    #: the account it is about, when it is about one (holds and disputes are per account)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), index=True)
    channel: Mapped[str] = mapped_column(String(10))
    #: which message it is ("receipt", "plan.reminder", ...): portal.outbox renders it at send time
    template: Mapped[str] = mapped_column(String(40))
    #: where it goes when that is not the debtor's own address or number: a code goes to the new one before it
    #: is theirs, and the notice that it changed to the old one
    to_address: Mapped[str | None] = mapped_column(String(200))
    #: what the template needs to render it (ids, never personal data)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: reminders, missed payments, requests to confirm a payment: never sent while asking has stopped
    asks_for_money: Mapped[bool] = mapped_column(default=False)
    state: Mapped[str] = mapped_column(String(10), default="queued", index=True)
    #: not before this moment (a run outside contact hours moves it to the next try); None: at once
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    #: why it was withheld, waited or failed, in words for staff (never the message's content)
    outcome: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<OutboundMessage {self.id} {self.template} {self.state}>"
