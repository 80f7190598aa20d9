"""API keys in the console: an admin makes a key for one of their creditors (shown once), sees the keys without
their secrets, and revokes one after confirming; other roles may not."""

import re

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import ApiKey
from tests.api_support import ApiClient
from tests.conftest import main_text
from tests.factories import make_creditor
from tests.staff_support import StaffBrowser, make_staff


@pytest.fixture
def creditor(app):
    creditor = make_creditor(name="Harbour Credit", slug="harbour")
    db.session.commit()
    return creditor


def _console(app, creditor, role="admin") -> StaffBrowser:
    console = StaffBrowser(app.test_client())
    console.sign_in(make_staff(creditor, role=role))
    return console


def test_an_admin_makes_a_key_that_is_shown_once_and_works(app, creditor):
    console = _console(app, creditor)

    page = console.post("/staff/admin/creditors/harbour/api-keys", {"name": "Collections system"})

    key = re.search(r'id="api-key">(pk_live_[^<]+)<', page.get_data(as_text=True)).group(1)
    assert ApiClient(app, key).get("/api/v1/events").status_code == 200
    listing = console.get("/staff/admin/creditors/harbour/api-keys")
    assert "Collections system" in main_text(listing)
    assert key not in listing.get_data(as_text=True)
    assert db.session.scalar(select(ApiKey.created_by)).startswith("Alex Staff")


def test_a_key_needs_a_name(app, creditor):
    response = _console(app, creditor).post("/staff/admin/creditors/harbour/api-keys", {"name": " "})

    assert response.status_code == 400
    assert db.session.scalar(select(ApiKey)) is None


def test_revoking_a_key_asks_first_then_stops_it(app, creditor):
    console = _console(app, creditor)
    page = console.post("/staff/admin/creditors/harbour/api-keys", {"name": "Old system"}).get_data(as_text=True)
    key = re.search(r'id="api-key">(pk_live_[^<]+)<', page).group(1)
    path = f"/staff/admin/creditors/harbour/api-keys/{db.session.scalar(select(ApiKey.lookup))}/revoke"

    asked = console.post(path)
    assert "Revoke the key" in main_text(asked)
    assert ApiClient(app, key).get("/api/v1/events").status_code == 200

    console.post(path, {"confirmed": "yes"})
    assert ApiClient(app, key).get("/api/v1/events").status_code == 401
    assert "Revoked on" in main_text(console.get("/staff/admin/creditors/harbour/api-keys"))


def test_the_creditor_settings_page_links_to_the_keys(app, creditor):
    page = _console(app, creditor).get("/staff/admin/creditors/harbour")

    assert "/staff/admin/creditors/harbour/api-keys" in page.get_data(as_text=True)


@pytest.mark.parametrize("role", ["agent", "supervisor"])
def test_only_admins_manage_keys(app, creditor, role):
    assert _console(app, creditor, role).get("/staff/admin/creditors/harbour/api-keys").status_code == 403
