"""Paying by card against a real localstripe: amounts, good and declined cards, 3-D Secure, receipts."""

import gzip
import re
from datetime import date
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

import pytest

from portal.extensions import db
from portal.models import AuditEvent, LedgerEntry, Payment
from tests.conftest import main_text
from tests.factories import make_account, make_card_debtor, make_link
from tests.stripe_server import (
    DECLINED_CARD,
    GOOD_CARD,
    THREE_D_SECURE_CARD,
    Payer,
    settings,  # noqa: F401  (localstripe and emails in a folder)
)


@pytest.fixture
def debtor(app, browser):
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


def _ledger_payments(account) -> list[LedgerEntry]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            db.select(LedgerEntry).where(LedgerEntry.account_id == account.id, LedgerEntry.kind == "payment")
        )
    )


def _payment(reference: str) -> Payment:
    db.session.expire_all()
    return db.session.scalar(db.select(Payment).where(Payment.reference == reference))


def _emails(app) -> list:
    folder = Path(app.config["MAIL_DIR"])
    files = sorted(folder.glob("*.eml")) if folder.exists() else []
    return [message_from_bytes(path.read_bytes(), policy=default_policy) for path in files]


# Choosing the amount


def test_the_dashboard_and_the_account_page_offer_to_pay(browser, account):
    for path in ("/accounts/", f"/accounts/{account.id}"):
        html = browser.get(path).get_data(as_text=True)
        assert f'href="/accounts/{account.id}/pay"' in html


def test_the_amount_page_offers_the_full_balance_or_an_amount_with_a_money_input(browser, account):
    response = browser.get(f"/accounts/{account.id}/pay")
    html = response.get_data(as_text=True)
    text = main_text(response)
    assert "How much do you want to pay?" in text
    assert "You owe £200.00" in text
    assert "The least you can pay at once is £5.00" in text
    assert "All of it: £200.00" in text
    assert 'inputmode="decimal"' in html
    assert '<span class="money-prefix" aria-hidden="true">£</span>' in html
    assert 'name="idempotency_key"' in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choose to pay the full balance or another amount"),
        ({"choice": "other", "amount": ""}, "Enter the amount you want to pay"),
        ({"choice": "other", "amount": "fifty"}, "Enter an amount in numbers, like 50 or 50.00"),
        ({"choice": "other", "amount": "0"}, "Enter an amount more than £0.00"),
        ({"choice": "other", "amount": "250"}, "Enter an amount of £200.00 or less. That is what you owe."),
        ({"choice": "other", "amount": "4.99"}, "Enter an amount of £5.00 or more, or pay the full balance"),
    ],
)
def test_an_amount_that_cant_be_paid_is_explained_beside_the_field_and_kept(payer, account, data, message):
    _, key = payer.amount_form(account.id)
    response = payer.browser.post(f"/accounts/{account.id}/pay", data | {"idempotency_key": key})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'class="error-summary"' in html
    assert html.count(message) == 2  # in the summary and beside the field
    assert "<title>Error: How much do you want to pay?" in html
    if data.get("amount"):
        assert f'value="{data["amount"]}"' in html
    assert db.session.scalar(db.select(db.func.count(Payment.id))) == 0


@pytest.mark.parametrize(
    ("language", "typed", "minor"),
    [
        ("en", "50", 5_000),
        ("en", "50.00", 5_000),
        ("en", "£50", 5_000),
        ("en", "1,200", 120_000),
        ("en", "1,234.56", 123_456),
        ("es", "50,50", 5_050),
        ("es", "1.234,56", 123_456),
        ("es", "50 £", 5_000),
    ],
)
def test_amounts_are_read_as_people_type_them_in_the_pages_language(payer, debtor, browser, language, typed, minor):
    account = make_account(debtor, [("itemization", 200_000)])
    db.session.commit()
    browser.sign_in(make_link(debtor), debtor)
    browser.post("/language", {"language": language, "next": "/accounts/"})
    reference = payer.start(account.id, typed)
    assert _payment(reference).amount == minor


