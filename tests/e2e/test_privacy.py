"""Privacy on a 375 px phone: not being contacted at work, the privacy notice (UK and US), a copy of one's
information, and telling us about circumstances without agreeing to a record of one's words."""

import json
import re

import pytest

from portal import clock
from portal.extensions import db
from portal.help.service.contact import may_contact, settings_for
from portal.models import AuditEvent, Circumstance
from tests.e2e.conftest import axe_violations, shot, sign_in
from tests.factories import make_account, make_creditor, make_debtor, make_uk_creditor


@pytest.fixture
def debtor(app):
    creditor = make_uk_creditor(
        name="Harbour Credit",
        slug="harbour-credit",
        phone="0113 496 0321",
        email="privacy@harbour.example",
        mailing_address="1 Dock Street, Leeds LS1 4AB",
        brand_colour="#6b2c6f",
    )
    debtor = make_debtor(creditor, full_name="Sarah Jones", email="sarah@work.example", postcode="LS6 2AB")
    make_account(debtor, [("itemization", 20_000)], description="Mobile phone contract", reference="MM-300188")
    db.session.commit()
    return debtor


def test_a_debtor_asks_not_to_be_contacted_at_work(phone, portal_url, debtor):
    sign_in(phone, portal_url, debtor)
    phone.locator("main").get_by_role("link", name="How we contact you").click()
    phone.get_by_role("heading", name="Contact at work").wait_for()
    phone.get_by_label("Do not contact me at work").check()
    phone.get_by_label("This email address is a work email").check()
    assert axe_violations(phone) == [], "preferences with contact at work"
    shot(phone, "privacy-preferences-work")

    phone.get_by_role("button", name="Save my choices").click()
    phone.get_by_role("status").filter(has_text="Your choices are saved").wait_for()
    assert phone.get_by_label("Do not contact me at work").is_checked()
    assert (
        "sarah@work.example is a work address, so we show our messages here instead."
        in phone.locator("main").inner_text()
    )
    shot(phone, "privacy-preferences-work-saved")

    db.session.expire_all()
    settings = settings_for(debtor)
    assert (settings.contact_at_work, settings.email_is_work) == (False, True)
    assert not may_contact(debtor, "email", clock.now())


def test_a_debtor_reads_the_uk_privacy_notice_and_downloads_their_information(phone, portal_url, debtor):
    sign_in(phone, portal_url, debtor)
    phone.locator("main").get_by_role("link", name="How we contact you").click()
    phone.get_by_role("link", name="Read how we use your information (privacy notice)").click()
    phone.get_by_role("heading", name="Privacy notice", exact=True).wait_for()
    main = phone.locator("main").inner_text()
    assert "Harbour Credit is responsible for your information." in main
    assert "Information Commissioner's Office (ICO)" in main
    assert axe_violations(phone) == [], "UK privacy notice"
    shot(phone, "privacy-notice-uk")

    phone.locator("main").get_by_role("link", name="Download a copy of your information").first.click()
    phone.get_by_role("heading", name="Download a copy of your information").wait_for()
    assert axe_violations(phone) == [], "download page"
    shot(phone, "privacy-my-data")
    with phone.expect_download() as waiting:
        phone.get_by_role("button", name="Download my information").click()
    download = waiting.value
    assert re.fullmatch(r"my-information-harbour-credit-\d{4}-\d\d-\d\d\.json", download.suggested_filename)
    data = json.loads(download.path().read_text(encoding="utf-8"))
    assert data["your_details"]["full_name"] == "Sarah Jones"
    assert [account["reference"] for account in data["accounts"]] == ["MM-300188"]
    db.session.expire_all()
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "privacy.data_downloaded"))


def test_anyone_can_read_a_us_creditors_privacy_notice(phone, portal_url, app):
    make_creditor(name="Lakeside Recovery", slug="lakeside", email="privacy@lakeside.example", brand_colour="#1d4f91")
    db.session.commit()
    phone.goto(f"{portal_url}/privacy/lakeside")
    phone.get_by_role("heading", name="Privacy notice", exact=True).wait_for()
    main = phone.locator("main").inner_text()
    assert "The law asks debt collectors to keep these records for at least 3 years." in main
    assert "Consumer Financial Protection Bureau (CFPB)" in main
    assert axe_violations(phone) == [], "US privacy notice"
    shot(phone, "privacy-notice-us")


def test_a_debtor_tells_us_without_a_record_of_their_words_and_later_deletes_words_they_let_us_keep(
    phone, portal_url, debtor
):
    sign_in(phone, portal_url, debtor)
    phone.locator("main").get_by_role("link", name="Tell us about your circumstances").click()
    phone.get_by_label("Mental health").check()
    phone.get_by_label("A break from payments").check()
    shot(phone, "circumstances-without-consent-form")
    phone.get_by_role("button", name="Send this to Harbour Credit").click()
    phone.get_by_role("heading", name="We have received what you told us").wait_for()
    assert "we have kept only what you chose" in phone.locator("main").inner_text()
    assert axe_violations(phone) == [], "received without consent"
    shot(phone, "circumstances-without-consent")

    phone.locator("footer").get_by_role("link", name="Tell us about your circumstances").click()
    phone.get_by_label("Illness or disability").check()
    phone.get_by_label("Anything else you want to tell us (optional)").fill("I have an operation in May.")
    phone.get_by_label(re.compile(r"^I agree that Harbour Credit can keep a record")).check()
    phone.get_by_role("button", name="Send this to Harbour Credit").click()
    phone.get_by_role("button", name="Delete my words").wait_for()
    assert axe_violations(phone) == [], "received with consent"
    shot(phone, "circumstances-with-consent")
    phone.get_by_role("button", name="Delete my words").click()
    phone.get_by_text("We have deleted what you wrote in your own words.").wait_for()
    assert "I have an operation in May." not in phone.locator("main").inner_text()
    shot(phone, "circumstances-words-deleted")

    db.session.expire_all()
    saved = db.session.scalars(db.select(Circumstance).order_by(Circumstance.id)).all()
    assert [(c.kinds, c.details, c.consented_at is None) for c in saved] == [
        (["mental_health"], None, True),
        (["illness"], None, False),
    ]
    assert saved[1].consent_withdrawn_at is not None
