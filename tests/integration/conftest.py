"""Fixtures for the integration tests."""

from tests.sms_support import _twilio_server, twilio  # noqa: F401  (a Twilio stand-in per test session)
from tests.stripe_server import localstripe  # noqa: F401  (a localstripe server per test session)
