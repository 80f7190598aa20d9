"""The rows of an accounts file, checked before anything is stored."""

from datetime import date

import pytest

from portal.imports.rows import Rules, check_row, check_rows, header_problems

US = Rules(
    identity_method="date_of_birth",
    currency="USD",
    creditor_name="Northwind Recovery",
    is_debt_collector=False,
    today=date(2026, 6, 30),
)
UK = Rules(
    identity_method="postcode", currency="GBP", creditor_name="Harbour Credit", is_debt_collector=True, today=US.today
)
ROW = {
    "debtor_reference": "D-1",
    "full_name": "James Okafor",
    "date_of_birth": "1979-11-02",
    "postcode": "60614",
    "email": "james@example.com",
    "phone": "(312) 555-0142",
    "address": "2210 N Halsted St, Chicago",
    "language": "en",
    "account_reference": "A-1",
    "description": "Credit card",
    "original_creditor": "Lakeside Bank",
    "original_reference": "LB-1",
    "itemization_date": "2026-03-31",
    "itemization_amount": "2845.17",
    "itemization_creditor": "",
    "current_creditor": "Lakeside Bank",
    "monthly_interest": "23.71",
}


def _bad(rules: Rules = US, **changes) -> tuple[str, str]:
    rows, rejected = check_rows([(2, ROW | changes)], rules)
    assert rows == [] and len(rejected) == 1
    return rejected[0].field, rejected[0].reason


def test_a_good_row_becomes_the_models_values_with_amounts_in_minor_units():
    row = check_row(2, ROW, US)
    assert row.date_of_birth == date(1979, 11, 2)
    assert row.itemization_date == date(2026, 3, 31)
    assert row.itemization_amount == 284_517
    assert row.monthly_interest == 2_371
    assert row.locale == "en"
    assert row.itemization_creditor is None


def test_the_description_in_spanish_is_kept_beside_the_creditors_own():
    row = check_row(2, ROW | {"description_es": " Tarjeta de  crédito "}, US)
    assert (row.description, row.description_translations) == ("Credit card", {"es": "Tarjeta de crédito"})


def test_no_description_in_spanish_is_none():
    assert check_row(2, ROW, US).description_translations is None
    assert check_row(2, ROW | {"description_es": "  "}, US).description_translations is None


def test_a_description_in_spanish_too_long_for_the_column_is_rejected():
    assert _bad(description_es="x" * 201) == ("description_es", "longer than 200 characters")


def test_blank_optional_columns_are_none_and_interest_zero():
    row = check_row(2, ROW | {"email": "", "phone": "", "language": "", "monthly_interest": "", "postcode": ""}, US)
    assert (row.email, row.phone, row.locale, row.monthly_interest, row.postcode) == (None, None, None, 0, None)


def test_current_creditor_defaults_to_the_creditor_itself():
    assert check_row(2, ROW | {"current_creditor": ""}, US).current_creditor == "Northwind Recovery"


def test_a_debt_collector_must_name_the_current_creditor():
    assert _bad(UK, current_creditor="")[0] == "current_creditor"


@pytest.mark.parametrize(
    "column",
    ["debtor_reference", "full_name", "account_reference", "description", "original_creditor", "itemization_date"],
)
def test_required_columns_must_have_a_value(column):
    assert _bad(**{column: "  "}) == (column, "missing")


def test_the_answer_the_creditors_identity_check_needs_is_required():
    assert _bad(US, date_of_birth="")[0] == "date_of_birth"
    assert _bad(UK, postcode="")[0] == "postcode"
    assert check_row(2, ROW | {"date_of_birth": ""}, UK).postcode == "60614"


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("date_of_birth", "02/11/1979"),
        ("date_of_birth", "1979-02-30"),
        ("date_of_birth", "2030-01-01"),
        ("date_of_birth", "1850-01-01"),
        ("itemization_date", "20260331"),
        ("itemization_date", "2027-01-01"),
        ("itemization_amount", "1,234.56"),
        ("itemization_amount", "$12"),
        ("itemization_amount", "12.345"),
        ("itemization_amount", "-12"),
        ("itemization_amount", "0.00"),
        ("itemization_amount", "twelve"),
        ("monthly_interest", "-1"),
        ("email", "not an address"),
        ("phone", "call me"),
        ("postcode", "LS6/2AB"),
        ("language", "fr"),
        ("debtor_reference", "D" * 65),
        ("full_name", "N" * 201),
    ],
)
def test_a_bad_value_is_rejected_naming_its_field(column, value):
    assert _bad(**{column: value})[0] == column


def test_the_amount_has_no_more_decimals_than_the_currency():
    yen = Rules("date_of_birth", "JPY", "Kabushiki", False, US.today)
    whole = ROW | {"itemization_amount": "1500", "monthly_interest": "12"}
    assert check_row(2, whole, yen).itemization_amount == 1500
    assert "no decimal places" in _bad(yen, itemization_amount="15.00", monthly_interest="12")[1]


def test_a_line_with_more_values_than_columns_is_rejected():
    _, rejected = check_rows([(2, ROW | {None: ["extra"]})], US)
    assert rejected[0].field == "row"


def test_the_same_account_twice_rejects_the_second_with_the_first_line():
    rows, rejected = check_rows([(2, ROW), (3, ROW)], US)
    assert [row.line for row in rows] == [2]
    assert (rejected[0].line, rejected[0].field, rejected[0].reason) == (
        3,
        "account_reference",
        "the same account is on line 2",
    )


def test_a_debtor_over_several_rows_is_one_debtor_with_several_accounts():
    rows, rejected = check_rows([(2, ROW), (3, ROW | {"account_reference": "A-2"})], US)
    assert not rejected
    assert {row.debtor_reference for row in rows} == {"D-1"} and len(rows) == 2


def test_a_debtors_rows_must_agree_on_who_the_debtor_is():
    rows, rejected = check_rows([(2, ROW), (3, ROW | {"account_reference": "A-2", "language": "es"})], US)
    assert [row.line for row in rows] == [2]
    assert str(rejected[0]) == "line 3: language: differs from line 2, for the same debtor_reference"


def test_the_header_must_have_the_required_columns_and_the_identity_answer():
    assert header_problems(ROW.keys(), UK) == []
    columns = [column for column in ROW if column not in ("postcode", "itemization_amount")]
    assert header_problems(columns, UK) == [
        "the file has no itemization_amount column",
        "the file has no postcode column",
    ]
