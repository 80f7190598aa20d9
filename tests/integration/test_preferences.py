"""How we contact you: channels, times, language, discreet previews, contact at work; every reminder honours them."""

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from portal.extensions import db
from portal.help.service import circumstances
from portal.help.service.contact import may_contact, subject_for
from portal.models import AuditEvent, ContactPreference, Debtor
from tests.conftest import Browser, main_text
from tests.factories import make_account, make_debtor, make_link, make_uk_creditor

LONDON = ZoneInfo("Europe/London")


def london(hour: int, minute: int = 0) -> datetime:
    """A fixed winter day in London, as the aware UTC instant the reminder job passes."""
    return datetime(2026, 2, 10, hour, minute, tzinfo=LONDON).astimezone(UTC)


@pytest.fixture
def debtor(app, browser):
    creditor = make_uk_creditor(name="Harbour Credit")
    debtor = make_debtor(creditor, email="sarah@example.co.uk", phone="07700 900123")
    make_account(debtor)
    db.session.commit()
    browser.sign_in(make_link(debtor), debtor)
    return debtor


def _choose(browser, **overrides):
    form = {"channels": ["email", "sms", "post"], "windows": [], "language": "en"} | overrides
    return browser.post("/help/contact", form)


def _checked(page: str) -> set[str]:
    return set(re.findall(r'<input type="(?:checkbox|radio)" id="([\w-]+)"[^>]*checked', page))


def _fresh(debtor: Debtor) -> Debtor:
    db.session.expire_all()
    return db.session.get(Debtor, debtor.id)


def test_with_no_choices_made_every_channel_is_on_at_any_time_from_8am_to_9pm(browser, debtor):
    page = browser.get("/help/contact").get_data(as_text=True)
    assert _checked(page) == {"channels-email", "channels-sms", "channels-post", "language-en"}
    assert "To sarah@example.co.uk" in page and "To 07700 900123" in page
    assert "any time from 8am to 9pm" in page
    assert may_contact(debtor, "email", london(8)) and may_contact(debtor, "sms", london(20, 59))
    assert not may_contact(debtor, "email", london(7, 59)) and not may_contact(debtor, "post", london(21))


def test_choices_are_saved_and_shown_again(browser, debtor):
    response = _choose(browser, channels=["email"], windows=["evening"], discreet="y")
    assert response.status_code == 303
    assert response.headers["Location"] == "/help/contact"
    page = browser.get("/help/contact").get_data(as_text=True)
    assert "Your choices are saved" in page
    assert _checked(page) == {"channels-email", "windows-evening", "language-en", "discreet"}


def test_a_channel_switched_off_stops_reminders_on_it(browser, debtor):
    _choose(browser, channels=["post"])
    assert not may_contact(debtor, "email", london(12))
    assert not may_contact(debtor, "sms", london(12))
    assert may_contact(debtor, "post", london(12))


def test_switching_everything_off_stops_every_reminder(browser, debtor):
    assert _choose(browser, channels=[]).status_code == 303
    assert _choose(browser, channels=[]).headers["Location"] == "/help/contact"
    assert not any(may_contact(debtor, channel, london(12)) for channel in ("email", "sms", "post"))


def test_reminders_come_only_in_the_parts_of_the_day_chosen(browser, debtor):
    _choose(browser, windows=["morning", "evening"])
    assert may_contact(debtor, "email", london(9))
    assert not may_contact(debtor, "email", london(13))
    assert may_contact(debtor, "email", london(18))
    assert not may_contact(debtor, "email", london(21, 30))


def test_the_hours_are_the_debtors_own_not_the_servers(app, browser):
    creditor = make_uk_creditor(timezone="Europe/London")
    debtor = make_debtor(creditor, email="abroad@example.com", timezone="America/Los_Angeles")
    db.session.commit()
    noon_in_london = london(12)  # 4am in Los Angeles
    assert not may_contact(debtor, "email", noon_in_london)
    assert may_contact(debtor, "email", london(18))  # 10am in Los Angeles


def test_no_reminder_on_a_channel_we_have_no_address_for(app):
    debtor = make_debtor(email=None, phone=None)
    db.session.commit()
    noon_in_new_york = datetime(2026, 2, 10, 17, 0, tzinfo=UTC)
    assert not may_contact(debtor, "email", noon_in_new_york)
    assert not may_contact(debtor, "sms", noon_in_new_york)


def test_telling_us_about_circumstances_pauses_reminders_and_the_page_says_until_when(browser, debtor):
    circumstances.disclose(debtor, kinds=["illness"], helps=[], details=None)
    db.session.commit()
    assert not may_contact(debtor, "email", datetime.now(UTC).replace(hour=12))
    assert "we will not send you any reminders until" in browser.get("/help/contact").get_data(as_text=True)


