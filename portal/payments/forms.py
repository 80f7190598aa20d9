"""How much to pay: the full balance, or an amount of the debtor's own."""

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField

from portal.money import format_money, parse_money
from portal.payments.service import AmountProblem, amount_problem, new_idempotency_key

_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")


class AmountForm(FlaskForm):
    #: "full" or "other" (radios, drawn in the template)
    choice = StringField(_l("How much do you want to pay?"))
    amount = StringField(_l("Amount"))
    #: made with the form: sending the same form twice is the same payment
    idempotency_key = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.idempotency_key.data:
            self.idempotency_key.data = new_idempotency_key()
        self.amount_minor: int | None = None

    def has_valid_key(self) -> bool:
        return bool(_KEY.fullmatch(self.idempotency_key.data or ""))

    def check(self, *, balance: int, minimum: int, currency: str, locale: str) -> bool:
        """Read the amount chosen; put a message that says what to do beside the field if it can't be paid."""
        choice = self.choice.data
        typed = (self.amount.data or "").strip()
        if choice not in ("full", "other"):
            if not typed:
                self.choice.errors = [_l("Choose to pay the full balance or another amount")]
                return False
            choice = self.choice.data = "other"
        if choice == "full":
            self.amount_minor = balance
            return True
        if not typed:
            self.amount.errors = [_l("Enter the amount you want to pay")]
            return False
        money = parse_money(typed, currency)
        if money is None:
            self.amount.errors = [_l("Enter an amount in numbers, like 50 or 50.00")]
            return False
        problem = amount_problem(money.minor, balance, minimum)
        if problem is AmountProblem.NOT_POSITIVE:
            self.amount.errors = [_l("Enter an amount more than %(zero)s", zero=format_money(0, currency, locale))]
        elif problem is AmountProblem.OVER_BALANCE:
            self.amount.errors = [
                _l(
                    "Enter an amount of %(balance)s or less. That is what you owe.",
                    balance=format_money(balance, currency, locale),
                )
            ]
        elif problem is AmountProblem.UNDER_MINIMUM:
            self.amount.errors = [
                _l(
                    "Enter an amount of %(minimum)s or more, or pay the full balance",
                    minimum=format_money(minimum, currency, locale),
                )
            ]
        else:
            self.amount_minor = money.minor
            return True
        return False

    @property
    def errors_for_summary(self) -> list[tuple[str, str]]:
        """(field id, message) pairs for the error summary; radios link to their first option."""
        pairs = [("choice-full", str(message)) for message in self.choice.errors or []]
        pairs += [("amount", str(message)) for message in self.amount.errors or []]
        return pairs


class RetryForm(FlaskForm):
    """Try again with another card: a new payment attempt, with its own idempotency key."""

    idempotency_key = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.idempotency_key.data:
            self.idempotency_key.data = new_idempotency_key()

    def has_valid_key(self) -> bool:
        return bool(_KEY.fullmatch(self.idempotency_key.data or ""))
