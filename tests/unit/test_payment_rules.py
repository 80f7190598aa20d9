"""Payment rules as plain functions: amounts, the payment state machine, Stripe's shapes, signatures."""

import json
import time

import pytest
import stripe
from hypothesis import given
from hypothesis import strategies as st

from portal.models import Creditor
from portal.payments.gateway import Intent, InvalidSignature, StripeGateway, Unreadable, csp_origins
from portal.payments.rules import (
    AmountProblem,
    amount_problem,
    failure_code,
    minimum_payment,
    next_status,
)
from portal.references import new_reference

STRIPE_STATUSES = [
    "requires_payment_method",
    "requires_confirmation",
    "requires_action",
    "processing",
    "requires_capture",
    "canceled",
    "succeeded",
]
OUR_STATUSES = ["new", "setup", "confirming", "requires_action", "processing", "succeeded", "failed"]


@pytest.mark.parametrize(
    ("amount", "balance", "minimum", "problem"),
    [
        (5_000, 20_000, 500, None),
        (20_000, 20_000, 500, None),
        (0, 20_000, 500, AmountProblem.NOT_POSITIVE),
        (-100, 20_000, 500, AmountProblem.NOT_POSITIVE),
        (20_001, 20_000, 500, AmountProblem.OVER_BALANCE),
        (499, 20_000, 500, AmountProblem.UNDER_MINIMUM),
        (300, 300, 500, None),  # clearing a small balance is always allowed
    ],
)
def test_amount_rules(amount, balance, minimum, problem):
    assert amount_problem(amount, balance, minimum) == problem


@given(st.integers(-(10**9), 10**9), st.integers(1, 10**9), st.integers(1, 10**6))
def test_an_allowed_amount_is_positive_and_never_more_than_the_balance(amount, balance, minimum):
    if amount_problem(amount, balance, minimum) is None:
        assert 0 < amount <= balance
        assert amount >= minimum or amount == balance


def test_the_minimum_comes_from_the_creditors_policy_or_the_default():
    assert minimum_payment(Creditor(policy={"min_payment": 500}), 100) == 500
    assert minimum_payment(Creditor(policy={}), 100) == 100
    assert minimum_payment(Creditor(policy=None), 100) == 100


@pytest.mark.parametrize(
    ("current", "reported", "expected"),
    [
        ("confirming", "succeeded", "succeeded"),
        ("confirming", "requires_action", "requires_action"),
        ("confirming", "requires_payment_method", "failed"),
        ("requires_action", "succeeded", "succeeded"),
        ("requires_action", "requires_payment_method", "failed"),
        ("requires_action", "canceled", "failed"),
        ("confirming", "processing", "processing"),
        ("succeeded", "requires_payment_method", "succeeded"),
        ("succeeded", "requires_action", "succeeded"),
        ("failed", "requires_action", "failed"),
        ("failed", "succeeded", "succeeded"),
    ],
)
def test_payments_only_move_forward(current, reported, expected):
    assert next_status(current, reported) == expected


@given(st.sampled_from(OUR_STATUSES), st.lists(st.sampled_from(STRIPE_STATUSES), max_size=12))
def test_whatever_order_events_come_in_a_success_is_never_lost(start, reports):
    status = start
    for reported in reports:
        status = next_status(status, reported)
    if "succeeded" in reports or start == "succeeded":
        assert status == "succeeded"


def test_failure_codes_for_the_messages():
    base = {"id": "pi_1", "amount": 100, "currency": "usd", "status": "requires_payment_method"}
    auth = Intent.from_stripe(base | {"last_payment_error": {"code": "payment_intent_authentication_failure"}})
    declined = Intent.from_stripe(base | {"last_payment_error": {"code": "card_declined"}})
    canceled = Intent.from_stripe(base | {"status": "canceled"})
    assert failure_code(auth) == "authentication_failed"
    assert failure_code(declined) == "card_declined"
    assert failure_code(canceled) == "canceled"


def test_an_intent_is_read_from_an_event_with_upper_case_currency_and_metadata():
    intent = Intent.from_stripe(
        {
            "id": "pi_1",
            "status": "succeeded",
            "amount": 5000,
            "currency": "gbp",
            "client_secret": "pi_1_secret_x",
            "metadata": {"payment_reference": "P-ABC"},
            "last_payment_error": None,
        }
    )
    assert (intent.currency, intent.metadata["payment_reference"], intent.error_code) == ("GBP", "P-ABC", None)
    assert "secret" not in repr(intent)


