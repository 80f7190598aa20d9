"""A promise to pay on a 375 px phone, without a card: made from the dashboard, mistakes explained beside the fields,
confirmed, and shown on the dashboard with a way to pay; axe-clean in English, and in Spanish (whose words wait for
the translation)."""

import re
from datetime import timedelta

import pytest

from portal import clock
from portal.extensions import db
from portal.models import Account, Promise
from tests.e2e.conftest import axe_violations, now_in, shot, sign_in, type_date
from tests.factories import make_account, make_card_debtor


@pytest.fixture
def debtor(app):
    debtor = make_card_debtor({"min_instalment": 500, "promise_min_amount": 1_000, "promise_latest_days": 30})
    make_account(debtor, [("itemization", 20_000)], description="Mobile phone contract", reference="MM-300188")
    db.session.commit()
    return debtor


def test_a_promise_to_pay_is_made_on_a_phone_and_shown_on_the_dashboard(phone, portal_url, debtor):
    sign_in(phone, portal_url, debtor)
    phone.get_by_role("link", name="Mobile phone contract", exact=False).first.click()
    phone.get_by_role("link", name=re.compile(r"^Promise to pay by a date.*Mobile phone contract")).click()
    phone.get_by_role("heading", name="Promise to pay").wait_for()
    assert axe_violations(phone) == [], "the promise form"
    shot(phone, "promise-form")

    due = clock.today_for(debtor) + timedelta(days=40)
    phone.get_by_label("How much will you pay?").fill("5")
    type_date(phone, "When will you pay by?", due)
    phone.get_by_role("button", name="Make this promise").click()
    summary = phone.locator(".error-summary")
    summary.wait_for()
    assert "The amount must be at least £10.00" in summary.inner_text()
    assert "The date must be within 30 days" in summary.inner_text()
    assert axe_violations(phone) == [], "the promise form with errors"
    shot(phone, "promise-errors")

    due = clock.today_for(debtor) + timedelta(days=7)
    phone.get_by_label("How much will you pay?").fill("50")
    type_date(phone, "When will you pay by?", due)
    phone.get_by_role("button", name="Make this promise").click()
    phone.get_by_role("heading", name="You have made a promise to pay").wait_for()
    promise = db.session.scalar(db.select(Promise))
    assert promise.reference in phone.locator("main").inner_text()
    assert axe_violations(phone) == [], "the promise made"
    shot(phone, "promise-made")

    phone.get_by_role("link", name="Back to this account").click()
    phone.goto(portal_url + "/accounts/")
    main = phone.locator("main").inner_text()
    assert f"You promised to pay £50.00 by {due.day} {due.strftime('%B')} {due.year}." in main
    assert phone.get_by_role("link", name=re.compile(r"^Pay now")).count() == 1
    assert phone.get_by_role("link", name=re.compile(r"^Promise to pay by a date")).count() == 0
    assert axe_violations(phone) == [], "the dashboard with a promise"
    shot(phone, "promise-dashboard")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375


def test_the_promise_page_renders_in_spanish_and_is_axe_clean(phone, portal_url, debtor):
    sign_in(phone, portal_url, debtor)
    phone.get_by_role("button", name="Español").click()
    now_in(phone, "es")
    account_id = db.session.scalar(db.select(Account.id).where(Account.debtor_id == debtor.id))
    phone.goto(portal_url + f"/accounts/{account_id}/promise")
    now_in(phone, "es")
    assert phone.locator("form input[name=amount]").count() == 1
    assert axe_violations(phone) == [], "the promise form in Spanish"
    shot(phone, "promise-form-es")