def test_choosing_a_language_changes_the_portal_and_our_messages(browser, debtor):
    response = _choose(browser, language="es")
    assert _fresh(debtor).locale == "es"
    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert '<html lang="es">' in page
    assert "language-es" in _checked(page)


def test_discreet_previews_give_reminders_a_neutral_subject(browser, debtor):
    assert (
        subject_for(debtor, "You owe £200 to Harbour Credit", "A message for you") == "You owe £200 to Harbour Credit"
    )
    _choose(browser, discreet="y")
    assert subject_for(debtor, "You owe £200 to Harbour Credit", "A message for you") == "A message for you"
    _choose(browser)
    assert (
        subject_for(debtor, "You owe £200 to Harbour Credit", "A message for you") == "You owe £200 to Harbour Credit"
    )


def test_changes_are_audited_and_saving_the_same_again_is_not(browser, debtor):
    _choose(browser, channels=["email"], discreet="y")
    _choose(browser, channels=["email"], discreet="y")
    [audit] = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "preferences.changed"))
    assert audit.actor_type == "debtor" and audit.debtor_id == debtor.id
    assert audit.detail["changed"] == ["channels", "discreet", "language"]  # the language was never chosen before
    assert audit.detail["channels"] == ["email"]


def test_a_made_up_choice_is_refused(browser, debtor):
    response = _choose(browser, channels=["pigeon"])
    assert response.status_code == 400
    assert "There is a problem" in main_text(response) and "How we contact you" in main_text(response)
    assert db.session.scalar(db.select(ContactPreference)) is None


def test_a_language_we_do_not_offer_is_refused(browser, debtor):
    assert _choose(browser, language="fr").status_code == 400
    assert "There is a problem" in main_text(_choose(browser, language="fr"))
    assert _fresh(debtor).locale is None


def test_each_debtor_only_changes_their_own_choices(app, browser, debtor):
    someone_else = make_debtor(debtor.creditor, email="other@example.com")
    db.session.commit()
    _choose(browser, channels=[])
    assert may_contact(someone_else, "email", london(12))


def test_saving_without_the_csrf_token_is_refused(browser, debtor):
    response = browser.client.post("/help/contact", data={"channels": [], "language": "en"})
    assert response.status_code == 400
    assert "The form had expired or was sent twice" in main_text(response)
    assert db.session.scalar(db.select(ContactPreference)) is None


# Contact at work


def test_the_page_offers_not_to_contact_at_work_and_to_mark_the_email_as_a_work_one(browser, debtor):
    text = main_text(browser.get("/help/contact"))
    assert "Do not contact me at work" in text
    assert "We will not send emails to a work address. Our staff will see this before they contact you." in text
    assert "This email address is a work email" in text
    assert (
        "We will not send emails to sarah@example.co.uk. You will find our messages here, in Messages, instead." in text
    )


def test_contact_at_work_choices_are_saved_shown_again_and_audited(browser, debtor):
    saved = _choose(browser, not_at_work="y", email_is_work="y")
    assert saved.status_code == 303
    assert saved.headers["Location"] == "/help/contact"
    preference = db.session.scalar(db.select(ContactPreference).where(ContactPreference.debtor_id == debtor.id))
    assert (preference.contact_at_work, preference.email_is_work) == (False, True)
    page = browser.get("/help/contact").get_data(as_text=True)
    assert {"not_at_work", "email_is_work"} <= _checked(page)
    assert "sarah@example.co.uk is a work address, so we show our messages here instead." in page
    [audit] = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "preferences.changed"))
    assert {"contact_at_work", "email_is_work"} <= set(audit.detail["changed"])
    assert (audit.detail["contact_at_work"], audit.detail["email_is_work"]) == (False, True)

    _choose(browser)
    db.session.expire_all()
    assert (preference.contact_at_work, preference.email_is_work) == (True, False)


def test_a_work_email_is_not_written_to_even_in_contact_hours(browser, debtor):
    assert may_contact(debtor, "email", london(12))
    _choose(browser, email_is_work="y")
    assert not may_contact(debtor, "email", london(12))
    assert may_contact(debtor, "sms", london(12)) and may_contact(debtor, "post", london(12))


def test_without_an_email_address_there_is_no_work_email_box(app, browser):
    debtor = make_debtor(make_uk_creditor(), email=None)
    db.session.commit()
    other = Browser(app.test_client())
    other.sign_in(make_link(debtor), debtor)
    text = main_text(other.get("/help/contact"))
    assert "Do not contact me at work" in text and "This email address is a work email" not in text


def test_the_page_links_to_the_privacy_notice_and_the_copy_of_your_information(browser, debtor):
    page = browser.get("/help/contact").get_data(as_text=True)
    assert 'href="/privacy"' in page and 'href="/my-data"' in page
