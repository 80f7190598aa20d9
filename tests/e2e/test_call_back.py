"""Ask for a call back on a 375 px phone: a debtor picks a day, a time and a reason, sees the booked call on the
page and the dashboard, and cancels it; the pages are axe-clean in English and in Spanish and fit the screen."""

import pytest

from portal.extensions import db
from tests.e2e.conftest import axe_violations, fits_and_taps, shot, sign_in
from tests.e2e.test_staff_console import staff_sign_in
from tests.factories import make_account, make_debtor, make_uk_creditor
from tests.staff_support import make_staff


@pytest.fixture
def debtor(app):
    creditor = make_uk_creditor(name="Harbour Credit", phone="0113 496 0321")
    debtor = make_debtor(creditor, full_name="Sarah Jones", email="sarah@example.co.uk", phone="07700 900123")
    make_account(debtor, [("itemization", 20_000)], description="Mobile phone contract", reference="MM-300188")
    db.session.commit()
    return debtor


def test_a_debtor_books_a_call_back_sees_it_and_cancels_it(phone, portal_url, debtor):
    sign_in(phone, portal_url, debtor)
    phone.get_by_role("link", name="Ask us to call you back").click()
    phone.get_by_role("heading", name="Ask us to call you back").wait_for()
    assert axe_violations(phone) == [], "days"
    fits_and_taps(phone)
    shot(phone, "call-back-days")
    phone.get_by_role("button", name="Continue").click()  # no day chosen for them: the error summary
    phone.locator(".error-summary").get_by_role("link", name="Choose the day that suits you").wait_for()
    assert axe_violations(phone) == [], "days with no day chosen"
    phone.get_by_role("group", name="Which day suits you?").get_by_role("radio").first.check()
    phone.get_by_role("button", name="Continue").click()

    phone.get_by_role("heading", name="Choose a time for us to call you").wait_for()
    phone.get_by_role("button", name="Book the call back").click()
    phone.locator(".error-summary").wait_for()
    assert "Choose a time for us to call you" in phone.locator(".error-summary").inner_text()
    assert axe_violations(phone) == [], "times with errors"
    shot(phone, "call-back-times-error")

    phone.get_by_role("group", name="What time suits you?").get_by_role("radio").first.check()
    phone.get_by_label("Talk about a payment plan").check()
    phone.get_by_label("Anything we should know before we call (optional)").fill("Please ask for Sarah.")
    assert axe_violations(phone) == [], "times"
    fits_and_taps(phone)
    shot(phone, "call-back-times")
    phone.get_by_role("button", name="Book the call back").click()

    phone.get_by_role("heading", name="Your call back is booked").wait_for()
    main = phone.locator("main").inner_text()
    assert "07700 900123" in main and "Talk about a payment plan" in main and "Please ask for Sarah." in main
    assert axe_violations(phone) == [], "booked"
    fits_and_taps(phone)
    shot(phone, "call-back-booked")

    phone.get_by_role("link", name="Back to your accounts").click()
    phone.get_by_role("link", name="See or cancel your call back").click()
    phone.get_by_role("button", name="Cancel this call back").click()
    phone.get_by_text("Your call back is cancelled. We will not call you.").wait_for()
    assert "Call backs you asked for before" in phone.locator("main").inner_text()
    assert axe_violations(phone) == [], "cancelled"
    shot(phone, "call-back-cancelled")


def test_a_call_back_is_booked_without_javascript(chromium, portal_url, debtor):
    context = chromium.new_context(viewport={"width": 375, "height": 812}, java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, portal_url, debtor)
        page.goto(portal_url + "/help/call-back")
        page.get_by_role("group", name="Which day suits you?").get_by_role("radio").first.check()
        page.get_by_role("button", name="Continue").click()
        page.get_by_role("group", name="What time suits you?").get_by_role("radio").first.check()
        page.get_by_label("I can't pay right now").check()
        page.get_by_role("button", name="Book the call back").click()
        page.get_by_role("heading", name="Your call back is booked").wait_for()
    finally:
        context.close()


@pytest.mark.parametrize("step", ["days", "times", "booked"])
def test_the_call_back_pages_are_axe_clean_in_spanish(phone, portal_url, debtor, step):
    sign_in(phone, portal_url, debtor)
    phone.get_by_role("button", name="Español").click()
    phone.get_by_role("heading", name="Lo que debe").wait_for()
    phone.goto(portal_url + "/help/call-back")
    if step != "days":
        phone.locator("input[name=day]").first.check()
        phone.locator("main form button").click()
        phone.locator("input[name=slot]").first.wait_for()
    if step == "booked":
        phone.locator("input[name=slot]").first.check()
        phone.locator("input[name=reason]").first.check()
        phone.locator("main form button").click()
        phone.locator("form[action$='/help/call-back/cancel']").wait_for()
    assert phone.locator("html").get_attribute("lang") == "es"
    assert axe_violations(phone) == [], step
    fits_and_taps(phone)
    shot(phone, f"call-back-{step}-es")


def test_an_agent_finds_the_call_back_in_the_queue_and_marks_it_done(phone, laptop, portal_url, debtor):
    sign_in(phone, portal_url, debtor)
    phone.goto(portal_url + "/help/call-back")
    phone.get_by_role("group", name="Which day suits you?").get_by_role("radio").first.check()
    phone.get_by_role("button", name="Continue").click()
    phone.get_by_role("group", name="What time suits you?").get_by_role("radio").first.check()
    phone.get_by_label("A question about my account").check()
    phone.get_by_role("button", name="Book the call back").click()
    phone.get_by_role("heading", name="Your call back is booked").wait_for()

    agent = make_staff(debtor.creditor, role="agent", name="Alex Morgan")
    db.session.commit()
    staff_sign_in(laptop, portal_url, agent)
    laptop.get_by_role("link", name="Queues").first.click()
    laptop.get_by_role("heading", name="Call backs to make (1)").wait_for()
    assert axe_violations(laptop) == [], "queues"
    shot(laptop, "call-back-queue")
    laptop.get_by_role("link", name="Details, or mark as done (Sarah Jones)").click()
    laptop.get_by_role("heading", name="Call back for Sarah Jones").wait_for()
    assert axe_violations(laptop) == [], "call back"
    laptop.get_by_label("What happened on the call (optional)").fill("Explained the balance.")
    laptop.get_by_role("button", name="Mark as done").click()
    laptop.get_by_text("Call back marked as done.").wait_for()
    shot(laptop, "call-back-done")
    laptop.get_by_role("link", name="Sarah Jones's page").click()
    laptop.locator("#call-backs").wait_for()
    assert "Explained the balance." in laptop.locator("main").inner_text()
    assert axe_violations(laptop) == [], "debtor page"
