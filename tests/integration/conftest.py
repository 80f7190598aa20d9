"""Fixtures for the integration tests."""

from tests.stripe_server import localstripe  # noqa: F401  (a localstripe server per test session)
