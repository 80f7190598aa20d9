"""Your contact details: a new email address or mobile number becomes the debtor's only after the code sent to
it comes back (within its time and its tries); a postal address is kept as typed. Every change is audited,
the old address or number is told, the debtor gets a confirmation, and a staff user viewing as the debtor
can change none of it."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal import clock
from portal.extensions import db
from portal.help.service import details
from portal.models import AuditEvent, ContactChange, ContactPreference, Debtor, OutboundMessage
from portal.one_time_codes import MAX_TRIES
from tests.conftest import main_text
from tests.factories import make_account, make_debtor, make_link, make_uk_creditor
from tests.plan_support import emails
from tests.staff_support import StaffBrowser, make_staff

NEW_EMAIL = "sarah.new@example.org"
OLD_EMAIL = "sarah@example.co.uk"


@pytest.fixture
def settings(twilio, tmp_path):
    return twilio.settings | {"MAIL_BACKEND": "file", "MAIL_DIR": str(tmp_path / "mail")}


@pytest.fixture
def debtor(app):
    creditor = make_uk_creditor(name="Harbour Credit", slug="harbour", phone="0800 123 4567")
    debtor = make_debtor(creditor, full_name="Sarah Jones", email=OLD_EMAIL, phone="07700 900 111")
    make_account(debtor, description="Credit card")
    return debtor


@pytest.fixture
def signed_in(browser, debtor):
    browser.sign_in(make_link(debtor), debtor)
    return browser


def _emails_to(app, address: str) -> list:
    return [email for email in emails(app) if email["To"] == address]


def _code_in(text: str) -> str:
    return re.search(r"\b(\d{6})\b", text).group(1)


def _ask_for_email_code(browser, address=NEW_EMAIL):
    response = browser.post("/help/details/email", {"email": address})
    assert response.status_code == 303, main_text(response)
    assert response.headers["Location"] == "/help/details/email/code"
    return response


def _events(debtor, action):
    return list(
        db.session.scalars(select(AuditEvent).where(AuditEvent.debtor_id == debtor.id, AuditEvent.action == action))
    )


def _fresh(debtor) -> Debtor:
    db.session.expire_all()
    return db.session.get(Debtor, debtor.id)


def test_a_new_email_address_is_theirs_only_after_the_code_sent_to_it(app, signed_in, debtor):
    _ask_for_email_code(signed_in)
    assert _fresh(debtor).email == OLD_EMAIL
    [message] = _emails_to(app, NEW_EMAIL)
    page = signed_in.post("/help/details/email/code", {"code": _code_in(message.get_content())})
    assert page.status_code == 303
    assert _fresh(debtor).email == NEW_EMAIL
    assert "Your email address is changed" in main_text(signed_in.get("/help/details"))


def test_the_code_message_is_neutral_and_says_nothing_about_the_debt(app, signed_in, debtor):
    _ask_for_email_code(signed_in)
    [message] = _emails_to(app, NEW_EMAIL)
    body = message.get_content()
    assert message["Subject"] == "Your code for Harbour Credit"
    assert body.startswith("Your code for Harbour Credit is ")
    assert "Sarah" not in body
    for word in ("debt", "owe", "pay", "balance", "advice", "STOP"):
        assert word not in body


def test_the_code_goes_at_once_even_at_night_and_with_email_switched_off(app, signed_in, debtor, monkeypatch):
    """They asked for it this minute and wait for it on the page: channel switches and contact hours are about
    messages we choose to send (see portal.gate.delivery)."""
    db.session.add(ContactPreference(debtor_id=debtor.id, email_on=False))
    db.session.commit()
    night = clock.now().replace(hour=23, minute=30)
    monkeypatch.setattr(clock, "now", lambda: night)
    _ask_for_email_code(signed_in)
    assert len(_emails_to(app, NEW_EMAIL)) == 1


def test_a_wrong_code_is_refused_and_says_how_many_tries_are_left(app, signed_in, debtor):
    _ask_for_email_code(signed_in)
    page = signed_in.post("/help/details/email/code", {"code": "000000"})
    assert page.status_code == 400
    assert "The code is not right. Check it and try again. You can try 4 more times." in main_text(page)
    assert _fresh(debtor).email == OLD_EMAIL
    assert len(_events(debtor, "contact.code_wrong")) == 1


def test_a_code_that_is_not_six_numbers_is_not_counted(app, signed_in, debtor):
    _ask_for_email_code(signed_in)
    page = signed_in.post("/help/details/email/code", {"code": "12ab"})
    assert "The code is 6 numbers, like 123456" in main_text(page)
    assert db.session.scalar(select(ContactChange.attempts)) == 0


def test_after_five_wrong_codes_even_the_right_one_is_refused(app, signed_in, debtor):
    _ask_for_email_code(signed_in)
    code = _code_in(_emails_to(app, NEW_EMAIL)[0].get_content())
    wrong = "111111" if code != "111111" else "222222"
    for _try in range(MAX_TRIES):
        last = signed_in.post("/help/details/email/code", {"code": wrong})
    assert "You have entered a wrong code too many times. Ask for a new code." in main_text(last)
    page = signed_in.post("/help/details/email/code", {"code": code})
    assert "You have entered a wrong code too many times" in main_text(page)
    assert _fresh(debtor).email == OLD_EMAIL


def test_an_expired_code_is_refused(app, signed_in, debtor, monkeypatch):
    _ask_for_email_code(signed_in)
    code = _code_in(_emails_to(app, NEW_EMAIL)[0].get_content())
    later = clock.now() + timedelta(minutes=details.CODE_MINUTES, seconds=1)
    monkeypatch.setattr(clock, "now", lambda: later)
    page = signed_in.post("/help/details/email/code", {"code": code})
    assert "This code has expired. Ask for a new code." in main_text(page)
    assert _fresh(debtor).email == OLD_EMAIL


def test_only_the_newest_code_works(app, signed_in, debtor):
    _ask_for_email_code(signed_in)
    _ask_for_email_code(signed_in, "other@example.org")
    first = _code_in(_emails_to(app, NEW_EMAIL)[0].get_content())
    second = _code_in(_emails_to(app, "other@example.org")[0].get_content())
    if first != second:
        assert signed_in.post("/help/details/email/code", {"code": first}).status_code == 400
    signed_in.post("/help/details/email/code", {"code": second})
    assert _fresh(debtor).email == "other@example.org"


def test_the_old_address_is_told_without_the_new_one_in_full(app, signed_in, debtor):
    _ask_for_email_code(signed_in)
    signed_in.post("/help/details/email/code", {"code": _code_in(_emails_to(app, NEW_EMAIL)[0].get_content())})
    [told] = _emails_to(app, OLD_EMAIL)
    body = told.get_content()
    assert "The email address for your account with Harbour Credit was changed to s…@example.org" in body
    assert NEW_EMAIL not in body
    assert "call Harbour Credit on 0800 123 4567" in body


def test_the_debtor_is_told_by_their_channel_that_their_details_changed(app, signed_in, debtor):
    _ask_for_email_code(signed_in)
    signed_in.post("/help/details/email/code", {"code": _code_in(_emails_to(app, NEW_EMAIL)[0].get_content())})
    confirmations = [e for e in _emails_to(app, NEW_EMAIL) if e["Subject"] == "You changed your email address"]
    assert len(confirmations) == 1
    assert "Hello Sarah Jones," in confirmations[0].get_content()


def test_every_change_is_audited_with_what_it_was_and_is(app, signed_in, debtor):
    _ask_for_email_code(signed_in)
    signed_in.post("/help/details/email/code", {"code": _code_in(_emails_to(app, NEW_EMAIL)[0].get_content())})
    signed_in.post("/help/details/address", {"address": "1 New Street\nLeeds\nLS1 1AA"})
    [sent] = _events(debtor, "contact.code_sent")
    assert sent.detail["to"] == "s…@example.org"
    changed = _events(debtor, "contact.changed")
    assert [(e.detail["kind"], e.detail["old"], e.detail["new"]) for e in changed] == [
        ("email", OLD_EMAIL, NEW_EMAIL),
        ("address", None, "1 New Street\nLeeds\nLS1 1AA"),
    ]
    assert {(e.actor_type, e.actor_id) for e in changed} == {("debtor", debtor.id)}


def test_a_new_mobile_number_is_confirmed_by_a_code_sent_to_it_by_text(app, signed_in, debtor, twilio):
    response = signed_in.post("/help/details/mobile", {"phone": "07700 900 222"})
    assert response.headers["Location"] == "/help/details/mobile/code"
    assert _fresh(debtor).phone == "07700 900 111"
    [text] = twilio.texts(to="+447700900222")
    assert text["body"].startswith("Your code for Harbour Credit is ")
    signed_in.post("/help/details/mobile/code", {"code": _code_in(text["body"])})
    assert _fresh(debtor).phone == "+447700900222"
    [told] = twilio.texts(to="+447700900111")
    assert "changed to one ending 222" in told["body"]
    assert "+447700900222" not in told["body"]


@pytest.mark.parametrize(
    ("path", "field", "typed", "says"),
    [
        ("/help/details/email", "email", "", "Enter your email address"),
        ("/help/details/email", "email", "sarah at example", "Enter an email address in the correct format"),
        ("/help/details/email", "email", OLD_EMAIL, "This is already your email address"),
        ("/help/details/mobile", "phone", "", "Enter your mobile number"),
        ("/help/details/mobile", "phone", "12", "Enter a mobile number in the correct format, like 07700 900 982"),
        ("/help/details/mobile", "phone", "07700900111", "This is already your mobile number"),
    ],
)
def test_what_cannot_be_an_address_or_number_is_refused_and_says_what_to_do(app, signed_in, path, field, typed, says):
    page = signed_in.post(path, {field: typed})
    assert page.status_code == 400
    text = main_text(page)
    assert "There is a problem" in text
    assert says in text
    assert db.session.scalar(select(ContactChange.id)) is None


def test_a_postal_address_is_saved_at_once_as_typed(app, signed_in, debtor):
    page = signed_in.post("/help/details/address", {"address": " 1 New Street \n\nLeeds\nLS1 1AA "})
    assert page.status_code == 303
    assert _fresh(debtor).address == "1 New Street\nLeeds\nLS1 1AA"
    assert "Your postal address is saved" in main_text(signed_in.get("/help/details"))
    changed = db.session.scalars(select(OutboundMessage).where(OutboundMessage.template == "contact.changed")).all()
    assert [m.params["kind"] for m in changed] == ["address"]


def test_codes_are_limited_each_hour(app, signed_in, debtor):
    for n in range(details.CODES_PER_HOUR):
        _ask_for_email_code(signed_in, f"n{n}@example.org")
    page = signed_in.post("/help/details/email", {"email": "one.more@example.org"})
    assert "You have asked for too many codes. Wait an hour, then try again." in main_text(page)


def test_preferences_say_what_is_missing_and_link_to_contact_details(app, browser):
    creditor = make_uk_creditor(name="Harbour Credit")
    debtor = make_debtor(creditor, email="sam@example.org", phone=None)
    make_account(debtor)
    browser.sign_in(make_link(debtor), debtor)
    page = browser.get("/help/contact").get_data(as_text=True)
    assert "We do not have a mobile number for you, so we cannot send you text messages." in page
    assert 'href="/help/details">Add a mobile number' in page


def test_every_debtor_page_links_to_contact_details(app, signed_in):
    assert 'href="/help/details"' in signed_in.get("/help/messages").get_data(as_text=True)
    assert "Your contact details" in main_text(signed_in.get("/help/details"))


@pytest.mark.parametrize(
    ("path", "form"),
    [
        ("/help/details/email", {"email": NEW_EMAIL}),
        ("/help/details/email/code", {"code": "123456"}),
        ("/help/details/mobile", {"phone": "07700 900 222"}),
        ("/help/details/mobile/code", {"code": "123456"}),
        ("/help/details/address", {"address": "1 New Street"}),
    ],
)
def test_a_staff_user_viewing_as_the_debtor_cannot_change_contact_details(app, debtor, path, form):
    staff = StaffBrowser(app.test_client())
    staff.sign_in(make_staff(debtor.creditor, name="Sam Carter"))
    staff.post(f"/staff/debtors/{debtor.id}/view", {"category": "phone_call", "reason": "She called"})
    response = staff.post(path, form)
    assert response.status_code == 403
    assert "Contact details and preferences are changed by the debtor only." in main_text(response)
    assert db.session.scalar(select(ContactChange.id)) is None
    assert _fresh(debtor).address is None