@pytest.mark.parametrize(
    ("language", "typed", "message"),
    [
        ("es", "50.50", "Escriba una cantidad en números, como 50 o 50,00"),
        ("es", "1,200", "Escriba una cantidad en números, como 50 o 50,00"),
        ("en", "50,50", "Enter an amount in numbers, like 50 or 50.00"),
        ("en", "1.234,56", "Enter an amount in numbers, like 50 or 50.00"),
    ],
)
def test_an_amount_written_the_other_languages_way_is_refused_not_guessed(payer, account, language, typed, message):
    payer.browser.post("/language", {"language": language, "next": "/accounts/"})
    response = payer.choose(account.id, typed)
    assert response.status_code == 400
    assert response.get_data(as_text=True).count(message) == 2
    assert db.session.scalar(db.select(db.func.count(Payment.id))) == 0


def test_paying_the_whole_balance_is_allowed_even_below_the_minimum(payer, debtor, browser):
    account = make_account(debtor, [("itemization", 300)])  # £3 owed, minimum £5
    db.session.commit()
    browser.sign_in(make_link(debtor), debtor)
    reference = payer.start(account.id)
    assert _payment(reference).amount == 300


def test_sending_the_same_amount_form_twice_makes_one_payment(payer, account):
    _, key = payer.amount_form(account.id)
    first = payer.choose(account.id, "50", key=key)
    second = payer.choose(account.id, "50", key=key)
    assert first.headers["Location"] == second.headers["Location"]
    assert db.session.scalar(db.select(db.func.count(Payment.id))) == 1
    assert first.headers["Location"] == f"/pay/{db.session.scalar(db.select(Payment.reference))}"


def test_an_account_with_nothing_owed_has_nothing_to_pay(payer, debtor, browser):
    account = make_account(debtor, [("itemization", 5_000), ("payment", -5_000)])
    db.session.commit()
    browser.sign_in(make_link(debtor), debtor)
    response = browser.get(f"/accounts/{account.id}/pay")
    assert "There is nothing to pay on this account" in main_text(response)
    assert f'href="/accounts/{account.id}/pay"' not in browser.get("/accounts/").get_data(as_text=True)


# The card page


def test_the_card_page_checks_the_answers_and_lets_only_stripe_js_in(payer, account, localstripe):
    reference = payer.start(account.id, "50")
    response = payer.browser.get(f"/pay/{reference}")
    html = response.get_data(as_text=True)
    text = main_text(response)
    assert "Pay £50.00 by card" in text
    assert "Amount £50.00 Change the amount" in text
    assert "Account Mobile phone contract (MM-300)" in text
    assert ">Pay £50.00</button>" in html
    assert f'<script src="{localstripe.base_url}/js.stripe.com/v3/" defer></script>' in html
    assert "<script>" not in html and "client_secret" not in html and "seti_" not in html
    policy = dict(part.strip().split(" ", 1) for part in response.headers["Content-Security-Policy"].split(";"))
    assert policy["script-src"] == f"'self' {localstripe.base_url}"
    assert localstripe.base_url in policy["connect-src"]
    assert localstripe.base_url in policy["frame-src"]


def test_other_payment_pages_do_not_let_stripe_in(payer, account, localstripe):
    for path in (f"/accounts/{account.id}/pay", "/accounts/", f"/accounts/{account.id}"):
        response = payer.browser.get(path)
        assert localstripe.base_url not in response.headers["Content-Security-Policy"]
        assert "js.stripe.com" not in response.get_data(as_text=True)


def test_without_stripe_keys_the_card_page_says_to_pay_by_phone(app, payer, account):
    app.config["STRIPE_PUBLISHABLE_KEY"] = None
    reference = payer.start(account.id, "50")
    text = main_text(payer.browser.get(f"/pay/{reference}"))
    assert "Card payments are not available right now" in text
    assert "call Harbour Credit on 0113 496 0321" in text


