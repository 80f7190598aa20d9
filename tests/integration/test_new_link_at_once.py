"""Asking for a new link: where we hold an email address or mobile number for the debtor, a new link goes
there at once and the page says where (partly hidden); otherwise a person follows it up. Someone without a
link who types an address sees the same page, whether or not it is one of ours, and posts are rate limited."""

import re
import time
from datetime import UTC, datetime, timedelta

import pytest
import requests
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEvent, ContactPreference, LinkRequest, MagicLink, OutboundMessage
from tests.conftest import csrf_from, main_text
from tests.factories import make_account, make_debtor, make_link, make_uk_creditor
from tests.live_server import live_server  # noqa: F401  (the app served for real)
from tests.plan_support import emails


@pytest.fixture
def settings(twilio, tmp_path):
    return twilio.settings | {"MAIL_BACKEND": "file", "MAIL_DIR": str(tmp_path / "mail")}


def _debtor(**contact):
    creditor = make_uk_creditor(name="Harbour Credit", phone="0800 123 4567")
    debtor = make_debtor(creditor, full_name="Sarah Jones", **({"email": None, "phone": None} | contact))
    make_account(debtor)
    db.session.commit()
    return debtor


def _expired_link_page(browser, debtor):
    path = make_link(debtor)
    link = db.session.scalar(select(MagicLink).where(MagicLink.debtor_id == debtor.id))
    link.expires_at = datetime.now(UTC) - timedelta(days=1)
    db.session.commit()
    assert browser.get(path).status_code == 410


def _ask(browser, data=None):
    """Post the request and close the response, as a server does once it has sent it (what waits for the
    response to be gone runs then)."""
    with browser.post("/new-link", data) as response:
        assert response.headers["Location"] == "/new-link/sent", response.get_data(as_text=True)
    return main_text(browser.get("/new-link/sent"))


def test_a_new_link_goes_at_once_to_the_email_address_we_hold_and_the_page_says_where(app, browser):
    debtor = _debtor(email="sarah@example.co.uk")
    _expired_link_page(browser, debtor)
    page = _ask(browser)
    assert "We have sent a new link to the email address s…@example.co.uk" in page
    assert "2 working days" not in page
    [email] = emails(app)
    assert email["To"] == "sarah@example.co.uk"
    link_path = re.search(r"http://portal.test(/l/\S+)", email.get_content()).group(1)
    assert browser.get(link_path).headers["Location"] == "/start"
    assert db.session.scalar(select(LinkRequest)).handled_at is not None


def test_a_new_link_goes_by_text_when_we_hold_only_a_mobile_number(app, browser, twilio):
    debtor = _debtor(phone="07700 900 111")
    _expired_link_page(browser, debtor)
    page = _ask(browser)
    assert "We have sent a new link by text message to the mobile number ending 111" in page
    [text] = twilio.texts(to="+447700900111")
    assert "You asked for a new link to your account with Harbour Credit" in text["body"]


def test_without_an_address_we_may_use_a_person_sends_the_link(app, browser):
    debtor = _debtor(email="sarah@example.co.uk")
    db.session.add(ContactPreference(debtor_id=debtor.id, email_on=False, sms_on=False))
    db.session.commit()
    _expired_link_page(browser, debtor)
    page = _ask(browser)
    assert "Someone will send you a new link, usually within 2 working days." in page
    assert emails(app) == []
    assert db.session.scalar(select(LinkRequest)).handled_at is None


def test_asking_again_and_again_sends_one_link_in_fifteen_minutes(app, browser):
    debtor = _debtor(email="sarah@example.co.uk")
    _expired_link_page(browser, debtor)
    for _time in range(3):
        assert "We have sent a new link" in _ask(browser)
    assert len(emails(app)) == 1


def _typed_page(browser, typed: str) -> str:
    browser.get("/l/not-a-real-token")
    return _ask(browser, {"contact": typed})


def test_a_typed_address_that_is_ours_gets_a_link_there_and_the_same_page_as_one_that_is_not(app, browser, client):
    debtor = _debtor(email="sarah@example.co.uk", phone="07700 900 111")
    ours = _typed_page(browser, "Sarah Jones, SARAH@example.co.uk")
    [email] = emails(app)
    assert email["To"] == "sarah@example.co.uk"
    assert "You asked for a new link" in email.get_content()

    stranger = _typed_page(browser, "Ann Other, nobody@example.org")
    assert stranger == ours
    assert "If the email address or mobile number you gave is one we have, we have sent a new link to it." in ours
    assert len(emails(app)) == 1
    assert debtor.email not in ours


def test_a_typed_mobile_number_that_is_ours_gets_a_link_by_text(app, browser, twilio):
    _debtor(phone="07700 900 111")
    _typed_page(browser, "Sam, +44 7700 900111")
    [text] = twilio.texts(to="+447700900111")
    assert "You asked for a new link" in text["body"]


def test_a_typed_address_that_is_not_ours_is_noted_for_a_person(app, browser):
    _debtor(email="sarah@example.co.uk")
    _typed_page(browser, "Ann Other, nobody@example.org")
    request = db.session.scalar(select(LinkRequest))
    assert (request.contact, request.handled_at) == ("Ann Other, nobody@example.org", None)
    assert db.session.scalar(select(OutboundMessage.id)) is None


def test_a_link_sent_at_once_is_audited(app, browser):
    debtor = _debtor(email="sarah@example.co.uk")
    _typed_page(browser, "sarah@example.co.uk")
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "link.sent_at_once")).all()
    assert (event.debtor_id, event.detail["channel"]) == (debtor.id, "email")


@pytest.mark.parametrize("settings", [{"NEW_LINK_REQUESTS_PER_IP": "3 per hour"}])
def test_asking_for_new_links_is_rate_limited(app, browser, settings):
    browser.get("/l/not-a-real-token")
    for n in range(3):
        assert browser.post("/new-link", {"contact": f"a{n}@example.org"}).status_code == 302
    assert browser.post("/new-link", {"contact": "a9@example.org"}).status_code == 429


def test_on_a_real_server_the_typed_addresss_link_is_sent_once_the_page_has_gone(app, live_server):  # noqa: F811
    _debtor(email="sarah@example.co.uk")
    phone = requests.Session()
    home = phone.get(live_server + "/", timeout=10)
    sent = phone.post(
        live_server + "/new-link",
        data={"csrf_token": csrf_from(home.text), "contact": "sarah@example.co.uk"},
        timeout=10,
    )
    assert sent.url == live_server + "/new-link/sent"
    for _wait in range(50):
        if emails(app):
            break
        time.sleep(0.1)
    [email] = emails(app)
    assert email["To"] == "sarah@example.co.uk"
