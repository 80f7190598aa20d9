"""The security baseline: CSRF, cookies, timeouts, headers, revocation."""

import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from portal import create_app
from portal.extensions import db
from portal.models import Account
from tests.conftest import main_text
from tests.factories import make_account, make_debtor, make_link


@pytest.fixture
def signed_in(app, browser):
    debtor = make_debtor()
    make_account(debtor)
    db.session.commit()
    browser.sign_in(make_link(debtor), debtor)
    return debtor


def test_a_post_without_a_csrf_token_is_refused(browser, signed_in):
    response = browser.client.post("/language", data={"language": "es", "next": "/accounts/"})
    assert response.status_code == 400
    assert "The form had expired" in response.get_data(as_text=True)


def test_an_htmx_post_carries_the_csrf_token_in_a_header(browser, signed_in):
    account = db.session.scalar(db.select(Account).where(Account.debtor_id == signed_in.id))
    page = browser.get(f"/accounts/{account.id}/plans").get_data(as_text=True)  # a page that uses htmx
    headers = json.loads(re.search(r"hx-headers='([^']+)'", page).group(1))
    refused = browser.client.post("/language", data={"language": "es"}, headers={"HX-Request": "true"})
    accepted = browser.client.post("/language", data={"language": "es"}, headers={"HX-Request": "true", **headers})
    assert refused.status_code == 400
    assert accepted.status_code == 302
    assert "The form had expired or was sent twice" in main_text(refused)
    assert accepted.headers["Location"] == "/"


def test_forms_work_over_https_although_pages_send_no_referrer(app):
    """Browsers send no Referer under our Referrer-Policy, so the token alone must be enough."""
    debtor = make_debtor()
    db.session.commit()
    client = app.test_client()
    start = client.get(make_link(debtor), base_url="https://portal.test", follow_redirects=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', start.get_data(as_text=True)).group(1)
    response = client.post("/start", data={"csrf_token": token}, base_url="https://portal.test")
    assert response.status_code == 302
    assert response.headers["Location"] == "/verify"


def test_an_identity_answer_without_a_csrf_token_is_refused(browser, app):
    debtor = make_debtor()
    db.session.commit()
    browser.get(make_link(debtor))
    assert (
        browser.client.post(
            "/verify", data={"date_of_birth-day": "17", "date_of_birth-month": "5", "date_of_birth-year": "1980"}
        ).status_code
        == 400
    )
    refused = browser.client.post(
        "/verify", data={"date_of_birth-day": "17", "date_of_birth-month": "5", "date_of_birth-year": "1980"}
    )
    assert "The form had expired or was sent twice" in main_text(refused)


def test_the_session_cookie_is_http_only_and_same_site_lax(browser, signed_in):
    cookie = browser.client.get_cookie("portal_session")
    assert cookie.http_only
    assert cookie.same_site == "Lax"


@pytest.mark.parametrize(("environment", "secure"), [("production", True), ("development", False)])
def test_the_session_cookie_is_secure_outside_development(environment, secure):
    environ = {
        "PORTAL_ENV": environment,
        "SECRET_KEY": "x",
        "DATABASE_URL": "postgresql+psycopg://portal@db.internal/portal",
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
    }
    assert create_app(environ=environ).config["SESSION_COOKIE_SECURE"] is secure


def test_a_session_idle_for_too_long_ends(app, browser, signed_in):
    idle = app.config["PERMANENT_SESSION_LIFETIME"]
    with browser.client.session_transaction() as session:
        session["last_seen"] = (datetime.now(UTC) - idle - timedelta(minutes=1)).timestamp()
    assert browser.get("/accounts/").status_code == 302
    _assert_sent_to_sign_in_again(browser)


def test_a_session_ends_after_the_absolute_limit_however_active(app, browser, signed_in):
    limit = app.config["SESSION_ABSOLUTE_LIFETIME"]
    with browser.client.session_transaction() as session:
        session["signed_in_at"] = (datetime.now(UTC) - limit - timedelta(hours=1)).timestamp()
    assert browser.get("/accounts/").status_code == 302
    _assert_sent_to_sign_in_again(browser)


def test_an_active_session_carries_on(app, browser, signed_in):
    idle = app.config["PERMANENT_SESSION_LIFETIME"]
    with browser.client.session_transaction() as session:
        session["last_seen"] = (datetime.now(UTC) - idle + timedelta(minutes=5)).timestamp()
    assert browser.get("/accounts/").status_code == 200
    assert "What you owe" in main_text(browser.get("/accounts/"))


def _assert_sent_to_sign_in_again(browser):
    """The dashboard sends them to the start, which says why."""
    response = browser.get("/accounts/")
    assert response.headers["Location"] == "/?next=%2Faccounts%2F"
    assert "Your session has ended. Use the link in your message to sign in again." in main_text(
        browser.get(response.headers["Location"])
    )


def test_bumping_the_session_version_signs_the_debtor_out_everywhere(browser, signed_in):
    signed_in.session_version += 1
    db.session.commit()
    assert browser.get("/accounts/").status_code == 302
    _assert_sent_to_sign_in_again(browser)


def test_signing_in_starts_a_fresh_session(browser, app):
    debtor = make_debtor()
    db.session.commit()
    with browser.client.session_transaction() as session:
        session["planted"] = "by an attacker"
    browser.sign_in(make_link(debtor), debtor)
    with browser.client.session_transaction() as session:
        assert "planted" not in session


def test_signing_out_ends_the_session(browser, signed_in):
    assert browser.post("/sign-out").headers["Location"] == "/signed-out"
    assert browser.get("/accounts/").status_code == 302
    _assert_sent_to_sign_in_again(browser)


def test_pages_send_a_content_security_policy_without_inline_script(browser, signed_in):
    response = browser.get("/accounts/")
    policy = dict(part.strip().split(" ", 1) for part in response.headers["Content-Security-Policy"].split(";"))
    assert policy["script-src"] == "'self'"
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert "<script>" not in response.get_data(as_text=True)
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_the_inline_style_carries_the_responses_nonce(browser, signed_in):
    response = browser.get("/accounts/")
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    assert f'<style nonce="{nonce}">' in response.get_data(as_text=True)


def test_the_language_switch_only_returns_to_this_site(browser, signed_in):
    response = browser.post("/language", {"language": "es", "next": "//evil.example/"})
    assert response.headers["Location"] == "/"
