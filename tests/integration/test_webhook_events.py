"""What a creditor hears about: each action the issue lists writes its creditor event (the webhooks' outbox) in
the same transaction, with references, amounts, dates and codes only: never free text or what was disclosed."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal import clock
from portal.extensions import db
from portal.help.service import circumstances, decisions
from portal.models import CreditorEvent, MagicLink, WebhookDelivery, WebhookEndpoint
from portal.payments.gateway import Intent
from portal.payments.service import apply_intent, mark_failed, start_payment
from portal.plans.service.changes import request_pause
from tests.factories import make_account, make_debtor, make_link, make_uk_creditor
from tests.plan_support import stored_plan
from tests.staff_support import make_staff


@pytest.fixture
def debtor(app):
    creditor = make_uk_creditor(name="Harbour Credit")
    db.session.add(WebhookEndpoint(creditor_id=creditor.id, url="https://hooks.example/portal", secret="whsec_x"))
    debtor = make_debtor(creditor, reference="CUST-9", email="sarah@example.co.uk")
    db.session.commit()
    return debtor


@pytest.fixture
def account(debtor):
    account = make_account(debtor, [("itemization", 50_000)], reference="ACC-9")
    db.session.commit()
    return account


def _events(kind: str) -> list[CreditorEvent]:
    db.session.expire_all()
    return list(db.session.scalars(select(CreditorEvent).where(CreditorEvent.kind == kind)))


def _only(kind: str) -> CreditorEvent:
    [event] = _events(kind)
    assert db.session.scalar(select(WebhookDelivery).where(WebhookDelivery.event_id == event.id)) is not None
    return event


def test_opening_a_link_tells_the_creditor_with_its_campaign_and_channel(browser, debtor):
    path = make_link(debtor, campaign="nov-sms", channel="sms")
    assert browser.get(path).status_code == 302  # to the page that asks who they are
    link = db.session.scalar(select(MagicLink))
    event = _only("link.opened")
    assert event.data == {"link": link.public_id, "campaign": "nov-sms", "channel": "sms"}


def test_changing_contact_preferences_tells_the_creditor_what_changed(browser, debtor, account):
    browser.sign_in(make_link(debtor), debtor)
    response = browser.post("/help/contact", {"channels": ["email"], "windows": ["evening"], "language": "en"})
    assert response.status_code == 303
    event = _only("preferences.changed")
    assert event.data["changed"] == ["channels", "windows", "language"]
    assert event.data["channels"] == ["email"] and event.data["windows"] == ["evening"]


def test_a_payment_that_succeeds_tells_the_creditor_the_amount(debtor, account):
    payment = start_payment(debtor, account, 12_345, "key-ok")
    db.session.flush()
    assert apply_intent(payment, Intent(id="pi_ok", status="succeeded", amount=12_345, currency="GBP"))
    db.session.commit()
    event = _only("payment.succeeded")
    assert event.account_id == account.id
    assert event.data == {
        "payment": payment.reference,
        "amount": 12_345,
        "currency": "GBP",
        "failure_code": None,
    }


def test_a_payment_that_fails_tells_the_creditor_why_without_card_details(debtor, account):
    payment = start_payment(debtor, account, 5_000, "key-declined")
    db.session.flush()
    mark_failed(payment, "card_declined")
    mark_failed(payment, "card_declined")
    db.session.commit()
    assert _only("payment.failed").data == {
        "payment": payment.reference,
        "amount": 5_000,
        "currency": "GBP",
        "failure_code": "card_declined",
    }


def test_a_decline_reported_by_stripe_tells_the_creditor_once(debtor, account):
    payment = start_payment(debtor, account, 5_000, "key-stripe-declined")
    db.session.flush()
    declined = Intent(
        id="pi_no", status="requires_payment_method", amount=5_000, currency="GBP", error_code="card_declined"
    )
    apply_intent(payment, declined)
    apply_intent(payment, declined)
    db.session.commit()
    assert _only("payment.failed").data["payment"] == payment.reference


def test_a_disclosure_tells_the_creditor_that_it_happened_and_never_what_was_said(debtor):
    circumstances.disclose(debtor, kinds=["mental_health"], helps=["pause"], details="Very private.", consented=True)
    db.session.commit()
    data = _only("circumstances.disclosed").data
    assert set(data) == {"reference", "reminders_paused_until"}


def test_a_decision_on_a_disclosure_tells_the_creditor_what_was_decided_without_the_note(debtor, account):
    told = circumstances.disclose(debtor, kinds=["income"], helps=["pause"], details=None)
    supervisor = make_staff(debtor.creditor, role="supervisor")
    today = clock.today_for(debtor)
    decisions.freeze_interest(
        told, staff=supervisor, account_id=account.id, starts_on=today, ends_on=None, note="Her husband is ill."
    )
    db.session.commit()
    event = _only("circumstances.decided")
    assert event.account_id == account.id
    assert event.data == {
        "reference": told.reference,
        "decision": "freeze",
        "starts_on": today.isoformat(),
        "ends_on": None,
    }


def test_a_pause_request_tells_the_creditor_without_the_debtors_reason(debtor, account):
    today = clock.today_for(debtor)
    plan = stored_plan(account, [today + timedelta(days=10), today + timedelta(days=40)], 10_000)
    db.session.flush()
    request_pause(plan, debtor, 2, "I lost my job and my mother is in hospital")
    db.session.commit()
    data = _only("plan.pause_requested").data
    assert "reason" not in data and data["months"] == 2
