"""One bank check a payment: a card Stripe.js made into a payment method is charged with one PaymentIntent, and
3-D Secure, when the bank wants it, is asked once, on that payment. The claim rules of the card flow still hold."""

import pytest

from portal.extensions import db
from portal.models import LedgerEntry, Payment, StripeCustomer
from tests.factories import make_account, make_card_debtor, make_link
from tests.stripe_server import (
    ALWAYS_CHECKED_CARD,
    DECLINED_CARD,
    DECLINED_ON_ATTACH_CARD,
    GOOD_CARD,
    Payer,
    settings,  # noqa: F401  (localstripe and emails in a folder)
)


@pytest.fixture
def debtor(app):
    debtor = make_card_debtor({"min_payment": 500})
    db.session.commit()
    return debtor


@pytest.fixture
def account(debtor, browser):
    account = make_account(debtor, [("itemization", 20_000)], description="Mobile phone contract", reference="MM-300")
    db.session.commit()
    browser.sign_in(make_link(debtor), debtor)
    return account


@pytest.fixture
def payer(browser, localstripe):
    return Payer(browser, localstripe)


def _collected(account) -> list[int]:
    db.session.expire_all()
    return [
        entry.amount
        for entry in db.session.scalars(
            db.select(LedgerEntry).where(LedgerEntry.account_id == account.id, LedgerEntry.kind == "payment")
        )
    ]


def _payment(reference: str) -> Payment:
    db.session.expire_all()
    return db.session.scalar(db.select(Payment).where(Payment.reference == reference))


def _setup_intents(localstripe) -> list[dict]:
    return localstripe.get("/v1/setup_intents", limit=100)["data"]


def test_a_good_card_made_into_a_payment_method_pays_at_once_with_no_setup_intent(payer, account, localstripe):
    setups_before = len(_setup_intents(localstripe))
    reference = payer.start(account.id, "50")
    answer = payer.pay_at_once(reference, GOOD_CARD)
    assert answer == {"status": "succeeded", "redirect": f"/payments/{reference}/receipt"}
    [intent] = localstripe.payment_intents(reference)
    assert (intent["status"], intent["amount"]) == ("succeeded", 5_000)
    assert len(_setup_intents(localstripe)) == setups_before
    assert _collected(account) == [-5_000]
    payment = _payment(reference)
    assert (payment.card_brand, payment.card_last4) == ("visa", "4242")
    customer = db.session.scalar(
        db.select(StripeCustomer.customer_id).where(StripeCustomer.debtor_id == payment.debtor_id)
    )
    assert intent["customer"] == customer  # so `payments reconcile` can find an intent whose answer was lost


def test_a_card_the_bank_checks_every_time_is_checked_once_for_the_payment(payer, account, localstripe):
    reference = payer.start(account.id, "20")
    answer = payer.pay_at_once(reference, ALWAYS_CHECKED_CARD)
    assert answer["status"] == "requires_action" and answer["client_secret"]
    localstripe.authenticate(answer["client_secret"], success=True)  # the one check: Stripe.js's confirmCardPayment
    assert payer.confirm(reference) == {"status": "succeeded", "redirect": f"/payments/{reference}/receipt"}
    [intent] = localstripe.payment_intents(reference)
    assert intent["status"] == "succeeded"
    assert _collected(account) == [-2_000]


def test_a_failed_bank_check_takes_nothing_and_offers_another_card(payer, account, localstripe):
    reference = payer.start(account.id, "20")
    answer = payer.pay_at_once(reference, ALWAYS_CHECKED_CARD)
    localstripe.authenticate(answer["client_secret"], success=False)
    after = payer.confirm(reference)
    assert after["status"] == "failed" and "could not confirm it was you" in after["message"]
    assert after["retry"]["url"] == f"/pay/{reference}/retry"
    assert _collected(account) == []


@pytest.mark.parametrize("number", [DECLINED_CARD, DECLINED_ON_ATTACH_CARD])
def test_a_declined_card_takes_nothing_and_a_new_attempt_with_another_card_pays(payer, account, number):
    reference = payer.start(account.id, "50")
    answer = payer.pay_at_once(reference, number)
    assert answer["status"] == "failed" and "declined" in answer["message"]
    again = payer.retry(answer)
    assert payer.pay_at_once(again, GOOD_CARD)["status"] == "succeeded"
    assert _collected(account) == [-5_000]


def test_pressing_pay_again_with_the_same_card_charges_once(payer, account, localstripe):
    reference = payer.start(account.id, "50")
    method = localstripe.create_payment_method(GOOD_CARD)
    first = payer.confirm(reference, payment_method=method)
    again = payer.confirm(reference, payment_method=method)
    other = payer.confirm(reference, payment_method=localstripe.create_payment_method(GOOD_CARD))
    assert first == again == other == {"status": "succeeded", "redirect": f"/payments/{reference}/receipt"}
    assert len(localstripe.payment_intents(reference)) == 1
    assert _collected(account) == [-5_000]


def test_a_payment_method_that_does_not_exist_charges_nothing_and_the_card_can_be_entered_again(
    payer, account, localstripe
):
    reference = payer.start(account.id, "50")
    answer = payer.confirm(reference, payment_method="pm_made_up")
    assert answer == {"status": "problem", "message": "Check your card details and try again."}
    assert localstripe.payment_intents(reference) == []
    assert _payment(reference).status == "setup"  # the claim was given back
    assert payer.pay_at_once(reference, GOOD_CARD)["status"] == "succeeded"
    assert _collected(account) == [-5_000]


def test_a_card_already_saved_for_someone_else_is_never_charged_for_this_debtor(app, payer, account, localstripe):
    stranger = localstripe._post("/v1/customers", {})["id"]
    theirs = localstripe.create_payment_method(GOOD_CARD)
    localstripe._post(f"/v1/payment_methods/{theirs}/attach", {"customer": stranger})
    reference = payer.start(account.id, "50")
    answer = payer.confirm(reference, payment_method=theirs)
    assert answer == {"status": "problem", "message": "Check your card details and try again."}
    assert localstripe.payment_intents(reference) == []
    assert _collected(account) == []


def test_a_payment_larger_than_the_balance_left_is_refused_before_money_moves(payer, account, localstripe):
    first = payer.start(account.id, "150")
    second = payer.start(account.id, "150")
    assert payer.pay_at_once(first, GOOD_CARD)["status"] == "succeeded"
    answer = payer.pay_at_once(second, GOOD_CARD)
    assert answer["status"] == "problem" and "You now owe £50.00" in answer["message"]
    assert localstripe.payment_intents(second) == []
    assert _collected(account) == [-15_000]
