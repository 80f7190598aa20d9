"""The budget on a 375 px phone: the quick budget to its result, and the full statement with live totals."""

import re

import pytest

from portal.extensions import db
from tests.e2e.conftest import axe_violations, shot, sign_in
from tests.factories import make_account, make_debtor, make_uk_creditor


@pytest.fixture
def debtor(app):
    creditor = make_uk_creditor(name="Harbour Credit", phone="0113 496 0321")
    debtor = make_debtor(creditor, full_name="Sarah Jones", postcode="LS6 2AB")
    make_account(debtor, [("itemization", 20_000)], description="Mobile phone contract", reference="MM-300188")
    make_account(debtor, [("itemization", 10_000)], description="Catalogue", reference="CT-7781")
    db.session.commit()
    return debtor


def line(page, name: str):
    """One line of the statement: its fieldset, named by its legend."""
    return page.get_by_role("group", name=name, exact=True)


def totals(page) -> str:
    return re.sub(r"\s+", " ", page.locator("#budget-totals").inner_text())


def wait_for_totals(page, text: str) -> None:
    page.wait_for_function(
        "text => document.querySelector('#budget-totals').innerText.replace(/\\s+/g, ' ').includes(text)", arg=text
    )


def start(page, portal_url, debtor, choice: str) -> None:
    sign_in(page, portal_url, debtor)
    page.get_by_role("link", name="Work out what you can afford").click()
    page.get_by_role("heading", name="Work out what you can afford").wait_for()
    assert axe_violations(page) == []
    shot(page, "budget-1-start")
    page.get_by_label(choice).check()
    page.get_by_role("button", name="Start").click()

    page.get_by_role("heading", name="Who lives with you?").wait_for()
    assert axe_violations(page) == []
    page.get_by_label("Adults, including you").fill("1")
    page.get_by_label("Children").fill("1")
    page.get_by_label("Cars, vans and motorbikes").fill("0")
    shot(page, "budget-2-household")
    page.get_by_role("button", name="Continue").click()


def test_the_quick_budget_gives_an_estimate_and_an_offer_that_is_sent_as_proposals(phone, portal_url, debtor):
    start(phone, portal_url, debtor, "Quick budget")
    phone.get_by_role("heading", name="Your quick budget").wait_for()
    assert "Step 2 of 2" in phone.locator("main").inner_text()
    for name, amount in [
        ("Take-home income", "1,500"),
        ("Rent or mortgage", "650"),
        ("Household bills", "180"),
        ("Food and housekeeping", "75"),
        ("Transport", "120"),
        ("Everything else", "150"),
    ]:
        line(phone, name).get_by_label("Amount").fill(amount)
    line(phone, "Food and housekeeping").get_by_label("How often").select_option(label="Every week")
    wait_for_totals(phone, "Left each month £75.00")
    assert "Money going out £1,425.00" in totals(phone)
    assert axe_violations(phone) == []
    shot(phone, "budget-3-quick")

    phone.get_by_role("button", name="Save and continue").click()
    phone.get_by_role("heading", name="Your budget", exact=True).wait_for()
    main = re.sub(r"\s+", " ", phone.locator("main").inner_text())
    assert "Estimate" in main
    assert "Left each month £75.00" in main
    # the suggestion keeps £25 back for the unexpected, and says so
    assert "We suggest you offer £50.00 a month and keep £25.00 for things you cannot plan for" in main
    assert "Mobile phone contract MM-300188 £200.00 £33.33" in main
    assert "Catalogue CT-7781 £100.00 £16.67" in main
    assert phone.get_by_role("img", name=re.compile("Where your money goes")).is_visible()
    assert axe_violations(phone) == []
    shot(phone, "budget-4-result")
    phone.emulate_media(media="print")
    assert phone.get_by_role("link", name="Choose how much to offer").is_hidden()
    assert phone.get_by_role("heading", name="Where your money goes each month").is_visible()
    shot(phone, "budget-4-result-print")
    phone.emulate_media(media="screen")

    # the margin step: the suggestion filled in, the margin in words, theirs to change
    phone.get_by_role("link", name="Choose how much to offer").click()
    phone.get_by_role("heading", name="How much can you offer each month?").wait_for()
    amount = phone.get_by_label("How much can you offer each month?")
    assert amount.input_value() == "50.00"
    hint = re.sub(r"\s+", " ", phone.locator("#amount-hint").inner_text())
    assert "We suggest you offer £50.00 and keep £25.00 a month for things you cannot plan for" in hint
    amount.fill("80")
    phone.get_by_role("button", name="Continue").click()
    phone.locator(".error-summary").get_by_role(
        "link", name="Enter an amount of £75.00 or less. That is what your budget leaves each month."
    ).wait_for()
    assert axe_violations(phone) == [], "offer step with an error"
    shot(phone, "budget-5-offer-error")
    phone.get_by_label("How much can you offer each month?").fill("75")
    assert axe_violations(phone) == [], "offer step"
    shot(phone, "budget-5-offer")
    phone.get_by_role("button", name="Continue").click()
    phone.get_by_role("heading", name="Check your proposals").wait_for()
    assert "You are offering £75.00 a month" in phone.locator("main").inner_text()
    assert axe_violations(phone) == []
    shot(phone, "budget-5-propose")  # £75 a month: £50.00 and £25.00
    phone.get_by_role("button", name="Send my proposals").click()

    phone.get_by_role("heading", name="Your proposals have been sent").wait_for()
    cards = phone.locator(".card")
    assert cards.count() == 2
    assert "£50.00" in cards.nth(0).inner_text() and "Accepted" in cards.nth(0).inner_text()
    assert axe_violations(phone) == []
    shot(phone, "budget-6-sent")
    phone.get_by_role("link", name="Agree to the plan for Mobile phone contract").click()
    phone.wait_for_url(re.compile(r"/plans/PL-\w+/check$"))


