"""The README's walk-through of the ways to settle, on the demo data, as a newcomer would do it on a 375 px phone.

`flask demo seed` loads the data; Sarah Jones (Harbour Credit, UK) makes a promise and keeps it, agrees a settlement in
3 payments, asks for a call back and downloads a statement. If the demo data stops allowing one of these, this fails.
"""

import re
from datetime import timedelta

import pytest

from portal import clock
from portal.demo.service import seed
from portal.extensions import db
from portal.models import Debtor
from tests.e2e.conftest import axe_violations, shot, sign_in, type_card, type_date
from tests.pdf_text import pdf_text


@pytest.fixture
def sarah(app):
    seed()
    db.session.commit()
    return db.session.scalar(db.select(Debtor).where(Debtor.reference == "HC-2001"))


def _main(page) -> str:
    return re.sub(r"\s+", " ", page.locator("main").inner_text())


def _pay(page, amount: str, button: str) -> None:
    """From a page with a Pay link: another amount, a good card, the receipt."""
    page.get_by_label("Another amount").check()
    page.get_by_label("Amount you want to pay").fill(amount)
    page.get_by_role("button", name="Continue").click()
    page.locator("#card-element input[placeholder=number]").wait_for()
    type_card(page, "4242424242424242")
    page.get_by_role("button", name=button).click()
    page.get_by_role("heading", name="Payment received").wait_for()


def test_a_promise_made_on_the_demo_data_is_kept_by_paying_it(phone, portal_url, sarah):
    sign_in(phone, portal_url, sarah)
    phone.get_by_role("link", name=re.compile(r"^Mobile phone contract")).first.click()
    phone.get_by_role("link", name=re.compile(r"^Promise to pay by a date")).click()
    phone.get_by_label("How much will you pay?").fill("20")
    type_date(phone, "When will you pay by?", clock.today_for(sarah) + timedelta(days=7))
    phone.get_by_role("button", name="Make this promise").click()
    phone.get_by_role("heading", name="You have made a promise to pay").wait_for()

    phone.goto(portal_url + "/accounts/")
    phone.get_by_role("link", name=re.compile(r"^Pay now")).click()
    _pay(phone, "20", "Pay £20.00")
    phone.goto(portal_url + "/accounts/")
    assert "Promise kept Thank you. You paid the £20.00 you promised." in _main(phone)
    assert axe_violations(phone) == [], "the dashboard with a promise kept"
    shot(phone, "walkthrough-promise-kept")


def test_a_settlement_in_3_payments_is_agreed_on_the_demo_data(phone, portal_url, sarah):
    sign_in(phone, portal_url, sarah)
    phone.get_by_role("link", name=re.compile(r"^Set up a payment plan.*Catalogue account")).click()
    phone.get_by_role("radio", name=re.compile(r"in 3 payments and save")).check()
    phone.get_by_role("button", name="Continue").click()
    phone.get_by_role("heading", name="Check your plan").wait_for()
    assert "in 3 payments of" in _main(phone)
    phone.get_by_label(re.compile(r"^On ")).check()
    phone.get_by_role("button", name="Agree to this plan").click()
    phone.locator("#card-element input[placeholder=number]").wait_for()
    type_card(phone, "4242424242424242")
    phone.get_by_role("button", name=re.compile(r"^Save card")).click()
    phone.wait_for_url(re.compile(r"/plans/PL-\w+/done$"))
    assert axe_violations(phone) == [], "the settlement agreed"
    shot(phone, "walkthrough-settlement-agreed")


def test_a_call_back_is_booked_on_the_demo_data(phone, portal_url, sarah):
    sign_in(phone, portal_url, sarah)
    phone.get_by_role("link", name="Ask us to call you back").click()
    phone.get_by_role("group", name="Which day suits you?").get_by_role("radio").first.check()
    phone.get_by_role("button", name="Continue").click()
    phone.get_by_role("heading", name="Choose a time for us to call you").wait_for()
    phone.get_by_role("group", name="What time suits you?").get_by_role("radio").first.check()
    phone.get_by_label("Talk about a payment plan").check()
    phone.get_by_role("button", name="Book the call back").click()
    phone.get_by_role("heading", name="Your call back is booked").wait_for()
    assert "07700 900123" in _main(phone)
    assert axe_violations(phone) == [], "the call back booked"
    shot(phone, "walkthrough-call-back")


def test_a_statement_of_the_demo_account_downloads_as_a_pdf(phone, portal_url, sarah):
    sign_in(phone, portal_url, sarah)
    phone.get_by_role("link", name=re.compile(r"^Mobile phone contract")).first.click()
    phone.get_by_role("link", name=re.compile(r"statement", re.IGNORECASE)).first.click()
    phone.get_by_role("heading", name=re.compile("statement", re.IGNORECASE)).first.wait_for()
    assert axe_violations(phone) == [], "the statement"
    shot(phone, "walkthrough-statement")
    with phone.expect_download() as download:
        phone.get_by_role("link", name=re.compile("PDF")).click()
    text = pdf_text(download.value.path().read_bytes())
    assert "MM-300188" in text and "Sarah Jones" in text
