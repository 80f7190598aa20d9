"""How much to pay: the full balance, or an amount of the debtor's own."""

import re
from collections.abc import Callable

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, HiddenField, StringField

from portal.money import amount_example, format_money, parse_money
from portal.payments.rules import AmountProblem, amount_problem, new_idempotency_key

_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")


class IdempotentForm(FlaskForm):
    """A form that makes one payment: the key made with it means sending it twice is the same payment."""

    #: which keys we accept back from the browser
    key_pattern = _KEY

    #: made with the form: sending the same form twice is the same payment
    idempotency_key = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.idempotency_key.data:
            self.idempotency_key.data = new_idempotency_key()

    def has_valid_key(self) -> bool:
        return bool(self.key_pattern.fullmatch(self.idempotency_key.data or ""))


def read_amount(
    field: Field,
    *,
    balance: int,
    minimum: int,
    currency: str,
    locale: str,
    empty: LazyString,
    under_minimum: Callable[[str], LazyString],
) -> int | None:
    """The amount typed into `field` in minor units, or None with a message beside the field saying what to do.

    `empty` and `under_minimum` (given the least amount, written out) are the words that differ by page.
    """
    typed = (field.data or "").strip()
    if not typed:
        field.errors = [empty]
        return None
    money = parse_money(typed, currency, locale)
    if money is None:
        whole, exact = amount_example(currency, locale)
        field.errors = [_l("Enter an amount in numbers, like %(whole)s or %(exact)s", whole=whole, exact=exact)]
        return None
    problem = amount_problem(money.minor, balance, minimum)
    if problem is AmountProblem.NOT_POSITIVE:
        field.errors = [_l("Enter an amount more than %(zero)s", zero=format_money(0, currency, locale))]
    elif problem is AmountProblem.OVER_BALANCE:
        field.errors = [
            _l(
                "Enter an amount of %(balance)s or less. That is what you owe.",
                balance=format_money(balance, currency, locale),
            )
        ]
    elif problem is AmountProblem.UNDER_MINIMUM:
        field.errors = [under_minimum(format_money(minimum, currency, locale))]
    else:
        return money.minor
    return None


class AmountForm(IdempotentForm):
    #: "full" or "other" (radios, drawn in the template)
    choice = StringField(_l("How much do you want to pay?"))
    amount = StringField(_l("Amount"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.amount_minor: int | None = None

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
        self.amount_minor = read_amount(
            self.amount,
            balance=balance,
            minimum=minimum,
            currency=currency,
            locale=locale,
            empty=_l("Enter the amount you want to pay"),
            under_minimum=lambda least: _l(
                "Enter an amount of %(minimum)s or more, or pay the full balance", minimum=least
            ),
        )
        return self.amount_minor is not None

    @property
    def errors_for_summary(self) -> list[tuple[str, str]]:
        """(field id, message) pairs for the error summary; radios link to their first option."""
        pairs = [("choice-full", str(message)) for message in self.choice.errors or []]
        pairs += [("amount", str(message)) for message in self.amount.errors or []]
        return pairs


class RetryForm(IdempotentForm):
    """Try again with another card: a new payment attempt, with its own idempotency key."""
