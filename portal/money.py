"""Money is an integer of minor units plus an ISO currency; floats never touch it."""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from babel.numbers import format_currency, get_currency_precision


@dataclass(frozen=True, slots=True)
class Money:
    #: minor units (cents, pence), signed
    minor: int
    #: ISO 4217 code
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.minor, int) or isinstance(self.minor, bool):
            raise TypeError("Money.minor must be an int of minor units")

    def __add__(self, other: "Money") -> "Money":
        self._check_same_currency(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: "Money") -> "Money":
        self._check_same_currency(other)
        return Money(self.minor - other.minor, self.currency)

    def __neg__(self) -> "Money":
        return Money(-self.minor, self.currency)

    def _check_same_currency(self, other: "Money") -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot mix {self.currency} and {other.currency}")

    def to_decimal(self) -> Decimal:
        return Decimal(self.minor).scaleb(-get_currency_precision(self.currency))

    def format(self, locale: str) -> str:
        return format_money(self.minor, self.currency, locale)


def format_money(minor: int, currency: str, locale: str) -> str:
    """Format minor units for a locale: 123456 USD → "$1,234.56" (en) or "1234,56 US$" (es)."""
    return format_currency(Money(minor, currency).to_decimal(), currency, locale=locale)


def parse_money(text: str, currency: str) -> Money | None:
    """Read what a person types ("50", "50.00", "£50", "1,200") as Money; None if it isn't money.

    Commas are taken as thousands separators, as on GOV.UK money inputs.
    """
    digits = get_currency_precision(currency)
    cleaned = re.sub(r"[^\d.\-]", "", text.replace(",", "").strip())
    if not re.fullmatch(r"-?\d+(\.\d+)?", cleaned):
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    scaled = value.scaleb(digits)
    if scaled != scaled.to_integral_value():
        return None
    return Money(int(scaled), currency)
