"""Instalment plans on a 375 px phone: choose, agree, save a card, pay; propose; manage; confirm 3-D Secure."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from portal import clock
from portal.extensions import db
from portal.jobs.collect import collect
from portal.models import Account, LedgerEntry, Plan
from portal.payments.gateway import get_gateway
from tests.e2e.conftest import axe_violations, count_bank_checks, shot, sign_in, type_card, type_date
from tests.factories import make_account, make_card_debtor
from tests.plan_support import NOON, active_plan, agreed_plan

POLICY = {
    "min_instalment": 500,
    "max_term_months": 12,
    "frequencies": ["weekly", "fortnightly", "monthly"],
    "settlement_discount_pct": [10, 20],
    "first_payment_within_days": 30,
}


@pytest.fixture
def debtor(app):
    debtor = make_card_debtor(POLICY)
    make_account(debtor, [("itemization", 60_000)], description="Mobile phone contract", reference="MM-300188")
    db.session.commit()
    return debtor


def account_of(debtor) -> Account:
    return db.session.scalar(db.select(Account).where(Account.debtor_id == debtor.id))


def ledger(debtor) -> list[int]:
    db.session.expire_all()
    return [
        entry.amount
        for entry in db.session.scalars(db.select(LedgerEntry).where(LedgerEntry.kind == "payment"))
        if entry.account.debtor_id == debtor.id
    ]


def open_options(page) -> None:
    page.get_by_role("link", name=re.compile(r"^Set up a payment plan.*Mobile phone contract")).click()
    page.get_by_role("heading", name="Your options").wait_for()


def test_choose_a_monthly_plan_agree_save_a_card_and_pay_the_first_payment(phone, portal_url, debtor):
    sign_in(phone, portal_url, debtor)
    open_options(phone)
    assert axe_violations(phone) == [], "options"

    # nothing is chosen for them: Continue alone asks them to choose, on the same page
    assert phone.locator("input[name=offer]:checked").count() == 0
    phone.get_by_role("button", name="Continue").click()
    phone.locator(".error-summary").get_by_role("link", name="Choose a plan, or propose your own").wait_for()
    assert phone.get_by_role("heading", name="Your options").is_visible()
    assert phone.locator("input[name=offer]:checked").count() == 0
    assert axe_violations(phone) == [], "options, nothing chosen"

    # htmx swaps in the weekly plans without leaving the page, then monthly again
    phone.get_by_label("Every week").check()
    phone.get_by_text("a week", exact=False).first.wait_for()
    assert phone.url.endswith("/plans")
    phone.get_by_label("Every month").check()
    phone.get_by_label("£50.00 a month").wait_for()
    phone.get_by_label("£300.00 a month").check()
    phone.locator("#preview").get_by_text("2 payments of £300.00 a month").wait_for()
    phone.get_by_label("£50.00 a month").check()
    phone.locator("#preview").get_by_text("12 payments of £50.00 a month").wait_for()
    assert axe_violations(phone) == [], "options after live updates"
    shot(phone, "plans-options")

    phone.get_by_role("button", name="Continue").click()
    phone.get_by_role("heading", name="Check your plan").wait_for()
    assert axe_violations(phone) == [], "check your plan"
    shot(phone, "plans-check")
    phone.get_by_label("Now: pay £50.00 today").check()
    phone.get_by_role("button", name="Agree to this plan").click()

    phone.get_by_role("heading", name="Save a card for your payments").wait_for()
    phone.locator("#card-element input[placeholder=number]").wait_for()
    assert axe_violations(phone) == [], "card"
    type_card(phone, "4242424242424242")
    shot(phone, "plans-card")
    phone.get_by_role("button", name="Save card and pay £50.00").click()

    phone.wait_for_url(re.compile(r"/plans/PL-\w+/done$"))
    phone.get_by_role("heading", name="Your plan is set up").wait_for()
    assert axe_violations(phone) == [], "done"
    shot(phone, "plans-done")
    assert ledger(debtor) == [-5_000]

    phone.get_by_role("link", name="Go to your accounts").click()
    main = phone.locator("main").inner_text()
    assert "Paid so far\n£50.00 of £600.00" in main or "£50.00 of £600.00" in main
    assert "Next payment" in main
    assert axe_violations(phone) == [], "dashboard with a plan"
    shot(phone, "plans-dashboard")

    # the plan page lists the first payment on the day it was paid, as the ledger has it
    phone.get_by_role("link", name=re.compile(r"^Manage your plan")).click()
    phone.get_by_role("heading", name="Your payment plan").wait_for()
    paid_on = db.session.scalar(db.select(LedgerEntry.effective_date).where(LedgerEntry.kind == "payment"))
    first_row = re.sub(r"\s+", " ", phone.locator("table.schedule tbody tr").first.inner_text()).strip()
    assert first_row == f"1 {paid_on.day} {paid_on:%B %Y} £50.00 Paid"
    assert "£50.00 of £600.00" in phone.locator("main").inner_text()
    shot(phone, "plans-first-paid-now")


#: The words of the card page of a plan paying its first £100.00 now, and of the page after it, in each language
FIRST_PAYMENT_WORDS = {
    "en": {
        "pay": "Save card and pay £100.00",
        "waiting": "Check your bank's app or the window that opened to approve this payment.",
        "done": "Your plan is set up",
    },
    "es": {
        "pay": re.compile(r"^Guardar la tarjeta y pagar 100,00"),
        "waiting": "Revise la aplicación de su banco o la ventana que se abrió para aprobar este pago.",
        "done": "Su plan de pagos está listo",
    },
}


@pytest.mark.parametrize("language", ["en", "es"])
def test_paying_the_first_payment_now_with_a_card_the_bank_checks_asks_once_and_starts_the_plan_with_it(
    phone, portal_url, debtor, localstripe, language
):
    words = FIRST_PAYMENT_WORDS[language]
    plan = agreed_plan(debtor, account_of(debtor), pay_first_now=True)
    asked = count_bank_checks(phone)
    sign_in(phone, portal_url, debtor)
    if language == "es":
        phone.get_by_role("button", name="Español").click()
        phone.get_by_role("heading", name="Lo que debe").wait_for()
    phone.goto(f"{portal_url}/plans/{plan.reference}/card")
    phone.locator("#card-element input[placeholder=number]").wait_for()
    type_card(phone, "4000002500003155")
    phone.get_by_role("button", name=words["pay"]).click()

    approve = phone.get_by_role("button", name="Complete authentication")
    approve.wait_for()
    expect(phone.get_by_role("status")).to_have_text(words["waiting"])
    expect(phone.locator("#pay-button")).to_have_text(words["waiting"])
    expect(phone.locator("#pay-button")).to_be_disabled()
    assert phone.locator("html").get_attribute("lang") == language
    assert axe_violations(phone) == [], "plan card page, waiting for the bank"
    shot(phone, f"plans-first-payment-waiting-for-the-bank-{language}")
    approve.click()  # the only check: the card is saved by the payment it approves

    phone.wait_for_url(re.compile(r"/plans/PL-\w+/done$"))
    phone.get_by_role("heading", name=words["done"]).wait_for()
    assert len(asked) == 1
    db.session.expire_all()
    plan = db.session.get(Plan, plan.id)
    assert plan.status == "active" and plan.card_last4 == "3155" and plan.payment_method_id
    assert plan.instalments[0].status == "paid"
    assert ledger(debtor) == [-10_000]
    [intent] = localstripe.intents_where("plan_reference", {plan.reference})
    assert intent["setup_future_usage"] == "off_session" and intent["payment_method"] == plan.payment_method_id


#: A Stripe.js without createPaymentMethod (localstripe's own, before tests/localstripe_server.py added it)
STRIPE_JS_WITHOUT_CREATE_PAYMENT_METHOD = """
(() => {
  let made;
  Object.defineProperty(window, "Stripe", {
    configurable: true,
    set(factory) {
      made = (key) => {
        const stripe = factory(key);
        delete stripe.createPaymentMethod;
        return stripe;
      };
    },
    get() { return made; },
  });
})();
"""


def test_with_a_stripe_js_that_makes_no_payment_method_the_first_payment_saves_the_card_first_and_pays(
    phone, portal_url, debtor, localstripe
):
    phone.add_init_script(STRIPE_JS_WITHOUT_CREATE_PAYMENT_METHOD)
    plan = agreed_plan(debtor, account_of(debtor), pay_first_now=True)
    sign_in(phone, portal_url, debtor)
    phone.goto(f"{portal_url}/plans/{plan.reference}/card")
    phone.locator("#card-element input[placeholder=number]").wait_for()
    type_card(phone, "4242424242424242")
    phone.get_by_role("button", name="Save card and pay £100.00").click()

    phone.wait_for_url(re.compile(r"/plans/PL-\w+/done$"))
    db.session.expire_all()
    plan = db.session.get(Plan, plan.id)
    assert plan.status == "active" and plan.card_last4 == "4242"
    assert plan.instalments[0].status == "paid" and ledger(debtor) == [-10_000]
    setups = localstripe.get("/v1/setup_intents", limit=100)["data"]
    assert [s["status"] for s in setups if s["metadata"].get("plan_reference") == plan.reference] == ["succeeded"]


def test_an_out_of_policy_proposal_is_sent_for_review(phone, portal_url, debtor):
    sign_in(phone, portal_url, debtor)
    open_options(phone)
    phone.get_by_role("link", name="Propose your own plan").click()
    phone.get_by_role("heading", name="Propose your own plan").wait_for()
    hint = "Plans of £50.00 a month or more, finishing within 12 months, are agreed straight away."
    assert phone.locator("#amount-hint").inner_text() == hint
    phone.get_by_role("button", name="Send my proposal").click()  # nothing filled in: the error summary
    phone.locator(".error-summary").wait_for()
    assert axe_violations(phone) == [], "proposal with errors"
    shot(phone, "plans-propose-errors")

    phone.get_by_label("How much can you pay each time?").fill("20")
    phone.get_by_label("Every month").check()
    start = clock.today_for(debtor) + timedelta(days=5)
    question = phone.get_by_role("group", name="Date of your first payment")
    question.get_by_label("Day").fill(str(start.day))  # the month and year forgotten
    phone.get_by_role("button", name="Send my proposal").click()
    summary = phone.locator(".error-summary")
    summary.get_by_role("link", name="Date of your first payment must include a month and year").click()
    assert question.get_by_label("Month").evaluate("box => box === document.activeElement")
    assert question.get_by_label("Month").evaluate("box => box.getBoundingClientRect().top") > phone.locator(
        ".exit-button"
    ).evaluate("button => button.getBoundingClientRect().bottom")  # not under the sticky Exit this page button
    assert axe_violations(phone) == [], "proposal with a date half typed"
    shot(phone, "plans-propose-date-error")
    type_date(phone, "Date of your first payment", start)
    phone.get_by_role("button", name="Send my proposal").click()
    phone.get_by_role("heading", name="Your proposal has been sent for review").wait_for()
    main = phone.locator("main").inner_text()
    assert "We will tell you by" in main
    assert "Your plan would take 30 months" in main
    assert axe_violations(phone) == [], "sent for review"
    shot(phone, "plans-review")


def test_manage_a_plan_and_download_its_calendar(phone, portal_url, debtor, localstripe):
    plan = active_plan(debtor, account_of(debtor), localstripe)
    sign_in(phone, portal_url, debtor)
    phone.get_by_role("link", name=re.compile(r"^Manage your plan")).click()
    phone.get_by_role("heading", name="Your payment plan").wait_for()
    assert axe_violations(phone) == [], "plan page"
    shot(phone, "plans-manage")

    with phone.expect_download() as download_info:
        phone.get_by_role("link", name="Add the payment dates to your calendar").click()
    download = download_info.value
    assert download.suggested_filename == f"payment-plan-{plan.reference}.ics"
    body = download.path().read_text(encoding="utf-8")
    assert body.count("BEGIN:VEVENT") == 6

    for link, heading in [
        ("Change the payment date", "Change the payment date"),
        ("Pay extra or pay off early", "Pay extra or pay off early"),
        ("Ask for a pause", "Ask for a pause"),
        ("Cancel the plan", "Are you sure you want to cancel your plan?"),
    ]:
        phone.get_by_role("link", name=link).click()
        phone.get_by_role("heading", name=heading).wait_for()
        assert axe_violations(phone) == [], heading
        shot(phone, "plans-" + link.lower().replace(" ", "-"))
        phone.go_back()

    phone.get_by_role("link", name="Pay extra or pay off early").click()
    phone.get_by_label("Another amount").check()
    phone.get_by_label("Amount you want to pay now").fill("30")
    phone.get_by_role("button", name="Continue").click()
    phone.get_by_role("heading", name="Check your payment").wait_for()
    shot(phone, "plans-pay-extra-check")
    phone.get_by_role("button", name="Pay £30.00").click()
    phone.get_by_role("heading", name="Payment received").wait_for()
    assert ledger(debtor) == [-3_000]


def test_move_the_payment_date_later_up_to_the_limit_the_creditor_sets(phone, portal_url, debtor, localstripe):
    plan = active_plan(debtor, account_of(debtor), localstripe)
    due = plan.instalments[0].due_date
    sign_in(phone, portal_url, debtor)
    phone.get_by_role("link", name=re.compile(r"^Manage your plan")).click()
    phone.get_by_role("link", name="Change the payment date").click()
    phone.get_by_role("heading", name="Change the payment date").wait_for()
    assert "You can move a payment up to 14 days later." in phone.locator("#next_date-hint").inner_text()

    type_date(phone, "New date for your next payment", due + timedelta(days=20))
    phone.get_by_role("button", name="Change the date").click()
    phone.locator(".error-summary").get_by_role(
        "link", name="You can move a payment up to 14 days later. Contact us to move it further."
    ).wait_for()
    assert axe_violations(phone) == [], "payment date past the limit"
    shot(phone, "plans-payment-date-limit")

    later = due + timedelta(days=14)
    type_date(phone, "New date for your next payment", later)
    phone.get_by_role("button", name="Change the date").click()
    phone.get_by_role("heading", name="Your payment plan").wait_for()
    main = re.sub(r"\s+", " ", phone.locator("main").inner_text())
    assert f"Your next payment is on {later.day} {later:%B %Y}." in main
    assert axe_violations(phone) == [], "plan page after moving the date"
    shot(phone, "plans-payment-date-moved")


def test_confirming_a_collection_the_bank_wants_checked(phone, portal_url, debtor, localstripe):
    plan = active_plan(debtor, account_of(debtor), localstripe, "4000002500003155")
    collect(get_gateway(), today=plan.instalments[0].due_date, now=NOON)
    sign_in(phone, portal_url, debtor)
    phone.get_by_role("link", name="Confirm payment of £100.00").click()
    phone.get_by_role("heading", name="Confirm your payment of £100.00").wait_for()
    assert axe_violations(phone) == [], "confirm payment"
    shot(phone, "plans-confirm-payment")
    phone.get_by_role("button", name="Confirm payment").click()
    phone.get_by_role("button", name="Complete authentication").click()
    phone.get_by_role("heading", name="Payment received").wait_for()
    assert ledger(debtor) == [-10_000]
