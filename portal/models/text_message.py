"""Every text message sent or received, with the number in one form (E.164), so a reply can be matched.

An outgoing text is also an OutboundMessage (the record staff read); this row adds what the provider
needs and answers: the number it went to and the provider's id. An incoming text names the thread
message it became, so a staff answer to it can go back by text. No bodies are kept here: the thread
holds what the debtor wrote, the outbox's template what we wrote.
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.types import UTCDateTime, one_of, utcnow


class Direction(StrEnum):
    OUT = "out"
    IN = "in"


class TextMessage(db.Model):
    __tablename__ = "text_message"
    __table_args__ = (one_of("direction", Direction),)

    id: Mapped[int] = mapped_column(primary_key=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"), index=True)
    direction: Mapped[str] = mapped_column(String(3))
    #: the debtor's number in E.164 (+15550100100): what a reply's From is matched against
    number: Mapped[str] = mapped_column(String(20), index=True)
    #: the outbox message it sent (outgoing)
    outbound_message_id: Mapped[int | None] = mapped_column(ForeignKey("outbound_message.id"), index=True)
    #: the thread message it became (incoming replies; None for STOP and START)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("message.id"), index=True)
    #: Twilio's id for it (SM…)
    provider_sid: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
