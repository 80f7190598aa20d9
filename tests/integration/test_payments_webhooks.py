"""POST /stripe/webhook: signed events, stored once, recorded once, in whatever order they come.

The events are the ones localstripe really made for our payments, signed as Stripe signs them.
"""

import json
import time

import pytest
import stripe

from portal.extensions import db
from portal.models import LedgerEntry, OutboundMessage, Payment, StripeEvent
from portal.payments.gateway import WEBHOOK_TOLERANCE, GatewayUnavailable, StripeGateway
from portal.payments.webhooks import handle_event
from tests.factories import make_account, make_debtor, make_link, make_uk_creditor
from tests.stripe_server import (
    DECLINED_CARD,
    GOOD_CARD,
    WEBHOOK_SECRET,
    Payer,
    settings,  # noqa: F401  (localstripe and emails in a folder)
)


@pytest.fixture
def account(app, browser):
    debtor = make_debtor(make_uk_creditor(name="Harbour Credit"), email="sarah@example.co.uk")
    account = make_account(debtor, [("itemization", 20_000)])
    db.session.commit()
    browser.sign_in(make_link(debtor), debtor)
    return account


@pytest.fixture
def payer(browser, localstripe):
    return Payer(browser, localstripe)


class LosesTheAnswer:
    """Stripe makes the PaymentIntent, but the phone (or our server) never hears back."""

    def __init__(self, real: StripeGateway):
        self.real = real

    def __getattr__(self, name):
        return getattr(self.real, name)

    def create_payment_intent(self, **kwargs):
        self.real.create_payment_intent(**kwargs)
        raise GatewayUnavailable("connection reset")


@pytest.fixture
def cut_off(app):
    app.extensions["payment_gateway"] = LosesTheAnswer(StripeGateway.from_config(app.config))


def sign(body: str, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    return stripe.WebhookSignature.generate_signature_header(body, secret, timestamp=timestamp)


def deliver(client, event: dict | str, **signing):
    body = event if isinstance(event, str) else json.dumps(event)
    return client.post(
        "/stripe/webhook",
        data=body,
        headers={"Stripe-Signature": sign(body, **signing), "Content-Type": "application/json"},
    )


def _payment(reference: str) -> Payment:
    db.session.expire_all()
    return db.session.scalar(db.select(Payment).where(Payment.reference == reference))


def _entries(account) -> list[LedgerEntry]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            db.select(LedgerEntry).where(LedgerEntry.account_id == account.id, LedgerEntry.kind == "payment")
        )
    )


def _cut_off_payment(payer, account, localstripe) -> tuple[str, dict]:
    """A payment Stripe took whose answer never reached us; returns its reference and Stripe's succeeded event."""
    reference = payer.start(account.id, "50")
    assert payer.pay(reference, GOOD_CARD)["status"] == "pending"
    [intent] = localstripe.payment_intents(reference)
    [event] = localstripe.events("payment_intent.succeeded", intent["id"])
    return reference, event


# Signatures


def test_a_signed_event_is_accepted(client, payer, account, localstripe, cut_off):
    _, event = _cut_off_payment(payer, account, localstripe)
    response = deliver(client, event)
    assert response.status_code == 200
    assert response.get_json() == {"received": True, "outcome": "recorded"}


def test_a_tampered_body_is_refused(client, payer, account, localstripe, cut_off):
    _, event = _cut_off_payment(payer, account, localstripe)
    body = json.dumps(event)
    header = sign(body)
    tampered = body.replace('"amount": 5000', '"amount": 500000')
    response = client.post("/stripe/webhook", data=tampered, headers={"Stripe-Signature": header})
    assert response.status_code == 400
    assert response.get_json() == {"error": "invalid signature"}
    assert _entries(account) == []


def test_a_stale_event_is_refused_as_a_replay(client, payer, account, localstripe, cut_off):
    _, event = _cut_off_payment(payer, account, localstripe)
    stale = deliver(client, event, timestamp=int(time.time()) - 2 * WEBHOOK_TOLERANCE)
    assert stale.status_code == 400
    assert stale.get_json() == {"error": "invalid signature"}
    assert _entries(account) == []


