"""Interest during a plan, through HTTP: what the options, check and agreement say, and the schedule they show.

Sarah owes £1,198.20 on an account that still has £14.80 of interest and charges added each month.
"""

import re
from datetime import timedelta

import pytest
from babel.dates import format_date

from portal import clock
from portal.extensions import db
from portal.models import Agreement, Plan
from portal.plans import agreement
from portal.plans.dates import add_months
from tests.conftest import main_text
from tests.factories import make_account, make_card_debtor, make_creditor, make_debtor, make_link

BALANCE = 119_820
INTEREST = 1_480
#: £25 at least each month, up to 5 years: without interest the longest plan is 47 payments
POLICY = {"min_instalment": 2500, "max_term_months": 60, "frequencies": ["monthly"], "first_payment_within_days": 30}
STILL_ADDED = (
    "Interest and charges of about £14.80 a month are still added. "
    "They are included in the payments and the end date below."
)
STOP = "Interest and charges stop while you keep to this plan."


def _sign_in(browser, policy: dict, monthly_interest: int = INTEREST):
    debtor = make_card_debtor(POLICY | policy)
    account = make_account(debtor, [("itemization", BALANCE)], monthly_interest=monthly_interest)
    db.session.commit()
    browser.sign_in(make_link(debtor), debtor)
    return debtor, account


def _first(debtor):
    """The first payment the options page picks: a week from today."""
    return clock.today_for(debtor) + timedelta(days=7)


def _long(day) -> str:
    return format_date(day, "long", locale="en_GB")


def _choose(browser, account, debtor, offer: str):
    response = browser.post(
        f"/accounts/{account.id}/plans",
        {"offer": offer, "frequency": "monthly", "start": _first(debtor).isoformat(), "payday": ""},
    )
    assert response.status_code == 303, main_text(response)
    assert re.fullmatch(r"/plans/[^/]+/check", response.headers["Location"]), response.headers["Location"]
    return response.headers["Location"]


def _stored_agreement(reference: str) -> Agreement:
    db.session.expire_all()
    plan = db.session.scalar(db.select(Plan).where(Plan.reference == reference))
    return db.session.scalar(db.select(Agreement).where(Agreement.plan_id == plan.id))


# Options


def test_the_options_page_says_interest_is_still_added_and_shows_the_true_payments_and_end_date(browser):
    debtor, account = _sign_in(browser, {})
    text = main_text(browser.get(f"/accounts/{account.id}/plans?offer=monthly:60"))
    assert STILL_ADDED in text
    # 60 payments (the longest the term allows) pay £1,198.20 and the 59 months of £14.80 added before the
    # last one: £2,071.40, that is 59 of £34.52 and a last of £34.72
    end = _long(add_months(_first(debtor), 59))
    assert "£34.52 a month" in text
    assert f"Payments 60 Last payment £34.72 Interest and charges £873.20 Total £2,071.40 Ends {end}" in text
    assert f"What is left to pay, with interest and charges, falls from £2,071.40 to nothing by {end}." in text
    assert "falls from £1,198.20 to nothing" not in text


def test_the_options_page_says_interest_stops_when_the_creditor_freezes_it(browser):
    debtor, account = _sign_in(browser, {"freeze_interest_on_plan": True})
    text = main_text(browser.get(f"/accounts/{account.id}/plans?offer=monthly:47"))
    assert STOP in text and "still added" not in text
    end = _long(add_months(_first(debtor), 46))
    assert f"Payments 47 Last payment £25.66 Interest and charges Stopped Total £1,198.20 Ends {end}" in text
    assert f"What you owe falls from £1,198.20 to nothing by {end}." in text


def test_an_account_without_interest_says_nothing_about_it(browser):
    _, account = _sign_in(browser, {}, monthly_interest=0)
    text = main_text(browser.get(f"/accounts/{account.id}/plans?offer=monthly:47"))
    assert "Interest and charges" not in text
    assert "What you owe falls from £1,198.20 to nothing by" in text


# Checking and agreeing