# Paying


def test_a_good_card_pays_once_and_shows_a_receipt_with_the_new_balance(app, payer, account, localstripe):
    reference = payer.start(account.id, "50")
    answer = payer.pay(reference, GOOD_CARD)
    assert answer == {"status": "succeeded", "redirect": f"/payments/{reference}/receipt"}

    payment = _payment(reference)
    [intent] = localstripe.payment_intents(reference)
    assert intent["status"] == "succeeded" and intent["amount"] == 5_000 and intent["currency"] == "gbp"
    [entry] = _ledger_payments(account)
    assert (entry.amount, entry.external_ref) == (-5_000, intent["id"])
    assert payment.payment_intent_id == intent["id"] and payment.status == "succeeded"

    receipt = payer.browser.get(answer["redirect"])
    text = main_text(receipt)
    for expected in [
        "Payment received",
        f"Your reference {reference}",
        "Amount paid £50.00",
        "Account Mobile phone contract (MM-300)",
        "Paid to Harbour Credit",
        "Card Visa ending 4242",
        "You now owe £150.00",
        "We have sent a receipt to sarah@example.co.uk",
    ]:
        assert expected in text
    assert "You owe £150.00" in main_text(payer.browser.get("/accounts/"))


def test_the_receipt_email_goes_once_in_the_debtors_language(app, payer, account):
    reference = payer.start(account.id, "50")
    payer.pay(reference, GOOD_CARD)
    payer.confirm(reference)  # pressed again: still one email
    [email] = _emails(app)
    assert email["To"] == "sarah@example.co.uk"
    assert email["Subject"] == "Your payment of £50.00 to Harbour Credit"
    body = email.get_content()
    assert f"Payment reference: {reference}" in body
    assert "Card: Visa ending 4242" in body
    assert "You now owe: £150.00" in body
    assert "4242424242424242" not in body


def test_pressing_pay_again_or_reloading_after_success_charges_nothing_more(payer, account, localstripe):
    reference = payer.start(account.id, "50")
    setup_intent = payer.enter_card(reference, GOOD_CARD)
    first = payer.confirm(reference, setup_intent)
    again = payer.confirm(reference, setup_intent)
    assert first == again == {"status": "succeeded", "redirect": f"/payments/{reference}/receipt"}
    assert payer.setup(reference)["status"] == "succeeded"
    assert payer.browser.get(f"/pay/{reference}").headers["Location"] == f"/payments/{reference}/receipt"
    assert len(localstripe.payment_intents(reference)) == 1
    assert len(_ledger_payments(account)) == 1


def test_a_declined_card_is_explained_kindly_and_another_card_then_pays(payer, account, localstripe):
    reference = payer.start(account.id, "50")
    answer = payer.pay(reference, DECLINED_CARD)
    assert answer["status"] == "failed"
    assert answer["message"].startswith("Your card was declined, so no money was taken.")
    assert _payment(reference).status == "failed"
    assert _ledger_payments(account) == []

    # The card page, reloaded, says so and offers a new attempt (works without JavaScript).
    page = main_text(payer.browser.get(f"/pay/{reference}"))
    assert "Your payment did not go through" in page and "Your card was declined" in page

    second = payer.retry(answer)
    assert second != reference
    assert payer.pay(second, GOOD_CARD)["status"] == "succeeded"
    [entry] = _ledger_payments(account)
    assert entry.amount == -5_000
    assert "You owe £150.00" in main_text(payer.browser.get("/accounts/"))


