"""A person answers proposals and pause requests (portal.plans.review, `flask plans ...`); the debtor reads it."""

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from portal import clock, transaction
from portal.extensions import db
from portal.models import AuditEvent, ContactPreference, CreditorEvent, Plan
from portal.plans import review
from portal.plans.service.making import submit_proposal
from portal.plans.service.progress import live_plan
from tests.conftest import Browser, main_text
from tests.factories import make_account, make_card_debtor, make_creditor, make_debtor, make_link, make_uk_creditor
from tests.plan_support import active_plan, emails
from tests.stripe_server import settings  # noqa: F401  (localstripe and emails in a folder)

POLICY = {
    "min_instalment": 500,
    "max_term_months": 12,
    "auto_accept_max_term_months": 12,
    "frequencies": ["weekly", "fortnightly", "four_weekly", "monthly"],
    "first_payment_within_days": 30,
    "missed_payments_to_break": 2,
    "retry_attempts": 1,
    "retry_after_days": 3,
}


@pytest.fixture
def debtor(app):
    debtor = make_card_debtor(POLICY)
    db.session.commit()
    return debtor


@pytest.fixture
def account(debtor, browser):
    account = make_account(debtor, [("itemization", 60_000)], description="Mobile phone contract", reference="MM-300")
    db.session.commit()
    browser.sign_in(make_link(debtor), debtor)
    return account


@pytest.fixture
def today(debtor):
    return clock.today_for(debtor)


def _plan(reference: str) -> Plan:
    db.session.expire_all()
    return db.session.scalar(db.select(Plan).where(Plan.reference == reference))


def _events(kind: str) -> list[CreditorEvent]:
    return list(db.session.scalars(db.select(CreditorEvent).where(CreditorEvent.kind == kind)))


def _audit(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == action)))


