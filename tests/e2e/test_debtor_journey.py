"""The first journey on a 375 px phone: open the link, prove who you are, see what you owe, in English or Spanish."""

import re
from datetime import date

import pytest

from portal.extensions import db
from portal.models import LedgerEntry
from portal.models.account import LedgerWording
from tests.e2e.conftest import axe_violations, shot, sign_in
from tests.factories import make_account, make_creditor, make_debtor, make_link, make_uk_creditor


@pytest.fixture
def debtor(app):
    creditor = make_creditor(name="Northwind Recovery", phone="(555) 010-0199", brand_colour="#0b6e4f")
    debtor = make_debtor(creditor, full_name="Maria Garcia", date_of_birth=date(1985, 3, 27))
    make_account(
        debtor,
        [("itemization", 120_000), ("interest", 1_850), ("fee", 2_500), ("payment", -10_000)],
        description="Credit card",
        reference="NW-4417",
        original_creditor="Acme Bank",
    )
    db.session.commit()
    return debtor


def test_a_debtor_opens_their_link_checks_it_is_them_and_sees_what_they_owe(phone, portal_url, debtor):
    phone.goto(portal_url + make_link(debtor))
    phone.get_by_role("heading", name="Your account with Northwind Recovery").wait_for()
    assert "/l/" not in phone.url, "the token leaves the address bar"
    assert axe_violations(phone) == [], "link page"
    shot(phone, "journey-1-link")

    phone.get_by_role("button", name="Continue").click()
    question = phone.get_by_role("group", name="What is your date of birth?")
    question.wait_for()
    # a US page: the month first, as dates are written there; an example no debtor has, not theirs
    assert "For example, 3 27 2007\n\nMonth\nDay\nYear" in question.inner_text()
    assert axe_violations(phone) == [], "identity check"
    shot(phone, "journey-2-identity")

    phone.get_by_label("Day").fill("27")
    phone.get_by_label("Month").fill("3")
    phone.get_by_label("Year").fill("1985")
    phone.get_by_role("button", name="Continue").click()

    phone.get_by_role("heading", name="What you owe").wait_for()
    assert "$1,143.50" in phone.locator(".total-amount").first.inner_text()
    assert axe_violations(phone) == [], "dashboard"
    shot(phone, "journey-3-dashboard")

    phone.get_by_role("link", name=re.compile("^Credit card")).click()
    itemization = phone.get_by_role("table", name="How this amount adds up")
    for row, amount in [
        ("Interest added since then", "$18.50"),
        ("Fees added since then", "$25.00"),
        ("Payments since then", "$100.00"),
        ("You owe now", "$1,143.50"),
    ]:
        assert amount in itemization.get_by_role("row", name=re.compile(row)).inner_text()
    assert axe_violations(phone) == [], "account page"
    shot(phone, "journey-4-account")


def test_a_wrong_answer_shows_the_error_summary_and_keeps_what_was_typed(phone, portal_url, debtor):
    phone.goto(portal_url + make_link(debtor))
    phone.get_by_role("button", name="Continue").click()
    phone.get_by_label("Day").fill("1")
    phone.get_by_label("Month").fill("1")
    phone.get_by_label("Year").fill("1990")
    phone.get_by_role("button", name="Continue").click()

    summary = phone.get_by_role("alert")
    assert "There is a problem" in summary.inner_text()
    assert phone.get_by_label("Year").input_value() == "1990"
    assert axe_violations(phone) == [], "identity check with an error"
    shot(phone, "journey-identity-error")


def test_switching_to_spanish_translates_the_pages_and_keeps_us_money_style(phone, portal_url, debtor):
    sign_in(phone, portal_url, debtor)
    phone.get_by_role("button", name="Español").click()

    phone.get_by_role("heading", name="Lo que debe").wait_for()
    assert phone.locator("html").get_attribute("lang") == "es"
    assert phone.locator(".total-amount").first.inner_text() == "$1,143.50"
    assert axe_violations(phone) == [], "dashboard in Spanish"
    shot(phone, "journey-5-dashboard-es")

    phone.get_by_role("link", name=re.compile("^Credit card")).click()
    itemization = phone.get_by_role("table", name="Cómo se calcula esta cantidad")
    assert "15 de enero de 2026" in itemization.inner_text()
    assert phone.locator("html").get_attribute("lang") == "es", "the choice is remembered"
    assert axe_violations(phone) == [], "account page in Spanish"
    shot(phone, "journey-6-account-es")


@pytest.fixture
def spanish_uk_debtor(app):
    """A UK debtor (who reads Spanish), whose creditor sent Spanish names for the account and a fee."""
    creditor = make_uk_creditor(name="Harbour Credit", phone="0113 496 0321")
    debtor = make_debtor(creditor, full_name="Lucía Pérez", postcode="LS6 2AB")
    account = make_account(
        debtor,
        [("itemization", 63_580)],
        description="Catalogue account",
        description_translations={"es": "Cuenta de catálogo"},
        reference="CC-5521",
    )
    lines = [
        {
            "kind": "fee",
            "amount": 1_200,
            "description": "Default notice fee",
            "description_translations": {"es": "Cargo por aviso de impago"},
        },
        {"kind": "fee", "amount": 500, "description": "Returned payment fee"},
        {"kind": "payment", "amount": -5_000, "wording": LedgerWording.CARD_PAYMENT, "reference": "P-7K2M9Q"},
        {"kind": "write_off", "amount": -2_000, "wording": LedgerWording.WRITE_OFF, "reference": "W-9XZ2"},
    ]
    for day, fields in enumerate(lines, start=1):
        db.session.add(
            LedgerEntry(account=account, effective_date=date(2026, 2, day), external_ref=f"e2e:{day}", **fields)
        )
    db.session.commit()
    return debtor


def test_a_spanish_reader_sees_the_ledger_and_the_creditors_names_in_spanish_and_pounds(
    phone, portal_url, spanish_uk_debtor
):
    sign_in(phone, portal_url, spanish_uk_debtor)
    phone.get_by_role("button", name="Español").click()
    phone.get_by_role("heading", name="Lo que debe").wait_for()
    phone.get_by_role("link", name=re.compile("^Cuenta de catálogo")).click()

    history = phone.get_by_role("table", name="Historial, lo más reciente primero").inner_text()
    assert "Cargo: Cargo por aviso de impago" in history
    assert "Cargo: Returned payment fee" in history  # the creditor sent no Spanish for this one
    assert "Condonado: Referencia W-9XZ2" in history
    assert "Referencia P-7K2M9Q" in history
    assert "-50,00 £" in history.replace("\xa0", " ") and "GBP" not in history
    assert axe_violations(phone) == [], "account page in Spanish"
    shot(phone, "journey-7-account-ledger-es")
