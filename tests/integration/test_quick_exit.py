"""Exit this page: on every page, a button whose form signs out on the server and then redirects to a
neutral site, so it works without JavaScript; with JavaScript it also replaces the history entry
(tests/e2e/test_help.py)."""

import re
from pathlib import Path

import pytest

from portal.extensions import db
from portal.help import DEFAULT_QUICK_EXIT_URL, DEFAULT_QUICK_EXIT_URL_US
from portal.models import AuditEvent
from tests.conftest import main_text
from tests.factories import make_account, make_creditor, make_debtor, make_link, make_uk_creditor

SCRIPT = Path(__file__).resolve().parents[2] / "portal" / "static" / "js" / "quick-exit.js"


@pytest.fixture
def debtor(app, browser):
    debtor = make_debtor(make_uk_creditor())
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
    debtor = make_debtor(make_uk_creditor())
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


def _leaves_for(browser, debtor) -> tuple[str, str, str]:
    """(the site the page's button names, the CSP's form-action, where the exit redirects) for this debtor."""
    browser.sign_in(make_link(debtor), debtor)
    page = browser.get("/accounts/")
    form = _exit_form(page.get_data(as_text=True))
    named = re.search(r'data-quick-exit="([^"]+)"', form).group(1)
    form_action = re.search(r"form-action ([^;]+)", page.headers["Content-Security-Policy"]).group(1)
    response = browser.client.post("/help/exit", data=_fields(form))
    return named, form_action, response.headers["Location"]


def test_a_us_debtor_leaves_for_a_us_weather_site(app, browser):
    debtor = make_debtor(make_creditor())
    db.session.commit()
    assert _leaves_for(browser, debtor) == (
        DEFAULT_QUICK_EXIT_URL_US,
        "'self' https://www.weather.gov",
        DEFAULT_QUICK_EXIT_URL_US,
    )


def test_a_uk_debtor_leaves_for_bbc_weather(app, browser):
    debtor = make_debtor(make_uk_creditor())
    db.session.commit()
    assert _leaves_for(browser, debtor) == (
        DEFAULT_QUICK_EXIT_URL,
        "'self' https://www.bbc.co.uk",
        DEFAULT_QUICK_EXIT_URL,
    )


def test_a_creditors_own_neutral_site_wins_over_its_jurisdictions(app, browser):
    debtor = make_debtor(make_creditor(policy={"quick_exit_url": "https://www.example.com/recipes"}))
    db.session.commit()
    assert _leaves_for(browser, debtor) == (
        "https://www.example.com/recipes",
        "'self' https://www.example.com",
        "https://www.example.com/recipes",
    )


def test_before_sign_in_the_link_being_opened_chooses_the_site(app, client):
    debtor = make_debtor(make_creditor())
    db.session.commit()
    client.get(make_link(debtor))
    start = client.get("/start")
    assert f'data-quick-exit="{DEFAULT_QUICK_EXIT_URL_US}"' in _exit_form(start.get_data(as_text=True))
    assert "form-action 'self' https://www.weather.gov;" in start.headers["Content-Security-Policy"]
    response = client.post("/help/exit", data=_fields(_exit_form(start.get_data(as_text=True))))
    assert response.headers["Location"] == DEFAULT_QUICK_EXIT_URL_US


def test_with_no_link_it_leaves_for_the_configured_default(client):
    home = client.get("/")
    assert f'data-quick-exit="{DEFAULT_QUICK_EXIT_URL}"' in _exit_form(home.get_data(as_text=True))
    assert "form-action 'self' https://www.bbc.co.uk;" in home.headers["Content-Security-Policy"]


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