def test_the_full_statement_totals_update_as_the_debtor_types(phone, portal_url, debtor):
    start(phone, portal_url, debtor, "Full statement")
    phone.get_by_role("heading", name="Earnings").wait_for()
    assert "Step 2 of 18" in phone.locator("main").inner_text()
    pay = line(phone, "Your take-home pay")
    pay.get_by_label("Amount").fill("300")
    pay.get_by_label("How often").select_option(label="Every week")
    wait_for_totals(phone, "Total for Earnings £1,300.00")
    pay.get_by_label("Amount").fill("250")
    wait_for_totals(phone, "Total for Earnings £1,083.33")
    assert axe_violations(phone) == []
    shot(phone, "budget-7-earnings")

    phone.get_by_role("button", name="Save and continue").click()
    phone.get_by_role("heading", name="Benefits and tax credits").wait_for()
    assert "Step 3 of 18" in phone.locator("main").inner_text()
    line(phone, "Child Benefit").get_by_label("Amount").fill("25.60")
    line(phone, "Child Benefit").get_by_label("How often").select_option(label="Every week")
    wait_for_totals(phone, "Total for Benefits and tax credits £110.93")
    assert "Money coming in £1,194.26" in totals(phone)
    assert axe_violations(phone) == []
    shot(phone, "budget-8-benefits")


def test_a_cost_above_the_guideline_is_explained_and_a_short_budget_is_met_kindly(phone, portal_url, debtor):
    debtor.creditor.policy = {"budget_guidelines": {"food": {"persons:2": 40_000}}}
    db.session.commit()
    start(phone, portal_url, debtor, "Quick budget")
    for name, amount in [("Take-home income", "1,100"), ("Rent or mortgage", "700"), ("Food and housekeeping", "450")]:
        line(phone, name).get_by_label("Amount").fill(amount)
    wait_for_totals(phone, "Short each month £50.00")
    phone.get_by_role("button", name="Save and continue").click()

    phone.get_by_role("heading", name="Some costs are higher than usual").wait_for()
    phone.get_by_role("button", name="Continue").click()
    phone.get_by_role("heading", name="There is a problem").wait_for()
    assert axe_violations(phone) == []
    shot(phone, "budget-9-explain-error")
    phone.get_by_label("Why do you spend £450.00 a month on Food and housekeeping?").fill("My son needs a special diet")
    phone.get_by_role("button", name="Continue").click()

    phone.get_by_role("heading", name="You have no money left over").wait_for()
    main = re.sub(r"\s+", " ", phone.locator("main").inner_text())
    assert "Short each month £50.00" in main
    assert "My son needs a special diet" in main
    assert phone.get_by_role("heading", name="What you could pay").count() == 0
    assert axe_violations(phone) == []
    shot(phone, "budget-10-nothing-left")


def test_nothing_for_the_home_with_a_child_asks_is_that_right_and_yes_goes_on(phone, portal_url, debtor):
    start(phone, portal_url, debtor, "Quick budget")  # one child
    for name, amount in [("Take-home income", "1,200"), ("Food and housekeeping", "400"), ("Transport", "100")]:
        line(phone, name).get_by_label("Amount").fill(amount)
    wait_for_totals(phone, "Left each month £700.00")
    phone.get_by_role("button", name="Save and continue").click()

    phone.get_by_role("heading", name="You pay nothing for your home: is that right?").wait_for()
    main = re.sub(r"\s+", " ", phone.locator("main").inner_text())
    assert "nothing for rent or mortgage, and nothing for gas, electricity or water, and 1 child lives with you" in main
    assert axe_violations(phone) == [], "is that right?"
    shot(phone, "budget-11-essentials")
    phone.get_by_role("button", name="Continue").click()
    phone.locator(".error-summary").get_by_role(
        "link", name="Choose yes if that is right, or no to change your answers"
    ).wait_for()
    assert axe_violations(phone) == [], "is that right? with an error"

    phone.get_by_label("Yes, I pay nothing for these").check()
    phone.get_by_role("button", name="Continue").click()
    phone.get_by_role("heading", name="Your budget", exact=True).wait_for()
    assert "Left each month £700.00" in re.sub(r"\s+", " ", phone.locator("main").inner_text())
