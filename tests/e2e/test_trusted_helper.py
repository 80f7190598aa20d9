"""Someone you trust to help, on 375 px phones: the debtor invites a debt adviser; the adviser opens their own
link from the email, asks for a code, types it, sees the debtor's budget under a banner and
downloads it; the debtor reads the visit on "Who has viewed your account" and ends the access, and the adviser's
next page says so. Every page is axe-clean and fits the phone, in English and Spanish; the helper's way in works
without JavaScript."""

from urllib.parse import urlsplit

import pytest

from portal import clock
from portal.extensions import db
from portal.trusted import service as trusted
from tests.conftest import Browser
from tests.e2e.conftest import axe_violations, fits_and_taps, found_in_mail, shot, sign_in
from tests.factories import make_account, make_debtor, make_link, make_uk_creditor
from tests.integration.test_budget import QUICK, _quick

ADVISER = "ana@advice.example.org"


@pytest.fixture
def debtor(app):
    creditor = make_uk_creditor(name="Harbour Credit", phone="0113 496 0321")
    debtor = make_debtor(creditor, full_name="Sarah Jones", email="sarah@example.co.uk", postcode="LS6 2AB")
    make_account(debtor, [("itemization", 20_000)], description="Mobile phone contract", reference="MM-300188")
    db.session.commit()
    return debtor


@pytest.fixture
def budget_id(app, debtor) -> int:
    """Sarah has done a quick budget (on another day, as herself)."""
    browser = Browser(app.test_client())
    browser.sign_in(make_link(debtor), debtor)
    return _quick(browser, QUICK)


def _checked(page, name: str) -> None:
    assert axe_violations(page) == [], name
    fits_and_taps(page)
    shot(page, name)


def test_the_debtor_invites_an_adviser_who_opens_their_own_link_and_sees_the_budget(
    app, phone, adviser_phone, portal_url, debtor, budget_id
):
    sign_in(phone, portal_url, debtor)
    phone.locator("main").get_by_role("link", name="How we contact you").click()
    phone.get_by_role("link", name="Ask someone to help, or end their access").click()
    phone.get_by_role("heading", name="Someone you trust to help").wait_for()
    assert "Nobody else can see your account." in phone.locator("main").inner_text()
    _checked(phone, "trusted-helpers-empty")

    phone.get_by_role("link", name="Ask someone to help").click()
    phone.get_by_role("button", name="Send them a link").click()
    phone.locator(".error-summary").wait_for()
    assert "Enter their full name" in phone.locator(".error-summary").inner_text()
    _checked(phone, "trusted-invite-errors")

    phone.get_by_label("Their full name").fill("Ana Lopez")
    phone.get_by_label("Their email address").fill(ADVISER)
    phone.get_by_label("Debt adviser").check()
    phone.get_by_label("They can also work on your budget, send it to us and suggest payment plans").check()
    phone.get_by_role("button", name="Send them a link").click()
    phone.get_by_text("We have emailed Ana Lopez their own link.").wait_for()
    main = phone.locator("main").inner_text()
    assert "Ana Lopez" in main and "Debt adviser" in main and "Not yet" in main
    _checked(phone, "trusted-helpers-invited")

    link = found_in_mail(app, ADVISER, r"https?://\S+/h/\S+")
    adviser_phone.goto(portal_url + urlsplit(link).path)
    adviser_phone.get_by_role("heading", name="Help Sarah Jones with their account").wait_for()
    assert "work on their budget" in adviser_phone.locator("main").inner_text()
    _checked(adviser_phone, "trusted-helper-start")
    adviser_phone.get_by_role("button", name="Send me a code").click()
    adviser_phone.get_by_role("heading", name="Check your email").wait_for()
    _checked(adviser_phone, "trusted-helper-code")
    code = found_in_mail(app, ADVISER, r"\b\d{6}\b")
    adviser_phone.get_by_label("Code").fill(code)
    adviser_phone.get_by_role("button", name="Confirm").click()

    adviser_phone.get_by_role("heading", name="What you owe").wait_for()
    banner = adviser_phone.get_by_role("region", name="Helping someone")
    assert "You are helping Sarah Jones." in banner.inner_text()
    _checked(adviser_phone, "trusted-helper-dashboard")
    adviser_phone.get_by_role("link", name="Work out what you can afford").click()
    adviser_phone.get_by_role("link", name="See your budget").click()
    adviser_phone.get_by_role("link", name="Download your budget as a spreadsheet (CSV)").wait_for()
    _checked(adviser_phone, "trusted-helper-budget")
    with adviser_phone.expect_download() as download:
        adviser_phone.get_by_role("link", name="Download your budget as a spreadsheet (CSV)").click()
    assert download.value.suggested_filename.endswith(".csv")

    phone.locator("main").get_by_role("link", name="Who has viewed your account").click()
    phone.get_by_text("Ana Lopez, debt adviser, who you asked to help").wait_for()
    _checked(phone, "trusted-viewed")

    phone.locator("main").get_by_role("link", name="Someone you trust to help").click()
    phone.get_by_role("link", name="End access for Ana Lopez").click()
    phone.get_by_role("heading", name="End access for Ana Lopez").wait_for()
    _checked(phone, "trusted-end")
    phone.get_by_role("button", name="End access").click()
    phone.get_by_text("Ana Lopez can no longer see your account.").wait_for()

    adviser_phone.reload()
    adviser_phone.get_by_role("heading", name="Your access has ended").wait_for()
    _checked(adviser_phone, "trusted-helper-ended")


