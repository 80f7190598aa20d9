"""The README's walk-through of the ways to settle, on the demo data, as a newcomer would do it on a 375 px phone.

`flask demo seed` loads the data; Sarah Jones (Harbour Credit, UK) makes a promise and keeps it, agrees a settlement in
3 payments, asks for a call back, invites an adviser who opens their own link and sees her budget, and downloads a
statement; Tom Evans pays an instalment of the plan he pays himself from its reminder. If the demo data stops allowing
one of these, this fails.
"""

import re
from datetime import UTC, datetime, time, timedelta
from urllib.parse import urlsplit

import pytest

from portal import clock
from portal.demo.service import seed
from portal.extensions import db
from portal.jobs.remind import remind
from portal.models import Debtor, Message, Plan
from tests.e2e.conftest import axe_violations, found_in_mail, shot, sign_in, type_card, type_date
from tests.pdf_text import pdf_text


@pytest.fixture
def demo(app):
    seed()
    db.session.commit()


@pytest.fixture
def sarah(demo):
    return db.session.scalar(db.select(Debtor).where(Debtor.reference == "HC-2001"))


@pytest.fixture
def tom(demo):
    return db.session.scalar(db.select(Debtor).where(Debtor.reference == "HC-2002"))


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


def test_tom_pays_an_instalment_of_the_plan_he_pays_himself_from_its_reminder(phone, portal_url, tom):
    plan = db.session.scalar(db.select(Plan).where(Plan.debtor_id == tom.id, Plan.pays_by == "debtor"))
    first = plan.instalments[0]
    assert remind(datetime.combine(first.due_date - timedelta(days=3), time(12), tzinfo=UTC)).counts == {"queued": 1}
    sign_in(phone, portal_url, tom)
    phone.locator("main").get_by_role("link", name="Messages").click()
    phone.get_by_role("heading", name="Messages").wait_for()
    assert "Your next payment of £150.00" in _main(phone)
    reminder = db.session.scalars(
        db.select(Message.body).where(Message.debtor_id == tom.id).order_by(Message.id.desc())
    ).first()
    link = re.search(r"https?://\S+?(/l/\S+)", reminder).group(1)

    sign_in(phone, portal_url, tom, link=link, lands_on="How much do you want to pay?")
    assert phone.get_by_label("Amount you want to pay").input_value() == "150.00"
    phone.get_by_role("button", name="Continue").click()
    phone.locator("#card-element input[placeholder=number]").wait_for()
    type_card(phone, "4242424242424242")
    phone.get_by_role("button", name="Pay £150.00").click()
    phone.get_by_role("heading", name="Payment received").wait_for()
    phone.get_by_role("link", name="See your plan").click()
    assert "Paid" in phone.locator("table.schedule tbody tr").first.inner_text()
    assert axe_violations(phone) == [], "Tom's plan with an instalment paid"
    shot(phone, "walkthrough-self-pay-paid")


def test_sarah_invites_an_adviser_who_opens_their_own_link_and_sees_her_budget(
    app, phone, adviser_phone, portal_url, sarah
):
    sign_in(phone, portal_url, sarah)
    phone.locator("main").get_by_role("link", name="How we contact you").click()
    phone.get_by_role("link", name="Ask someone to help, or end their access").click()
    phone.get_by_role("link", name="Ask someone to help").click()
    phone.get_by_label("Their full name").fill("Ana Lopez")
    phone.get_by_label("Their email address").fill("ana@advice.example.org")
    phone.get_by_label("Debt adviser").check()
    phone.get_by_label("They can also work on your budget, send it to us and suggest payment plans").check()
    phone.get_by_role("button", name="Send them a link").click()
    phone.get_by_text("We have emailed Ana Lopez their own link.").wait_for()

    link = found_in_mail(app, "ana@advice.example.org", r"https?://\S+/h/\S+")
    adviser_phone.goto(portal_url + urlsplit(link).path)
    adviser_phone.get_by_role("button", name="Send me a code").click()
    code = found_in_mail(app, "ana@advice.example.org", r"\b\d{6}\b")
    adviser_phone.get_by_label("Code").fill(code)
    adviser_phone.get_by_role("button", name="Confirm").click()
    adviser_phone.get_by_role("heading", name="What you owe").wait_for()
    adviser_phone.get_by_role("link", name="Work out what you can afford").click()
    adviser_phone.get_by_role("link", name="See your budget").click()
    adviser_phone.get_by_role("link", name="Download your budget as a spreadsheet (CSV)").wait_for()
    assert axe_violations(adviser_phone) == [], "Sarah's budget as her adviser sees it"
    shot(adviser_phone, "walkthrough-adviser-budget")

    phone.locator("main").get_by_role("link", name="Who has viewed your account").click()
    phone.get_by_text("Ana Lopez, debt adviser, who you asked to help").wait_for()
