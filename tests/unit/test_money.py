"""Money: integers of minor units, formatted by Babel, read from what people type."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.money import Money, format_money, parse_money


@pytest.mark.parametrize(
    ("minor", "currency", "locale", "expected"),
    [
        (123456, "USD", "en_US", "$1,234.56"),
        (123456, "GBP", "en_GB", "£1,234.56"),
        (5, "GBP", "en_GB", "£0.05"),
        (-1000, "USD", "en_US", "-$10.00"),
        (123456, "USD", "es", "1.234,56\xa0US$"),
        (1234567, "USD", "es", "12.345,67\xa0US$"),
        (1000, "JPY", "en_US", "¥1,000"),
    ],
)
def test_money_is_formatted_for_the_locale(minor, currency, locale, expected):
    assert format_money(minor, currency, locale) == expected


@pytest.mark.parametrize(
    ("typed", "minor"),
    [("50", 5000), ("50.00", 5000), ("£50", 5000), ("1,200", 120000), (" 12.5 ", 1250), ("$0.99", 99)],
)
def test_parse_money_accepts_what_people_type(typed, minor):
    assert parse_money(typed, "GBP") == Money(minor, "GBP")


@pytest.mark.parametrize("typed", ["", "abc", "1.234", "12..5", "£", "5.5.5"])
def test_parse_money_refuses_what_is_not_an_amount(typed):
    assert parse_money(typed, "GBP") is None


def test_money_refuses_floats():
    with pytest.raises(TypeError):
        Money(10.5, "USD")


def test_money_refuses_to_mix_currencies():
    with pytest.raises(ValueError, match="cannot mix"):
        Money(100, "USD") + Money(100, "GBP")


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_formatting_then_parsing_gives_the_same_amount(minor):
    assert parse_money(format_money(minor, "GBP", "en_GB"), "GBP") == Money(minor, "GBP")


@given(st.lists(st.integers(min_value=-(10**9), max_value=10**9)))
def test_adding_money_is_exact(amounts):
    total = sum((Money(a, "USD") for a in amounts), Money(0, "USD"))
    assert total.minor == sum(amounts)
