"""The dashboard on a 375 px phone with three accounts: one clear action per card, the help once, about two screens."""

import re
from datetime import timedelta

import pytest

from portal import clock
from portal.extensions import db
from tests.e2e.conftest import axe_violations, shot, sign_in
from tests.factories import make_account, make_debtor, make_uk_creditor
from tests.plan_support import stored_plan

#: the phone the fixture `phone` stands for: 375 × 812 px
SCREEN = 812
#: what the dashboard says (its <main>) ends within two screens and a little room for a longer name or a second
#: line; Spanish runs longer ("Preparar un plan de pagos" on a line of its own, the help links one to a line,
#: "Sus datos de contacto" among them)
MOST = {"English": 2 * SCREEN + 120, "Español": 2 * SCREEN + 320}
#: and the portal's footer below it (sign out, the creditor's phone number, the privacy notice)
FOOTER = 220


@pytest.fixture
def debtor(app):
    creditor = make_uk_creditor(name="Harbour Credit", phone="0113 496 0321", brand_colour="#6b2c6f")
    debtor = make_debtor(creditor, full_name="Sarah Jones", postcode="LS6 2AB")
    make_account(debtor, [("itemization", 20_000)], description="Mobile phone contract", reference="MM-300188")
    make_account(debtor, [("itemization", 45_000)], description="Energy bill", reference="MM-300211")
    planned = make_account(debtor, [("itemization", 30_000)], description="Credit card", reference="MM-300342")
    db.session.commit()
    today = clock.today_for(debtor)
    stored_plan(planned, [today + timedelta(days=30 * n) for n in range(1, 4)], 10_000)
    return debtor


@pytest.mark.parametrize("language", ["English", "Español"])
def test_the_dashboard_for_three_accounts_fits_in_about_two_phone_screens(phone, portal_url, debtor, language):
    sign_in(phone, portal_url, debtor)
    if language == "Español":
        phone.get_by_role("button", name="Español").click()
        phone.get_by_role("heading", name="Lo que debe").wait_for()
    content = phone.evaluate("Math.ceil(document.querySelector('main').getBoundingClientRect().bottom + scrollY)")
    height = phone.evaluate("document.documentElement.scrollHeight")
    shot(phone, f"dashboard-three-accounts-{language}")
    assert content <= MOST[language], f"the dashboard's content ends {content}px down: more than two screens"
    assert height <= MOST[language] + FOOTER, f"the dashboard is {height}px tall"


def test_each_account_card_has_one_main_action_and_the_help_is_said_once(phone, portal_url, debtor):
    sign_in(phone, portal_url, debtor)
    cards = phone.locator(".card")
    assert cards.count() == 3
    for index in range(3):
        assert cards.nth(index).locator(".button").count() <= 1, cards.nth(index).inner_text()
    assert phone.get_by_role("link", name=re.compile(r"^Pay\b.*Energy bill")).get_attribute("class") == "button pay"
    plan_card = cards.filter(has_text="Credit card")
    assert plan_card.get_by_role("link", name=re.compile(r"^Manage your plan")).is_visible()
    main = phone.locator("main").inner_text()
    assert main.count("If you are finding it hard to pay") + main.count("If you're finding it hard to pay") == 1
    assert phone.get_by_role("heading", name="If you're finding it hard to pay, tell us").count() == 1
    assert axe_violations(phone) == [], "dashboard with three accounts"
