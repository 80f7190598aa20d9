"""English and Spanish, chosen on any page and kept for the session."""

import pytest
from flask import render_template_string
from flask_babel import force_locale

from portal.extensions import db
from tests.factories import make_account, make_debtor, make_link


@pytest.fixture
def debtor(app):
    debtor = make_debtor()
    make_account(debtor, [("itemization", 123_456)])
    db.session.commit()
    return debtor


def test_every_page_offers_the_other_language(browser, debtor):
    browser.get(make_link(debtor))
    page = browser.get("/start").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert 'lang="es"' in page and "Español" in page


def test_switching_to_spanish_translates_the_page_and_sets_html_lang(browser, debtor):
    browser.get(make_link(debtor))
    response = browser.post("/language", {"language": "es", "next": "/start"})
    assert response.headers["Location"] == "/start"
    page = browser.get("/start").get_data(as_text=True)
    assert '<html lang="es">' in page
    assert "Continuar" in page
    assert "English" in page


def test_spanish_is_remembered_through_sign_in_and_formats_money_as_spanish_speakers_in_the_us_do(browser, debtor):
    browser.get(make_link(debtor))
    browser.post("/language", {"language": "es", "next": "/start"})
    browser.sign_in(make_link(debtor), debtor)
    page = browser.get("/accounts/").get_data(as_text=True)
    assert '<html lang="es">' in page
    assert "Lo que debe" in page
    assert "$1,234.56" in page


def test_the_browsers_language_is_the_first_guess(browser, debtor):
    page = browser.get("/", headers={"Accept-Language": "es-MX,es;q=0.9"}).get_data(as_text=True)
    assert '<html lang="es">' in page


def test_an_unknown_language_is_ignored(browser, debtor):
    response = browser.post("/language", {"language": "xx", "next": "/"})
    assert response.headers["Location"] == "/"
    assert '<html lang="en">' in browser.get("/").get_data(as_text=True)


def test_a_template_drawn_in_another_language_mid_request_is_in_that_language_and_the_page_is_not(app):
    """Templates look the catalog up once per language, not once per string: an email drawn in the debtor's
    language (force_locale) in the middle of an English page must still come out in theirs, and the page in English."""
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert render_template_string("{{ _('Your accounts') }}") == "Your accounts"
        with force_locale("es"):
            assert render_template_string("{{ _('Your accounts') }}") == "Sus cuentas"
        assert render_template_string("{{ _('Your accounts') }}") == "Your accounts"


def test_amounts_drawn_in_another_language_mid_request_follow_it(app):
    """The money filter works the reader's locale out once a request, but still follows a change of language."""
    page = "{{ 123456|money('USD') }}"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        english = render_template_string(page)
        with force_locale("es"):
            spanish = render_template_string(page)
        assert render_template_string(page) == english == "$1,234.56"
    assert spanish != english and "1234,56" in spanish.replace(".", "").replace("\xa0", "")