def test_the_check_page_and_the_agreement_include_the_interest_still_added(browser):
    debtor, account = _sign_in(browser, {})
    check = _choose(browser, account, debtor, "monthly:60")
    text = main_text(browser.get(check))
    assert STILL_ADDED in text
    assert "60 payments of £34.52 a month" in text
    assert "Interest and charges £873.20 Total £2,071.40" in text
    assert f"falls from £2,071.40 to nothing by {_long(add_months(_first(debtor), 59))}." in text
    promise = (
        "Interest and charges of about £14.80 a month are still added while you pay. "
        "The payments and dates above include them."
    )
    assert promise in text
    reference = check.split("/")[2]
    agreed = browser.post(check, {"first": "later"})
    assert agreed.status_code == 303
    assert agreed.headers["Location"] == f"/plans/{reference}/card"
    stored = _stored_agreement(reference)
    assert promise in stored.text and "You agree to pay £2,071.40" in stored.text
    assert stored.version == agreement.VERSION == "2026-5"
    plan = db.session.scalar(db.select(Plan).where(Plan.reference == reference))
    assert plan.terms["interest_frozen"] is False and plan.terms["monthly_interest"] == INTEREST
    assert plan.total == sum(i.amount for i in plan.instalments) == 207_140


def test_a_frozen_plan_records_the_creditors_promise_in_its_terms_and_agreement(browser):
    debtor, account = _sign_in(browser, {"freeze_interest_on_plan": True})
    check = _choose(browser, account, debtor, "monthly:47")
    text = main_text(browser.get(check))
    promise = "Interest and charges stop while you keep to this plan. Harbour Credit agrees not to add any."
    assert STOP in text and promise in text
    reference = check.split("/")[2]
    browser.post(check, {"first": "later"})
    assert promise in _stored_agreement(reference).text
    plan = db.session.scalar(db.select(Plan).where(Plan.reference == reference))
    assert plan.terms["interest_frozen"] is True
    assert plan.total == sum(i.amount for i in plan.instalments) == BALANCE


# Their own proposal


def test_a_proposal_pays_the_interest_too_and_ends_when_it_is_all_paid(browser):
    debtor, account = _sign_in(browser, {})
    start = clock.today_for(debtor) + timedelta(days=7)
    response = browser.post(
        f"/accounts/{account.id}/plans/propose", {"amount": "100", "frequency": "monthly", "start": start.isoformat()}
    )
    assert response.status_code == 303
    plan = db.session.scalars(db.select(Plan).order_by(Plan.id.desc())).first()
    assert response.headers["Location"] == f"/plans/{plan.reference}/check"
    # £100 a month, and £14.80 added before each payment after the first: what is owed falls by £85.20 a
    # month, so 14 payments, the last £90.60 (£1,198.20 + 13 x £14.80 - 13 x £100)
    assert [i.amount for i in plan.instalments] == [10_000] * 13 + [9_060]
    assert plan.total == BALANCE + 13 * INTEREST
    assert plan.instalments[-1].due_date == add_months(start, 13)


def test_a_proposal_that_does_not_beat_the_interest_goes_to_a_person_who_is_told_why(browser):
    debtor, account = _sign_in(browser, {"min_instalment": 500})
    start = clock.today_for(debtor) + timedelta(days=7)
    response = browser.post(
        f"/accounts/{account.id}/plans/propose", {"amount": "14.80", "frequency": "monthly", "start": start.isoformat()}
    )
    assert response.status_code == 303
    plan = db.session.scalars(db.select(Plan).order_by(Plan.id.desc())).first()
    assert response.headers["Location"] == f"/plans/{plan.reference}"
    text = main_text(browser.get(response.headers["Location"]))
    assert (
        "Interest and charges of about £14.80 a month are added to this account. "
        "Your payments would not cover them, so what you owe would not go down." in text
    )
    assert "to nothing" not in text


# Settlements and credit files


@pytest.mark.parametrize("reports", [True, False])
def test_a_settlement_says_how_it_shows_on_a_credit_file_where_the_creditor_reports(browser, reports):
    policy = {"settlement_discount_pct": [10, 20], "reports_to_credit_files": reports}
    debtor, account = _sign_in(browser, policy)
    words = (
        'Your credit file will usually show this account as "partially settled", because you paid less than you owed.'
    )
    assert (words in main_text(browser.get(f"/accounts/{account.id}/plans"))) == reports
    check = _choose(browser, account, debtor, "settlement")
    assert (words in main_text(browser.get(check))) == reports
    browser.post(check, {"first": "later"})
    assert (words in _stored_agreement(check.split("/")[2]).text) == reports


def test_a_us_settlement_says_how_it_shows_on_a_credit_report(browser):
    creditor = make_creditor(policy=POLICY | {"settlement_discount_pct": [10, 20], "reports_to_credit_files": True})
    debtor = make_debtor(creditor)
    account = make_account(debtor, [("itemization", BALANCE)])
    db.session.commit()
    browser.sign_in(make_link(debtor), debtor)
    text = main_text(browser.get(f"/accounts/{account.id}/plans"))
    assert 'Your credit report will usually show this account as "settled for less than the full balance".' in text
    assert "partially settled" not in text
