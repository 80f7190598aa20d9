"""Instalment plans: the plan a debtor chose or proposed, its instalments, and the agreement they accepted.

A plan is born as a `draft` (an offer picked, or a proposal accepted at once) or `pending_review`
(a proposal outside the creditor's policy, waiting for a person, who makes it a `draft`, as
proposed or on other terms, or `declined`: portal.plans.review). Agreeing makes it `agreed`;
saving a card makes it `active`, and `flask collect` then charges each instalment on its date.
A plan the debtor pays each time themselves (`pays_by` "debtor") is `active` as soon as it is agreed:
each instalment is reminded with a pay link, and counts as paid when the ledger shows it paid
(portal.plans.service.self_pay).
"""

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.account import Account
from portal.models.append_only import append_only
from portal.models.payment import Payment
from portal.models.types import UTCDateTime, one_of, utcnow


class PlanStatus(StrEnum):
    """A plan's life."""

    DRAFT = "draft"  # chosen (or proposed and accepted at once); not agreed yet
    PENDING_REVIEW = "pending_review"  # proposed outside the creditor's policy; a person decides by `review_by`
    AGREED = "agreed"  # agreed; waiting for a card to collect with
    ACTIVE = "active"  # running: a card is saved and collected on each date, or the debtor pays each one (pays_by)
    COMPLETED = "completed"  # every instalment paid (or the balance cleared another way)
    BROKEN = "broken"  # too many missed payments
    CANCELLED = "cancelled"  # the debtor cancelled it
    DECLINED = "declined"  # the reviewer said no to the proposal
    WITHDRAWN = "withdrawn"  # replaced by another choice before it started


PLAN_STATUSES = tuple(map(str, PlanStatus))
#: statuses in which a plan still stands for its account (one at a time)
LIVE_STATUSES = tuple(map(str, (PlanStatus.DRAFT, PlanStatus.PENDING_REVIEW, PlanStatus.AGREED, PlanStatus.ACTIVE)))


class PlanKind(StrEnum):
    SETTLEMENT = "settlement"  # a reduced total, in one payment or in 2 or 3 monthly ones
    PLAN = "plan"  # instalments adding up to the balance


class PaysBy(StrEnum):
    """How a plan's instalments are paid."""

    CARD = "card"  # a saved card, charged on each date by `flask collect`
    DEBTOR = "debtor"  # the debtor pays each one through the payment page, from a reminder's link; no card kept


class PlanSource(StrEnum):
    """How a plan came about."""

    OFFER = "offer"  # picked from the options
    PROPOSAL = "proposal"  # the debtor's own amount
    BUDGET = "budget"  # the debtor's own amount, from their budget


class ReviewOutcome(StrEnum):
    """What a person decided about a proposal or a pause request (Plan.review_outcome)."""

    APPROVED = "approved"
    #: not as proposed, but on other terms (a counter-offer): a draft for the debtor to agree or not
    COUNTERED = "countered"
    DECLINED = "declined"
    PAUSE_APPROVED = "pause_approved"
    PAUSE_DECLINED = "pause_declined"


REVIEW_OUTCOMES = tuple(map(str, ReviewOutcome))


class InstalmentStatus(StrEnum):
    """An instalment's life. A declined collection goes back to "scheduled" with a retry date until
    the policy's retries are used up; then it is "missed"."""

    SCHEDULED = "scheduled"  # waiting for its date (or its retry date)
    PROCESSING = "processing"  # claimed: a charge is being made (or its answer is not in yet)
    REQUIRES_ACTION = "requires_action"  # the bank wants the debtor to confirm it is them (3-D Secure)
    PAID = "paid"
    MISSED = "missed"
    CANCELLED = "cancelled"  # not needed any more (plan cancelled or broken, or the balance already paid)


INSTALMENT_STATUSES = tuple(map(str, InstalmentStatus))


