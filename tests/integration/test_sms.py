"""Texts: sent through Twilio's library to the stand-in, past the gate like every message; STOP, START and
replies through the signed webhook; a staff answer to a text goes back by text."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from portal import outbox
from portal.extensions import db
from portal.help.service import messages
from portal.models import (
    Account,
    AuditEvent,
    ContactPreference,
    CreditorEvent,
    Hold,
    Message,
    MessageThread,
    OutboundMessage,
    TextMessage,
)
from portal.sms.numbers import e164
from portal.sms.service import text_back
from tests.conftest import main_text
from tests.factories import make_account, make_creditor, make_debtor
from tests.sms_support import text_in
from tests.staff_support import StaffBrowser, make_staff
from tests.twilio_server import FROM_NUMBER, INVALID_NUMBER

NEW_YORK = ZoneInfo("America/New_York")
NOON = datetime(2026, 12, 2, 12, tzinfo=NEW_YORK)
NUMBER = "+15550100100"
DEBT_WORDS = ("debt", "balance", "owe", "pay", "account", "collector", "reminder")


@pytest.fixture
def settings(twilio, tmp_path):
    return twilio.settings | {"MAIL_BACKEND": "file", "MAIL_DIR": str(tmp_path / "mail")}


def _debtor(**overrides):
    creditor = make_creditor(name="Lakeside Recovery", policy={"portal_sends_reminders": {"channels": ["sms"]}})
    fields = {"phone": "(555) 010-0100", "email": None, "timezone": "America/New_York"}
    debtor = make_debtor(creditor, **(fields | {"full_name": "Sam Rivera"} | overrides))
    make_account(debtor)
    return debtor


def _text(debtor, name="reminder.link", **params) -> OutboundMessage:
    message = outbox.queue(debtor, name, channel="sms", params=params or {"campaign": "test"})
    db.session.commit()
    return message


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("(555) 010-0100", "+15550100100"),
        ("1-555-010-0100", "+15550100100"),
        ("+1 555 010 0100", "+15550100100"),
        ("07700 900123", "+447700900123"),
        ("0044 7700 900123", "+447700900123"),
        ("12", None),
        ("", None),
    ],
)
def test_phone_numbers_are_read_in_e164_as_numbers_of_the_creditors_country(written, expected):
    jurisdiction = "UK" if written.startswith("0") else "US"
    assert e164(written, jurisdiction) == expected


def test_a_text_goes_through_twilio_to_the_debtors_number_from_ours_and_is_recorded(app, twilio):
    debtor = _debtor()
    message = _text(debtor)
    assert outbox.deliver(now=NOON) == {"sent": 1}
    [sent] = twilio.texts()
    assert (sent["to"], sent["from"]) == (NUMBER, FROM_NUMBER)
    assert sent["body"].startswith(f"Hello {debtor.full_name},") and "http://portal.test/s/" in sent["body"]
    db.session.refresh(message)
    assert (message.channel, message.state) == ("sms", "sent")
    record = db.session.scalar(select(TextMessage).where(TextMessage.outbound_message_id == message.id))
    assert (record.number, record.provider_sid, record.direction) == (NUMBER, sent["sid"], "out")


def test_a_text_twilio_refuses_is_tried_again_then_recorded_as_failed(app, twilio):
    debtor = _debtor(phone=INVALID_NUMBER)
    message = _text(debtor)
    assert outbox.deliver(now=NOON) == {"retrying": 1}
    db.session.refresh(message)
    assert message.state == "queued" and "not a valid phone number" in message.outcome
    assert twilio.texts() == []


def test_a_text_waits_for_the_debtors_contact_hours(app, twilio):
    debtor = _debtor()
    message = _text(debtor)
    assert outbox.deliver(now=datetime(2026, 12, 2, 21, 30, tzinfo=NEW_YORK)) == {"waiting": 1}
    assert twilio.texts() == []
    assert outbox.deliver([message.id], now=datetime(2026, 12, 3, 8, tzinfo=NEW_YORK)) == {"sent": 1}
    assert len(twilio.texts()) == 1


@pytest.mark.parametrize("why", ["sms_off", "no_phone"])
def test_without_texts_allowed_the_message_is_shown_in_the_portal_instead(app, twilio, why):
    debtor = _debtor(phone=None) if why == "no_phone" else _debtor()
    if why == "sms_off":
        db.session.add(ContactPreference(debtor_id=debtor.id, sms_on=False))
    _text(debtor)
    assert outbox.deliver(now=NOON) == {"in_portal": 1}
    assert twilio.texts() == []
    assert db.session.scalar(select(MessageThread).where(MessageThread.debtor_id == debtor.id)) is not None


@pytest.mark.parametrize("stop", ["hold", "dispute"])
def test_a_text_asking_for_money_is_withheld_while_asking_has_stopped(app, twilio, stop):
    debtor = _debtor()
    message = _text(debtor)
    if stop == "hold":
        db.session.add(Hold(debtor_id=debtor.id, kind="breathing_space", starts_on=date(2026, 12, 1)))
    else:
        db.session.scalar(select(Account).where(Account.debtor_id == debtor.id)).status = "disputed"
    db.session.commit()
    assert outbox.deliver(now=NOON) == {"withheld": 1}
    assert twilio.texts() == []
    db.session.refresh(message)
    assert message.outcome.startswith("asking stopped")


def test_a_discreet_text_says_nothing_of_money_in_its_first_words(app, twilio):
    debtor = _debtor()
    db.session.add(ContactPreference(debtor_id=debtor.id, discreet=True))
    _text(debtor)
    outbox.deliver(now=NOON)
    [sent] = twilio.texts()
    first_words = " ".join(sent["body"].split()[:12]).lower()
    assert not any(word in first_words for word in DEBT_WORDS), first_words


def _texted(twilio):
    """A debtor we have texted, so a reply from their number is theirs."""
    debtor = _debtor()
    _text(debtor)
    outbox.deliver(now=NOON)
    twilio.clear()
    return debtor


def _sms_on(debtor) -> bool:
    db.session.expire_all()
    preference = db.session.scalar(select(ContactPreference).where(ContactPreference.debtor_id == debtor.id))
    return preference is None or preference.sms_on


@pytest.mark.parametrize("word", ["STOP", "stop", " Stop. ", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"])
def test_stop_by_text_turns_texts_off_at_once_and_is_recorded(app, client, twilio, word):
    debtor = _texted(twilio)
    response = text_in(client, NUMBER, word)
    assert response.status_code == 200 and response.mimetype == "text/xml"
    assert not _sms_on(debtor)
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "preferences.changed"))
    assert (audit.actor_type, audit.detail["by"], audit.detail["channels"]) == ("debtor", "sms", ["email", "post"])
    event = db.session.scalar(select(CreditorEvent).where(CreditorEvent.kind == "preferences.changed"))
    assert event.debtor_id == debtor.id and "sms" not in event.data["channels"]
    assert db.session.scalar(select(MessageThread).where(MessageThread.debtor_id == debtor.id)) is None
    _text(debtor)
    assert outbox.deliver(now=NOON) == {"in_portal": 1}
    assert twilio.texts() == []


def test_start_by_text_turns_texts_back_on(app, client, twilio):
    debtor = _texted(twilio)
    text_in(client, NUMBER, "STOP")
    assert text_in(client, NUMBER, "start").status_code == 200
    assert _sms_on(debtor)
    changes = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "preferences.changed")).all()
    assert [sorted(change.detail["channels"]) for change in changes] == [["email", "post"], ["email", "post", "sms"]]


@pytest.mark.parametrize("signature", ["wrong", None])
def test_a_text_without_twilios_signature_is_refused(app, client, twilio, signature):
    debtor = _texted(twilio)
    if signature is None:
        response = client.post("/sms/inbound", data={"From": NUMBER, "Body": "STOP"})
    else:
        response = text_in(client, NUMBER, "STOP", token=signature)
    assert response.status_code == 403
    assert _sms_on(debtor)


def test_a_text_from_a_number_we_never_texted_gets_no_answer_and_leaves_no_trace(app, client, twilio, caplog):
    _texted(twilio)
    response = text_in(client, "+15559990000", "Who is this? My secret words")
    assert response.status_code == 200 and "<Message>" not in response.get_data(as_text=True)
    assert db.session.scalar(select(MessageThread)) is None
    assert "secret words" not in caplog.text
    assert twilio.texts() == []


def test_a_reply_by_text_lands_in_the_debtors_thread_and_the_staff_answer_goes_back_by_text(app, client, twilio):
    debtor = _texted(twilio)
    assert text_in(client, NUMBER, "Can I pay on Friday instead?").status_code == 200
    thread = db.session.scalar(select(MessageThread).where(MessageThread.debtor_id == debtor.id))
    assert thread.last_sender == "debtor"
    staff = StaffBrowser(app.test_client())
    staff.sign_in(make_staff(debtor.creditor, name="Alex Morgan"))
    path = f"/staff/debtors/{debtor.id}/messages/{thread.id}"
    assert "Can I pay on Friday instead?" in main_text(staff.get(path))
    answer = staff.post(path, {"body": "Yes, Friday is fine."}, follow_redirects=True)
    assert "goes to them by text" in main_text(answer)
    [sent] = twilio.texts()
    assert sent["to"] == NUMBER and "Yes, Friday is fine." in sent["body"]
    assert text_in(client, NUMBER, "Thank you").status_code == 200
    bodies = db.session.scalars(select(Message.body).where(Message.thread_id == thread.id).order_by(Message.id))
    assert list(bodies) == ["Can I pay on Friday instead?", "Yes, Friday is fine.", "Thank you"]


def test_a_staff_answer_to_a_message_written_in_the_portal_is_not_texted(app, twilio):
    debtor = _texted(twilio)
    thread = messages.start_thread(debtor, "Dates", "Written in the portal")
    answer = messages.reply_as_staff(thread, "Answer", staff_name="Alex")
    assert text_back(thread, answer) is None


def test_staff_see_every_message_sent_with_its_channel_on_the_debtors_page(app, twilio):
    debtor = _texted(twilio)
    text_in(app.test_client(), NUMBER, "STOP")
    _text(debtor)
    outbox.deliver(now=NOON)
    staff = StaffBrowser(app.test_client())
    staff.sign_in(make_staff(debtor.creditor))
    page = main_text(staff.get(f"/staff/debtors/{debtor.id}"))
    assert "Text message reminder.link Sent" in page
    assert "Text message reminder.link Put in their messages" in page


def test_a_staff_answer_not_textable_by_the_time_it_is_sent_is_not_posted_twice(app, client, twilio):
    debtor = _texted(twilio)
    text_in(client, NUMBER, "Can I pay on Friday?")
    thread = db.session.scalar(select(MessageThread).where(MessageThread.debtor_id == debtor.id))
    queued = text_back(thread, messages.reply_as_staff(thread, "Yes.", staff_name="Alex"))
    db.session.commit()
    text_in(client, NUMBER, "STOP")
    assert outbox.deliver([queued.id], now=NOON) == {"in_portal": 1}
    assert twilio.texts() == []
    assert db.session.scalar(select(func.count()).select_from(MessageThread)) == 1
    assert db.session.scalar(select(func.count()).select_from(Message)) == 2
