"""One wording for a card everywhere ("Visa ending 4242"); receipts offer a plan only to someone without one."""

import re
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from portal import clock
from portal.extensions import db
from portal.jobs.remind import remind
from portal.models import Payment, Plan
from portal.payments.cards import card_words
from tests.conftest import main_text
from tests.factories import make_account, make_card_debtor, make_link, make_payment
from tests.plan_support import POLICY, emails, stored_plan
from tests.staff_support import StaffBrowser, make_staff
from tests.stripe_server import settings  # noqa: F401  (emails in a folder)

PORTAL = Path(__file__).resolve().parents[2] / "portal"


@pytest.fixture
def debtor(app):
    debtor = make_card_debtor(POLICY)
    db.session.commit()
    return debtor


@pytest.fixture
def account(debtor):
    account = make_account(debtor, [("itemization", 30_000)], description="Mobile phone contract", reference="MM-300")
    db.session.commit()
    return account


@pytest.fixture
def plan(debtor, account):
    """An active plan paid with an American Express card (Stripe's brand code `amex`)."""
    today = clock.today_for(debtor)
    plan = stored_plan(account, [today + timedelta(days=7 + 30 * n) for n in range(3)], 10_000)
    plan.card_brand, plan.card_last4 = "amex", "0005"
    db.session.commit()
    return plan


@pytest.fixture
def signed_in(browser, debtor):
    browser.sign_in(make_link(debtor), debtor)
    return browser


def _paid(debtor, account, *, brand: str = "mastercard", last4: str = "4444", amount: int = 5_000) -> Payment:
    payment = make_payment(debtor, account, f"key-{brand}-{last4}", status="succeeded", amount=amount)
    payment.card_brand, payment.card_last4 = brand, last4
    db.session.commit()
    return payment


# The words


@pytest.mark.parametrize(
    ("brand", "words"),
    [
        ("visa", "Visa ending 4242"),
        ("mastercard", "Mastercard ending 4242"),
        ("amex", "American Express ending 4242"),
        ("diners", "Diners Club ending 4242"),
        ("jcb", "JCB ending 4242"),
        ("unionpay", "UnionPay ending 4242"),
        ("cartes_bancaires", "Cartes Bancaires ending 4242"),
        ("Visa", "Visa ending 4242"),
        ("unknown", "Card ending 4242"),
        (None, "Card ending 4242"),
    ],
)
def test_a_card_is_named_by_its_brand_as_the_brand_writes_it_and_its_last_four_digits(app, brand, words):
    with app.test_request_context():
        assert card_words(brand, "4242") == words


def test_a_card_of_unknown_brand_in_a_sentence_is_a_card_in_lower_case(app):
    with app.test_request_context():
        assert card_words(None, "4242", in_sentence=True) == "card ending 4242"
        assert card_words("visa", "4242", in_sentence=True) == "Visa ending 4242"


def test_no_page_or_message_writes_a_card_its_own_way(app):
    """Every card goes through portal.payments.cards: no dots, no "card ending %(last4)s" of a template's own."""
    own_ways = re.compile(r"••••|ending %\(last4\)s|card_last4\s*\}\}")
    offenders = [
        str(path.relative_to(PORTAL))
        for path in [*PORTAL.rglob("*.html"), *PORTAL.rglob("*.py"), *PORTAL.rglob("*.txt")]
        if "translations" not in path.parts and path.name != "cards.py" and own_ways.search(path.read_text())
    ]
    assert offenders == []


# Every place a card is named


def test_the_receipt_page_and_email_name_the_card_the_same_way(app, signed_in, debtor, account):
    from portal import outbox

    payment = _paid(debtor, account)
    assert "Card Mastercard ending 4444" in main_text(signed_in.get(f"/payments/{payment.reference}/receipt"))
    outbox.queue(debtor, "receipt", account=account, params={"payment_id": payment.id})
    db.session.commit()
    outbox.deliver()
    db.session.commit()
    [email] = emails(app)
    assert "Card: Mastercard ending 4444" in email.get_content()


