"""tests/localstripe_server.py: localstripe with Stripe.js's createPaymentMethod and setup_future_usage added,
and a refusal to start when localstripe is no longer what the patches were written for."""

import pytest
import requests

from tests import localstripe_server
from tests.localstripe_server import LocalstripeChanged, check_localstripe
from tests.stripe_server import GOOD_CARD, PUBLISHABLE_KEY, SECRET_KEY


def test_its_stripe_js_makes_a_payment_method(localstripe):
    script = requests.get(f"{localstripe.base_url}/js.stripe.com/v3/", timeout=10).text
    assert script.count("stripe.createPaymentMethod = async") == 1


def test_a_payment_method_is_made_with_the_publishable_key_and_nothing_else_is(localstripe):
    card = {"type": "card", "card": {"number": GOOD_CARD, "exp_month": "12", "exp_year": "34", "cvc": "123"}}
    made = requests.post(f"{localstripe.base_url}/v1/payment_methods", json=card | {"key": PUBLISHABLE_KEY}, timeout=10)
    assert made.status_code == 200 and made.json()["card"]["last4"] == "4242"
    assert requests.post(f"{localstripe.base_url}/v1/payment_methods", json=card, timeout=10).status_code == 401
    customer = requests.post(f"{localstripe.base_url}/v1/customers", data={"key": PUBLISHABLE_KEY}, timeout=10)
    assert customer.status_code == 401


def test_a_payment_intent_with_setup_future_usage_attaches_its_card_to_the_customer_when_it_succeeds(localstripe):
    customer = localstripe._post("/v1/customers", {})["id"]
    method = localstripe.create_payment_method(GOOD_CARD)
    intent = {"amount": 1000, "currency": "gbp", "customer": customer, "payment_method": method, "confirm": "true"}

    made = localstripe._post("/v1/payment_intents", intent | {"setup_future_usage": "off_session"})

    assert made["status"] == "succeeded" and made["setup_future_usage"] == "off_session"
    assert localstripe.get(f"/v1/payment_methods/{method}")["customer"] == customer


def test_setup_future_usage_of_another_kind_or_without_a_customer_is_refused(localstripe):
    method = localstripe.create_payment_method(GOOD_CARD)
    intent = {"amount": 1000, "currency": "gbp", "payment_method": method, "confirm": "true"}
    for wrong in ({"setup_future_usage": "always"}, {}):
        refused = requests.post(
            f"{localstripe.base_url}/v1/payment_intents",
            data=intent | {"setup_future_usage": "off_session"} | wrong,
            auth=(SECRET_KEY, ""),
            timeout=10,
        )
        assert refused.status_code == 400


def test_the_installed_localstripe_is_the_one_the_patches_were_written_for():
    check_localstripe()


def test_a_localstripe_whose_stripe_js_changed_is_refused_saying_which_patch(tmp_path, monkeypatch):
    changed = tmp_path / "localstripe-v3.js"
    changed.write_text("createPaymentMethod: async (data) => { /* its own, one day */ },")
    monkeypatch.setattr(localstripe_server, "LOCALSTRIPE_JS", changed)
    with pytest.raises(LocalstripeChanged, match=r"no longer has an empty createPaymentMethod \(patch 1\)"):
        check_localstripe()
