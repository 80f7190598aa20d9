"""The gate against the jobs: nothing is charged, reminded or sent that asks for money while a hold, a
disclosure asking for a break, a pause request or a dispute stands, however long ago it was queued."""

from datetime import UTC, datetime, time, timedelta

import pytest

from portal import clock, outbox
from portal.extensions import db
from portal.help.service import circumstances
from portal.jobs.remind import remind
from portal.models import OutboundMessage, Payment
from portal.plans import review
from portal.plans.service.changes import request_pause
from portal.rights.service import disputes, holds
from tests.factories import make_account, make_card_debtor
from tests.plan_support import POLICY, SET_ASIDE, active_plan, emails, run, set_aside_messages
from tests.stripe_server import DECLINED_CARD, settings  # noqa: F401  (localstripe and emails in a folder)


@pytest.fixture
def debtor(app):
    debtor = make_card_debtor(POLICY)
    db.session.commit()
    return debtor


@pytest.fixture
def account(debtor):
    account = make_account(debtor, [("itemization", 30_000)], description="Mobile phone contract")
    db.session.commit()
    return account


#: when a declined charge is tried again: the creditor's policy
RETRY_AFTER = timedelta(days=POLICY["retry_after_days"])


def at(day, hour: int) -> datetime:
    """A moment in London (UTC in winter)."""
    return datetime.combine(day, time(hour), tzinfo=UTC)


def _payments(account) -> list[Payment]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(Payment).where(Payment.account_id == account.id)))


def _states() -> list[tuple[str, str]]:
    db.session.expire_all()
    found = db.session.scalars(db.select(OutboundMessage).order_by(OutboundMessage.id))
    return [(m.template, m.state) for m in found if m.outcome != SET_ASIDE]


def test_a_notice_queued_before_breathing_space_is_never_sent_during_it(app, debtor, account, localstripe):
    plan = active_plan(debtor, account, localstripe, DECLINED_CARD)
    due = plan.instalments[0].due_date
    assert run(due, now=at(due, 2)).counts == {"retry": 1}  # 2am: the notice waits for the morning
    assert _states() == [("plan.retry", "queued")]
    holds.start_hold(debtor, kind="breathing_space", starts_on=due, by="Adviser")
    db.session.commit()

    assert outbox.deliver(now=at(due, 9)) == {"withheld": 1}
    assert emails(app) == []
    assert _states() == [("plan.retry", "withheld")]


def test_nothing_is_collected_or_reminded_during_breathing_space(app, debtor, account, localstripe):
    plan = active_plan(debtor, account, localstripe)
    due = plan.instalments[0].due_date
    holds.start_hold(debtor, kind="breathing_space", starts_on=clock.today_for(debtor), by="Adviser")
    db.session.commit()
    assert remind(at(due - timedelta(days=3), 12)).counts == {"paused": 1}
    assert run(due).counts == {"paused": 1}
    assert _payments(account) == [] and emails(app) == []


@pytest.mark.parametrize("helps", [["pause"], ["lower_payments"]])
def test_a_disclosure_asking_for_a_break_stops_collection_until_a_person_decides(
    app, debtor, account, localstripe, helps
):
    plan = active_plan(debtor, account, localstripe)
    due = plan.instalments[0].due_date
    told = circumstances.disclose(debtor, kinds=["mental_health"], helps=helps, details=None)
    db.session.commit()
    set_aside_messages(debtor)  # the confirmation asks for nothing (test_confirmations.py): this test is about demands
    assert run(due).counts == {"paused": 1}
    assert _payments(account) == [] and emails(app) == []

    circumstances.review(told, note="Spoke to them: payments can carry on.", staff_name="Sam")
    db.session.commit()
    assert run(due).counts == {"paid": 1}


def test_a_disclosure_asking_only_for_a_review_does_not_stop_collection(app, debtor, account, localstripe):
    plan = active_plan(debtor, account, localstripe)
    circumstances.disclose(debtor, kinds=["bereavement"], helps=["review"], details=None)
    db.session.commit()
    assert run(plan.instalments[0].due_date).counts == {"paid": 1}


