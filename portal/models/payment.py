"""Card payments: one row per attempt, the Stripe customer of each debtor, and every webhook event seen."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.account import Account, LedgerEntry
from portal.models.append_only import append_only
from portal.models.types import UTCDateTime, one_of, utcnow


class PaymentStatus(StrEnum):
    """A payment's life. "succeeded" is final; "failed" can only become "succeeded" (Stripe took the money
    after all)."""

    NEW = "new"  # the debtor chose an amount; nothing has happened at Stripe
    SETUP = "setup"  # a SetupIntent exists for the card the debtor is typing
    CONFIRMING = "confirming"  # claimed: a PaymentIntent is being (or was perhaps) created; only one request gets here
    REQUIRES_ACTION = "requires_action"  # the PaymentIntent waits for 3-D Secure in the browser
    PROCESSING = "processing"  # Stripe has not decided yet
    SUCCEEDED = "succeeded"  # money taken and written to the ledger, once
    FAILED = "failed"  # declined, 3-D Secure failed, or never created: nothing was taken


PAYMENT_STATUSES = tuple(map(str, PaymentStatus))


class StripeEventOutcome(StrEnum):
    """What handling a webhook event did (portal.payments.webhooks)."""

    RECORDED = "recorded"  # a payment succeeded just now
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    IGNORED = "ignored"
    UNUSABLE = "unusable"  # a payment event we can't read


class Payment(db.Model):
    """One attempt to pay an amount by card. Its idempotency key makes a retry the same attempt."""

    __tablename__ = "payment"
    __table_args__ = (one_of("status", PaymentStatus),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: shown to people on receipts and used in URLs, e.g. "P-7K3M9Q2X"
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    #: generated with the amount form: the same key submitted again is the same payment
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    #: the debtor who pays (the account's debtor), so every query can be scoped to them
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"), index=True)
    #: minor units of `currency`, always positive
    amount: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(20), default="new", index=True)
    setup_intent_id: Mapped[str | None] = mapped_column(String(120))
    #: at most one PaymentIntent per payment; unique so two payments can never claim the same money
    payment_intent_id: Mapped[str | None] = mapped_column(String(120), unique=True)
    payment_method_id: Mapped[str | None] = mapped_column(String(120))
    card_brand: Mapped[str | None] = mapped_column(String(20))
    card_last4: Mapped[str | None] = mapped_column(String(4))
    #: why it failed, as a short code ("card_declined", "authentication_failed", ...); never card data
    failure_code: Mapped[str | None] = mapped_column(String(64))
    ledger_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entry.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    confirming_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    succeeded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    account: Mapped[Account] = relationship(lazy="joined")
    ledger_entry: Mapped[LedgerEntry | None] = relationship()

    def __repr__(self) -> str:
        return f"<Payment {self.reference} {self.status}>"


class StripeCustomer(db.Model):
    """The Stripe customer a debtor's cards are saved to."""

    __tablename__ = "stripe_customer"

    id: Mapped[int] = mapped_column(primary_key=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"), unique=True)
    customer_id: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@append_only
class StripeEvent(db.Model):
    """A webhook event, stored once: a second delivery of the same id does nothing."""

    __tablename__ = "stripe_event"
    __table_args__ = (one_of("outcome", StripeEventOutcome),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(120), unique=True)
    type: Mapped[str] = mapped_column(String(80))
    #: the PaymentIntent it was about, if any
    payment_intent_id: Mapped[str | None] = mapped_column(String(120), index=True)
    #: what handling it did: one of StripeEventOutcome
    outcome: Mapped[str] = mapped_column(String(20))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
