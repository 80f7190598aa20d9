"""Staff sign in with a password and a TOTP code, from an account set up through a one-time link; their sessions
live on the server, apart from debtors', and end on sign-out, by timeout, by an admin, or after a new set-up."""

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pyotp
import pytest
import requests
from sqlalchemy import func, select

from portal import clock
from portal.extensions import db
from portal.models import AuditEvent, StaffSession, StaffUser
from tests.conftest import Browser, csrf_from
from tests.factories import make_account, make_creditor, make_debtor, make_link
from tests.live_server import serve
from tests.staff_support import PASSWORD, StaffBrowser, make_staff, next_code


@pytest.fixture
def creditor():
    return make_creditor(name="Harbour Credit", slug="harbour")


def _set_up_link(app, creditor, *args: str) -> str:
    db.session.commit()
    result = app.test_cli_runner().invoke(
        args=[
            "staff",
            "create",
            "sam@agency.example",
            "--name",
            "Sam Carter",
            "--role",
            "agent",
            "--creditor",
            creditor.slug,
            *args,
        ]
    )
    assert result.exit_code == 0, result.output
    return re.search(r"http://\S+(/staff/set-up/\S+)", result.output).group(1)


def _secret(page: str) -> str:
    return re.search(r'id="secret"[^>]*>([A-Z2-7]+)<', page).group(1)


def test_a_new_staff_user_sets_up_a_password_and_authenticator_then_signs_in(app, creditor):
    path = _set_up_link(app, creditor)
    browser = StaffBrowser(app.test_client())
    page = browser.get(path).get_data(as_text=True)
    assert "<svg" in page and "QR code" in page
    secret = _secret(page)
    code = pyotp.TOTP(secret).at(clock.now())
    response = browser.client.post(
        path, data={"csrf_token": csrf_from(page), "password": PASSWORD, "secret": secret, "code": code}
    )
    assert response.headers["Location"] == "/staff/sign-in"
    user = db.session.scalar(select(StaffUser).where(StaffUser.email == "sam@agency.example"))
    assert user.is_set_up and user.password_hash.startswith("scrypt:") and PASSWORD not in user.password_hash
    assert browser.get(path).status_code == 404, "the set-up link works once"
    browser.sign_in(user)
    assert "Find a debtor" in browser.get("/staff/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("password", "says"),
    [
        ("short pass", "at least 12 characters"),
        ("password1234", "most common"),
        ("sam@agency.example!!", "email address"),
        ("my name is sam, ok?", "email address"),
    ],
)
def test_a_weak_password_is_refused_with_the_reason(app, creditor, password, says):
    path = _set_up_link(app, creditor)
    browser = StaffBrowser(app.test_client())
    page = browser.get(path).get_data(as_text=True)
    secret = _secret(page)
    response = browser.client.post(
        path,
        data={
            "csrf_token": csrf_from(page),
            "password": password,
            "secret": secret,
            "code": pyotp.TOTP(secret).at(clock.now()),
        },
    )
    assert response.status_code == 200
    assert says in response.get_data(as_text=True)
    assert db.session.scalar(select(StaffUser.password_hash).where(StaffUser.email == "sam@agency.example")) is None


def test_set_up_needs_a_code_from_the_app_just_enrolled(app, creditor):
    path = _set_up_link(app, creditor)
    browser = StaffBrowser(app.test_client())
    page = browser.get(path).get_data(as_text=True)
    response = browser.client.post(
        path, data={"csrf_token": csrf_from(page), "password": PASSWORD, "secret": _secret(page), "code": "000000"}
    )
    assert "That code is not right" in response.get_data(as_text=True)


def test_a_set_up_link_expires_after_a_day(app, creditor, monkeypatch):
    path = _set_up_link(app, creditor)
    later = clock.now() + timedelta(hours=24, minutes=1)
    monkeypatch.setattr(clock, "now", lambda: later)
    response = app.test_client().get(path)
    assert response.status_code == 404
    assert "Ask an admin for a new one" in response.get_data(as_text=True)


def test_the_password_alone_does_not_open_the_console(app, creditor):
    user = make_staff(creditor)
    browser = StaffBrowser(app.test_client())
    db.session.commit()
    response = browser.post("/staff/sign-in", {"email": user.email, "password": PASSWORD})
    assert response.headers["Location"].startswith("/staff/sign-in/code")
    assert browser.get("/staff/").headers["Location"].startswith("/staff/sign-in")