class Plan(db.Model):
    __tablename__ = "plan"
    __table_args__ = (
        one_of("status", PlanStatus),
        one_of("kind", PlanKind),
        one_of("source", PlanSource),
        one_of("review_outcome", ReviewOutcome),
        one_of("pays_by", PaysBy),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: shown to people and used in URLs, e.g. "PL-7K3M9Q2X"
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    #: whose plan it is; every query is scoped to this debtor
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    #: "settlement" (a reduced total in one payment, or 2 or 3 monthly ones) or "plan" (adding up to the balance)
    kind: Mapped[str] = mapped_column(String(20))
    #: how it came about: "offer" (picked from the options), "proposal" (their own amount) or "budget"
    source: Mapped[str] = mapped_column(String(20))
    #: weekly, fortnightly, four_weekly or monthly; None for a settlement in one payment
    frequency: Mapped[str | None] = mapped_column(String(20))
    #: how monthly dates follow a payday: {"kind": "last_weekday_of_month", "weekday": 4}; None = same day
    payday: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    currency: Mapped[str] = mapped_column(String(3))
    #: the account's balance when the plan was made, minor units
    balance_at_start: Mapped[int]
    #: what the instalments add up to, minor units (less than the balance for a settlement)
    total: Mapped[int]
    #: the regular instalment (the last may differ), minor units
    instalment_amount: Mapped[int]
    #: the settlement discount (balance - total), written off only once every payment of the settlement is paid
    saving: Mapped[int] = mapped_column(default=0)
    first_date: Mapped[date] = mapped_column(Date)
    #: the debtor's own amount, for a proposal
    proposed_amount: Mapped[int | None]
    #: why a proposal needs review: [{"code": "term_too_long", "params": {...}}]
    review_reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    #: the day we promised to answer a proposal (or a pause request) by
    review_by: Mapped[date | None] = mapped_column(Date)
    #: the budget the proposal was made from, if any
    budget_id: Mapped[int | None] = mapped_column(ForeignKey("budget.id"))
    #: the creditor's rules this plan runs under, fixed when it was made:
    #: {"retry_attempts", "retry_after_days", "missed_payments_to_break",
    #:  "interest_frozen", "monthly_interest", "interest_since"}
    terms: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: "card" (a saved card, collected on each date) or "debtor" (they pay each one themselves, reminded with a link)
    pays_by: Mapped[str] = mapped_column(String(10), default="card")
    #: True: take the first instalment as soon as the card is saved; False: on its date
    pay_first_now: Mapped[bool] = mapped_column(default=False)
    #: the saved card (a Stripe PaymentMethod on the debtor's customer), set up for off-session use
    customer_id: Mapped[str | None] = mapped_column(String(120))
    payment_method_id: Mapped[str | None] = mapped_column(String(120))
    card_brand: Mapped[str | None] = mapped_column(String(20))
    card_last4: Mapped[str | None] = mapped_column(String(4))
    #: the SetupIntent of the card being entered now
    setup_intent_id: Mapped[str | None] = mapped_column(String(120))
    #: instalments missed so far; at terms["missed_payments_to_break"] the plan is broken
    missed_count: Mapped[int] = mapped_column(default=0)
    #: a request to pause, waiting for a person while `pause_requested_at` is set: how many months, and why
    #: (the debtor's words); the months and reason stay after the decision, as what was asked
    pause_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pause_months: Mapped[int | None]
    pause_reason: Mapped[str | None] = mapped_column(Text)
    #: the latest decision a person made on this plan: one of REVIEW_OUTCOMES
    review_outcome: Mapped[str | None] = mapped_column(String(20))
    #: what the reviewer wrote, in words the debtor reads on the plan page
    review_note: Mapped[str | None] = mapped_column(Text)
    #: who decided (staff name) and when
    reviewed_by: Mapped[str | None] = mapped_column(String(120))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    agreed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: when it was completed, broken, cancelled, declined or withdrawn
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    account: Mapped[Account] = relationship(lazy="joined")
    instalments: Mapped[list["Instalment"]] = relationship(
        back_populates="plan", order_by="Instalment.number", lazy="selectin"
    )

    @property
    def accepted(self) -> bool:
        """A proposal went through at once (or was picked from the offers): no review needed."""
        return self.status not in ("pending_review", "declined")

    @property
    def has_card(self) -> bool:
        return bool(self.payment_method_id)

    @property
    def paid_by_debtor(self) -> bool:
        """Paid by the debtor each time (no card kept), not collected."""
        return self.pays_by == PaysBy.DEBTOR

    def __repr__(self) -> str:
        return f"<Plan {self.reference} {self.status}>"


class Instalment(db.Model):
    __tablename__ = "instalment"
    __table_args__ = (
        UniqueConstraint("plan_id", "number", name="uq_instalment_plan_number"),
        one_of("status", InstalmentStatus),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    #: 1-based position in the plan
    number: Mapped[int]
    due_date: Mapped[date] = mapped_column(Date, index=True)
    #: minor units of the plan's currency
    amount: Mapped[int]
    status: Mapped[str] = mapped_column(String(20), default="scheduled", index=True)
    #: charges tried so far; the n-th uses the idempotency key "instalment:<id>:attempt:<n>"
    attempts: Mapped[int] = mapped_column(default=0)
    #: collections declined so far (on-session tries by the debtor do not count)
    declines: Mapped[int] = mapped_column(default=0)
    #: after a decline: the day the next try is due
    retry_on: Mapped[date | None] = mapped_column(Date)
    #: who started the latest attempt: "collect" (off-session, the job) or "debtor" (on-session)
    attempt_by: Mapped[str | None] = mapped_column(String(10))
    #: the latest attempt's payment
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payment.id"))
    failure_code: Mapped[str | None] = mapped_column(String(64))
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    missed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the due date a reminder was sent for (a new date after a change gets its own reminder)
    reminded_for: Mapped[date | None] = mapped_column(Date)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    plan: Mapped[Plan] = relationship(back_populates="instalments")
    payment: Mapped[Payment | None] = relationship()

    @property
    def idempotency_key(self) -> str:
        return f"instalment:{self.id}:attempt:{self.attempts}"

    @property
    def collect_on(self) -> date:
        """The day it is next due to be charged: its date, or its retry date after a decline."""
        return self.retry_on or self.due_date

    def __repr__(self) -> str:
        return f"<Instalment {self.plan_id}#{self.number} {self.status}>"


@append_only
class Agreement(db.Model):
    """What the debtor agreed to, word for word, with the version of the text and the time."""

    __tablename__ = "plan_agreement"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"), index=True)
    #: the version of the agreement wording (portal.plans.agreement.VERSION)
    version: Mapped[str] = mapped_column(String(20))
    #: the language it was shown in ("en", "es")
    language: Mapped[str] = mapped_column(String(8))
    #: the full text as shown
    text: Mapped[str] = mapped_column(Text)
    agreed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ip_address: Mapped[str | None] = mapped_column(String(45))
