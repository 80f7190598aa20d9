"""A real `localstripe` server for the tests: one per test session, on a free loopback port.

Import the `localstripe` fixture into a conftest or a test module. It yields a `LocalStripe`
with the URLs and keys to put in the app's settings, and helpers that do what a browser
with Stripe.js would do (confirm a SetupIntent with a test card, pass or fail 3-D Secure).
"""

import os
import re
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from portal.payments.localstripe import register_webhook, wait_until_up

PUBLISHABLE_KEY = "pk_test_portal"
SECRET_KEY = "sk_test_portal"
WEBHOOK_SECRET = "whsec_test_portal"

GOOD_CARD = "4242424242424242"
DECLINED_CARD = "4000000000000341"  # attaches, then declined when charged
THREE_D_SECURE_CARD = "4000002500003155"
ALWAYS_CHECKED_CARD = "4000002760003184"  # the bank checks it is them on every payment
DECLINED_ON_ATTACH_CARD = "4000000000000002"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LocalStripe:
    base_url: str
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def settings(self) -> dict:
        return {
            "STRIPE_SECRET_KEY": SECRET_KEY,
            "STRIPE_PUBLISHABLE_KEY": PUBLISHABLE_KEY,
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "STRIPE_API_BASE": self.base_url,
            "STRIPE_JS_URL": f"{self.base_url}/js.stripe.com/v3/",
        }

    def _post(self, path: str, data: dict, *, secret: bool = True) -> dict:
        auth = (SECRET_KEY, "") if secret else None
        response = requests.post(f"{self.base_url}{path}", data=data, auth=auth, timeout=10)
        body = response.json()
        if response.status_code != 200:
            raise RuntimeError(f"localstripe {path}: {response.status_code} {body}")
        return body

    def get(self, path: str, **params) -> dict:
        response = requests.get(f"{self.base_url}{path}", params=params, auth=(SECRET_KEY, ""), timeout=10)
        response.raise_for_status()
        return response.json()

    def create_payment_method(self, number: str) -> str:
        """What Stripe.js's createPaymentMethod does with a card typed into the card element; returns its id.

        With the publishable key, as a page has it (tests/localstripe_server.py lets localstripe take it).
        """
        card = {
            "key": PUBLISHABLE_KEY,
            "type": "card",
            "card[number]": number,
            "card[exp_month]": "12",
            "card[exp_year]": "2034",
            "card[cvc]": "123",
        }
        return self._post("/v1/payment_methods", card, secret=False)["id"]

    def confirm_setup(self, client_secret: str, number: str) -> dict:
        """What Stripe.js's confirmCardSetup does with a card typed into the card element."""
        setup_intent_id = client_secret.split("_secret_")[0]
        card = {
            "type": "card",
            "card[number]": number,
            "card[exp_month]": "12",
            "card[exp_year]": "2034",
            "card[cvc]": "123",
        }
        method = self._post("/v1/payment_methods", card)
        setup = self._post(
            f"/v1/setup_intents/{setup_intent_id}/confirm",
            {"payment_method": method["id"], "client_secret": client_secret},
        )
        if setup["status"] == "requires_action":  # 3-D Secure on saving the card: pass it
            setup = self._post(f"/v1/setup_intents/{setup_intent_id}/confirm", {"client_secret": client_secret})
        return setup

    def authenticate(self, client_secret: str, *, success: bool) -> dict:
        """Pass or fail 3-D Secure on a PaymentIntent, as localstripe's Stripe.js modal does."""
        intent_id = client_secret.split("_secret_")[0]
        return self._post(
            f"/v1/payment_intents/{intent_id}/_authenticate?success={'true' if success else 'false'}",
            {"key": PUBLISHABLE_KEY, "client_secret": client_secret},
            secret=False,
        )

    def payment_intents(self, reference: str) -> list[dict]:
        """Every PaymentIntent made for one of our payments."""
        return self.intents_where("payment_reference", {reference})

    def intents_where(self, key: str, values: set[str]) -> list[dict]:
        """Every PaymentIntent whose metadata[key] is one of `values`, over every page (oldest first)."""
        found, after = [], {}
        while True:
            page = self.get("/v1/payment_intents", limit=100, **after)
            found += [intent for intent in page["data"] if (intent.get("metadata") or {}).get(key) in values]
            if not page["has_more"]:
                return found
            after = {"starting_after": page["data"][-1]["id"]}

    def events(self, event_type: str, payment_intent_id: str) -> list[dict]:
        listing = self.get("/v1/events", type=event_type, limit=100)
        return [e for e in listing["data"] if e["data"]["object"].get("id") == payment_intent_id]

    def send_webhooks_to(self, url: str) -> None:
        register_webhook(self.base_url, "portal", url, WEBHOOK_SECRET)


