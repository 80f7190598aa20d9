"""Exit this page: on every page, a button whose form signs out on the server and then redirects to a
neutral site, so it works without JavaScript; with JavaScript it also replaces the history entry
(tests/e2e/test_help.py)."""

import re
from pathlib import Path

import pytest

from portal.extensions import db
from portal.help import DEFAULT_QUICK_EXIT_URL
from portal.models import AuditEvent
from tests.conftest import main_text
from tests.factories import make_account, make_debtor, make_link

SCRIPT = Path(__file__).resolve().parents[2] / "portal" / "static" / "js" / "quick-exit.js"


@pytest.fixture
def debtor(app, browser):
    debtor = make_debtor()
    make_account(debtor)
    db.session.commit()
    browser.sign_in(make_link(debtor), debtor)
    return debtor


def _exit_form(page: str) -> str:
    match = re.search(r"<form [^>]*data-quick-exit[^>]*>.*?</form>", page, re.S)
    assert match, "page has no Exit this page button"
    return match.group(0)


def _fields(form: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form))


def _quick_exit_events() -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "session.quick_exit")))


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
    form = _exit_form(page)
    assert re.match(r'<form method="post" action="/help/exit" ', form)
    assert f'data-quick-exit="{DEFAULT_QUICK_EXIT_URL}"' in form
    assert set(_fields(form)) == {"csrf_token"}
    assert re.sub(r"<[^>]+>", "", re.search(r"<button.*?</button>", form, re.S).group(0)).split() == [
        "Emergency",
        "Exit",
        "this",
        "page",
    ]
    assert page.index("data-quick-exit") < page.index('<main id="main"')
    assert re.search(r'<script src="/static/js/quick-exit\.js\?v=\d+" defer></script>', page)


def test_the_button_signs_out_on_the_server_and_then_leaves(browser, debtor):
    form = _exit_form(browser.get("/accounts/").get_data(as_text=True))
    response = browser.client.post("/help/exit", data=_fields(form))
    assert response.status_code == 303
    assert response.headers["Location"] == DEFAULT_QUICK_EXIT_URL
    assert browser.get("/accounts/").status_code == 302
    assert browser.get("/accounts/").headers["Location"] == "/?next=%2Faccounts%2F"
    [audit] = _quick_exit_events()
    assert audit.debtor_id == debtor.id


def test_before_sign_in_it_forgets_the_link_being_opened(app, client):
    """Someone at the identity question who leaves: Back must not show whose link it was."""
    debtor = make_debtor()
    db.session.commit()
    client.get(make_link(debtor))
    start = client.get("/start").get_data(as_text=True)
    assert debtor.creditor.name in start

    response = client.post("/help/exit", data=_fields(_exit_form(start)))

    assert response.status_code == 303
    assert response.headers["Location"] == DEFAULT_QUICK_EXIT_URL
    assert debtor.creditor.name not in client.get("/start").get_data(as_text=True)
    assert _quick_exit_events() == []


def test_another_site_cannot_sign_the_debtor_out_but_the_button_still_leaves(browser, debtor):
    response = browser.client.post("/help/exit")
    assert response.status_code == 303
    assert response.headers["Location"] == DEFAULT_QUICK_EXIT_URL
    assert browser.get("/accounts/").status_code == 200
    assert "What you owe" in main_text(browser.get("/accounts/"))
    assert _quick_exit_events() == []


def test_a_page_left_open_past_the_timeout_still_leaves(app, browser, debtor):
    """The browser drops the cookie after the idle timeout, and the page's token with it."""
    form = _exit_form(browser.get("/accounts/").get_data(as_text=True))
    browser.client.delete_cookie("portal_session")
    response = browser.client.post("/help/exit", data=_fields(form))
    assert response.status_code == 303
    assert response.headers["Location"] == DEFAULT_QUICK_EXIT_URL


def test_the_script_posts_the_form_and_then_replaces_the_history_entry(client):
    with client.get("/static/js/quick-exit.js") as script:
        assert script.status_code == 200
    source = SCRIPT.read_text()
    assert "fetch(form.action" in source and "location.replace(" in source


class TestAnotherNeutralSite:
    @pytest.fixture
    def settings(self):
        return {"QUICK_EXIT_URL": "https://www.example.org/recipes"}

    def test_the_neutral_site_is_a_setting(self, browser, debtor):
        form = _exit_form(browser.get("/accounts/").get_data(as_text=True))
        assert 'data-quick-exit="https://www.example.org/recipes"' in form
        response = browser.client.post("/help/exit", data=_fields(form))
        assert response.headers["Location"] == "https://www.example.org/recipes"
