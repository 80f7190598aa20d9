"""Secure messages between a debtor and the creditor's staff: threads of messages that are only ever added."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.append_only import append_only
from portal.models.types import UTCDateTime, one_of, utcnow


class MessageSender(StrEnum):
    """Who wrote a message."""

    DEBTOR = "debtor"
    STAFF = "staff"


MESSAGE_SENDERS = tuple(map(str, MessageSender))


class MessageThread(db.Model):
    """A conversation about one subject; the running record of what was said."""

    __tablename__ = "message_thread"
    __table_args__ = (one_of("last_sender", MessageSender),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: whose conversation it is; every query is scoped to this debtor
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"), index=True)
    subject: Mapped[str] = mapped_column(String(120))
    #: who wrote last ("debtor": staff owe a reply; "staff": the debtor has a reply to read)
    last_sender: Mapped[str] = mapped_column(String(10), index=True)
    last_message_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    messages: Mapped[list["Message"]] = relationship(back_populates="thread", order_by="Message.id", lazy="raise")

    def __repr__(self) -> str:
        return f"<MessageThread {self.id}>"


@append_only
class Message(db.Model):
    """One message, kept exactly as sent: never edited, never deleted."""

    __tablename__ = "message"
    __table_args__ = (one_of("sender", MessageSender),)

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("message_thread.id"), index=True)
    #: the thread's debtor again, so a message can be scoped without a join
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"), index=True)
    #: "debtor" or "staff"
    sender: Mapped[str] = mapped_column(String(10))
    #: the staff user who wrote it (no staff table yet: the console will add the foreign key)
    staff_id: Mapped[int | None]
    #: the name the debtor sees for a staff reply, e.g. "Alex"; None shows the creditor's name only
    staff_name: Mapped[str | None] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    thread: Mapped[MessageThread] = relationship(back_populates="messages")

    def __repr__(self) -> str:
        return f"<Message {self.id} from {self.sender}>"