#: the repository, where `python -m tests.localstripe_server` finds its package
ROOT = Path(__file__).resolve().parent.parent


def _localstripe_command(port: int) -> list[str]:
    """localstripe with what it lacks of Stripe's that the portal uses (tests/localstripe_server.py)."""
    return [sys.executable, "-m", "tests.localstripe_server", "--port", str(port), "--from-scratch"]


@pytest.fixture
def settings(localstripe, tmp_path):
    """App settings for tests that take card payments: this session's localstripe, emails in a folder.

    Import it with `localstripe` into a test module or conftest to use it there.
    """
    return localstripe.settings | {"MAIL_BACKEND": "file", "MAIL_DIR": str(tmp_path / "mail")}


@pytest.fixture(scope="session")
def localstripe(tmp_path_factory):
    """A localstripe server for the whole test session (LOCALSTRIPE_URL uses one already running)."""
    if os.environ.get("LOCALSTRIPE_URL"):
        server = LocalStripe(os.environ["LOCALSTRIPE_URL"].rstrip("/"))
        wait_until_up(server.base_url)
        yield server
        return
    port = _free_port()
    log = (tmp_path_factory.mktemp("localstripe") / "localstripe.log").open("w")
    process = subprocess.Popen(_localstripe_command(port), stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    server = LocalStripe(f"http://127.0.0.1:{port}", process)
    try:
        wait_until_up(server.base_url, timeout=30)
    except TimeoutError:
        process.kill()
        log.close()
        raise RuntimeError(f"localstripe did not start: {Path(log.name).read_text()[-2000:]}") from None
    yield server
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    log.close()


class Payer:
    """Drives the payment pages as a debtor's phone does: the amount form, then what pay.js does."""

    def __init__(self, browser, stripe: LocalStripe):
        self.browser = browser
        self.stripe = stripe

    def amount_form(self, account_id: int) -> tuple[str, str]:
        """The amount page's HTML and the idempotency key that came with it."""
        html = self.browser.get(f"/accounts/{account_id}/pay").get_data(as_text=True)
        key = re.search(r'name="idempotency_key" type="hidden" value="([^"]+)"', html).group(1)
        return html, key

    def choose(self, account_id: int, amount: str | None = None, *, key: str | None = None):
        """Send the amount form; returns the response (303 to the card page when accepted)."""
        if key is None:
            _, key = self.amount_form(account_id)
        data = {"idempotency_key": key}
        data |= {"choice": "full"} if amount is None else {"choice": "other", "amount": amount}
        return self.browser.post(f"/accounts/{account_id}/pay", data)

    def start(self, account_id: int, amount: str | None = None) -> str:
        """Choose an amount; returns the payment's reference."""
        response = self.choose(account_id, amount)
        assert response.status_code == 303, response.get_data(as_text=True)
        return response.headers["Location"].rsplit("/", 1)[-1]

    def post_json(self, path: str, body: dict | None = None):
        headers = {"X-CSRFToken": self.browser.token(), "Accept": "application/json"}
        return self.browser.client.post(path, json=body or {}, headers=headers)

    def setup(self, reference: str) -> dict:
        response = self.post_json(f"/pay/{reference}/setup")
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()

    def confirm(self, reference: str, setup_intent: str | None = None, *, payment_method: str | None = None) -> dict:
        body = {"payment_method": payment_method} if payment_method else {"setup_intent": setup_intent}
        response = self.post_json(f"/pay/{reference}/confirm", body)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()

    def pay_at_once(self, reference: str, number: str) -> dict:
        """Enter a card and press Pay as pay.js does with Stripe's own Stripe.js: the card is made into a payment
        method in the browser, and the payment is its only check with the bank. Returns our server's answer."""
        return self.confirm(reference, payment_method=self.stripe.create_payment_method(number))

    def enter_card(self, reference: str, number: str) -> str:
        """Stripe.js's part: set the card up; returns the SetupIntent id."""
        secret = self.setup(reference)["client_secret"]
        return self.stripe.confirm_setup(secret, number)["id"]

    def pay(self, reference: str, number: str) -> dict:
        """Enter a card and press Pay; returns our server's answer."""
        return self.confirm(reference, self.enter_card(reference, number))

    def retry(self, answer: dict) -> str:
        """After a decline: start a new attempt as pay.js does; returns its reference."""
        response = self.browser.client.post(
            answer["retry"]["url"],
            json={"idempotency_key": answer["retry"]["key"]},
            headers={"X-CSRFToken": self.browser.token(), "Accept": "application/json"},
        )
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()["reference"]
