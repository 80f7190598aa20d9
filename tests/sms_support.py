"""The Twilio stand-in as pytest fixtures, and inbound texts signed as Twilio signs them."""

import secrets

import pytest
from twilio.request_validator import RequestValidator

from tests.twilio_server import AUTH_TOKEN, StandIn, start

#: what PUBLIC_BASE_URL says in the tests: Twilio signs the address it was told to call
INBOUND_URL = "http://portal.test/sms/inbound"


@pytest.fixture(scope="session")
def _twilio_server():
    state = StandIn()
    server = start(state)
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def twilio(_twilio_server) -> StandIn:
    """The stand-in, emptied for the test; its `settings` point the app at it."""
    _twilio_server.clear()
    return _twilio_server


def text_in(client, sender: str, body: str, *, token: str = AUTH_TOKEN):
    """POST a text from `sender` to the portal's webhook, signed with `token`."""
    form = {"From": sender, "To": "+15005550006", "Body": body, "MessageSid": "SM" + secrets.token_hex(16)}
    signature = RequestValidator(token).compute_signature(INBOUND_URL, form)
    return client.post("/sms/inbound", data=form, headers={"X-Twilio-Signature": signature})