@pytest.mark.parametrize("header", [None, "", "t=1,v1=abc", "nonsense"])
def test_a_missing_or_malformed_signature_is_refused(client, app, header):
    headers = {"Stripe-Signature": header} if header is not None else {}
    assert client.post("/stripe/webhook", data="{}", headers=headers).status_code == 400
    assert client.post("/stripe/webhook", data="{}", headers=headers).get_json() == {"error": "invalid signature"}


def test_an_event_signed_with_another_secret_is_refused(client, payer, account, localstripe, cut_off):
    _, event = _cut_off_payment(payer, account, localstripe)
    assert deliver(client, event, secret="whsec_someone_else").status_code == 400
    assert deliver(client, event, secret="whsec_someone_else").get_json() == {"error": "invalid signature"}


def test_without_a_webhook_secret_nothing_is_accepted(client, app):
    app.config["STRIPE_WEBHOOK_SECRET"] = None
    body = json.dumps({"id": "evt_1", "type": "payment_intent.succeeded", "data": {"object": {}}})
    assert client.post("/stripe/webhook", data=body, headers={"Stripe-Signature": sign(body)}).status_code == 400
    refused = client.post("/stripe/webhook", data=body, headers={"Stripe-Signature": sign(body)})
    assert refused.get_json() == {"error": "invalid signature"}


# Recording


def test_a_payment_cut_off_after_stripe_took_it_is_recorded_from_the_webhook(
    app, client, payer, account, localstripe, cut_off
):
    reference, event = _cut_off_payment(payer, account, localstripe)
    assert _payment(reference).status == "confirming"
    assert _entries(account) == []

    deliver(client, event)
    payment = _payment(reference)
    [entry] = _entries(account)
    assert payment.status == "succeeded"
    assert entry.amount == -5_000 and entry.external_ref == event["data"]["object"]["id"]
    assert payment.payment_intent_id == entry.external_ref
    [receipt] = db.session.scalars(db.select(OutboundMessage).where(OutboundMessage.template == "receipt")).all()
    assert receipt.state == "sent" and receipt.params == {"payment_id": payment.id}
    # The debtor, coming back, sees the receipt.
    assert payer.confirm(reference)["redirect"] == f"/payments/{reference}/receipt"


def test_the_same_event_three_times_counts_once(client, payer, account, localstripe, cut_off):
    _, event = _cut_off_payment(payer, account, localstripe)
    outcomes = [deliver(client, event).get_json()["outcome"] for _ in range(3)]
    assert outcomes == ["recorded", "duplicate", "duplicate"]
    assert len(_entries(account)) == 1
    assert db.session.scalar(db.select(db.func.count(StripeEvent.id))) == 1


def _variant(event: dict, event_type: str, status: str, *, suffix: str, **fields) -> dict:
    """The same PaymentIntent in another state, as a separate (earlier) event."""
    copy = json.loads(json.dumps(event))
    copy["id"] = f"{event['id']}_{suffix}"
    copy["type"] = event_type
    copy["data"]["object"]["status"] = status
    copy["data"]["object"].update(fields)
    return copy


def test_events_out_of_order_never_undo_or_repeat_a_payment(client, payer, account, localstripe, cut_off):
    reference, succeeded = _cut_off_payment(payer, account, localstripe)
    late = [
        _variant(succeeded, "payment_intent.requires_action", "requires_action", suffix="a"),
        _variant(succeeded, "payment_intent.processing", "processing", suffix="b"),
        _variant(
            succeeded,
            "payment_intent.payment_failed",
            "requires_payment_method",
            suffix="c",
            last_payment_error={"code": "card_declined"},
        ),
    ]
    assert deliver(client, succeeded).get_json()["outcome"] == "recorded"
    for event in late:
        assert deliver(client, event).get_json()["outcome"] == "unchanged"
    assert _payment(reference).status == "succeeded"
    assert len(_entries(account)) == 1


def test_a_success_reported_after_a_failure_is_still_recorded(client, payer, account, localstripe, cut_off):
    """Money taken is never lost: if Stripe says succeeded last, the ledger shows it."""
    reference, succeeded = _cut_off_payment(payer, account, localstripe)
    failed = _variant(
        succeeded, "payment_intent.payment_failed", "requires_payment_method", suffix="f", last_payment_error={}
    )
    deliver(client, failed)
    assert _payment(reference).status == "failed"
    deliver(client, succeeded)
    assert _payment(reference).status == "succeeded"
    assert len(_entries(account)) == 1


