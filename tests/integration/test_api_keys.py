"""API keys: shown once and stored hashed, refused when missing, wrong or revoked, last use recorded at most
once a minute; and the API never sets a session cookie."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.api import keys
from portal.demo import service as demo_service
from portal.extensions import db
from portal.models import ApiKey
from tests.api_support import DEBTOR, ApiClient, api_for, make_key
from tests.factories import make_creditor


@pytest.fixture
def creditor(app):
    creditor = make_creditor()
    db.session.commit()
    return creditor


def test_a_key_is_stored_only_as_its_hash(app, creditor):
    key = make_key(creditor)

    row = db.session.scalar(select(ApiKey))
    assert key.startswith(f"pk_live_{row.lookup}_")
    assert key not in (row.key_hash, row.lookup)
    assert len(row.key_hash) == 64


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer ", "Bearer pk_live_nothing_here", "Basic dXNlcjpwYXNz", "Bearer {key}x", "Token {key}"],
)
def test_requests_without_a_good_key_are_refused_as_problems(app, creditor, authorization):
    key = make_key(creditor)
    headers = {"Authorization": authorization.format(key=key)} if authorization else {}

    response = app.test_client().get("/api/v1/events", headers=headers)

    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.get_json()["status"] == 401


def test_a_revoked_key_stops_working_at_once(app, creditor):
    api = api_for(app, creditor)
    assert api.get("/api/v1/events").status_code == 200

    keys.revoke(db.session.scalar(select(ApiKey)), by="tests")
    db.session.commit()

    assert api.get("/api/v1/events").status_code == 401


def test_last_use_is_recorded_at_most_once_a_minute(app, creditor, monkeypatch):
    api = api_for(app, creditor)
    start = clock.now()
    api.get("/api/v1/events")
    monkeypatch.setattr(clock, "now", lambda: start + timedelta(seconds=30))
    api.get("/api/v1/events")
    db.session.expire_all()
    assert db.session.scalar(select(ApiKey.last_used_at)) == start

    monkeypatch.setattr(clock, "now", lambda: start + timedelta(seconds=61))
    api.get("/api/v1/events")
    db.session.expire_all()
    assert db.session.scalar(select(ApiKey.last_used_at)) == start + timedelta(seconds=61)


def test_the_api_sets_no_session_cookie_and_needs_no_csrf_token(app, creditor):
    api = api_for(app, creditor)
    api.client.get("/")  # a debtor page may start a session; the API must neither read nor refresh it

    response = api.put("/api/v1/debtors/D1", DEBTOR)

    assert response.status_code == 201
    assert "Set-Cookie" not in response.headers


def test_flask_apikey_create_prints_a_working_key_once(app, creditor):
    result = app.test_cli_runner().invoke(args=["apikey", "create", "--creditor", creditor.slug, "--name", "CRM"])

    assert result.exit_code == 0, result.output
    key = result.output.split()[-1]
    assert ApiClient(app, key).get("/api/v1/events").status_code == 200
    listed = app.test_cli_runner().invoke(args=["apikey", "list"]).output
    assert "CRM" in listed
    assert key not in listed


def test_flask_apikey_revoke_stops_the_key(app, creditor):
    key = make_key(creditor)
    lookup = db.session.scalar(select(ApiKey.lookup))

    result = app.test_cli_runner().invoke(args=["apikey", "revoke", lookup])

    assert result.exit_code == 0, result.output
    assert ApiClient(app, key).get("/api/v1/events").status_code == 401
    assert "revoked" in app.test_cli_runner().invoke(args=["apikey", "list", "--creditor", creditor.slug]).output


def test_the_demo_prints_a_working_api_key_in_development_only(app):
    assert not [line for line in demo_service.seed() if "Bearer" in line]

    app.config["PORTAL_ENV"] = "development"
    (line,) = [line for line in demo_service.seed() if "Bearer" in line]
    db.session.commit()

    assert ApiClient(app, line.split()[-1]).get("/api/v1/events").status_code == 200
    assert len([line for line in demo_service.seed() if "Bearer" in line]) == 1
    assert db.session.scalar(select(func.count(ApiKey.id))) == 1
