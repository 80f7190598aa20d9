"""`flask reminders send`: one reminder per debtor per run, by the creditor's channels the debtor allows, in
their language, with their link (the short one by text), never twice however many runs at once."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.extensions import db
from portal.models import Account, ContactPreference, MagicLink, OutboundMessage, Reminder
from portal.reminders.service import send_reminders
from tests.factories import make_account, make_creditor, make_debtor
from tests.plan_support import emails

NOON = datetime(2026, 12, 2, 12, tzinfo=ZoneInfo("America/New_York"))
NUMBER = "+15550100100"
BOTH = {"portal_sends_reminders": {"channels": ["email", "sms"], "every_days": 7}}


@pytest.fixture
def settings(twilio, tmp_path):
    return twilio.settings | {"MAIL_BACKEND": "file", "MAIL_DIR": str(tmp_path / "mail")}


@pytest.fixture(autouse=True)
def _noon(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOON)


def _debtor(policy=BOTH, entries=None, **overrides):
    creditor = make_creditor(name="Lakeside Recovery", policy=policy)
    fields = {
        "full_name": "Sam Rivera",
        "phone": "(555) 010-0100",
        "email": "sam@example.com",
        "timezone": "America/New_York",
    }
    debtor = make_debtor(creditor, **(fields | overrides))
    make_account(debtor, entries)
    db.session.commit()
    return debtor


def _sent(debtor) -> list[tuple[str, str]]:
    return [
        tuple(row)
        for row in db.session.execute(
            select(OutboundMessage.channel, OutboundMessage.state)
            .where(OutboundMessage.debtor_id == debtor.id)
            .order_by(OutboundMessage.id)
        )
    ]


def test_a_debtor_with_a_balance_gets_one_reminder_by_email_and_by_text_with_their_links(app, twilio):
    debtor = _debtor()
    report = send_reminders(campaign="december")
    assert (dict(report.counts), report.messages) == ({"queued": 1}, {"sent": 2})
    assert _sent(debtor) == [("email", "sent"), ("sms", "sent")]
    [email] = emails(app)
    [text] = twilio.texts()
    links = {link.channel: link for link in db.session.scalars(select(MagicLink))}
    assert {link.campaign for link in links.values()} == {"december"}
    assert "http://portal.test/l/" in email.get_content() and "Lakeside Recovery" in email.get_content()
    assert text["to"] == NUMBER and f"http://portal.test/s/{links['sms'].short_code}" in text["body"]


def test_a_second_run_within_the_creditors_interval_sends_nothing_more(app, twilio):
    debtor = _debtor()
    send_reminders()
    assert dict(send_reminders().counts) == {"recent": 1}
    assert dict(send_reminders(now=NOON + timedelta(days=6)).counts) == {"recent": 1}
    assert dict(send_reminders(now=NOON + timedelta(days=7)).counts) == {"queued": 1}
    assert db.session.scalar(select(func.count()).select_from(Reminder).where(Reminder.debtor_id == debtor.id)) == 2


def test_reminders_are_in_the_debtors_language_in_the_creditors_own_words(app, twilio):
    words = {"en": "{creditor}: see your account at {link}", "es": "{creditor}: vea su cuenta en {link}"}
    policy = {"portal_sends_reminders": {"channels": ["sms"], "text": words}}
    spanish = _debtor(policy, locale="es")
    english = _debtor(policy, phone="(555) 010-0199")
    send_reminders()
    [to_spanish] = twilio.texts(NUMBER)
    [to_english] = twilio.texts("+15550100199")
    assert "Lakeside Recovery: vea su cuenta en http://portal.test/s/" in to_spanish["body"]
    assert "Lakeside Recovery: see your account at http://portal.test/s/" in to_english["body"]
    assert spanish.id != english.id


@pytest.mark.parametrize(
    ("case", "count"),
    [("no balance", None), ("not opted in", None), ("dispute", "paused"), ("nothing allowed", "no_channel")],
)
def test_who_gets_no_reminder(app, twilio, case, count):
    debtor = _debtor(
        {} if case == "not opted in" else BOTH,
        entries=[("itemization", 5_000), ("payment", -5_000)] if case == "no balance" else None,
    )
    if case == "dispute":
        db.session.scalar(select(Account).where(Account.debtor_id == debtor.id)).status = "disputed"
    if case == "nothing allowed":
        db.session.add(ContactPreference(debtor_id=debtor.id, sms_on=False, email_is_work=True))
    db.session.commit()
    report = send_reminders()
    assert dict(report.counts) == ({count: 1} if count else {})
    assert _sent(debtor) == [] and twilio.texts() == [] and emails(app) == []


def test_only_the_channels_the_debtor_allows_are_used(app, twilio):
    debtor = _debtor()
    db.session.add(ContactPreference(debtor_id=debtor.id, email_on=False))
    db.session.commit()
    send_reminders()
    assert _sent(debtor) == [("sms", "sent")]


def test_flask_reminders_send_says_what_it_did(app, twilio):
    _debtor()
    result = app.test_cli_runner().invoke(args=["reminders", "send", "--campaign", "spring"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "Reminders: queued 1; messages: sent 2.\n"


def test_flask_reminders_send_for_one_creditor_names_a_creditor_that_does_not_send(app, twilio):
    other = _debtor()
    quiet = _debtor({})
    result = app.test_cli_runner().invoke(args=["reminders", "send", "--creditor", quiet.creditor.slug])
    assert result.exit_code == 1 and "has no policy['portal_sends_reminders']" in result.output
    result = app.test_cli_runner().invoke(args=["reminders", "send", "--creditor", other.creditor.slug])
    assert result.stdout == "Reminders: queued 1; messages: sent 2.\n"
