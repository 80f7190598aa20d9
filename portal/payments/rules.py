"""Payment rules as plain functions: which amounts may be paid, where a status may go, what Stripe's answers mean.

No database and no Flask here, so each rule is tested on its own (tests/unit/test_payment_rules.py).
"""

import enum
import secrets
from dataclasses import dataclass

from portal.models import Creditor
from portal.payments.gateway import Intent


class AmountProblem(enum.StrEnum):
    NOT_POSITIVE = "not_positive"
    OVER_BALANCE = "over_balance"
    UNDER_MINIMUM = "under_minimum"


@dataclass(frozen=True)
class Outcome:
    """What the browser should do next."""

    #: "succeeded", "requires_action", "pending", "failed" (this attempt is over) or
    #: "problem" (nothing happened; the debtor must change something first)
    status: str
    code: str | None = None
    client_secret: str | None = None


def minimum_payment(creditor: Creditor, default: int) -> int:
    """The least a debtor may pay at once, in minor units: the creditor's policy, or the default."""
    value = (creditor.policy or {}).get("min_payment", default)
    return max(int(value), 1)


def amount_problem(amount: int, balance: int, minimum: int) -> AmountProblem | None:
    """Why an amount can't be paid, or None. Clearing the whole balance is always allowed."""
    if amount <= 0:
        return AmountProblem.NOT_POSITIVE
    if amount > balance:
        return AmountProblem.OVER_BALANCE
    if amount < minimum and amount != balance:
        return AmountProblem.UNDER_MINIMUM
    return None


def next_status(current: str, stripe_status: str) -> str:
    """Where a payment goes when Stripe reports a PaymentIntent status. Never backwards:
    events can arrive late, twice, or out of order."""
    if current == "succeeded" or stripe_status == "succeeded":
        return "succeeded"
    if current == "failed":
        return "failed"
    if stripe_status in ("requires_payment_method", "canceled"):
        return "failed"
    if stripe_status == "requires_action":
        return "requires_action"
    if stripe_status in ("processing", "requires_capture", "requires_confirmation"):
        return "processing"
    return current


def failure_code(intent: Intent) -> str:
    """A short reason for a failed PaymentIntent, for the message we show."""
    if intent.error_code == "payment_intent_authentication_failure":
        return "authentication_failed"
    if intent.status == "canceled":
        return "canceled"
    return intent.error_code or "card_declined"


def new_idempotency_key() -> str:
    return secrets.token_urlsafe(24)