def test_the_helper_pages_are_axe_clean_in_spanish(app, phone, adviser_phone, portal_url, debtor, budget_id):
    sign_in(phone, portal_url, debtor)
    phone.get_by_role("button", name="Español").click()
    phone.get_by_role("heading", name="Lo que debe").wait_for()
    for path, name in [("/help/trusted", "trusted-helpers-es"), ("/help/trusted/invite", "trusted-invite-es")]:
        phone.goto(portal_url + path)
        assert phone.locator("html").get_attribute("lang") == "es"
        _checked(phone, name)
    phone.get_by_label("Nombre completo de la persona").fill("Ana Lopez")
    phone.get_by_label("Correo electrónico de la persona").fill(ADVISER)
    phone.locator("#relationship-debt_adviser").check()
    phone.locator("main button.button").click()
    phone.get_by_text("Ana Lopez").first.wait_for()

    link = found_in_mail(app, ADVISER, r"https?://\S+/h/\S+")
    adviser_phone.goto(portal_url + urlsplit(link).path)
    adviser_phone.get_by_role("button", name="Español").click()
    assert adviser_phone.locator("html").get_attribute("lang") == "es"
    _checked(adviser_phone, "trusted-helper-start-es")
    adviser_phone.locator("main button.button").click()
    code = found_in_mail(app, ADVISER, r"\b\d{6}\b")
    adviser_phone.locator("input[name=code]").fill(code)
    adviser_phone.locator("main form button.button").first.click()
    adviser_phone.get_by_role("heading", name="Lo que debe").wait_for()
    _checked(adviser_phone, "trusted-helper-dashboard-es")


def test_the_helpers_way_in_works_without_javascript(app, chromium, portal_url, debtor, budget_id):
    helper = trusted.invite(
        debtor,
        name="Ana Lopez",
        email=ADVISER,
        relationship="debt_adviser",
        may_propose=False,
        may_pay=False,
        now=clock.now(),
    )
    db.session.commit()
    context = chromium.new_context(viewport={"width": 375, "height": 812}, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(portal_url + urlsplit(trusted.link_for(helper)).path)
        page.get_by_role("button", name="Send me a code").click()
        page.get_by_label("Code").fill(found_in_mail(app, ADVISER, r"\b\d{6}\b"))
        page.get_by_role("button", name="Confirm").click()
        page.get_by_role("heading", name="What you owe").wait_for()
        assert "You are helping Sarah Jones." in page.get_by_role("region", name="Helping someone").inner_text()
        page.get_by_role("button", name="Leave their account").click()
        page.get_by_role("heading", name="You have left their account").wait_for()
        shot(page, "trusted-helper-left-no-js")
    finally:
        context.close()