def test_a_code_is_good_once(app, creditor):
    user = make_staff(creditor)
    browser = StaffBrowser(app.test_client())
    db.session.commit()
    browser.post("/staff/sign-in", {"email": user.email, "password": PASSWORD})
    code = next_code(user)
    assert browser.post("/staff/sign-in/code", {"code": code}).status_code == 302
    again = StaffBrowser(app.test_client())
    again.post("/staff/sign-in", {"email": user.email, "password": PASSWORD})
    response = again.post("/staff/sign-in/code", {"code": code})
    assert response.status_code == 200
    assert "password or code is wrong" in response.get_data(as_text=True)


def test_five_wrong_answers_lock_the_account_for_fifteen_minutes(app, creditor, monkeypatch):
    user = make_staff(creditor)
    browser = StaffBrowser(app.test_client())
    db.session.commit()
    for _ in range(4):
        page = browser.post("/staff/sign-in", {"email": user.email, "password": "wrong password here"})
        assert "password or code is wrong" in page.get_data(as_text=True)
    fifth = browser.post("/staff/sign-in", {"email": user.email, "password": "wrong password here"})
    assert "locked after too many wrong answers. Try again in 15 minutes" in fifth.get_data(as_text=True)
    response = browser.post("/staff/sign-in", {"email": user.email, "password": PASSWORD})
    assert "locked" in response.get_data(as_text=True), "the right password is refused while locked"
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "staff.locked")) is not None
    later = clock.now() + timedelta(minutes=15, seconds=1)
    monkeypatch.setattr(clock, "now", lambda: later)
    browser.sign_in(user)


def test_wrong_codes_count_towards_the_lock_too(app, creditor):
    user = make_staff(creditor)
    browser = StaffBrowser(app.test_client())
    db.session.commit()
    browser.post("/staff/sign-in", {"email": user.email, "password": PASSWORD})
    for _ in range(5):
        browser.post("/staff/sign-in/code", {"code": "123456"})
    db.session.refresh(user)
    assert user.locked_until is not None
    browser.post("/staff/sign-in/code", {"code": next_code(user)})
    assert browser.get("/staff/").headers["Location"].startswith("/staff/sign-in")


def test_twenty_wrong_passwords_at_once_are_checked_at_most_five_times(app_on_each_database):
    """Over real HTTP, each request its own thread and database connection, on SQLite and PostgreSQL."""
    app = app_on_each_database
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_size": 25, "max_overflow": 0}
    user = make_staff(make_creditor())
    db.session.commit()
    email = user.email
    with serve(app) as base_url:
        browsers = []
        for _ in range(20):
            browser = requests.Session()
            token = csrf_from(browser.get(base_url + "/staff/sign-in", timeout=10).text)
            browsers.append((browser, token))
        barrier = threading.Barrier(len(browsers))

        def answer(browser_and_token):
            browser, token = browser_and_token
            barrier.wait()
            form = {"csrf_token": token, "email": email, "password": "wrong password here"}
            return browser.post(base_url + "/staff/sign-in", data=form, timeout=30).status_code

        with ThreadPoolExecutor(max_workers=len(browsers)) as pool:
            statuses = list(pool.map(answer, browsers))
    db.session.expire_all()
    checked = db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "staff.sign_in_failed"))
    assert set(statuses) == {200}
    assert checked == app.config["STAFF_MAX_FAILURES"], f"{checked} of 20 passwords were compared"
    assert db.session.get(StaffUser, user.id).locked_until is not None


def test_an_unknown_email_gets_the_same_answer_as_a_wrong_password(app, creditor):
    browser = StaffBrowser(app.test_client())
    response = browser.post("/staff/sign-in", {"email": "nobody@agency.example", "password": PASSWORD})
    assert "The email address, password or code is wrong." in response.get_data(as_text=True)


def test_sign_out_ends_the_session_on_the_server(app, creditor):
    user = make_staff(creditor)
    browser = StaffBrowser(app.test_client())
    browser.sign_in(user)
    cookie = browser.client.get_cookie("portal_staff").value
    browser.post("/staff/sign-out")
    copy = app.test_client()
    copy.set_cookie("portal_staff", cookie)
    assert copy.get("/staff/").headers["Location"].startswith("/staff/sign-in")


@pytest.mark.parametrize(("idle", "ends"), [(timedelta(minutes=29), False), (timedelta(minutes=31), True)])
def test_a_staff_session_ends_after_thirty_idle_minutes(app, creditor, monkeypatch, idle, ends):
    user = make_staff(creditor)
    browser = StaffBrowser(app.test_client())
    browser.sign_in(user)
    later = clock.now() + idle
    monkeypatch.setattr(clock, "now", lambda: later)
    response = browser.get("/staff/")
    assert (response.status_code == 302) is ends


