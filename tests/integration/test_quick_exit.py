"""Exit this page: on every page, a link straight to a neutral site that works without JavaScript;
with JavaScript it replaces the history entry and ends the session (tests/e2e/test_help.py)."""

import re
from pathlib import Path

import pytest

from portal.extensions import db
from portal.help import DEFAULT_QUICK_EXIT_URL
from portal.models import AuditEvent
from tests.factories import make_account, make_debtor, make_link

SCRIPT = Path(__file__).resolve().parents[2] / "portal" / "static" / "js" / "quick-exit.js"


@pytest.fixture
def debtor(app, browser):
    debtor = make_debtor()
    make_account(debtor)
    db.session.commit()
    browser.sign_in(make_link(debtor), debtor)
    return debtor


def _exit_link(page: str) -> str:
    match = re.search(r"<a [^>]*data-quick-exit[^>]*>.*?</a>", page, re.S)
    assert match, "page has no Exit this page button"
    return match.group(0)


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/",
        "/help/circumstances",
        "/help/contact",
        "/help/messages",
        "/help/messages/new",
        "/help/viewed",
        "/no-such-page",
    ],
)
def test_every_signed_in_page_has_the_exit_button_at_the_top(browser, debtor, path):
    page = browser.get(path).get_data(as_text=True)
    link = _exit_link(page)
    assert f'href="{DEFAULT_QUICK_EXIT_URL}"' in link
    assert 'rel="nofollow noreferrer"' in link and 'role="button"' in link
    assert re.sub(r"<[^>]+>", "", link).split() == ["Emergency", "Exit", "this", "page"]
    assert page.index("data-quick-exit") < page.index('<main id="main"')
    assert re.search(r'<script src="/static/js/quick-exit\.js\?v=\d+" defer></script>', page)


def test_pages_before_sign_in_have_it_too_but_nothing_to_sign_out(client):
    link = _exit_link(client.get("/").get_data(as_text=True))
    assert f'href="{DEFAULT_QUICK_EXIT_URL}"' in link
    assert "data-sign-out" not in link


def test_the_script_replaces_the_history_entry_and_ends_the_session(client):
    with client.get("/static/js/quick-exit.js") as script:
        assert script.status_code == 200
    source = SCRIPT.read_text()
    assert "location.replace(" in source and "sendBeacon(" in source


def test_leaving_ends_the_session_so_going_back_shows_nothing(browser, debtor):
    link = _exit_link(browser.get("/accounts/").get_data(as_text=True))
    sign_out = re.search(r'data-sign-out="([^"]+)"', link).group(1)
    token = re.search(r'data-csrf="([^"]+)"', link).group(1)
    assert browser.client.post(sign_out, data={"csrf_token": token}).status_code == 204
    assert browser.get("/accounts/").status_code == 302
    [audit] = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "session.quick_exit"))
    assert audit.debtor_id == debtor.id


def test_another_site_cannot_sign_the_debtor_out(browser, debtor):
    assert browser.client.post("/help/exit").status_code == 400
    assert browser.get("/accounts/").status_code == 200


class TestAnotherNeutralSite:
    @pytest.fixture
    def settings(self):
        return {"QUICK_EXIT_URL": "https://www.example.org/recipes"}

    def test_the_neutral_site_is_a_setting(self, client):
        assert 'href="https://www.example.org/recipes"' in _exit_link(client.get("/").get_data(as_text=True))
