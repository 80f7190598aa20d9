"""While the bank checks it is them (3-D Secure), the card pages say where to look: words the page gives pay.js."""

import html
import re
from datetime import timedelta
from pathlib import Path

import pytest

from portal import clock
from portal.extensions import db
from tests.factories import make_account, make_card_debtor, make_link, make_payment
from tests.plan_support import POLICY, stored_plan
from tests.stripe_server import Payer, settings  # noqa: F401  (localstripe and emails in a folder)

JS = Path(__file__).resolve().parents[2] / "portal" / "static" / "js"
FOR_A_PAYMENT = "Check your bank's app or the window that opened to approve this payment."
FOR_A_CARD = "Check your bank's app or the window that opened to approve saving this card."


@pytest.fixture
def debtor(app, browser):
    debtor = make_card_debtor(POLICY | {"min_payment": 500})
    db.session.commit()
    browser.sign_in(make_link(debtor), debtor)
    return debtor


@pytest.fixture
def account(debtor):
    account = make_account(debtor, [("itemization", 30_000)], description="Mobile phone contract")
    db.session.commit()
    return account


def _waiting_words(page: str, attribute: str = "data-msg-authenticating") -> str:
    return html.unescape(re.search(rf'{attribute}="([^"]*)"', page).group(1))


def _plan(account, *, status: str, pay_first_now: bool):
    today = clock.today_for(account.debtor)
    plan = stored_plan(account, [today + timedelta(days=7 + 30 * n) for n in range(3)], 10_000)
    plan.status, plan.pay_first_now = status, pay_first_now
    db.session.commit()
    return plan


def test_the_card_page_gives_pay_js_the_words_for_waiting_on_the_bank(browser, localstripe, account):
    reference = Payer(browser, localstripe).start(account.id, "50")
    assert _waiting_words(browser.get(f"/pay/{reference}").get_data(as_text=True)) == FOR_A_PAYMENT


def test_saving_a_plans_card_and_paying_the_first_payment_now_waits_to_approve_the_payment(browser, account):
    plan = _plan(account, status="agreed", pay_first_now=True)
    assert _waiting_words(browser.get(f"/plans/{plan.reference}/card").get_data(as_text=True)) == FOR_A_PAYMENT


def test_saving_a_plans_card_alone_waits_to_approve_saving_the_card(browser, account):
    plan = _plan(account, status="agreed", pay_first_now=False)
    assert _waiting_words(browser.get(f"/plans/{plan.reference}/card").get_data(as_text=True)) == FOR_A_CARD


def test_confirming_a_plan_payment_the_bank_wants_checked_waits_to_approve_the_payment(browser, debtor, account):
    plan = _plan(account, status="active", pay_first_now=False)
    payment = make_payment(debtor, account, "plan-3ds", status="requires_action", amount=10_000)
    plan.instalments[0].payment_id, plan.instalments[0].status = payment.id, "requires_action"
    db.session.commit()
    page = browser.get(f"/plans/payments/{payment.reference}/confirm").get_data(as_text=True)
    assert _waiting_words(page) == FOR_A_PAYMENT


@pytest.mark.parametrize("script", ["pay.js", "plans.js"])
def test_the_scripts_write_no_words_of_their_own_while_the_bank_checks(script):
    source = (JS / script).read_text()
    assert "msgAuthenticating" in source
    assert "bank's app" not in source and "Check your bank" not in source
