"""Rights on a 375 px phone: the US validation page and a dispute from it, the UK rights page, a hold, the timeline."""

import re
from datetime import date, timedelta

import pytest

from portal.extensions import db
from portal.gate import may_ask_for_money
from portal.models import Account
from portal.rights.service import holds
from tests.e2e.conftest import axe_violations, shot, sign_in
from tests.factories import make_account, make_creditor, make_debtor, make_uk_creditor


@pytest.fixture
def us_debtor(app):
    creditor = make_creditor(
        name="Northwind Recovery",
        is_debt_collector=True,
        mailing_address="PO Box 4410, Springfield, IL 62701",
        phone="(555) 010-0142",
    )
    debtor = make_debtor(
        creditor,
        full_name="Maria Garcia",
        date_of_birth=date(1985, 3, 27),
        address="2323 Park Street\nSpringfield, IL 62704",
    )
    make_account(
        debtor,
        [("itemization", 184_250), ("interest", 2_150), ("fee", 3_500), ("payment", -10_000)],
        description="Credit card",
        reference="NW-4417",
        original_reference="4417-2291",
        original_creditor="Lakeside Bank",
        validation_notice_sent_on=date.today() - timedelta(days=4),
    )
    db.session.commit()
    return debtor


@pytest.fixture
def uk_debtor(app):
    creditor = make_uk_creditor(name="Harbour Credit", phone="0113 496 0321")
    debtor = make_debtor(creditor, full_name="Sarah Jones", postcode="LS6 2AB")
    make_account(debtor, [("itemization", 64_380)], description="Mobile phone contract", reference="MM-300188")
    energy = make_account(debtor, [("itemization", 38_945)], description="Energy bill", reference="BE-771204")
    holds.start_hold(
        debtor, kind="breathing_space", account=energy, starts_on=date.today() - timedelta(days=5), by="test"
    )
    db.session.commit()
    return debtor


def test_a_debtor_disputes_from_the_validation_page_and_sees_collection_paused(phone, portal_url, us_debtor):
    sign_in(phone, portal_url, us_debtor)
    phone.get_by_role("link", name=re.compile("^Credit card")).click()
    phone.get_by_role("link", name="Information about this debt (validation notice)").click()

    phone.get_by_role("heading", name="Information about this debt", exact=True).wait_for()
    main = phone.locator("main").inner_text()
    assert "Northwind Recovery is a debt collector." in main
    assert re.search(r"\d+ days left to dispute", main)
    assert "www.cfpb.gov/debt-collection" in main
    assert axe_violations(phone) == [], "validation page"
    shot(phone, "rights-validation")

    phone.get_by_role("button", name="Send my dispute").click()
    phone.get_by_role("heading", name="There is a problem").wait_for()
    assert axe_violations(phone) == [], "dispute error"
    shot(phone, "rights-dispute-error")

    phone.get_by_label("This is not my debt").check()
    phone.get_by_label("Tell us more (optional)").fill("I never had a card with Lakeside Bank.")
    phone.get_by_role("button", name="Send my dispute").click()

    phone.get_by_role("heading", name="Your dispute").wait_for()
    assert "We are checking it" in phone.locator("main").inner_text()
    assert axe_violations(phone) == [], "dispute sent"
    shot(phone, "rights-dispute-sent")

    phone.get_by_role("link", name="Back to this account").click()
    main = phone.locator("main").inner_text()
    assert "Disputed" in main
    assert "We will not ask you for payment on this account until we have answered." in main
    assert axe_violations(phone) == [], "account disputed"
    shot(phone, "rights-account-disputed")

    db.session.expire_all()
    account = db.session.scalar(db.select(Account).where(Account.debtor_id == us_debtor.id))
    assert account.status == "disputed"
    assert not may_ask_for_money(account, date.today())


def test_the_us_rights_page_is_clear_and_accessible(phone, portal_url, us_debtor):
    sign_in(phone, portal_url, us_debtor)
    phone.get_by_role("link", name="Your rights").first.click()
    phone.get_by_role("heading", name="Your rights", exact=True).wait_for()
    assert "(855) 411-2372" in phone.locator("main").inner_text()
    assert axe_violations(phone) == [], "US rights page"
    shot(phone, "rights-us")


def test_a_uk_debtor_reads_their_rights_and_sees_the_hold(phone, portal_url, uk_debtor):
    sign_in(phone, portal_url, uk_debtor)
    assert "Paused: no payments until" in phone.locator("main").inner_text()
    shot(phone, "rights-dashboard-hold")

    phone.get_by_role("link", name="Your rights").first.click()
    phone.get_by_role("heading", name="Your rights", exact=True).wait_for()
    main = phone.locator("main").inner_text()
    for words in ["MoneyHelper", "0800 138 7777", "Breathing Space", "Financial Ombudsman Service", "0800 023 4567"]:
        assert words in main
    assert axe_violations(phone) == [], "UK rights page"
    shot(phone, "rights-uk")

    phone.get_by_role("link", name="Back to your accounts").click()
    phone.get_by_role("link", name=re.compile("^Energy bill")).click()
    assert "On hold until" in phone.locator("main").inner_text()
    assert axe_violations(phone) == [], "account on hold"
    shot(phone, "rights-account-hold")

    phone.get_by_role("link", name="What happens next, step by step").click()
    phone.get_by_role("heading", name="What happens next").wait_for()
    assert "Your Breathing Space started" in phone.locator("main").inner_text()
    assert axe_violations(phone) == [], "timeline"
    shot(phone, "rights-timeline")

    phone.get_by_role("link", name="Back to this account").click()
    phone.get_by_role("link", name="Dispute this debt").click()
    phone.get_by_role("group", name="Why are you disputing this debt?").wait_for()
    assert axe_violations(phone) == [], "UK dispute page"
    shot(phone, "rights-dispute-uk")
