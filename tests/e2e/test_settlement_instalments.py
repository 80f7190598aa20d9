"""A settlement in 3 monthly payments on a 375 px phone: chosen next to the one payment, the plain warning before
agreeing, agreed, and the card saved for the payments."""

import re

import pytest

from portal.extensions import db
from tests.e2e.conftest import axe_violations, shot, sign_in, type_card
from tests.factories import make_account, make_card_debtor

POLICY = {
    "min_instalment": 500,
    "max_term_months": 12,
    "frequencies": ["monthly"],
    "settlement_discount_pct": [10, 20],
    "settlement_instalments_max": 3,
    "first_payment_within_days": 30,
}
WARNING = (
    "If you miss a payment and the plan ends, you lose the discount and owe the full balance less what you have paid."
)


@pytest.fixture
def debtor(app):
    debtor = make_card_debtor(POLICY)
    make_account(debtor, [("itemization", 60_000)], description="Mobile phone contract", reference="MM-300188")
    db.session.commit()
    return debtor


def test_agree_a_settlement_in_3_payments_after_the_plain_warning(phone, portal_url, debtor):
    sign_in(phone, portal_url, debtor)
    phone.get_by_role("link", name=re.compile(r"^Set up a payment plan.*Mobile phone contract")).click()
    phone.get_by_role("heading", name="Your options").wait_for()
    phone.get_by_label("Pay £480.00 once and save £120.00").wait_for()
    phone.get_by_label("Settle for £480.00 in 3 payments and save £120.00").check()
    phone.locator("#preview").get_by_text("3 payments of £160.00 a month").wait_for()
    assert axe_violations(phone) == [], "options with a settlement in payments"
    shot(phone, "settlement-instalments-options")

    phone.get_by_role("button", name="Continue").click()
    phone.get_by_role("heading", name="Check your plan").wait_for()
    main = re.sub(r"\s+", " ", phone.locator("main").inner_text())
    assert "Settlement of £480.00 in 3 payments of £160.00 a month" in main
    assert main.count(WARNING) == 2  # in the agreement, and again just above the button
    assert axe_violations(phone) == [], "check a settlement in payments"
    shot(phone, "settlement-instalments-check")

    phone.get_by_label(re.compile(r"^On ")).check()
    phone.get_by_role("button", name="Agree to this plan").click()
    phone.get_by_role("heading", name="Save a card for your payments").wait_for()
    phone.locator("#card-element input[placeholder=number]").wait_for()
    type_card(phone, "4242424242424242")
    phone.get_by_role("button", name=re.compile(r"^Save card")).click()
    phone.wait_for_url(re.compile(r"/plans/PL-\w+/done$"))
    assert axe_violations(phone) == [], "done"
    shot(phone, "settlement-instalments-done")


def test_a_settlement_in_3_payments_reads_in_spanish_and_is_axe_clean(phone, portal_url, debtor):
    sign_in(phone, portal_url, debtor)
    phone.get_by_role("button", name="Español").click()
    phone.get_by_role("heading", name="Lo que debe").wait_for()
    phone.get_by_role("link", name=re.compile(r"^Preparar un plan de pagos.*Mobile phone contract")).click()
    phone.get_by_role("radio", name=re.compile(r"en 3 pagos y ahorre")).check()
    phone.locator("#preview").get_by_text(re.compile("3 pagos")).first.wait_for()
    assert axe_violations(phone) == [], "options with a settlement in payments, in Spanish"
    shot(phone, "settlement-instalments-options-es")
    phone.get_by_role("button", name="Continuar").click()
    phone.get_by_role("heading", name="Revise su plan de pagos").wait_for()
    assert "en 3 pagos de" in re.sub(r"\s+", " ", phone.locator("main").inner_text())
    assert axe_violations(phone) == [], "check a settlement in payments, in Spanish"
    shot(phone, "settlement-instalments-check-es")