def _propose(browser, account, start: date, amount: str = "20", frequency: str = "monthly") -> Plan:
    """£20 a month on £600 is 30 months: outside the 12 the policy agrees at once."""
    response = browser.post(
        f"/accounts/{account.id}/plans/propose", {"amount": amount, "frequency": frequency, "start": start.isoformat()}
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    plan = _plan(response.headers["Location"].split("/")[2])
    assert plan.status == "pending_review"
    assert response.headers["Location"] == f"/plans/{plan.reference}"
    return plan


def _link_path(message) -> str:
    return re.search(r"http://portal\.test(/l/\S+)", message.get_content()).group(1)


@pytest.fixture
def paused(app, browser, debtor, account, localstripe):
    """An active plan of 6 monthly payments of £100 with a request for a 1-month pause."""
    plan = active_plan(debtor, account, localstripe)
    response = browser.post(f"/plans/{plan.reference}/pause", {"months": "1", "reason": "I lost my job"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/plans/{plan.reference}"
    for sent in Path(app.config["MAIL_DIR"]).glob("*.eml"):
        sent.unlink()  # the plan's confirmations (test_confirmations.py): these tests read the decision's email
    return _plan(plan.reference)


# Proposals


def test_approving_a_proposal_makes_a_draft_the_debtor_can_agree(browser, account, today):
    plan = _propose(browser, account, today + timedelta(days=10))
    dates = [i.due_date for i in plan.instalments]

    review.approve_proposal(plan, by="Alex", note="Thank you for telling us about your budget.", today=today)
    transaction.commit()  # the caller's unit of work: stored, then the debtor is told

    plan = _plan(plan.reference)
    assert plan.status == "draft" and plan.reviewed_by == "Alex" and plan.reviewed_at is not None
    assert [i.due_date for i in plan.instalments] == dates  # far enough away: the dates stay
    page = browser.get(f"/plans/{plan.reference}", follow_redirects=True)
    text = main_text(page)
    assert "Check your plan" in text and "Good news: we can agree the plan you proposed" in text
    assert "What we said Thank you for telling us about your budget." in text
    response = browser.post(f"/plans/{plan.reference}/check", {"first": "later"})
    assert response.headers["Location"] == f"/plans/{plan.reference}/card"
    assert _plan(plan.reference).status == "agreed"
    [event] = _events("plan.approved")
    assert event.data["plan"] == plan.reference and event.data["moved_days"] == 0
    [audit] = _audit("plan.approved")
    assert audit.actor_type == "staff" and audit.detail["by"] == "Alex"


@pytest.mark.parametrize(("first_in", "moved"), [(-3, 10), (0, 7), (1, 6), (2, 0)])
def test_a_first_payment_that_has_passed_or_is_too_close_moves_to_a_week_away(
    app, debtor, account, today, first_in, moved
):
    plan = submit_proposal(debtor, account, 500, "weekly", today + timedelta(days=first_in))
    db.session.commit()
    assert plan.status == "pending_review"
    before = [i.due_date for i in plan.instalments]

    review.approve_proposal(plan, by="Alex", today=today)
    transaction.commit()  # the caller's unit of work: stored, then the debtor is told

    plan = _plan(plan.reference)
    assert [i.due_date for i in plan.instalments] == [day + timedelta(days=moved) for day in before]
    assert plan.first_date == before[0] + timedelta(days=moved)
    if moved:
        assert plan.instalments[0].due_date == today + timedelta(days=7)


def test_declining_a_proposal_frees_the_account_and_the_debtor_reads_why(app, browser, account, today):
    plan = _propose(browser, account, today + timedelta(days=10))
    result = app.test_cli_runner().invoke(
        args=["plans", "decline", plan.reference, "--note", "We need at least £50 a month.", "--by", "Sam"]
    )
    assert result.exit_code == 0, result.output
    assert f"{plan.reference}: declined" in result.output

    plan = _plan(plan.reference)
    assert plan.status == "declined" and plan.ended_at is not None and plan.reviewed_by == "Sam"
    assert {i.status for i in plan.instalments} == {"cancelled"}
    assert live_plan(account) is None
    page = browser.get(f"/plans/{plan.reference}")
    text = main_text(page)
    assert "We could not agree this plan" in text and "What we said We need at least £50 a month." in text
    assert f'href="/accounts/{account.id}/plans">Set up a payment plan' in page.get_data(as_text=True)
    assert "Your payments" not in text
    assert "note" not in _events("plan.declined")[0].data  # a staff note is free text: never sent to the creditor

    start = (today + timedelta(days=10)).isoformat()
    again = browser.post(
        f"/accounts/{account.id}/plans/propose", {"amount": "100", "frequency": "monthly", "start": start}
    )
    assert again.headers["Location"].endswith("/check")  # a new plan, agreed at once
    db.session.expire_all()
    assert again.headers["Location"] == f"/plans/{live_plan(account).reference}/check"


@pytest.mark.parametrize(
    ("creditor", "made_on", "answer_by"),
    [
        # Thu 24, (Fri 25 Christmas), (Mon 28: Boxing Day falls on a Saturday), Tue 29, Wed 30, Thu 31,
        # (Fri 1 January), Mon 4 January
        (make_uk_creditor, date(2026, 12, 23), date(2027, 1, 4)),
        # Thu 24, (Fri 25 Christmas), Mon 28, Tue 29, Wed 30, Thu 31
        (make_creditor, date(2026, 12, 23), date(2026, 12, 31)),
        # (Fri 25 Christmas), Mon 28, Tue 29, Wed 30, Thu 31, (Fri 1 January), Mon 4 January
        (make_creditor, date(2026, 12, 24), date(2027, 1, 4)),
    ],
)
def test_the_answer_by_date_skips_the_creditors_public_holidays(app, monkeypatch, creditor, made_on, answer_by):
    noon = datetime(made_on.year, made_on.month, made_on.day, 12, tzinfo=UTC)
    monkeypatch.setattr(clock, "now", lambda: noon)
    debtor = make_debtor(creditor(policy=POLICY))
    account = make_account(debtor, [("itemization", 60_000)])
    assert clock.today_for(debtor) == made_on

    plan = submit_proposal(debtor, account, 500, "monthly", made_on + timedelta(days=14))
    db.session.commit()

    assert plan.status == "pending_review" and plan.review_by == answer_by
    [event] = _events("plan.proposed")
    assert event.data["review_by"] == answer_by.isoformat()


# Pauses


def test_approving_a_pause_moves_the_unpaid_payments_on_by_whole_months(app, browser, paused):
    first, second, third, *rest = paused.instalments
    first.status = "paid"
    second.due_date, third.due_date = date(2027, 1, 31), date(2027, 3, 31)
    third.retry_on = date(2027, 4, 3)
    later = [i.due_date for i in rest]
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["plans", "approve-pause", paused.reference, "--by", "Alex"])
    assert result.exit_code == 0, result.output

    plan = _plan(paused.reference)
    first, second, third, *rest = plan.instalments
    assert first.due_date == paused.first_date  # paid: unchanged
    assert second.due_date == date(2027, 2, 28)  # 31 January + 1 month
    assert (third.due_date, third.retry_on) == (date(2027, 4, 30), date(2027, 5, 3))
    assert [i.due_date.month for i in rest] == [(day.month % 12) + 1 for day in later]
    assert plan.pause_requested_at is None and plan.review_outcome == "pause_approved"
    assert review.waiting() == []
    text = main_text(browser.get(f"/plans/{plan.reference}"))
    assert "We agreed to pause your payments for 1 month." in text
    assert "You asked for a pause" not in text and "What we said" not in text  # no note written
    [event] = _events("plan.pause_approved")
    assert event.data["months"] == 1 and event.data["instalments"][0] == {
        "number": 2,
        "due": "2027-02-28",
        "amount": 10_000,
    }


def test_declining_a_pause_leaves_the_payments_and_says_why(browser, debtor, paused, today):
    dates = [i.due_date for i in paused.instalments]
    review.decline_pause(paused, by="Sam", note="Call us so we can talk about a smaller payment.", today=today)
    transaction.commit()  # the caller's unit of work: stored, then the debtor is told

    plan = _plan(paused.reference)
    assert [i.due_date for i in plan.instalments] == dates
    assert plan.status == "active" and plan.pause_requested_at is None and plan.pause_months == 1
    text = main_text(browser.get(f"/plans/{plan.reference}"))
    assert "We could not agree a pause. Your payments carry on as before." in text
    assert "What we said Call us so we can talk about a smaller payment." in text
    assert "Ask for a pause" in text  # they may ask again
    assert _audit("plan.pause_declined")[0].actor_type == "staff"


# Refused


def test_a_decision_the_plan_is_not_waiting_for_is_refused(app, browser, account, paused, today):
    with pytest.raises(review.NotWaiting):
        review.approve_proposal(paused, by="Sam", today=today)
    db.session.rollback()
    with pytest.raises(review.NoteNeeded):
        review.decline_pause(paused, by="Sam", note="  ", today=today)
    review.approve_pause(paused, by="Sam", today=today)
    transaction.commit()  # the caller's unit of work: stored, then the debtor is told
    with pytest.raises(review.NotWaiting):
        review.decline_pause(paused, by="Sam", note="No.", today=today)
    db.session.rollback()
    with pytest.raises(review.NotWaiting):
        review.approve_pause(paused, by="Sam", today=today)
    db.session.rollback()

    runner = app.test_cli_runner()
    twice = runner.invoke(args=["plans", "approve-pause", paused.reference])
    assert twice.exit_code != 0 and "no pause request waiting" in twice.output
    not_a_proposal = runner.invoke(args=["plans", "decline", paused.reference, "--note", "No."])
    assert not_a_proposal.exit_code != 0 and "not a proposal waiting for review" in not_a_proposal.output
    unknown = runner.invoke(args=["plans", "approve", "PL-NOTHERE"])
    assert unknown.exit_code != 0 and "No plan 'PL-NOTHERE'" in unknown.output
    no_note = runner.invoke(args=["plans", "decline", paused.reference])
    assert no_note.exit_code != 0 and "--note" in no_note.output
    assert _plan(paused.reference).status == "active"


def test_a_proposal_is_decided_once(browser, account, today):
    plan = _propose(browser, account, today + timedelta(days=10))
    review.decline_proposal(plan, by="Sam", note="Not this time.", today=today)
    transaction.commit()  # the caller's unit of work: stored, then the debtor is told
    with pytest.raises(review.NotWaiting):
        review.approve_proposal(plan, by="Alex", today=today)
    db.session.rollback()
    assert _plan(plan.reference).status == "declined"


# The waiting list


def test_the_waiting_list_has_proposals_and_pauses_soonest_answer_first(app, browser, account, today, localstripe):
    proposal = _propose(browser, account, today + timedelta(days=10))
    other = make_card_debtor(POLICY, email="other@example.co.uk")
    other_account = make_account(other, [("itemization", 60_000)])
    db.session.commit()
    pause = active_plan(other, other_account, localstripe)
    pause.pause_requested_at = pause.created_at
    pause.pause_months, pause.pause_reason = 2, "My hours were cut"
    pause.review_by = proposal.review_by - timedelta(days=1)
    db.session.commit()

    assert [p.reference for p in review.waiting()] == [pause.reference, proposal.reference]
    assert [p.reference for p in review.waiting([other.creditor_id])] == [pause.reference]
    output = app.test_cli_runner().invoke(args=["plans", "waiting"]).output
    assert f"{pause.reference}  answer by {pause.review_by}" in output and "pause of 2 month(s)" in output
    assert "in their words: My hours were cut" in output
    assert "£20.00 monthly" in output and "outside the policy: term_too_long" in output
    assert "2 waiting." in output.splitlines()  # the last line of its own (the plan's confirmation may follow)


# Emails and privacy


def test_the_decision_is_emailed_with_a_link_that_opens_the_plan(app, debtor, account, today):
    plan = submit_proposal(debtor, account, 2_000, "monthly", today - timedelta(days=1))
    db.session.commit()
    review.approve_proposal(plan, by="Alex", note="Your budget shows you can pay this.", today=today)
    transaction.commit()  # the caller's unit of work: stored, then the debtor is told

    [message] = emails(app)
    assert message["To"] == "sarah@example.co.uk"
    assert message["Subject"] == "We can agree the payment plan you proposed"
    body = message.get_content()
    assert "Hello Sarah Jones," in body and "Your budget shows you can pay this." in body
    assert "We moved your payment dates on" in body
    assert f"on {clock.today_for(debtor) + timedelta(days=7):%-d %B %Y}" in body

    fresh = Browser(app.test_client())
    response = fresh.sign_in(_link_path(message), debtor)
    assert response.headers["Location"] == f"/plans/{plan.reference}"
    page = fresh.get(response.headers["Location"], follow_redirects=True)
    assert "Good news: we can agree the plan you proposed" in main_text(page)


def test_a_discreet_debtor_gets_a_subject_that_does_not_mention_the_debt(app, debtor, paused, today):
    db.session.add(ContactPreference(debtor_id=debtor.id, discreet=True))
    db.session.commit()
    review.decline_pause(paused, by="Sam", note="We cannot pause it now.", today=today)
    transaction.commit()  # the caller's unit of work: stored, then the debtor is told
    message = emails(app)[-1]
    assert message["Subject"] == "We have an answer for you"
    assert "We cannot agree a pause" in message.get_content()


def test_a_spanish_speaker_reads_the_email_in_spanish(app, debtor, paused, today):
    debtor.locale = "es"
    db.session.commit()
    review.approve_pause(paused, by="Sam", note="Esperamos que todo vaya mejor.", today=today)
    transaction.commit()  # the caller's unit of work: stored, then the debtor is told
    message = emails(app)[-1]
    assert message["Subject"] == "Hemos hecho una pausa en su plan de pagos"
    assert "Hola" in message.get_content() and "Esperamos que todo vaya mejor." in message.get_content()


def test_no_email_when_they_switched_email_off(app, debtor, paused, today):
    db.session.add(ContactPreference(debtor_id=debtor.id, email_on=False))
    db.session.commit()
    review.approve_pause(paused, by="Sam", today=today)
    transaction.commit()  # the caller's unit of work: stored, then the debtor is told
    assert emails(app) == []
    assert _plan(paused.reference).review_outcome == "pause_approved"


def test_another_debtor_cannot_see_the_decision(app, browser, account, today):
    plan = _propose(browser, account, today + timedelta(days=10))
    review.decline_proposal(plan, by="Sam", note="Private words.", today=today)
    transaction.commit()  # the caller's unit of work: stored, then the debtor is told
    stranger = make_debtor(make_card_debtor(POLICY).creditor)
    db.session.commit()
    other = Browser(app.test_client())
    other.sign_in(make_link(stranger), stranger)
    response = other.get(f"/plans/{plan.reference}")
    assert response.status_code == 404 and "Private words." not in response.get_data(as_text=True)
    assert "Page not found" in main_text(response)
