"""`flask remind`: a reminder before each plan payment, once, in contact hours, never on a paused account."""

from datetime import UTC, datetime, time, timedelta

import pytest

from portal.extensions import db
from portal.jobs.remind import remind
from portal.models import Instalment, MessageThread
from portal.plans.service.changes import change_payment_day
from tests.factories import make_account, make_card_debtor, make_debtor
from tests.plan_support import POLICY, active_plan, emails, run
from tests.stripe_server import settings  # noqa: F401  (localstripe and emails in a folder)


@pytest.fixture
def debtor(app):
    debtor = make_card_debtor(POLICY)
    db.session.commit()
    return debtor


@pytest.fixture
def plan(debtor, localstripe):
    account = make_account(debtor, [("itemization", 30_000)], description="Mobile phone contract")
    db.session.commit()
    return active_plan(debtor, account, localstripe)


def at(day, hour: int) -> datetime:
    """A moment in London (UTC in winter, when these plans run)."""
    return datetime.combine(day, time(hour), tzinfo=UTC)


def subjects(app) -> list[str]:
    return [message["Subject"] for message in emails(app)]


def test_a_reminder_goes_a_few_days_before_the_payment_once(app, plan):
    due = plan.instalments[0].due_date
    assert remind(at(due - timedelta(days=4), 12), days_before=3).counts == {}
    report = remind(at(due - timedelta(days=3), 12), days_before=3)
    assert (report.counts, report.messages) == ({"queued": 1}, {"sent": 1})
    [message] = emails(app)
    assert message["To"] == "sarah@example.co.uk"
    assert message["Subject"].startswith("Your next payment of £100.00 is on ")
    body = message.get_content()
    assert "Mobile phone contract" in body and "Visa ending 4242" in body and "http://portal.test/l/" in body
    assert remind(at(due - timedelta(days=2), 12), days_before=3).counts == {}
    assert len(emails(app)) == 1
    db.session.expire_all()
    assert db.session.get(Instalment, plan.instalments[0].id).reminded_for == due


def test_reminders_wait_for_the_debtors_contact_hours(app, plan):
    due = plan.instalments[0].due_date
    late = remind(at(due - timedelta(days=2), 22), days_before=3)
    assert (late.counts, late.messages) == ({"queued": 1}, {"waiting": 1})
    early = remind(at(due - timedelta(days=1), 7), days_before=3)
    assert (early.counts, early.messages) == ({}, {})
    assert emails(app) == []
    assert remind(at(due - timedelta(days=1), 8), days_before=3).messages == {"sent": 1}
    assert len(emails(app)) == 1


def test_no_reminder_for_a_paused_account(app, plan):
    plan.account.status = "on_hold"
    db.session.commit()
    due = plan.instalments[0].due_date
    assert remind(at(due - timedelta(days=3), 12), days_before=3).counts == {"paused": 1}
    assert emails(app) == []


def test_without_an_allowed_channel_the_reminder_is_shown_in_the_portal(app, plan, debtor):
    debtor.email = None
    db.session.commit()
    due = plan.instalments[0].due_date
    assert remind(at(due - timedelta(days=3), 12), days_before=3).messages == {"in_portal": 1}
    assert emails(app) == []
    [thread] = db.session.scalars(db.select(MessageThread).where(MessageThread.debtor_id == debtor.id)).all()
    assert thread.subject.startswith("Your next payment of £100.00 is on ")


def test_a_new_payment_date_gets_its_own_reminder(app, plan, debtor):
    due = plan.instalments[0].due_date
    remind(at(due - timedelta(days=3), 12), days_before=3)
    with app.test_request_context():
        change_payment_day(plan, debtor, due + timedelta(days=10))
    db.session.commit()
    new_due = due + timedelta(days=10)
    assert remind(at(new_due - timedelta(days=3), 12), days_before=3).messages == {"sent": 1}
    assert len(emails(app)) == 2


def test_a_payment_moved_later_is_reminded_before_its_new_date_and_the_old_reminder_is_not_sent(app, plan, debtor):
    due = plan.instalments[0].due_date
    late = remind(at(due - timedelta(days=3), 22), days_before=3)  # after contact hours: it waits in the outbox
    assert late.messages == {"waiting": 1}
    with app.test_request_context():
        change_payment_day(plan, debtor, due + timedelta(days=14))
    db.session.commit()
    assert remind(at(due - timedelta(days=2), 9), days_before=3).messages.get("sent") is None
    assert emails(app) == []  # the waiting reminder named the old date: it is not sent
    new_due = due + timedelta(days=14)
    assert remind(at(new_due - timedelta(days=3), 12), days_before=3).messages == {"sent": 1}
    [message] = emails(app)
    assert message["Subject"] == f"Your next payment of £100.00 is on {new_due.day} {new_due:%B %Y}"


def test_remind_also_sends_notices_collect_left_for_the_morning(app, debtor, localstripe):
    creditor = debtor.creditor
    other = make_debtor(creditor, email="tom@example.co.uk")
    account = make_account(other, [("itemization", 30_000)])
    db.session.commit()
    declined = active_plan(other, account, localstripe, "4000000000000341")
    due = declined.instalments[0].due_date
    run(due, now=at(due, 2))  # collect at 2am: the notice waits
    assert emails(app) == []
    report = remind(at(due, 9), days_before=3)
    assert report.messages == {"sent": 1}
    assert subjects(app) == ["Your payment of £100.00 did not go through"]


def test_the_remind_command(app, plan):
    due = plan.instalments[0].due_date
    moment = f"{due - timedelta(days=3):%Y-%m-%d}T12:00"
    result = app.test_cli_runner().invoke(args=["remind", "--now", moment, "--days-before", "3"])
    assert result.exit_code == 0, result.output
    assert "Reminders: queued 1; messages: sent 1." in result.output