def test_a_waiting_pause_request_holds_the_next_charge(app, debtor, account, localstripe):
    plan = active_plan(debtor, account, localstripe)
    due = plan.instalments[0].due_date
    request_pause(plan, debtor, 2, "Lost my job")
    db.session.commit()
    assert remind(at(due - timedelta(days=3), 12)).counts == {"paused": 1}
    assert run(due).counts == {"paused": 1}
    assert _payments(account) == []

    review.decline_pause(plan, by="Sam", note="We cannot pause it now.", today=clock.today_for(debtor))
    assert run(due).counts == {"paid": 1}


def test_a_dispute_stops_collection_reminders_and_waiting_demands(app, debtor, account, localstripe):
    plan = active_plan(debtor, account, localstripe, DECLINED_CARD)
    due = plan.instalments[0].due_date
    run(due, now=at(due, 2))  # a "did not go through" notice waits for the morning
    disputes.open_dispute(
        debtor,
        account,
        reason="wrong_amount",
        details=None,
        attachment=None,
        attachment_key=None,
        today=clock.today_for(debtor),
    )
    db.session.commit()
    set_aside_messages(debtor)  # the dispute's confirmation asks for nothing: this test is about demands
    assert outbox.deliver(now=at(due, 9)) == {"withheld": 1}
    second = plan.instalments[1].due_date
    assert remind(at(second - timedelta(days=3), 12)).counts == {"paused": 1}
    assert run(due + RETRY_AFTER).counts == {"paused": 1}  # the declined charge's retry day
    assert [p.status for p in _payments(account)] == ["failed"]
    assert emails(app) == []


def test_a_receipt_is_not_a_demand_and_still_goes_during_a_hold(app, debtor, account, localstripe):
    plan = active_plan(debtor, account, localstripe)
    due = plan.instalments[0].due_date
    assert run(due, now=at(due, 2)).counts == {"paid": 1}  # 2am: the receipt waits for the morning
    holds.start_hold(debtor, kind="breathing_space", starts_on=due, by="Adviser")
    db.session.commit()
    assert outbox.deliver(now=at(due, 9)) == {"sent": 1}
    assert [m["Subject"] for m in emails(app)] == ["Your payment of £100.00 to Harbour Credit"]


def _breathing_space(debtor, account, plan):
    holds.start_hold(debtor, kind="breathing_space", starts_on=clock.today_for(debtor), by="Adviser")


def _asked_for_a_break(debtor, account, plan):
    circumstances.disclose(debtor, kinds=["mental_health"], helps=["pause"], details=None)


def _pause_requested(debtor, account, plan):
    request_pause(plan, debtor, 2, "Lost my job")


def _disputed(debtor, account, plan):
    disputes.open_dispute(
        debtor,
        account,
        reason="not_mine",
        details=None,
        attachment=None,
        attachment_key=None,
        today=clock.today_for(debtor),
    )


@pytest.mark.parametrize("stop", [_breathing_space, _asked_for_a_break, _pause_requested, _disputed])
def test_each_stop_holds_back_collect_remind_and_the_waiting_messages(app, debtor, account, localstripe, stop):
    plan = active_plan(debtor, account, localstripe, DECLINED_CARD)
    due = plan.instalments[0].due_date
    run(due, now=at(due, 2))  # "did not go through": the notice waits for the morning
    stop(debtor, account, plan)
    db.session.commit()
    set_aside_messages(debtor)  # what the debtor did is confirmed (test_confirmations.py): this test is about demands

    assert outbox.deliver(now=at(due, 9)) == {"withheld": 1}
    second = plan.instalments[1].due_date
    assert remind(at(second - timedelta(days=3), 12)).counts == {"paused": 1}
    assert run(due + RETRY_AFTER).counts == {"paused": 1}  # the declined charge's retry day
    assert [p.status for p in _payments(account)] == ["failed"]
    assert emails(app) == []