def test_the_webhook_and_the_browser_together_record_one_entry(client, payer, account, localstripe):
    reference = payer.start(account.id, "50")
    assert payer.pay(reference, GOOD_CARD)["status"] == "succeeded"
    [intent] = localstripe.payment_intents(reference)
    [event] = localstripe.events("payment_intent.succeeded", intent["id"])
    assert deliver(client, event).get_json()["outcome"] == "unchanged"
    assert len(_entries(account)) == 1


def test_a_decline_reported_by_webhook_leaves_the_payment_failed(client, payer, account, localstripe):
    reference = payer.start(account.id, "50")
    assert payer.pay(reference, DECLINED_CARD)["status"] == "failed"
    [intent] = localstripe.payment_intents(reference)
    [event] = localstripe.events("payment_intent.payment_failed", intent["id"])
    assert deliver(client, event).get_json()["outcome"] == "updated"  # we learn its PaymentIntent id
    payment = _payment(reference)
    assert payment.status == "failed" and payment.payment_intent_id == intent["id"]
    assert _entries(account) == []


def test_events_about_other_things_are_stored_and_ignored(client, app):
    event = {"id": "evt_other", "type": "customer.created", "data": {"object": {"object": "customer", "id": "cus_1"}}}
    assert deliver(client, event).get_json() == {"received": True, "outcome": "ignored"}
    stranger = {
        "id": "evt_stranger",
        "type": "payment_intent.succeeded",
        "data": {
            "object": {"object": "payment_intent", "id": "pi_x", "status": "succeeded", "amount": 1, "currency": "gbp"}
        },
    }
    assert deliver(client, stranger).get_json()["outcome"] == "ignored"
    assert db.session.scalar(db.select(db.func.count(StripeEvent.id))) == 2


def test_handle_event_is_a_plain_function(app, payer, account, localstripe, cut_off):
    """No HTTP: the handler takes a verified event and records it."""
    reference, event = _cut_off_payment(payer, account, localstripe)
    handled = handle_event(event)
    db.session.commit()
    assert handled.outcome == "recorded" and handled.payment.reference == reference
    assert handle_event(event).outcome == "duplicate"
    assert len(_entries(account)) == 1


def test_a_phone_that_lost_signal_is_told_not_to_pay_again(payer, account, localstripe, cut_off):
    reference, _ = _cut_off_payment(payer, account, localstripe)
    response = payer.browser.get(f"/pay/{reference}")
    html = response.get_data(as_text=True)
    assert "We are still checking your payment. Do not pay again." in html
    assert 'id="card-form"' not in html
    assert localstripe.base_url not in response.headers["Content-Security-Policy"]
    # Pressing Pay again (pay.js retrying) creates nothing new.
    assert payer.confirm(reference)["status"] == "pending"
    assert len(localstripe.payment_intents(reference)) == 1


# Events we can't use: refused, or stored as unusable, never a server error

DROP = object()


def _changed(event: dict, path: str, value) -> dict:
    """A copy of the event with the field at `path` ("data.object.amount") set to `value`, or dropped (DROP)."""
    copy = json.loads(json.dumps(event))
    *parents, name = path.split(".")
    node = copy
    for parent in parents:
        node = node[parent]
    if value is DROP:
        del node[name]
    else:
        node[name] = value
    return copy


@pytest.fixture
def claimed(account) -> Payment:
    """A payment claimed for £50 whose answer from Stripe never came back."""
    payment = Payment(
        reference="P-WEBHOOK1",
        idempotency_key="webhook-edge-cases",
        account_id=account.id,
        debtor_id=account.debtor_id,
        amount=5_000,
        currency="GBP",
        status="confirming",
    )
    db.session.add(payment)
    db.session.commit()
    return payment


