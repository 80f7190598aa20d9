"""Help on a 375 px phone: tell us about your circumstances, choose how we contact you, messages, who has
viewed the account, and Exit this page, which leaves at once and leaves nothing to go back to."""

import re
import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from portal.extensions import db
from portal.help import DEFAULT_QUICK_EXIT_URL, DEFAULT_QUICK_EXIT_URL_US
from portal.help.service import messages
from portal.help.service.contact import may_contact, settings_for
from portal.models import AuditEvent, Circumstance
from tests.e2e.conftest import axe_violations, shot, sign_in
from tests.factories import make_account, make_creditor, make_debtor, make_uk_creditor

NEUTRAL_PAGE = "<!doctype html><html lang='en'><title>Weather</title><h1>Weather forecast</h1></html>"
#: the neutral sites, UK and US
NEUTRAL_SITES = re.compile(r"^https://www\.(bbc\.co\.uk|weather\.gov)/")


@pytest.fixture
def debtor(app):
    creditor = make_uk_creditor(name="Harbour Credit", phone="0113 496 0321", brand_colour="#6b2c6f")
    debtor = make_debtor(
        creditor, full_name="Sarah Jones", email="sarah@example.co.uk", phone="07700 900123", postcode="LS6 2AB"
    )
    make_account(debtor, [("itemization", 20_000)], description="Mobile phone contract", reference="MM-300188")
    db.session.commit()
    return debtor


@pytest.fixture
def neutral_site(phone):
    """The neutral sites, served by the browser itself: no network needed. Returns the UK one."""
    phone.context.route(
        NEUTRAL_SITES,
        lambda route: route.fulfill(status=200, content_type="text/html", body=NEUTRAL_PAGE),
    )
    return DEFAULT_QUICK_EXIT_URL


def test_a_debtor_tells_us_about_their_circumstances(phone, portal_url, debtor):
    sign_in(phone, portal_url, debtor)
    phone.locator("main").get_by_role("link", name="Tell us about your circumstances").click()
    phone.get_by_role("heading", name="Tell us about your circumstances").wait_for()
    assert axe_violations(phone) == [], "circumstances form"
    shot(phone, "help-circumstances")

    phone.get_by_role("button", name="Send this to Harbour Credit").click()
    phone.locator(".error-summary").wait_for()
    assert axe_violations(phone) == [], "circumstances form with errors"
    shot(phone, "help-circumstances-error")

    phone.get_by_label("I lost my job or have less money coming in").check()
    phone.get_by_label("Lower payments").check()
    phone.get_by_label("Anything else you want to tell us (optional)").fill("I was made redundant in March.")
    phone.get_by_label(re.compile(r"^I agree that Harbour Credit can keep a record")).check()
    phone.get_by_role("button", name="Send this to Harbour Credit").click()

    phone.get_by_role("heading", name="We have received what you told us").wait_for()
    main = phone.locator("main").inner_text()
    assert "We will not send you any reminders until" in main
    assert "I was made redundant in March." in main
    assert axe_violations(phone) == [], "received page"
    shot(phone, "help-circumstances-received")

    db.session.expire_all()
    [saved] = db.session.scalars(db.select(Circumstance))
    assert (saved.kinds, saved.helps, saved.status) == (["income"], ["lower_payments"], "new")
    assert not may_contact(debtor, "email", datetime.now(UTC).replace(hour=12))


