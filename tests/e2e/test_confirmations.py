"""What the debtor agreed, on a 375 px phone: agree a plan, see on the dashboard what is left to do, and open the
copy of the agreement the confirmation links to, in English and Spanish, axe-clean."""

import re

import pytest

from portal.extensions import db
from tests.e2e.conftest import axe_violations, now_in, shot, sign_in
from tests.factories import make_account, make_card_debtor

POLICY = {
    "min_instalment": 500,
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


def test_agree_a_plan_then_read_and_print_the_copy_of_the_agreement(phone, portal_url, debtor):
    sign_in(phone, portal_url, debtor)
    phone.get_by_role("link", name=re.compile(r"^Set up a payment plan.*Mobile phone contract")).click()
    phone.get_by_role("heading", name="Your options").wait_for()
    phone.get_by_label("£50.00 a month").check()
    phone.get_by_role("button", name="Continue").click()
    phone.get_by_role("heading", name="Check your plan").wait_for()
    phone.locator("#first-later").check()
    phone.get_by_role("button", name="Agree to this plan").click()
    phone.get_by_role("heading", name="Save a card for your payments").wait_for()
    reference = re.search(r"/plans/(PL-\w+)/card", phone.url).group(1)

    phone.goto(portal_url + "/accounts/")
    main = phone.locator("main").inner_text()
    assert "You have agreed a plan: £50.00 a month." in main and "Add your card to start the plan." in main
    assert "Finish setting up your plan" not in main
    shot(phone, "confirm-dashboard-agreed")

    phone.goto(f"{portal_url}/plans/{reference}/agreement")  # where the confirmation's link leads
    phone.get_by_role("heading", name="Your plan agreement").wait_for()
    main = phone.locator("main").inner_text()
    assert reference in main and "What you agree to" in main and "If a payment is missed" in main
    assert "You agree to pay £600.00 for Mobile phone contract, account MM-300188, owed to Harbour Credit" in main
    assert axe_violations(phone) == [], "agreement copy"
    shot(phone, "confirm-agreement-copy")

    phone.get_by_role("button", name="Español").click()
    now_in(phone, "es")
    main = phone.locator("main").inner_text()
    assert reference in main and "You agree to pay £600.00" in main, "what they agreed, word for word"
    assert phone.locator(".agreement").get_attribute("lang") == "en"
    assert axe_violations(phone) == [], "agreement copy in Spanish"
    shot(phone, "confirm-agreement-copy-es")
