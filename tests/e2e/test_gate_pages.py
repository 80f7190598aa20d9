"""A debtor in Breathing Space on a 375 px phone: the pages say payments are paused, and paying is their choice."""

import re

import pytest
from babel.dates import format_date

from portal import clock
from portal.extensions import db
from portal.rights.service import holds
from tests.e2e.conftest import axe_violations, shot, sign_in
from tests.factories import make_account, make_card_debtor
from tests.plan_support import POLICY, active_plan


@pytest.fixture
def debtor(app, localstripe):
    """Sarah Jones, in Breathing Space, with a plan on her phone contract and an energy bill."""
    debtor = make_card_debtor(POLICY)
    phone_contract = make_account(
        debtor, [("itemization", 64_380)], description="Mobile phone contract", reference="MM-300188"
    )
    make_account(debtor, [("itemization", 38_945)], description="Energy bill", reference="BE-771204")
    db.session.commit()
    active_plan(debtor, phone_contract, localstripe)
    holds.start_hold(debtor, kind="breathing_space", starts_on=clock.today_for(debtor), by="test")
    db.session.commit()
    return debtor


def test_a_debtor_in_breathing_space_sees_payments_paused_and_may_still_pay(phone, portal_url, debtor):
    ends = format_date(holds.unfinished(debtor)[0].ends_on, "long", locale="en_GB")
    sign_in(phone, portal_url, debtor)

    main = phone.locator("main")
    assert main.inner_text().count(f"Paused: no payments until {ends}.") == 2
    assert "Next payment" not in main.inner_text()
    assert phone.get_by_role("link", name=re.compile(r"^Pay\b")).count() == 0
    quiet = phone.get_by_role("link", name=re.compile(r"^You can still pay if you choose.*Mobile phone contract"))
    assert "button" not in (quiet.get_attribute("class") or "")
    assert axe_violations(phone) == [], "dashboard in Breathing Space"
    shot(phone, "gate-dashboard-breathing-space")

    quiet.click()
    phone.get_by_role("heading", name="How much do you want to pay?").wait_for()
    text = main.inner_text()
    assert "You do not have to pay while your account is on hold. You can still pay if you choose." in text
    assert "All of it" not in text
    assert "You owe" not in text
    assert axe_violations(phone) == [], "pay page in Breathing Space"
    shot(phone, "gate-pay-breathing-space")

    phone.get_by_role("link", name="Back to this account").click()
    phone.get_by_role("link", name=re.compile(r"^Manage your plan.*Mobile phone contract")).click()
    phone.get_by_role("heading", name="Your payment plan").wait_for()
    text = main.inner_text()
    assert f"Paused: no payments until {ends}." in text
    assert "After the hold" in text
    assert "Next payment" not in text
    assert axe_violations(phone) == [], "plan page in Breathing Space"
    shot(phone, "gate-plan-breathing-space")
