"""Your contact details on a 375 px phone: a debtor with no email address adds one from the preferences page,
reads the code from the email, confirms it, and then has it; the pages are axe-clean, fit the screen, and
their actions are full-size tap targets."""

import re

import pytest

from portal.extensions import db
from portal.models import Debtor
from tests.e2e.conftest import axe_violations, fits_and_taps, shot, sign_in
from tests.factories import make_account, make_debtor, make_link, make_uk_creditor
from tests.plan_support import emails


@pytest.fixture
def debtor(app):
    creditor = make_uk_creditor(name="Harbour Credit", phone="0113 496 0321")
    debtor = make_debtor(creditor, full_name="Sarah Jones", email=None, phone=None, postcode="LS6 2AB")
    make_account(debtor, [("itemization", 20_000)], description="Mobile phone contract", reference="MM-300188")
    db.session.commit()
    return debtor


def test_a_debtor_adds_an_email_address_confirmed_by_a_code(app, phone, portal_url, debtor):
    sign_in(phone, portal_url, debtor)
    phone.locator("main").get_by_role("link", name="How we contact you").click()
    phone.get_by_text("We do not have an email address or a mobile number for you").wait_for()
    phone.get_by_role("link", name="Add an email address").click()

    phone.get_by_role("heading", name="Your contact details").wait_for()
    assert axe_violations(phone) == [], "contact details"
    fits_and_taps(phone)
    shot(phone, "contact-details")

    phone.get_by_role("link", name="Add email address").click()
    phone.get_by_role("heading", name="What is your email address?").wait_for()
    phone.get_by_role("button", name="Send me a code").click()
    phone.locator(".error-summary").wait_for()
    assert "Enter your email address" in phone.locator(".error-summary").inner_text()
    assert axe_violations(phone) == [], "email form with an error"
    shot(phone, "contact-details-email-error")

    phone.get_by_label("Email address").fill("sarah.jones@example.org")
    phone.get_by_role("button", name="Send me a code").click()
    phone.get_by_role("heading", name="Check your email").wait_for()
    assert "We have sent a code to sarah.jones@example.org." in phone.locator("main").inner_text()
    assert axe_violations(phone) == [], "code page"
    fits_and_taps(phone)
    shot(phone, "contact-details-code")

    [email] = emails(app)
    assert email["To"] == "sarah.jones@example.org"
    code = re.search(r"Your code for Harbour Credit is (\d{6})", email.get_content()).group(1)
    phone.get_by_label("Code").fill(code)
    phone.get_by_role("button", name="Confirm").click()

    phone.get_by_role("heading", name="Your contact details").wait_for()
    main = phone.locator("main").inner_text()
    assert "Your email address is changed. We will use it from now on." in main
    assert "sarah.jones@example.org" in main
    assert axe_violations(phone) == [], "contact details after the change"
    shot(phone, "contact-details-changed")

    db.session.expire_all()
    assert db.session.get(Debtor, debtor.id).email == "sarah.jones@example.org"


def test_a_debtor_changes_their_postal_address_without_javascript(app, chromium, portal_url, debtor):
    context = chromium.new_context(viewport={"width": 375, "height": 812}, java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, portal_url, debtor)
        page.goto(portal_url + "/help/details")
        page.get_by_role("link", name="Add postal address").click()
        page.get_by_label("Postal address").fill("1 New Street\nLeeds\nLS1 1AA")
        page.get_by_role("button", name="Save address").click()
        page.get_by_text("Your postal address is saved.").wait_for()
        assert "1 New Street" in page.locator("main").inner_text()
        shot(page, "contact-details-address-no-js")
    finally:
        context.close()


PAGES = ["/help/details", "/help/details/email", "/help/details/mobile", "/help/details/address"]


@pytest.mark.parametrize("path", PAGES)
def test_the_contact_detail_pages_are_axe_clean_in_spanish(phone, portal_url, debtor, path):
    sign_in(phone, portal_url, debtor)
    phone.get_by_role("button", name="Español").click()
    phone.get_by_role("heading", name="Lo que debe").wait_for()
    phone.goto(portal_url + path)
    assert phone.locator("html").get_attribute("lang") == "es"
    assert axe_violations(phone) == [], path
    if path == "/help/details":
        shot(phone, "contact-details-es")


def test_a_debtor_whose_link_expired_gets_a_new_one_at_once_and_is_told_where(app, phone, portal_url):
    creditor = make_uk_creditor(name="Harbour Credit", phone="0113 496 0321")
    debtor = make_debtor(creditor, full_name="Sarah Jones", email="sarah@example.co.uk")
    make_account(debtor)
    db.session.commit()
    path = make_link(debtor, ttl_days=-1)
    phone.goto(portal_url + path)
    phone.get_by_role("heading", name="This link has expired").wait_for()
    phone.get_by_role("button", name="Send me a new link").click()
    phone.get_by_role("heading", name="We have your request").wait_for()
    assert "We have sent a new link to the email address s…@example.co.uk" in phone.locator("main").inner_text()
    assert axe_violations(phone) == [], "new link sent"
    shot(phone, "new-link-sent-at-once")
    [email] = emails(app)
    assert email["To"] == "sarah@example.co.uk"