def test_a_debtor_chooses_how_we_contact_them(phone, portal_url, debtor):
    sign_in(phone, portal_url, debtor)
    phone.locator("main").get_by_role("link", name="How we contact you").click()
    phone.get_by_role("heading", name="How we contact you").wait_for()
    assert phone.get_by_label("Letter").is_checked()
    assert axe_violations(phone) == [], "preferences"
    shot(phone, "help-preferences")

    phone.get_by_label("Letter").uncheck()
    phone.get_by_label("Evening, 5pm to 9pm").check()
    phone.get_by_label("Español").check()
    phone.get_by_label("Don't mention money owed in the subject or preview of emails and texts").check()
    phone.get_by_role("button", name="Save my choices").click()

    phone.locator(".notice").wait_for()
    assert phone.locator("html").get_attribute("lang") == "es"
    assert phone.get_by_label("Español").is_checked() and not phone.get_by_label("Carta").is_checked()
    assert axe_violations(phone) == [], "preferences saved"
    shot(phone, "help-preferences-saved")

    db.session.expire_all()
    settings = settings_for(debtor)
    assert settings.channels == {"email", "sms"} and settings.windows == {"evening"} and settings.discreet
    six_pm = datetime(2026, 2, 10, 18, 0, tzinfo=ZoneInfo("Europe/London"))
    assert may_contact(debtor, "email", six_pm) and not may_contact(debtor, "post", six_pm)
    assert not may_contact(debtor, "email", six_pm.replace(hour=11))


def test_a_debtor_writes_a_message_and_reads_the_reply(phone, portal_url, debtor):
    sign_in(phone, portal_url, debtor)
    phone.locator("main").get_by_role("link", name="Messages").click()
    phone.get_by_role("heading", name="Messages").wait_for()
    assert axe_violations(phone) == [], "no messages yet"
    shot(phone, "help-messages-empty")
    phone.get_by_role("link", name="Write a new message").click()
    phone.get_by_label("What is it about? (optional)").fill("Payment date")
    phone.get_by_label("Your message").fill("Can I pay on the 28th instead?")
    assert axe_violations(phone) == [], "new message"
    phone.get_by_role("button", name="Send message").click()
    phone.get_by_role("heading", name="Payment date").wait_for()

    thread_id = int(phone.url.rsplit("/", 1)[1])
    messages.reply_as_staff(messages.get_thread_for(debtor, thread_id), "Yes, that is fine.", staff_name="Alex")
    db.session.commit()
    phone.get_by_role("link", name="Back to your messages").click()
    phone.get_by_text("Reply from Harbour Credit").wait_for()
    assert axe_violations(phone) == [], "messages with a reply"
    shot(phone, "help-messages")
    phone.get_by_role("link", name="Payment date").click()
    phone.get_by_role("heading", name="Alex at Harbour Credit replied").wait_for()
    assert "Yes, that is fine." in phone.locator("main").inner_text()
    assert axe_violations(phone) == [], "conversation"
    shot(phone, "help-messages-thread")


def test_a_debtor_sees_who_has_viewed_their_account(phone, portal_url, debtor):
    sign_in(phone, portal_url, debtor)
    phone.locator("main").get_by_role("link", name="Who has viewed your account").click()
    phone.get_by_text("Nobody at Harbour Credit has looked at your account.").wait_for()
    assert axe_violations(phone) == [], "nobody has looked"

    db.session.add(
        AuditEvent(
            action="staff.viewed",
            actor_type="staff",
            actor_id=3,
            debtor_id=debtor.id,
            detail={"staff_name": "Alex", "reason": "You called us about a payment"},
        )
    )
    db.session.commit()
    phone.reload()
    phone.get_by_role("heading", name="Alex at Harbour Credit").wait_for()
    assert "Reason given: You called us about a payment" in phone.locator("main").inner_text()
    assert axe_violations(phone) == [], "a visit"
    shot(phone, "help-viewed")


def test_quick_exit_leaves_at_once_and_there_is_no_way_back(phone, portal_url, debtor, neutral_site):
    sign_in(phone, portal_url, debtor)
    # A new tab whose only portal page is this one, as when someone opens a link from a message.
    tab = phone.context.new_page()
    tab.goto(portal_url + "/help/circumstances")
    tab.wait_for_load_state("load")  # quick-exit.js has run (before it, the button submits its form)
    entries = tab.evaluate("history.length")
    tab.get_by_role("button", name="Exit this page").click()

    tab.wait_for_url(neutral_site)
    tab.get_by_role("heading", name="Weather forecast").wait_for()
    assert tab.evaluate("history.length") == entries, "the portal page was replaced, not left behind"
    tab.go_back()
    assert not tab.url.startswith(portal_url), "Back does not return to the portal"