def test_the_retry_form_works_without_javascript(payer, account):
    reference = payer.start(account.id, "50")
    payer.pay(reference, DECLINED_CARD)
    html = payer.browser.get(f"/pay/{reference}").get_data(as_text=True)
    key = re.search(r'name="idempotency_key" type="hidden" value="([^"]+)"', html).group(1)
    response = payer.browser.post(f"/pay/{reference}/retry", {"idempotency_key": key})
    assert response.status_code == 303
    new_reference = response.headers["Location"].rsplit("/", 1)[-1]
    assert response.headers["Location"] == f"/pay/{new_reference}"
    assert _payment(new_reference).amount == 5_000 and _payment(new_reference).status == "new"
    # The same retry form sent again is the same new attempt.
    assert (
        payer.browser.post(f"/pay/{reference}/retry", {"idempotency_key": key})
        .headers["Location"]
        .endswith(new_reference)
    )


def test_an_old_failed_payment_offers_nothing_to_pay_once_the_account_is_paid(payer, account):
    reference = payer.start(account.id, "50")
    payer.pay(reference, DECLINED_CARD)
    html = payer.browser.get(f"/pay/{reference}").get_data(as_text=True)
    key = re.search(r'name="idempotency_key" type="hidden" value="([^"]+)"', html).group(1)
    db.session.add(LedgerEntry(account_id=account.id, kind="payment", amount=-20_000, effective_date=date(2026, 2, 3)))
    db.session.commit()

    response = payer.browser.get(f"/pay/{reference}")
    page, text = response.get_data(as_text=True), main_text(response)
    assert "Try again with a card" not in text and "Your payment did not go through" not in text
    assert "You paid Mobile phone contract (MM-300) in full on 3 February 2026." in text
    assert 'href="/accounts/"' in page
    # The retry form, sent from a page still open, makes no new attempt.
    response = payer.browser.post(f"/pay/{reference}/retry", {"idempotency_key": key})
    assert response.headers["Location"] == f"/pay/{reference}"
    assert db.session.scalar(db.select(db.func.count(Payment.id))) == 1


def test_three_d_secure_completed_pays(payer, account, localstripe):
    reference = payer.start(account.id, "50")
    answer = payer.pay(reference, THREE_D_SECURE_CARD)
    assert answer["status"] == "requires_action"
    assert answer["client_secret"].startswith("pi_")
    assert _payment(reference).status == "requires_action"
    assert _ledger_payments(account) == []

    localstripe.authenticate(answer["client_secret"], success=True)
    assert payer.confirm(reference) == {"status": "succeeded", "redirect": f"/payments/{reference}/receipt"}
    [entry] = _ledger_payments(account)
    assert entry.amount == -5_000
    assert "Card Visa ending 3155" in main_text(payer.browser.get(f"/payments/{reference}/receipt"))


def test_three_d_secure_failed_says_so_and_takes_nothing(payer, account, localstripe):
    reference = payer.start(account.id, "50")
    answer = payer.pay(reference, THREE_D_SECURE_CARD)
    localstripe.authenticate(answer["client_secret"], success=False)
    failed = payer.confirm(reference)
    assert failed["status"] == "failed"
    assert failed["message"].startswith("Your bank could not confirm it was you")
    assert _payment(reference).failure_code == "authentication_failed"
    assert _ledger_payments(account) == []
    assert "retry" in failed


def test_reloading_during_three_d_secure_resumes_it(payer, account):
    reference = payer.start(account.id, "50")
    answer = payer.pay(reference, THREE_D_SECURE_CARD)
    html = payer.browser.get(f"/pay/{reference}").get_data(as_text=True)
    assert 'data-state="requires_action"' in html
    assert payer.confirm(reference)["client_secret"] == answer["client_secret"]


def test_a_second_payment_cannot_take_more_than_is_owed(payer, account, localstripe):
    first = payer.start(account.id)  # the full £200, in one tab
    second = payer.start(account.id)  # and again, in another
    assert payer.pay(first, GOOD_CARD)["status"] == "succeeded"
    answer = payer.pay(second, GOOD_CARD)
    assert answer["status"] == "problem"
    assert answer["message"].startswith("You now owe £0.00, which is less than this payment.")
    assert localstripe.payment_intents(second) == []
    assert len(_ledger_payments(account)) == 1


