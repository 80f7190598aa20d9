"""Outbound webhooks: where a creditor hears (its endpoint), and each event's delivery with every attempt."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.creditor_event import CreditorEvent
from portal.models.types import UTCDateTime, one_of, utcnow


class WebhookEndpoint(db.Model):
    """A creditor's receiver. The secret signs every body; it is shown once when made (it must stay readable here
    to sign with, so only its last characters are ever shown again)."""

    __tablename__ = "webhook_endpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    creditor_id: Mapped[int] = mapped_column(ForeignKey("creditor.id"), unique=True)
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    secret_rotated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DeliveryState(StrEnum):
    PENDING = "pending"  # waiting for its next attempt (or being attempted now)
    DELIVERED = "delivered"  # the receiver answered 2xx
    FAILED = "failed"  # no 2xx within 24 hours of the event; not tried again


DELIVERY_STATES = tuple(map(str, DeliveryState))


class WebhookDelivery(db.Model):
    """One event on its way to one creditor's endpoint: made with the event, in the same transaction."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (one_of("state", DeliveryState),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("creditor_event.id"), unique=True)
    creditor_id: Mapped[int] = mapped_column(ForeignKey("creditor.id"), index=True)
    state: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    #: when a runner may try it next; a claim moves it a lease ahead, so a runner that dies mid-call is retried
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: 24 hours after the event: no attempt is made after this
    give_up_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(String(200))
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[CreditorEvent] = relationship(lazy="joined")
    attempt_rows: Mapped[list["WebhookAttempt"]] = relationship(order_by="WebhookAttempt.number", viewonly=True)


class WebhookAttempt(db.Model):
    """One call to the receiver: what it answered (or why it did not) and how long it took."""

    __tablename__ = "webhook_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("webhook_delivery.id"), index=True)
    number: Mapped[int]
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_ms: Mapped[int]
    status_code: Mapped[int | None]
    #: a short reason when there was no 2xx ("timed out", "connection refused", "HTTP 500"); never the body we sent
    error: Mapped[str | None] = mapped_column(String(200))
    #: the start of the receiver's answer, for the delivery log
    response_excerpt: Mapped[str | None] = mapped_column(String(200))
