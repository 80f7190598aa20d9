"""A Stripe customer we stored that Stripe no longer knows: a new one is made and the debtor pays as usual.

It happens when a customer is deleted in Stripe, and every time the demo restarts localstripe (which
starts empty) over a database that kept the ids. localstripe answers 404 with no error code for an
unknown object, and accepts a SetupIntent for a customer it does not know: the card then fails
to attach. Each of these must lead to a new customer, never to "card payments are not available".
"""

from datetime import timedelta

import pytest
import requests

from portal import clock
from portal.extensions import db
from portal.models import Payment, Plan, StripeCustomer
from portal.payments.gateway import get_gateway
from portal.plans import agreement
from portal.plans.service.card import prepare_card, save_card
from portal.plans.service.making import agree, submit_proposal
from tests.factories import make_account, make_card_debtor, make_link
from tests.plan_support import POLICY, run
from tests.stripe_server import (
    GOOD_CARD,
    Payer,
    settings,  # noqa: F401  (localstripe and emails in a folder)
)

GONE = "cus_GoneSinceLastRestart"


@pytest.fixture
def debtor(app):
    debtor = make_card_debtor(POLICY)
    db.session.add(StripeCustomer(debtor_id=debtor.id, customer_id=GONE))
    db.session.commit()
    return debtor


@pytest.fixture
def account(debtor, browser):
    account = make_account(debtor, [("itemization", 30_000)])
    db.session.commit()
    browser.sign_in(make_link(debtor), debtor)
    return account


@pytest.fixture
def payer(browser, localstripe):
    return Payer(browser, localstripe)


def _customer(debtor) -> str:
    db.session.expire_all()
    return db.session.scalar(db.select(StripeCustomer.customer_id).where(StripeCustomer.debtor_id == debtor.id))


def _known_to_stripe(localstripe, customer_id: str) -> bool:
    try:
        return localstripe.get(f"/v1/customers/{customer_id}")["id"] == customer_id
    except requests.HTTPError:
        return False


def test_a_debtor_whose_customer_is_gone_can_pay(payer, debtor, account, localstripe):
    reference = payer.start(account.id, "50")
    assert payer.pay(reference, GOOD_CARD)["status"] == "succeeded"

    customer = _customer(debtor)
    assert customer != GONE and _known_to_stripe(localstripe, customer)
    payment = db.session.scalar(db.select(Payment).where(Payment.reference == reference))
    intent = localstripe.get(f"/v1/payment_intents/{payment.payment_intent_id}")
    assert intent["status"] == "succeeded" and intent["customer"] == customer


def test_a_payment_whose_card_form_was_made_before_the_restart_can_be_paid(payer, debtor, account, localstripe):
    reference = payer.start(account.id, "50")
    payment = db.session.scalar(db.select(Payment).where(Payment.reference == reference))
    payment.setup_intent_id, payment.status = "seti_GoneSinceLastRestart", "setup"
    db.session.commit()

    assert payer.pay(reference, GOOD_CARD)["status"] == "succeeded"
    assert _known_to_stripe(localstripe, _customer(debtor))


def test_a_plan_card_can_be_saved_and_charged_when_the_customer_is_gone(app, debtor, account, localstripe):
    first = clock.today_for(debtor) + timedelta(days=7)
    plan = submit_proposal(debtor, account, 10_000, "monthly", first)
    agree(plan, debtor, text="agreed", version=agreement.VERSION, language="en", pay_first_now=False)
    plan.setup_intent_id = "seti_GoneSinceLastRestart"
    db.session.commit()

    gateway = get_gateway()
    secret = prepare_card(plan, debtor, gateway)
    db.session.commit()
    setup = localstripe.confirm_setup(secret, GOOD_CARD)
    assert save_card(plan, setup["id"], gateway) is None
    db.session.commit()

    plan = db.session.get(Plan, plan.id)
    assert plan.status == "active"
    assert plan.customer_id == _customer(debtor) != GONE
    assert _known_to_stripe(localstripe, plan.customer_id)
    assert run(first).counts == {"paid": 1}