def test_a_new_attempt_cancels_one_abandoned_at_three_d_secure(payer, account, localstripe):
    abandoned = payer.start(account.id)
    answer = payer.pay(abandoned, THREE_D_SECURE_CARD)
    assert answer["status"] == "requires_action"
    fresh = payer.start(account.id)
    assert payer.pay(fresh, GOOD_CARD)["status"] == "succeeded"
    assert _payment(abandoned).status == "failed"
    [intent] = localstripe.payment_intents(abandoned)
    assert intent["status"] == "canceled"
    assert len(_ledger_payments(account)) == 1


def test_confirming_with_someone_elses_setup_intent_charges_nothing(payer, account, localstripe):
    mine = payer.start(account.id, "50")
    other = payer.start(account.id, "60")
    other_setup = payer.enter_card(other, GOOD_CARD)
    payer.setup(mine)
    answer = payer.confirm(mine, other_setup)
    assert answer["status"] == "problem"
    assert localstripe.payment_intents(mine) == []
    assert _payment(mine).status == "setup"


def test_the_receipt_is_only_for_a_payment_that_went_through(payer, account):
    reference = payer.start(account.id, "50")
    assert payer.browser.get(f"/payments/{reference}/receipt").headers["Location"] == f"/pay/{reference}"


def test_card_numbers_and_secrets_never_reach_the_logs(payer, account, caplog):
    caplog.set_level("DEBUG")
    reference = payer.start(account.id, "50")
    payer.pay(reference, DECLINED_CARD)
    payer.pay(payer.start(account.id, "50"), GOOD_CARD)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for secret in ("4242424242424242", "4000000000000341", "_secret_", "sk_test_portal"):
        assert secret not in logged


# Access


@pytest.mark.parametrize("path", ["/pay/P-ANY/setup", "/pay/P-ANY/confirm", "/pay/P-ANY/retry"])
def test_payment_posts_need_a_csrf_token(payer, account, path):
    reference = payer.start(account.id, "50")
    response = payer.browser.client.post(path.replace("P-ANY", reference), json={})
    assert response.status_code == 400
    assert "The form had expired or was sent twice" in main_text(response)


def test_signed_out_people_are_sent_to_sign_in(client):
    assert client.get("/pay/P-ANYTHING").status_code == 302
    assert client.get("/payments/P-ANYTHING/receipt").status_code == 302
    assert client.get("/pay/P-ANYTHING").headers["Location"] == "/?next=%2Fpay%2FP-ANYTHING"
    assert client.get("/payments/P-ANYTHING/receipt").headers["Location"] == "/?next=%2Fpayments%2FP-ANYTHING%2Freceipt"


def test_each_step_is_written_to_the_audit_log(payer, account):
    declined = payer.start(account.id, "50")
    payer.pay(declined, DECLINED_CARD)
    paid = payer.start(account.id, "50")
    payer.pay(paid, GOOD_CARD)
    events = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action.like("payment.%"))).all()
    seen = [(event.action, event.detail["reference"]) for event in events]
    assert seen == [
        ("payment.started", declined),
        ("payment.failed", declined),
        ("payment.started", paid),
        ("payment.succeeded", paid),
    ]
    assert all(event.debtor_id == account.debtor_id for event in events)


def test_the_payment_pages_keep_to_the_performance_budget(payer, account):
    static = Path(__file__).resolve().parents[2] / "portal" / "static"
    reference = payer.start(account.id, "50")
    for path in (f"/accounts/{account.id}/pay", f"/pay/{reference}"):
        page = payer.browser.get(path).get_data()
        assert payer.browser.get(path).status_code == 200, path
        assert len(gzip.compress(page)) < 14 * 1024
        ours = re.findall(r'(?:href|src)="/static/([^"?]+)', page.decode())
        assert sum(len(gzip.compress((static / asset).read_bytes())) for asset in ours) < 30 * 1024
    assert "js/pay.js" in ours
