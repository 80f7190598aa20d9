"""Money: integers of minor units, formatted by Babel, read from what people type."""

import pytest
from babel import Locale
from hypothesis import given
from hypothesis import strategies as st

from portal.money import Money, amount_example, amount_input, format_money, parse_money


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
    ("minor", "locale", "expected"),
    [
        (63580, "es", "635,80\xa0£"),
        (-12345650, "es", "-123.456,50\xa0£"),
        (63580, Locale.parse("es"), "635,80\xa0£"),
    ],
)
def test_a_spanish_page_of_a_uk_creditor_writes_pounds_with_the_pound_sign(minor, locale, expected):
    """Babel's Spanish has no sign for the pound (nor an es_GB): it wrote "635,80 GBP"."""
    assert format_money(minor, "GBP", locale) == expected


def test_a_currency_nobody_has_a_sign_for_keeps_its_code():
    assert format_money(63580, "CHF", "es") == "635,80\xa0CHF"


def test_a_pound_sign_written_on_a_spanish_page_reads_back():
    assert parse_money(format_money(63580, "GBP", "es"), "GBP", "es") == Money(63580, "GBP")


@pytest.mark.parametrize(
    ("locale", "typed", "minor"),
    [
        ("en_GB", "50", 5000),
        ("en_GB", "50.00", 5000),
        ("en_GB", "£50", 5000),
        ("en_GB", "1,200", 120000),
        ("en_GB", "1,234.56", 123456),
        ("en_GB", " 12.5 ", 1250),
        ("en_GB", "$0.99", 99),
        ("en_GB", "50 GBP", 5000),
        ("en_US", "US$1,234.56", 123456),
        ("es", "50", 5000),
        ("es", "50,50", 5050),
        ("es", "50,5", 5050),
        ("es", "1.234,56", 123456),
        ("es", "1234,56", 123456),
        ("es", "50,00\xa0£", 5000),
        ("es", "1.200", 120000),
        ("es_US", "50.50", 5050),
        ("es_US", "1,234.56", 123456),
    ],
)
def test_parse_money_reads_numbers_the_way_the_page_writes_them(locale, typed, minor):
    assert parse_money(typed, "GBP", locale) == Money(minor, "GBP")


@pytest.mark.parametrize(
    ("locale", "typed"),
    [
        ("en_GB", ""),
        ("en_GB", "abc"),
        ("en_GB", "£"),
        ("en_GB", "12..5"),
        ("en_GB", "5.5.5"),
        ("en_GB", "1.234"),  # three decimals: a thousands separator typed the Spanish way?
        ("en_GB", "1.234,56"),  # Spanish separators on an English page
        ("en_GB", "50,50"),
        ("en_GB", "1,23"),
        ("en_GB", "5e3"),
        ("en_GB", "50p"),
        ("en_GB", "١٢"),
        ("es", "50.50"),  # English separators on a Spanish page
        ("es", "1,234.56"),
        ("es", "1,200"),  # 1,2 with three decimals: or did they mean twelve hundred? Never guessed.
        ("es", ".5"),
        ("es_US", "50,50"),
    ],
)
def test_parse_money_refuses_what_is_ambiguous_or_not_an_amount(locale, typed):
    assert parse_money(typed, "GBP", locale) is None


@pytest.mark.parametrize(("locale", "exact"), [("en_GB", "50.00"), ("es", "50,00"), ("es_US", "50.00")])
def test_amount_examples_are_written_the_way_the_page_reads_them(locale, exact):
    assert amount_example("GBP", locale) == ("50", exact)
    assert parse_money(exact, "GBP", locale) == Money(5000, "GBP")


@given(st.integers(min_value=0, max_value=10**10), st.sampled_from(["en_GB", "en_US", "es", "es_US"]))
def test_an_amount_written_back_into_a_form_reads_the_same(minor, locale):
    assert parse_money(amount_input(minor, "GBP", locale), "GBP", locale) == Money(minor, "GBP")


def test_money_refuses_floats():
    with pytest.raises(TypeError):
        Money(10.5, "USD")


def test_money_refuses_to_mix_currencies():
    with pytest.raises(ValueError, match="cannot mix"):
        Money(100, "USD") + Money(100, "GBP")


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_formatting_then_parsing_gives_the_same_amount(minor):
    assert parse_money(format_money(minor, "GBP", "en_GB"), "GBP", "en_GB") == Money(minor, "GBP")


@given(st.lists(st.integers(min_value=-(10**9), max_value=10**9)))
def test_adding_money_is_exact(amounts):
    total = sum((Money(a, "USD") for a in amounts), Money(0, "USD"))
    assert total.minor == sum(amounts)