def test_references_are_short_and_unambiguous():
    references = {new_reference("P") for _ in range(200)}
    assert len(references) == 200
    for reference in references:
        assert reference.startswith("P-") and len(reference) == 10
        assert not set(reference[2:]) & set("01IO")


def _signed(body: str, secret: str = "whsec_x", timestamp: int | None = None) -> str:  # noqa: S107
    return stripe.WebhookSignature.generate_signature_header(body, secret, timestamp=timestamp)


def test_a_good_signature_gives_the_event():
    body = json.dumps({"id": "evt_1", "type": "payment_intent.succeeded", "data": {"object": {}}})
    assert StripeGateway.verify_event(body.encode(), _signed(body), "whsec_x")["id"] == "evt_1"


@pytest.mark.parametrize(
    "case",
    ["tampered", "stale", "future", "wrong secret", "no header", "no secret", "not an event", "garbage header"],
)
def test_bad_signatures_are_refused(case):
    body = json.dumps({"id": "evt_1", "type": "payment_intent.succeeded", "data": {"object": {}}})
    header, secret, payload = _signed(body), "whsec_x", body
    if case == "tampered":
        payload = body.replace("evt_1", "evt_2")
    elif case == "stale":
        header = _signed(body, timestamp=int(time.time()) - 301)
    elif case == "future":
        header = _signed(body, timestamp=int(time.time()) + 3600)
    elif case == "wrong secret":
        header = _signed(body, secret="whsec_y")
    elif case == "no header":
        header = None
    elif case == "no secret":
        secret = None
    elif case == "not an event":
        payload = "[1, 2]"
        header = _signed(payload)
    elif case == "garbage header":
        header = "garbage"
    with pytest.raises(InvalidSignature):
        StripeGateway.verify_event(payload.encode(), header, secret)


def test_a_signature_a_little_ahead_of_our_clock_is_accepted():
    body = json.dumps({"id": "evt_1", "type": "payment_intent.succeeded", "data": {"object": {}}})
    header = _signed(body, timestamp=int(time.time()) + 60)
    assert StripeGateway.verify_event(body.encode(), header, "whsec_x")["id"] == "evt_1"


_INTENT = {"id": "pi_1", "status": "succeeded", "amount": 5000, "currency": "gbp"}


@pytest.mark.parametrize(
    "data",
    [
        None,
        "pi_1",
        [_INTENT],
        {key: value for key, value in _INTENT.items() if key != "id"},
        {key: value for key, value in _INTENT.items() if key != "status"},
        {key: value for key, value in _INTENT.items() if key != "amount"},
        {key: value for key, value in _INTENT.items() if key != "currency"},
        _INTENT | {"id": ""},
        _INTENT | {"amount": "5000"},
        _INTENT | {"amount": 50.0},
        _INTENT | {"amount": False},
        _INTENT | {"amount": 0},
        _INTENT | {"amount": 100_000_000},
        _INTENT | {"currency": None},
        _INTENT | {"metadata": "payment_reference=P-1"},
        _INTENT | {"last_payment_error": ["card_declined"]},
    ],
    ids=[
        "null",
        "text",
        "a list",
        "no id",
        "no status",
        "no amount",
        "no currency",
        "empty id",
        "amount text",
        "amount a float",
        "amount false",
        "amount zero",
        "amount beyond eight digits",
        "currency null",
        "metadata text",
        "payment error a list",
    ],
)
def test_a_payment_intent_without_the_fields_we_rely_on_is_unreadable(data):
    with pytest.raises(Unreadable):
        Intent.from_stripe(data)


def test_metadata_and_error_fields_that_are_not_text_are_left_out():
    intent = Intent.from_stripe(
        _INTENT | {"metadata": {"payment_reference": 7, "account_reference": "A-1"}, "last_payment_error": {"code": 3}}
    )
    assert (intent.metadata, intent.error_code) == ({"account_reference": "A-1"}, None)


def test_the_card_page_lets_in_exactly_the_stripe_hosts_it_needs():
    assert csp_origins("https://js.stripe.com/v3/", "https://api.stripe.com") == [
        "https://js.stripe.com",
        "https://api.stripe.com",
        "https://hooks.stripe.com",
    ]
    assert csp_origins("http://127.0.0.1:8420/js.stripe.com/v3/", "http://127.0.0.1:8420") == ["http://127.0.0.1:8420"]