def test_a_staff_session_ends_after_ten_hours_however_busy(app, creditor, monkeypatch):
    user = make_staff(creditor)
    browser = StaffBrowser(app.test_client())
    browser.sign_in(user)
    start = clock.now()
    for minutes in range(20, 600, 20):
        at = start + timedelta(minutes=minutes)
        monkeypatch.setattr(clock, "now", lambda at=at: at)
        assert browser.get("/staff/").status_code == 200
    end = start + timedelta(hours=10, minutes=1)
    monkeypatch.setattr(clock, "now", lambda: end)
    assert browser.get("/staff/").status_code == 302


def test_an_admin_ends_every_session_of_a_staff_user(app, creditor):
    user = make_staff(creditor)
    browser = StaffBrowser(app.test_client())
    browser.sign_in(user)
    result = app.test_cli_runner().invoke(args=["staff", "end-sessions", user.email])
    assert "1 session(s) ended" in result.output
    assert browser.get("/staff/").status_code == 302
    ended = db.session.scalar(select(StaffSession.ended_reason).where(StaffSession.staff_user_id == user.id))
    assert ended == "ended_by_admin"


def test_a_debtors_cookie_never_opens_a_staff_page(app, creditor):
    debtor = make_debtor(creditor)
    make_account(debtor)
    db.session.commit()
    debtor_browser = Browser(app.test_client())
    debtor_browser.sign_in(make_link(debtor), debtor)
    assert debtor_browser.get("/accounts/").status_code == 200
    assert debtor_browser.get("/staff/").headers["Location"].startswith("/staff/sign-in")


def test_a_staff_cookie_never_opens_a_debtors_page(app, creditor):
    make_account(make_debtor(creditor))
    browser = StaffBrowser(app.test_client())
    browser.sign_in(make_staff(creditor))
    assert browser.get("/accounts/").status_code == 302


def test_the_staff_cookie_holds_only_a_random_token_and_is_strict(app, creditor):
    browser = StaffBrowser(app.test_client())
    user = make_staff(creditor)
    db.session.commit()
    browser.post("/staff/sign-in", {"email": user.email, "password": PASSWORD})
    response = browser.post("/staff/sign-in/code", {"code": next_code(user)})
    header = next(value for value in response.headers.getlist("Set-Cookie") if value.startswith("portal_staff="))
    assert "HttpOnly" in header and "SameSite=Strict" in header
    value = header.split(";")[0].split("=", 1)[1]
    assert user.email not in header
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", value)  # 32 random bytes, nothing signed or encoded in it


def test_the_token_given_before_the_code_is_worthless_after_it(app, creditor):
    user = make_staff(creditor)
    browser = StaffBrowser(app.test_client())
    db.session.commit()
    browser.post("/staff/sign-in", {"email": user.email, "password": PASSWORD})
    before = browser.client.get_cookie("portal_staff").value
    browser.post("/staff/sign-in/code", {"code": next_code(user)})
    copy = app.test_client()
    copy.set_cookie("portal_staff", before)
    assert copy.get("/staff/").status_code == 302


def test_totp_codes_in_development_come_from_flask_staff_totp(app, creditor):
    user = make_staff(creditor)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["staff", "totp", user.email])
    assert result.output.strip() == pyotp.TOTP(user.totp_secret).at(clock.now())
    app.config["PORTAL_ENV"] = "production"
    refused = app.test_cli_runner().invoke(args=["staff", "totp", user.email])
    assert refused.exit_code != 0 and "Only in development" in refused.output


def test_flask_staff_create_takes_the_issues_arguments_and_names_them_from_the_email(app, creditor):
    other = make_creditor(slug="northwind")
    db.session.commit()
    result = app.test_cli_runner().invoke(
        args=[
            "staff",
            "create",
            "sam.carter@agency.example",
            "--role",
            "supervisor",
            "--creditor",
            "harbour",
            "--creditor",
            "northwind",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "/staff/set-up/" in result.output and "good for 24 hours and once" in result.output
    user = db.session.scalar(select(StaffUser).where(StaffUser.email == "sam.carter@agency.example"))
    assert (user.name, user.role, user.creditor_ids) == ("Sam Carter", "supervisor", {creditor.id, other.id})
    assert user.password_hash is None and user.setup_token_hash not in result.output
