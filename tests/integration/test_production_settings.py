"""Production refuses settings that would lose the money and sign-in rules, and sends the headers it must."""

import pytest
from flask import request

from portal import create_app
from portal.extensions import db
from tests.conftest import TEST_SETTINGS
from tests.factories import make_account, make_debtor, make_link

POSTGRES = "postgresql+psycopg://portal@db.internal/portal"
REDIS = "redis://127.0.0.1:6379/0"


def _production(**overrides):
    return create_app(
        TEST_SETTINGS
        | {"PORTAL_ENV": "production", "SQLALCHEMY_DATABASE_URI": POSTGRES, "RATELIMIT_STORAGE_URI": REDIS}
        | overrides
    )


def test_production_starts_with_postgresql_and_redis():
    assert _production().config["PORTAL_ENV"] == "production"


def test_production_refuses_sqlite_and_says_why(tmp_path):
    with pytest.raises(RuntimeError, match=r"DATABASE_URL must name a PostgreSQL database") as refused:
        _production(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'portal.db'}")
    assert "SQLite lets one writer in at a time" in str(refused.value)


def test_production_refuses_rate_limits_kept_in_memory():
    with pytest.raises(RuntimeError, match=r"RATELIMIT_STORAGE_URI must name a Redis server"):
        _production(RATELIMIT_STORAGE_URI="memory://")


def test_development_may_use_sqlite_and_memory(tmp_path):
    app = create_app(TEST_SETTINGS | {"PORTAL_ENV": "development", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"


@pytest.mark.parametrize(("trusted", "seen"), [(0, "127.0.0.1"), (1, "203.0.113.9")])
def test_the_debtors_address_comes_from_the_trusted_proxies_only(trusted, seen):
    app = create_app(TEST_SETTINGS | {"SQLALCHEMY_DATABASE_URI": "sqlite://", "TRUSTED_PROXIES": trusted})
    app.add_url_rule("/_address", "address", lambda: request.remote_addr or "")
    response = app.test_client().get(
        "/_address", headers={"X-Forwarded-For": "203.0.113.9"}, environ_base={"REMOTE_ADDR": "127.0.0.1"}
    )
    assert response.get_data(as_text=True) == seen


def test_behind_a_trusted_proxy_the_scheme_is_the_proxys():
    app = create_app(TEST_SETTINGS | {"SQLALCHEMY_DATABASE_URI": "sqlite://", "TRUSTED_PROXIES": 1})
    app.add_url_rule("/_scheme", "scheme", lambda: request.scheme)
    response = app.test_client().get("/_scheme", headers={"X-Forwarded-Proto": "https"})
    assert response.get_data(as_text=True) == "https"


@pytest.fixture
def settings():
    return {"HSTS_SECONDS": 31_536_000}


def test_pages_tell_browsers_to_use_https_only(app, browser):
    debtor = make_debtor()
    make_account(debtor)
    db.session.commit()
    for response in (browser.get(make_link(debtor), follow_redirects=True), browser.get("/")):
        assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
        assert (
            response.headers["Strict-Transport-Security"] == f"max-age={app.config['HSTS_SECONDS']}; includeSubDomains"
        )
        assert response.status_code == 200 and response.request.path in ("/start", "/")


@pytest.mark.parametrize(("environment", "seconds"), [("production", 31_536_000), ("development", 0)])
def test_hsts_is_on_by_default_in_production_only(environment, seconds):
    environ = {"PORTAL_ENV": environment, "SECRET_KEY": "x", "DATABASE_URL": POSTGRES, "RATELIMIT_STORAGE_URI": REDIS}
    assert create_app(environ=environ).config["HSTS_SECONDS"] == seconds


def test_the_demo_refuses_to_load_in_production(app):
    app.config["PORTAL_ENV"] = "production"
    result = app.test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code != 0
    assert "does not run with PORTAL_ENV=production" in result.output