@pytest.fixture
def succeeded(claimed) -> dict:
    """Stripe's event saying that payment succeeded: well formed, so each test breaks one thing in it."""
    return {
        "id": "evt_edge_1",
        "object": "event",
        "type": "payment_intent.succeeded",
        "data": {
            "object": {
                "id": "pi_edge_1",
                "object": "payment_intent",
                "amount": 5_000,
                "currency": "gbp",
                "status": "succeeded",
                "metadata": {"payment_reference": claimed.reference},
                "last_payment_error": None,
            }
        },
    }


def _stored_events() -> list[tuple[str, str]]:
    db.session.expire_all()
    return [(e.event_id, e.outcome) for e in db.session.scalars(db.select(StripeEvent).order_by(StripeEvent.id))]


def test_the_well_formed_event_is_recorded(client, account, succeeded):
    assert deliver(client, succeeded).get_json() == {"received": True, "outcome": "recorded"}
    assert [entry.amount for entry in _entries(account)] == [-5_000]


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("id", DROP),
        ("type", DROP),
        ("id", ""),
        ("id", 42),
        ("id", None),
        ("type", None),
        ("type", ["payment_intent.succeeded"]),
        ("id", "evt_" + "x" * 200),
        ("type", "payment_intent." + "x" * 100),
    ],
    ids=[
        "no id",
        "no type",
        "empty id",
        "id a number",
        "id null",
        "type null",
        "type a list",
        "id too long to store",
        "type too long to store",
    ],
)
def test_a_signed_event_without_a_usable_id_or_type_is_refused(client, account, succeeded, path, value):
    response = deliver(client, _changed(succeeded, path, value))
    assert response.status_code == 400
    assert response.get_json() == {"error": "not an event"}
    assert _stored_events() == []
    assert _entries(account) == []


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("data", DROP),
        ("data", "payment_intent"),
        ("data", [1, 2]),
        ("data.object", DROP),
        ("data.object", "pi_edge_1"),
        ("data.object.object", DROP),
        ("data.object.id", DROP),
        ("data.object.id", 7),
        ("data.object.id", "pi_" + "x" * 200),
        ("data.object.amount", DROP),
        ("data.object.amount", "5000"),
        ("data.object.amount", 50.5),
        ("data.object.amount", True),
        ("data.object.amount", -5_000),
        ("data.object.amount", 10**12),
        ("data.object.currency", DROP),
        ("data.object.currency", 826),
        ("data.object.status", DROP),
        ("data.object.status", {"state": "succeeded"}),
        ("data.object.metadata", ["payment_reference"]),
        ("data.object.last_payment_error", "card_declined"),
    ],
    ids=[
        "no data",
        "data text",
        "data a list",
        "no object",
        "object text",
        "object of no kind",
        "no intent id",
        "intent id a number",
        "intent id too long to store",
        "no amount",
        "amount text",
        "amount a fraction",
        "amount true",
        "amount negative",
        "amount beyond stripe's eight digits",
        "no currency",
        "currency a number",
        "no status",
        "status an object",
        "metadata a list",
        "payment error text",
    ],
)
def test_a_signed_payment_event_we_cannot_read_is_stored_as_unusable(client, account, claimed, succeeded, path, value):
    response = deliver(client, _changed(succeeded, path, value))
    assert response.status_code == 200
    assert response.get_json() == {"received": True, "outcome": "unusable"}
    assert _stored_events() == [("evt_edge_1", "unusable")]
    assert _entries(account) == []
    assert _payment(claimed.reference).status == "confirming"
    # Stripe's next delivery of it is a duplicate, not another try.
    assert deliver(client, _changed(succeeded, path, value)).get_json()["outcome"] == "duplicate"


def test_metadata_that_is_not_text_finds_no_payment(client, account, succeeded):
    event = _changed(succeeded, "data.object.metadata", {"payment_reference": 42})
    assert deliver(client, event).get_json() == {"received": True, "outcome": "ignored"}
    assert _entries(account) == []


def test_an_event_signed_far_in_the_future_is_refused(client, account, succeeded):
    assert deliver(client, succeeded, timestamp=int(time.time()) + 3600).status_code == 400
    assert deliver(client, succeeded, timestamp=int(time.time()) + 3600).get_json() == {"error": "invalid signature"}
    assert _stored_events() == []
    assert _entries(account) == []
