"""A debtor who chose texts hears about their plan by text: the reminder before each payment (with the link to pay,
for a plan they pay themselves) and what happened when a payment was missed. A text keeps to the news and the
short link; hard news names free debt advice in a text too. Email-only, they went to the portal's messages."""

import re
from datetime import UTC, datetime, time, timedelta

import pytest

from portal.extensions import db
from portal.jobs.remind import remind
from portal.models import ContactPreference, MagicLink, OutboundMessage
from tests.factories import make_account, make_card_debtor
from tests.plan_support import POLICY, emails, run, self_paid_plan

PHONE = "+447700900123"


@pytest.fixture
def settings(localstripe, twilio, tmp_path):
    """`flask collect` needs a Stripe (localstripe), though nothing here is charged."""
    return localstripe.settings | twilio.settings | {"MAIL_BACKEND": "file", "MAIL_DIR": str(tmp_path / "mail")}


@pytest.fixture
def plan(app):
    """Three payments of £100 the debtor pays themselves; they chose texts, not email."""
    debtor = make_card_debtor(POLICY | {"min_payment": 500}, phone="07700 900123")
    account = make_account(debtor, [("itemization", 30_000)], description="Mobile phone contract", reference="MM-300")
    db.session.add(ContactPreference(debtor_id=debtor.id, email_on=False, sms_on=True))
    db.session.commit()
    return self_paid_plan(debtor, account)


def _sent(template: str) -> OutboundMessage:
    [message] = db.session.scalars(db.select(OutboundMessage).where(OutboundMessage.template == template))
    return message


def test_the_reminder_before_a_payment_goes_by_text_with_the_short_link_to_pay(app, plan, twilio):
    due = plan.instalments[0].due_date
    report = remind(datetime.combine(due - timedelta(days=3), time(12), tzinfo=UTC), days_before=3)
    assert report.messages == {"sent": 1}
    assert (_sent("plan.reminder").channel, _sent("plan.reminder").state) == ("sms", "sent")
    [text] = twilio.texts(to=PHONE)
    body = text["body"]
    assert "Your next plan payment for Mobile phone contract (account MM-300) is £100.00" in body
    assert re.search(r"To pay £100\.00 now, sign in here: http://portal\.test/s/\S+", body)
    assert "If you are finding it hard to pay" not in body, "the longer lines are for email"
    link = db.session.scalar(db.select(MagicLink).order_by(MagicLink.id.desc()))
    assert (link.channel, link.destination) == ("sms", f"/accounts/{plan.account_id}/pay?amount=10000")
    assert emails(app) == []


def test_a_missed_payment_goes_by_text_and_names_free_debt_advice(app, plan, twilio):
    report = run(plan.instalments[0].due_date + timedelta(days=4))
    assert report.counts["missed"] == 1
    assert (_sent("plan.missed").channel, _sent("plan.missed").state) == ("sms", "sent")
    [text] = twilio.texts(to=PHONE)
    body = text["body"]
    assert "We have not had your plan payment of £100.00" in body and "http://portal.test/s/" in body
    assert "Free debt advice: MoneyHelper" in body
    assert len(body) < 480, "three text messages at most"
    assert emails(app) == []
