"""Signing out and quick exit end the session on the server: a copy of the cookie is worthless afterwards."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from portal.extensions import db
from portal.models import Account, Debtor
from portal.sessions import revoke_sessions
from tests.conftest import Browser, main_text
from tests.factories import make_account, make_debtor, make_link


@pytest.fixture
def debtor(app, browser):
    debtor = make_debtor()
    make_account(debtor)
    db.session.commit()
    browser.sign_in(make_link(debtor), debtor)
    return debtor


def _copy_of_the_cookie(app, browser):
    """Another browser holding the same session cookie, as someone who copied it would."""
    cookie = browser.client.get_cookie("portal_session")
    thief = app.test_client()
    thief.set_cookie(cookie.key, cookie.value, domain=cookie.domain)
    return thief


def _sign_out(browser):
    browser.post("/sign-out")


def _quick_exit(browser):
    page = browser.get("/accounts/").get_data(as_text=True)
    form = re.search(r"<form [^>]*data-quick-exit.*?</form>", page, re.S).group(0)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    browser.client.post("/help/exit", data={"csrf_token": token})


@pytest.mark.parametrize("leave", [_sign_out, _quick_exit], ids=["sign-out", "quick-exit"])
def test_a_copied_cookie_does_not_open_the_account_afterwards(app, browser, debtor, leave):
    thief = _copy_of_the_cookie(app, browser)
    assert thief.get("/accounts/").status_code == 200

    leave(browser)

    replayed = thief.get("/accounts/")
    assert replayed.status_code == 302
    assert replayed.headers["Location"].startswith("/?next=")
    assert replayed.headers["Location"] == "/?next=%2Faccounts%2F"
    assert browser.get("/accounts/").status_code == 302
    assert browser.get("/accounts/").headers["Location"] == "/?next=%2Faccounts%2F"


def test_signing_out_ends_the_debtors_sessions_on_other_devices_too(app, browser, debtor):
    """The session version belongs to the debtor, not to one browser."""
    other_device = Browser(app.test_client())
    other_device.sign_in(make_link(debtor), debtor)

    _sign_out(browser)

    assert other_device.get("/accounts/").status_code == 302
    assert other_device.get("/accounts/").headers["Location"] == "/?next=%2Faccounts%2F"


def test_signing_in_again_after_signing_out_works(browser, debtor):
    _sign_out(browser)
    browser.sign_in(make_link(debtor), debtor)
    assert browser.get("/accounts/").status_code == 200
    assert "What you owe" in main_text(browser.get("/accounts/"))


def test_revoking_adds_one_in_the_database_so_a_stale_copy_of_the_row_cannot_undo_it(app, debtor):
    stale = db.session.get(Debtor, debtor.id)
    version = stale.session_version
    with app.app_context():  # someone else signs the debtor out meanwhile
        revoke_sessions(debtor.id)
        db.session.commit()

    revoke_sessions(stale.id)
    db.session.commit()

    db.session.expire_all()
    assert db.session.get(Debtor, debtor.id).session_version == version + 2


def test_a_timed_out_cookie_elsewhere_does_not_sign_the_debtor_out_here(app, browser, debtor):
    """An expired cookie is refused on its own (its times are signed); it must not end the live session."""
    old_tab = _copy_of_the_cookie(app, browser)
    idle = app.config["PERMANENT_SESSION_LIFETIME"]
    with old_tab.session_transaction() as session:
        session["last_seen"] = (datetime.now(UTC) - idle - timedelta(minutes=1)).timestamp()

    assert old_tab.get("/accounts/").status_code == 302
    assert browser.get("/accounts/").status_code == 200
    assert "What you owe" in main_text(browser.get("/accounts/"))


def test_pages_with_account_data_are_never_stored_so_back_asks_the_server_again(browser, debtor):
    """Not kept in the HTTP cache or the back-forward cache: Back after signing out shows nothing."""
    account = db.session.scalar(db.select(Account).where(Account.debtor_id == debtor.id))
    for path in ("/accounts/", f"/accounts/{account.id}", "/help/messages"):
        response = browser.get(path)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store"


def test_a_page_that_changes_nothing_in_the_session_sends_no_new_cookie(browser, debtor):
    """Re-signing the cookie on every page cost CPU and bytes for nothing: the idle clock moves once a minute."""
    browser.get("/accounts/")
    assert "Set-Cookie" not in browser.get("/accounts/").headers
    assert "Set-Cookie" not in browser.get("/rights").headers


def test_the_idle_clock_moves_on_once_it_is_a_minute_behind(browser, debtor):
    two_minutes_ago = (datetime.now(UTC) - timedelta(minutes=2)).timestamp()
    with browser.client.session_transaction() as session:
        session["last_seen"] = two_minutes_ago

    response = browser.get("/accounts/")

    assert "portal_session=" in response.headers["Set-Cookie"]
    with browser.client.session_transaction() as session:
        assert session["last_seen"] > two_minutes_ago + 100
