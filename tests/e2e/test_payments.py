"""Paying by card on a 375 px phone, through localstripe's Stripe.js, against a live portal."""

import re

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from portal.models import LedgerEntry
from tests.e2e.conftest import axe_violations, count_bank_checks, shot, sign_in, type_card
from tests.factories import make_account, make_card_debtor


@pytest.fixture
def debtor(app):
    debtor = make_card_debtor({"min_payment": 500})
    make_account(debtor, [("itemization", 20_000)], description="Mobile phone contract", reference="MM-300188")
    db.session.commit()
    return debtor


def choose_amount(page, amount: str) -> None:
    page.get_by_role("link", name=re.compile(r"^Pay\b.*Mobile phone contract")).click()
    page.get_by_label("Another amount").check()
    page.get_by_label("Amount you want to pay").fill(amount)
    page.get_by_role("button", name="Continue").click()
    page.locator("#card-element input[placeholder=number]").wait_for()


def payments_in_ledger(debtor) -> list[int]:
    db.session.expire_all()
    return [
        entry.amount
        for entry in db.session.scalars(db.select(LedgerEntry).where(LedgerEntry.kind == "payment"))
        if entry.account.debtor_id == debtor.id
    ]


def test_a_partial_payment_with_a_good_card_shows_the_receipt_and_the_new_balance(phone, portal_url, debtor):
    sign_in(phone, portal_url, debtor)
    choose_amount(phone, "50")
    shot(phone, "payments-card")
    type_card(phone, "4242424242424242")
    phone.get_by_role("button", name="Pay £50.00").click()

    phone.wait_for_url(re.compile(r"/payments/P-\w+/receipt$"))
    phone.get_by_role("heading", name="Payment received").wait_for()
    main = phone.locator("main").inner_text()
    assert "£50.00" in main and "Visa ending 4242" in main and "£150.00" in main
    shot(phone, "payments-receipt")

    phone.get_by_role("link", name="Go to your accounts").click()
    assert "£150.00" in phone.locator(".total-amount").first.inner_text()
    assert payments_in_ledger(debtor) == [-5_000]


def test_a_declined_card_shows_a_kind_message_and_a_second_card_succeeds(phone, portal_url, debtor):
    sign_in(phone, portal_url, debtor)
    choose_amount(phone, "50")
    type_card(phone, "4000000000000341")
    phone.get_by_role("button", name="Pay £50.00").click()

    alert = phone.locator("#pay-error")
    alert.wait_for(state="visible")
    assert "Your card was declined, so no money was taken" in alert.inner_text()
    assert phone.evaluate("document.activeElement.id") == "pay-error"
    shot(phone, "payments-declined")

    type_card(phone, "4242424242424242")
    phone.get_by_role("button", name="Pay £50.00").click()
    phone.wait_for_url(re.compile(r"/receipt$"))
    assert payments_in_ledger(debtor) == [-5_000]


def test_paying_in_full_after_a_decline_says_paid_in_full_and_the_old_attempt_offers_nothing_to_pay(
    phone, portal_url, debtor
):
    sign_in(phone, portal_url, debtor)
    choose_amount(phone, "200")
    type_card(phone, "4000000000000341")
    phone.get_by_role("button", name="Pay £200.00").click()
    phone.locator("#pay-error").wait_for(state="visible")
    declined = phone.url
    type_card(phone, "4242424242424242")
    phone.get_by_role("button", name="Pay £200.00").click()
    phone.wait_for_url(re.compile(r"/receipt$"))

    db.session.expire_all()
    paid_on = db.session.scalar(db.select(LedgerEntry.effective_date).where(LedgerEntry.kind == "payment"))
    paid_in_full = f"Paid in full on {paid_on.day} {paid_on:%B %Y}."
    phone.get_by_role("link", name="Go to your accounts").click()
    card = phone.locator(".card").first.inner_text()
    assert "Paid in full" in card and paid_in_full in card and "Open" not in card
    assert axe_violations(phone) == [], "dashboard, paid in full"
    shot(phone, "payments-paid-in-full")

    phone.get_by_role("link", name=re.compile(r"^Mobile phone contract")).click()
    assert paid_in_full in phone.locator("main").inner_text()
    assert axe_violations(phone) == [], "account page, paid in full"

    phone.goto(declined)
    main = phone.locator("main").inner_text()
    assert "in full on" in main and "Try again with a card" not in main
    assert phone.get_by_role("link", name="Go to your accounts").is_visible()
    assert axe_violations(phone) == [], "old attempt, paid in full"
    shot(phone, "payments-old-attempt-paid")