def _shows_nothing_of_the_account(page, portal_url: str) -> None:
    """Back on the portal, signed out: it asks again who you are."""
    page.wait_for_url(re.compile(re.escape(portal_url)))
    page.wait_for_load_state("load")
    page.get_by_role("heading", name="Open the link in your message").wait_for()  # asked again, not a blank page
    assert page.get_by_role("button", name="Sign out").count() == 0, "still signed in"
    assert page.get_by_role("heading", name="What you owe").count() == 0
    assert "Sarah Jones" not in page.content() and "MM-300188" not in page.content()


def test_quick_exit_then_back_at_once_shows_nothing_of_the_account(phone, portal_url, debtor, neutral_site):
    sign_in(phone, portal_url, debtor)
    shot(phone, "help-dashboard-links")
    phone.locator("main").get_by_role("link", name="Messages").click()
    phone.wait_for_load_state("load")
    phone.get_by_role("button", name="Exit this page").click()
    phone.wait_for_url(neutral_site)

    phone.go_back()  # at once: the page before the one we left asks again who you are
    _shows_nothing_of_the_account(phone, portal_url)


def test_quick_exit_by_pressing_shift_three_times(phone, portal_url, debtor, neutral_site):
    sign_in(phone, portal_url, debtor)
    phone.locator("main").get_by_role("link", name="Messages").click()
    phone.wait_for_load_state("load")
    for _ in range(3):
        phone.keyboard.press("Shift")
    phone.wait_for_url(neutral_site)

    phone.go_back()
    _shows_nothing_of_the_account(phone, portal_url)


def test_quick_exit_takes_a_us_debtor_to_a_us_weather_site(phone, portal_url, neutral_site):
    creditor = make_creditor(name="Lakeside Credit Union")
    debtor = make_debtor(creditor, full_name="Maria Garcia")
    make_account(debtor, [("itemization", 20_000)], description="Credit card", reference="LK-200417")
    db.session.commit()
    sign_in(phone, portal_url, debtor)
    phone.wait_for_load_state("load")
    assert axe_violations(phone) == [], "a US debtor's dashboard"
    shot(phone, "help-quick-exit-us")
    phone.get_by_role("button", name="Exit this page").click()

    phone.wait_for_url(DEFAULT_QUICK_EXIT_URL_US)
    phone.get_by_role("heading", name="Weather forecast").wait_for()


@pytest.mark.parametrize("server", ["fails", "hangs"])
def test_quick_exit_leaves_even_when_the_portal_does_not_answer(phone, portal_url, debtor, neutral_site, server):
    """Leaving comes first: a lost or slow sign-out request must not keep anyone on the page."""
    sign_in(phone, portal_url, debtor)
    phone.wait_for_load_state("load")
    answer = (lambda route: route.abort()) if server == "fails" else (lambda route: None)
    phone.route(re.compile(r"/help/exit$"), answer)
    started = time.monotonic()
    phone.get_by_role("button", name="Exit this page").click()
    phone.wait_for_url(neutral_site)
    assert time.monotonic() - started < 5


@pytest.fixture
def phone_without_javascript(chromium):
    """A phone with JavaScript off, the neutral site served as for `phone`; fails on any console error."""
    context = chromium.new_context(viewport={"width": 375, "height": 812}, java_script_enabled=False)
    context.route(
        NEUTRAL_SITES,
        lambda route: route.fulfill(status=200, content_type="text/html", body=NEUTRAL_PAGE),
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text) if message.type == "error" else None)
    yield page
    context.close()
    assert refused == []


def test_quick_exit_without_javascript_signs_out_and_leaves(phone_without_javascript, portal_url, debtor):
    page = phone_without_javascript
    sign_in(page, portal_url, debtor)
    page.locator("main").get_by_role("link", name="Messages").click()
    page.get_by_role("button", name="Exit this page").click()

    page.wait_for_url(DEFAULT_QUICK_EXIT_URL)
    page.get_by_role("heading", name="Weather forecast").wait_for()
    page.go_back()  # without JavaScript the page stays in the history, but the session has ended
    _shows_nothing_of_the_account(page, portal_url)
