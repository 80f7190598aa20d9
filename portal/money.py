"""Money is an integer of minor units plus an ISO currency; floats never touch it."""

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from babel import Locale
from babel.numbers import (
    NumberFormatError,
    NumberPattern,
    format_currency,
    format_decimal,
    get_currency_precision,
    get_decimal_symbol,
    parse_decimal,
    parse_pattern,
)

#: a number as a person types it: a currency sign or code before or after, a minus before; digits are ASCII
_TYPED = re.compile(
    r"(?P<minus>-)?\s*(?:[A-Z]{2,3})?[$£€¥]?\s*(?P<number>-?[\d.,]*\d[\d.,]*)\s*(?:(?:[A-Z]{2})?[$£€¥]|[A-Z]{3})?",
    re.ASCII,
)


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


def format_money(minor: int, currency: str, locale: str | Locale) -> str:
    """Format minor units for a locale: 123456 USD → "$1,234.56" (en) or "1234,56 US$" (es). A Locale object
    (portal.i18n.babel_locale) spares Babel parsing the name again.

    Where the language has no sign of its own for the currency, the currency's usual sign is written in the
    language's place for it: Spanish knows no "£" (Babel has no es_GB, and its es writes "635,80 GBP"), so
    a Spanish page of a UK creditor writes "635,80 £".
    """
    locale = locale if isinstance(locale, Locale) else Locale.parse(locale)
    return format_currency(
        Money(minor, currency).to_decimal(), currency, format=_pattern(locale, currency), locale=locale
    )


@cache
def _pattern(locale: Locale, currency: str) -> NumberPattern | None:
    """The locale's currency pattern with the currency's usual sign in it, when the locale has none for it."""
    if locale.currency_symbols.get(currency, currency) != currency:
        return None  # the locale's own sign ("$", "US$", "€", "£")
    sign = Locale.parse("en").currency_symbols.get(currency, currency)
    if sign == currency:
        return None  # nobody's sign: the ISO code it is
    return parse_pattern(locale.currency_formats["standard"].pattern.replace("¤", "'" + sign + "'"))


def parse_money(text: str, currency: str, locale: str) -> Money | None:
    """Read what a person types as Money, the way the page's locale writes numbers; None if it isn't money.

    English pages read "50", "50.00", "£50", "1,200" and "1,234.56"; Spanish pages "50,50" and
    "1.234,56". Babel parses strictly, so separators in the wrong places ("50.50" on a Spanish page)
    are refused, never guessed, and so are more decimals than the currency has ("1,200" on a
    Spanish page would be 1.2, but the person may have meant twelve hundred).
    """
    typed = _TYPED.fullmatch(" ".join(text.split()))
    if typed is None or (typed["minus"] and typed["number"].startswith("-")):
        return None
    cleaned = (typed["minus"] or "") + typed["number"]
    try:
        value = parse_decimal(cleaned, locale=locale, strict=True)
    except NumberFormatError:
        return None
    point = get_decimal_symbol(locale)
    decimals = cleaned.rpartition(point)[2] if point in cleaned else ""
    if len(decimals) > get_currency_precision(currency):
        return None
    return Money(int(value.scaleb(get_currency_precision(currency))), currency)


def amount_example(currency: str, locale: str) -> tuple[str, str]:
    """How this page writes a whole and an exact amount ("50", "50.00" or "50,00"), for messages."""
    digits = get_currency_precision(currency)
    exact = format_decimal(Decimal(50), format="0." + "0" * digits if digits else "0", locale=locale)
    return "50", exact


def amount_input(minor: int, currency: str, locale: str) -> str:
    """An amount written back into a form field so that `parse_money` reads it the same ("1234,56" in es)."""
    digits = get_currency_precision(currency)
    pattern = "0." + "0" * digits if digits else "0"
    return format_decimal(Money(minor, currency).to_decimal(), format=pattern, locale=locale)