def test_the_plan_pages_name_the_card_the_same_way(signed_in, plan):
    pages = {
        f"/plans/{plan.reference}": "Card American Express ending 0005",
        f"/plans/{plan.reference}/done": "Card American Express ending 0005",
        f"/plans/{plan.reference}/card": "Card now American Express ending 0005",
        f"/plans/{plan.reference}/pay": "We will use your American Express ending 0005.",
    }
    for path, expected in pages.items():
        text = main_text(signed_in.get(path))
        assert expected in text, (path, text)
        assert "Card ending" not in text and "card ending" not in text


def test_the_check_your_payment_page_of_an_extra_payment_names_the_card(signed_in, plan):
    page = signed_in.get(f"/plans/{plan.reference}/pay").get_data(as_text=True)
    key = re.search(r'name="idempotency_key" type="hidden" value="([^"]+)"', page).group(1)
    check = signed_in.post(
        f"/plans/{plan.reference}/pay", {"choice": "other", "amount": "20", "idempotency_key": key, "step": "check"}
    )
    assert "Card American Express ending 0005" in main_text(check)


def test_the_confirm_it_is_you_page_of_a_plan_payment_names_the_card(signed_in, debtor, account, plan):
    payment = make_payment(debtor, account, "plan-3ds", status="requires_action", amount=10_000)
    payment.card_brand, payment.card_last4 = "amex", "0005"
    plan.instalments[0].payment_id = payment.id
    plan.instalments[0].status = "requires_action"
    db.session.commit()
    text = main_text(signed_in.get(f"/plans/payments/{payment.reference}/confirm"))
    assert "Card American Express ending 0005" in text


def test_the_reminder_before_a_plan_payment_names_the_card(app, plan):
    due = plan.instalments[0].due_date
    remind(datetime.combine(due - timedelta(days=3), time(12), tzinfo=UTC), days_before=3)
    [message] = emails(app)
    assert "We will take it from your American Express ending 0005." in message.get_content()


def test_the_staff_console_names_the_card_as_the_debtor_sees_it(client, debtor, account, plan):
    payment = _paid(debtor, account, brand="visa", last4="4242")
    staff = StaffBrowser(client)
    staff.sign_in(make_staff(debtor.creditor))
    text = main_text(staff.get(f"/staff/debtors/{debtor.id}"))
    assert "American Express ending 0005" in text
    assert payment.reference in text and "Visa ending 4242" in text
    assert "••••" not in text


# What the receipt offers


def test_a_receipt_offers_a_payment_plan_to_someone_without_one(signed_in, debtor, account):
    payment = _paid(debtor, account)
    assert "or set up a payment plan" in main_text(signed_in.get(f"/payments/{payment.reference}/receipt"))


def test_a_receipt_does_not_offer_a_payment_plan_to_someone_paying_on_one(signed_in, debtor, account, plan):
    payment = _paid(debtor, account)
    text = main_text(signed_in.get(f"/payments/{payment.reference}/receipt"))
    assert "payment plan" not in text
    assert "You can pay more at any time." in text


def test_a_receipt_does_not_offer_a_payment_plan_while_a_proposal_waits_for_a_decision(
    signed_in, debtor, account, plan
):
    plan.status = "pending_review"
    db.session.commit()
    payment = _paid(debtor, account)
    assert "payment plan" not in main_text(signed_in.get(f"/payments/{payment.reference}/receipt"))


def test_a_receipt_offers_a_plan_again_once_the_old_one_is_cancelled(signed_in, debtor, account, plan):
    plan.status = "cancelled"
    db.session.commit()
    payment = _paid(debtor, account)
    assert "or set up a payment plan" in main_text(signed_in.get(f"/payments/{payment.reference}/receipt"))


def test_a_plan_on_another_account_does_not_hide_the_receipts_offer(signed_in, debtor, account):
    other = make_account(debtor, [("itemization", 10_000)])
    db.session.commit()
    stored_plan(other, [clock.today_for(debtor) + timedelta(days=7)], 10_000)
    assert db.session.scalar(db.select(db.func.count(Plan.id))) == 1
    payment = _paid(debtor, account)
    assert "or set up a payment plan" in main_text(signed_in.get(f"/payments/{payment.reference}/receipt"))
