"""Documents on a 375 px phone: the payments list with its receipts, a statement for dates the debtor chooses and its
PDF, and the paid-in-full letter; axe-core clean in English and in Spanish."""

import re
from datetime import timedelta

import pytest

from portal import clock
from portal.extensions import db
from portal.models import LedgerEntry
from portal.models.account import LedgerWording
from tests.e2e.conftest import axe_violations, shot, sign_in
from tests.e2e.test_small_screens import _PROBLEMS, TOUCH
from tests.factories import make_account, make_debtor, make_payment, make_uk_creditor
from tests.pdf_text import pdf_text


@pytest.fixture
def debtor(app):
    creditor = make_uk_creditor(name="Harbour Credit", phone="0113 496 0321")
    debtor = make_debtor(creditor, full_name="Sarah Jones", postcode="LS6 2AB")
    today = clock.today_for(debtor)
    account = make_account(
        debtor,
        [("itemization", 60_000)],
        description="Mobile phone contract",
        reference="MM-300188",
        itemization_date=today - timedelta(days=60),
    )
    db.session.add(
        LedgerEntry(
            account_id=account.id,
            kind="payment",
            amount=-5_000,
            effective_date=today - timedelta(days=30),
            description="Bank transfer",
            external_ref="e2e:posted",
        )
    )
    make_payment(debtor, account, "e2e-documents", status="succeeded", amount=2_500)
    paid = make_account(
        debtor, [("itemization", 10_000)], description="Catalogue", reference="CAT-9", itemization_date=today
    )
    db.session.add(
        LedgerEntry(
            account_id=paid.id,
            kind="payment",
            amount=-10_000,
            effective_date=today,
            wording=LedgerWording.CREDITOR_ITEM,
            external_ref="e2e:cleared",
        )
    )
    db.session.commit()
    debtor.first_day = today - timedelta(days=45)
    return debtor


def test_a_debtor_opens_their_payments_a_statement_for_some_dates_and_downloads_it(phone, portal_url, debtor):
    sign_in(phone, portal_url, debtor)
    phone.get_by_role("link", name=re.compile("^Mobile phone contract")).first.click()  # from its account page
    phone.locator("main").get_by_role("link", name="Your payments and receipts").click()
    phone.get_by_role("heading", name="Your payments").wait_for()
    assert phone.get_by_role("link", name=re.compile(r"^Receipt for payment P-")).count() == 1
    assert "Paid another way and recorded by Harbour Credit" in phone.locator("main").inner_text()
    assert axe_violations(phone) == [], "payments"
    assert phone.evaluate(_PROBLEMS, TOUCH) == [], "payments"
    shot(phone, "documents-1-payments")

    phone.get_by_role("link", name=re.compile(r"^Receipt for payment P-")).click()
    phone.get_by_role("heading", name="Payment received").wait_for()
    phone.go_back()

    phone.get_by_role("link", name="Back to your accounts").click()
    phone.get_by_role("link", name=re.compile("^Mobile phone contract")).click()
    phone.get_by_role("link", name="Get a statement of this account").click()
    phone.get_by_role("heading", name="Statement of account").wait_for()

    first = debtor.first_day
    tomorrow = clock.today_for(debtor) + timedelta(days=1)
    dates = phone.get_by_role("group", name="End date")
    dates.get_by_label("Day").fill(str(tomorrow.day))
    dates.get_by_label("Month").fill(str(tomorrow.month))
    dates.get_by_label("Year").fill(str(tomorrow.year))
    phone.get_by_role("button", name="Show the statement").click()
    phone.get_by_role("alert").wait_for()
    assert "The end date must be today or in the past" in phone.get_by_role("alert").inner_text()
    assert axe_violations(phone) == [], "statement with an error"
    shot(phone, "documents-2-statement-error")

    starts = phone.get_by_role("group", name="Start date")
    starts.get_by_label("Day").fill(str(first.day))
    starts.get_by_label("Month").fill(str(first.month))
    starts.get_by_label("Year").fill(str(first.year))
    dates.get_by_label("Day").fill("")
    dates.get_by_label("Month").fill("")
    dates.get_by_label("Year").fill("")
    phone.get_by_role("button", name="Show the statement").click()
    table = phone.get_by_role("table", name=re.compile("^Statement from"))
    table.wait_for()
    text = table.inner_text()
    assert "£600.00" in text and "Payment: Bank transfer" in text and "£525.00" in text
    assert axe_violations(phone) == [], "statement"
    assert phone.evaluate(_PROBLEMS, TOUCH) == [], "statement"
    shot(phone, "documents-3-statement")
    phone.emulate_media(media="print")  # printed: the statement alone, no links back or buttons
    assert not phone.get_by_role("link", name=re.compile("^Back")).first.is_visible()
    assert table.is_visible()
    phone.emulate_media(media="screen")

    with phone.expect_download() as download_info:
        phone.get_by_role("link", name="Download this statement (PDF)").click()
    download = download_info.value
    assert download.suggested_filename.startswith("statement-MM-300188-")
    content = download.path().read_bytes()
    words = pdf_text(content)
    assert "Harbour Credit" in words and "Sarah Jones" in words and "MM-300188" in words
    assert "You owed £525.00 at the end of" in words


def test_a_paid_account_has_its_letter_from_the_dashboard(phone, portal_url, debtor):
    sign_in(phone, portal_url, debtor)
    shot(phone, "documents-0-dashboard")
    assert phone.evaluate(_PROBLEMS, TOUCH) == [], "the dashboard with a paid account's letter link"
    phone.get_by_role("link", name=re.compile(r"^Your paid in full letter.*Catalogue$")).click()
    phone.get_by_role("heading", name="Paid in full").wait_for()
    assert "CAT-9" in phone.locator("main").inner_text()
    assert axe_violations(phone) == [], "paid in full letter"
    assert phone.evaluate(_PROBLEMS, TOUCH) == [], "paid in full letter"
    shot(phone, "documents-4-paid-in-full")
    with phone.expect_download() as download_info:
        phone.get_by_role("link", name="Download this letter (PDF)").click()
    assert "Paid in full" in pdf_text(download_info.value.path().read_bytes())


def test_the_documents_in_spanish_are_axe_clean(phone, portal_url, debtor):
    sign_in(phone, portal_url, debtor)
    phone.get_by_role("button", name="Español").click()
    phone.get_by_role("heading", name="Lo que debe").wait_for()
    account_id = phone.get_by_role("link", name=re.compile("^Mobile phone contract")).get_attribute("href")
    for name, path in [
        ("payments", "/accounts/payments"),
        ("statement", f"{account_id}/statement"),
        ("paid-in-full", phone.get_by_role("link", name=re.compile(r"Catalogue$")).get_attribute("href")),
    ]:
        phone.goto(portal_url + path)
        assert phone.locator("html").get_attribute("lang") == "es", name
        assert axe_violations(phone) == [], f"{name} in Spanish"
        shot(phone, f"documents-{name}-es")
