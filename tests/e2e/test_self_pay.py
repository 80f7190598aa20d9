"""A plan paid by the debtor each time, on a 375 px phone: agree a plan from the offers, choose to pay each payment
yourself, see the plan page; then open the reminder's link and pay the instalment with a card through localstripe,
and see it paid. The pages are axe-clean in English and Spanish and fit the screen."""

import re
from datetime import UTC, datetime, time, timedelta

import pytest

from portal.extensions import db
from portal.jobs.remind import remind
from portal.models import Plan
from tests.e2e.conftest import axe_violations, fits_and_taps, now_in, shot, sign_in, type_card
from tests.factories import make_account, make_card_debtor
from tests.plan_support import emails

POLICY = {
    "min_instalment": 500,
    "min_payment": 500,
    "max_term_months": 12,
    "frequencies": ["weekly", "fortnightly", "monthly"],
    "first_payment_within_days": 30,
}


@pytest.fixture
def debtor(app):
    debtor = make_card_debtor(POLICY)
    make_account(debtor, [("itemization", 60_000)], description="Mobile phone contract", reference="MM-300188")
    db.session.commit()
    return debtor


def in_spanish_too(phone, name: str) -> None:
    """The page again in Spanish: axe-clean, fits, a screenshot; then back to English."""
    phone.get_by_role("button", name="Español").click()
    now_in(phone, "es")
    assert axe_violations(phone) == [], f"{name} in Spanish"
    fits_and_taps(phone)
    shot(phone, f"{name}-es")
    phone.get_by_role("button", name="English").click()
    now_in(phone, "en")


def test_set_up_a_plan_without_a_card_and_pay_an_instalment_from_its_reminder(app, phone, portal_url, debtor):
    sign_in(phone, portal_url, debtor)
    phone.get_by_role("link", name=re.compile(r"^Set up a payment plan.*Mobile phone contract")).click()
    phone.get_by_label("£50.00 a month").check()
    phone.get_by_role("button", name="Continue").click()
    phone.get_by_role("heading", name="Check your plan").wait_for()
    assert "A saved card, taken on each date" in phone.locator("main").inner_text()

    phone.get_by_role("link", name="Change how you pay").click()
    phone.get_by_role("group", name=re.compile("How do you want to pay?")).wait_for()
    assert axe_violations(phone) == [], "how to pay"
    fits_and_taps(phone)
    shot(phone, "self-pay-how")
    in_spanish_too(phone, "self-pay-how")
    phone.get_by_label("Pay each payment yourself").check()
    phone.get_by_role("button", name="Continue").click()

    phone.get_by_role("heading", name="Check your plan").wait_for()
    main = phone.locator("main").inner_text()
    assert "Each payment yourself, from a link we send" in main
    assert "You pay each payment yourself on this website, on or before its date." in main
    assert axe_violations(phone) == [], "check your plan, paying yourself"
    shot(phone, "self-pay-check")
    phone.get_by_role("button", name="Agree to this plan").click()

    phone.get_by_role("heading", name="Your plan is set up").wait_for()
    assert "A few days before each payment we will send you a link to pay it." in phone.locator("main").inner_text()
    assert axe_violations(phone) == [], "plan set up"
    shot(phone, "self-pay-done")
    phone.get_by_role("link", name="See your plan").click()
    phone.get_by_role("heading", name="Your payment plan").wait_for()
    main = phone.locator("main").inner_text()
    assert "You pay each payment yourself." in main
    assert phone.get_by_role("link", name="Pay £50.00 now").is_visible()
    assert axe_violations(phone) == [], "plan page"
    fits_and_taps(phone)
    shot(phone, "self-pay-plan")
    in_spanish_too(phone, "self-pay-plan")

    db.session.expire_all()
    plan = db.session.scalar(db.select(Plan).where(Plan.debtor_id == debtor.id))
    due = plan.instalments[0].due_date
    assert remind(datetime.combine(due - timedelta(days=3), time(12), tzinfo=UTC)).messages == {"sent": 1}
    [reminder] = [email for email in emails(app) if email["Subject"].startswith("Your next payment of £50.00")]
    link = re.search(r"https?://\S+?(/l/\S+)", reminder.get_content()).group(1)

    sign_in(phone, portal_url, debtor, link=link, lands_on="How much do you want to pay?")
    assert phone.get_by_label("Amount you want to pay").input_value() == "50.00"
    assert axe_violations(phone) == [], "payment page from the reminder"
    shot(phone, "self-pay-amount")
    phone.get_by_role("button", name="Continue").click()
    phone.locator("#card-element input[placeholder=number]").wait_for()
    type_card(phone, "4242424242424242")
    phone.get_by_role("button", name="Pay £50.00").click()
    phone.wait_for_url(re.compile(r"/payments/P-\w+/receipt$"))
    assert "This payment counts towards your payment plan." in phone.locator("main").inner_text()
    shot(phone, "self-pay-receipt")

    phone.get_by_role("link", name="See your plan").click()
    phone.get_by_role("heading", name="Your payment plan").wait_for()
    first_row = phone.locator("table.schedule tbody tr").first.inner_text()
    assert "Paid" in first_row and "£50.00" in first_row
    assert "£50.00 of £600.00" in phone.locator("main").inner_text()
    assert axe_violations(phone) == [], "plan page after paying"
    shot(phone, "self-pay-paid")
    in_spanish_too(phone, "self-pay-paid")