def test_a_card_that_needs_3d_secure_is_checked_once_and_pays(phone, portal_url, debtor, localstripe):
    asked = count_bank_checks(phone)
    sign_in(phone, portal_url, debtor)
    choose_amount(phone, "20")
    type_card(phone, "4000002500003155")
    phone.get_by_role("button", name="Pay £20.00").click()
    phone.get_by_role("button", name="Complete authentication").click()  # the only check: no second one comes
    phone.wait_for_url(re.compile(r"/payments/(P-\w+)/receipt$"))

    assert len(asked) == 1
    reference = re.search(r"/payments/(P-\w+)/receipt$", phone.url).group(1)
    assert "Visa ending 3155" in phone.locator("main").inner_text()
    [intent] = localstripe.payment_intents(reference)
    assert intent["status"] == "succeeded"
    setups = localstripe.get("/v1/setup_intents", limit=100)["data"]
    assert [s for s in setups if s["metadata"].get("payment_reference") == reference] == []
    assert payments_in_ledger(debtor) == [-2_000]


WAIT_FOR_BANK = "Check your bank's app or the window that opened to approve this payment."


def test_while_the_bank_checks_it_is_them_the_button_and_a_live_region_say_where_to_look(phone, portal_url, debtor):
    asked = count_bank_checks(phone)
    sign_in(phone, portal_url, debtor)
    choose_amount(phone, "20")
    type_card(phone, "4000002760003184")  # the bank asks every time
    phone.get_by_role("button", name="Pay £20.00").click()

    approve = phone.get_by_role("button", name="Complete authentication")
    approve.wait_for()
    waiting = phone.locator("#pay-status[role=status]")
    expect(waiting).to_have_text(WAIT_FOR_BANK)
    expect(waiting).to_be_visible()
    expect(phone.locator("#pay-button")).to_have_text(WAIT_FOR_BANK)
    expect(phone.locator("#pay-button")).to_be_disabled()
    assert axe_violations(phone) == [], "card page, waiting for the bank"
    shot(phone, "payments-waiting-for-the-bank")
    approve.click()

    phone.wait_for_url(re.compile(r"/receipt$"))
    assert "Visa ending 3184" in phone.locator("main").inner_text()
    assert len(asked) == 1
    assert payments_in_ledger(debtor) == [-2_000]


def test_a_failed_bank_check_gives_the_button_back_with_a_kind_message(phone, portal_url, debtor):
    sign_in(phone, portal_url, debtor)
    choose_amount(phone, "20")
    type_card(phone, "4000002760003184")
    phone.get_by_role("button", name="Pay £20.00").click()
    phone.get_by_role("button", name="Fail authentication").click()
    phone.locator("#pay-error").wait_for(state="visible")
    assert "could not confirm it was you" in phone.locator("#pay-error").inner_text()
    expect(phone.get_by_role("button", name="Pay £20.00")).to_be_enabled()
    expect(phone.locator("#pay-status")).to_have_text("")
    assert payments_in_ledger(debtor) == []


def test_the_pay_button_is_disabled_while_working_and_a_double_tap_charges_once(phone, portal_url, debtor):
    sign_in(phone, portal_url, debtor)
    choose_amount(phone, "50")
    type_card(phone, "4242424242424242")
    button = phone.get_by_role("button", name="Pay £50.00")
    button.dblclick()
    phone.wait_for_url(re.compile(r"/receipt$"))
    assert payments_in_ledger(debtor) == [-5_000]


def test_axe_finds_nothing_on_the_pay_receipt_and_error_pages(phone, portal_url, debtor):
    sign_in(phone, portal_url, debtor)
    phone.get_by_role("link", name=re.compile(r"^Pay\b.*Mobile phone contract")).click()
    assert axe_violations(phone) == [], "amount page"

    phone.get_by_role("button", name="Continue").click()  # nothing chosen: the error summary
    phone.locator(".error-summary").wait_for()
    assert axe_violations(phone) == [], "amount page with an error"
    shot(phone, "payments-amount-error")

    phone.get_by_label("Another amount").check()
    phone.get_by_label("Amount you want to pay").fill("50")
    phone.get_by_role("button", name="Continue").click()
    phone.locator("#card-element input[placeholder=number]").wait_for()
    assert axe_violations(phone) == [], "card page"

    type_card(phone, "4000000000000341")
    phone.get_by_role("button", name="Pay £50.00").click()
    phone.locator("#pay-error").wait_for(state="visible")
    assert axe_violations(phone) == [], "card page with a decline"

    phone.reload()  # the failed payment's own page, as after a reload
    phone.get_by_role("heading", name="Your payment did not go through").wait_for()
    assert axe_violations(phone) == [], "failed payment page"
    phone.get_by_role("button", name="Try again with a card").click()
    phone.locator("#card-element input[placeholder=number]").wait_for()

    type_card(phone, "4242424242424242")
    phone.get_by_role("button", name="Pay £50.00").click()
    phone.wait_for_url(re.compile(r"/receipt$"))
    assert axe_violations(phone) == [], "receipt"

    phone.goto(portal_url + "/pay/P-NOTYOURS")
    phone.get_by_role("heading", name="Page not found").wait_for()
    assert axe_violations(phone) == [], "error page"
