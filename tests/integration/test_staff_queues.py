"""The console's queues and decisions: what waits for a person at a staff user's creditors, oldest promise first,
and a supervisor's answer to a proposal, a pause request or a dispute, which the debtor then sees."""

from datetime import UTC, datetime, timedelta

import pytest

from portal import clock
from portal.extensions import db
from portal.help.service.circumstances import disclose
from portal.help.service.messages import start_thread
from portal.models import AuditEvent, Dispute, Plan, StaffUser
from portal.plans.service.making import submit_proposal
from portal.rights.service import disputes
from tests.conftest import main_text
from tests.factories import make_account, make_card_debtor, make_debtor, make_link, make_uk_creditor
from tests.plan_support import emails, stored_plan
from tests.staff_support import StaffBrowser, make_staff
from tests.stripe_server import settings  # noqa: F401  (localstripe and emails in a folder)

POLICY = {
    "min_instalment": 500,
    "max_term_months": 12,
    "auto_accept_max_term_months": 12,
    "frequencies": ["weekly", "fortnightly", "four_weekly", "monthly"],
    "first_payment_within_days": 30,
}


@pytest.fixture
def debtor(app):
    debtor = make_card_debtor(POLICY)
    db.session.commit()
    return debtor


@pytest.fixture
def today(debtor):
    return clock.today_for(debtor)


@pytest.fixture
def account(debtor):
    account = make_account(debtor, [("itemization", 60_000)], description="Mobile phone contract", reference="MM-300")
    db.session.commit()
    return account


@pytest.fixture
def proposal(debtor, account, today) -> Plan:
    """£20 a month on £600 is 30 months: outside the 12 the policy agrees at once."""
    plan = submit_proposal(debtor, account, 2_000, "monthly", today + timedelta(days=10))
    db.session.commit()
    assert plan.status == "pending_review"
    return plan


@pytest.fixture
def other():
    """A debtor of another creditor, with a proposal and a dispute of their own."""
    debtor = make_debtor(make_uk_creditor(name="Elsewhere Loans", policy=POLICY), full_name="Olga Otherside")
    account = make_account(debtor, [("itemization", 60_000)], reference="EL-1")
    today = clock.today_for(debtor)
    plan = submit_proposal(debtor, account, 2_000, "monthly", today + timedelta(days=10))
    second = make_account(debtor, [("itemization", 10_000)], reference="EL-2")
    dispute = disputes.open_dispute(
        debtor, second, reason="not_mine", details=None, attachment=None, attachment_key=None, today=today
    )
    db.session.commit()
    return plan, dispute


def _staff(app, debtor, role: str) -> StaffBrowser:
    staff = StaffBrowser(app.test_client())
    staff.sign_in(make_staff(debtor.creditor, role=role, name=f"Sam {role.title()}"))
    return staff


@pytest.fixture
def supervisor(app, debtor):
    return _staff(app, debtor, "supervisor")


@pytest.fixture
def agent(app, debtor):
    return _staff(app, debtor, "agent")


@pytest.fixture
def signed_in(browser, debtor, account):
    """The debtor, signed in to their own pages."""
    browser.sign_in(make_link(debtor), debtor)
    return browser


def _plan(reference: str) -> Plan:
    db.session.expire_all()
    return db.session.scalar(db.select(Plan).where(Plan.reference == reference))


def _decide(staff, plan: Plan, **data):
    return staff.post(f"/staff/plans/{plan.reference}", {"confirm": "y"} | data)


# The queue


def test_the_queue_shows_only_their_creditors_items_oldest_promise_first_with_days_left(
    agent, debtor, proposal, other, today
):
    later = make_account(debtor, [("itemization", 30_000)], reference="MM-301")
    second = submit_proposal(debtor, later, 1_000, "monthly", today + timedelta(days=10))
    second.review_by = today - timedelta(days=2)  # promised earlier, and now overdue
    proposal.review_by = today + timedelta(days=3)
    disputed = make_account(debtor, [("itemization", 5_000)], reference="MM-302")
    disputes.open_dispute(
        debtor, disputed, reason="wrong_amount", details=None, attachment=None, attachment_key=None, today=today
    )
    disclose(debtor, kinds=["income"], helps=["pause"], details=None)
    thread = start_thread(debtor, "About my payments", "Can I pay later this month?")
    db.session.commit()

    page = agent.get("/staff/queues")

    assert page.status_code == 200
    text = main_text(page)
    assert "Sarah Jones" in text and "Olga Otherside" not in text and "Elsewhere Loans" not in text
    assert "Proposals and pause requests to decide: 2" in text
    assert "Disputes to answer or deliver: 1" in text
    assert "Circumstances to review: 1" in text and "Messages awaiting a reply: 1" in text
    assert text.index("Overdue by 2 days") < text.index("3 days left")  # the oldest promise first
    assert text.index("£10.00 a month") < text.index("£20.00 a month")
    assert "Dispute: The amount is wrong" in text and "(our target)" in text
    html = page.get_data(as_text=True)
    assert f'href="/staff/plans/{second.reference}"' in html
    assert f'href="/staff/debtors/{debtor.id}/messages/{thread.id}"' in html
    assert f'href="/staff/debtors/{debtor.id}"' in html


# Proposals


def test_a_supervisor_accepts_a_proposal_and_the_debtor_sees_it_accepted_on_the_dashboard(
    supervisor, signed_in, proposal
):
    response = _decide(supervisor, proposal, decision="accept", note="Thank you for telling us.")

    assert response.status_code == 303
    assert "Proposal accepted. Sarah Jones will be told" in main_text(supervisor.get(response.headers["Location"]))
    plan = _plan(proposal.reference)
    assert plan.status == "draft" and plan.review_outcome == "approved" and plan.reviewed_by == "Sam Supervisor"
    [audit] = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "plan.approved")).all()
    assert audit.actor_type == "staff" and audit.detail["by"] == "Sam Supervisor"
    staff_id = db.session.scalar(db.select(StaffUser.id).where(StaffUser.name == "Sam Supervisor"))
    assert (audit.actor_id, audit.detail["staff_role"]) == (staff_id, "supervisor"), "the decision names who made it"
    dashboard = main_text(signed_in.get("/accounts/"))
    assert "Accepted Your offer of £20.00 a month was accepted." in dashboard


def test_declining_needs_a_note_which_the_debtor_then_reads(supervisor, signed_in, proposal):
    refused = _decide(supervisor, proposal, decision="decline", note=" ")
    assert refused.status_code == 400
    assert "There is a problem Write a note the debtor can read, saying why" in main_text(refused)
    assert _plan(proposal.reference).status == "pending_review"

    response = _decide(supervisor, proposal, decision="decline", note="We need at least £50 a month.")

    assert response.status_code == 303
    assert _plan(proposal.reference).status == "declined"
    page = main_text(signed_in.get(f"/plans/{proposal.reference}"))
    assert "We could not agree this plan" in page and "We need at least £50 a month." in page


def test_a_decision_needs_the_confirm_tick(supervisor, proposal):
    response = supervisor.post(f"/staff/plans/{proposal.reference}", {"decision": "accept"})

    assert response.status_code == 400
    assert "Tick to confirm you have checked this decision" in main_text(response)
    assert _plan(proposal.reference).status == "pending_review"


def test_a_counter_offer_is_a_plan_the_debtor_can_agree(app, supervisor, signed_in, proposal, today):
    first = today + timedelta(days=14)
    response = _decide(
        supervisor,
        proposal,
        decision="counter",
        amount="70",
        frequency="monthly",
        start=first.isoformat(),
        note="We can agree £70 a month.",
    )

    assert response.status_code == 303, main_text(response)
    plan = _plan(proposal.reference)
    assert plan.status == "draft" and plan.review_outcome == "countered"
    assert [i.amount for i in plan.instalments] == [7_000] * 8 + [4_000]  # adds up to the £600 owed
    assert plan.total == 60_000 and plan.first_date == first and plan.proposed_amount == 2_000
    [email] = [e for e in emails(app) if e["Subject"] == "We have offered you a different payment plan"]
    assert "Payments of £70.00, 9 in all, adding up to £600.00." in email.get_content()
    assert "New offer" in main_text(signed_in.get("/accounts/"))
    check = main_text(signed_in.get(f"/plans/{plan.reference}", follow_redirects=True))
    assert "we can offer you this plan instead" in check and "We can agree £70 a month." in check

    agreed = signed_in.post(f"/plans/{plan.reference}/check", {"first": "later"})

    assert agreed.headers["Location"] == f"/plans/{plan.reference}/card"
    assert _plan(plan.reference).status == "agreed"


@pytest.mark.parametrize(
    ("amount", "start_in", "message"),
    [
        ("70", 0, "Enter a date at least 2 days from today"),
        ("700", 14, "Enter an amount of £600.00 or less. That is what they owe."),
        ("seventy", 14, "Enter an amount in numbers"),
    ],
)
def test_a_counter_offer_the_debtor_could_not_agree_is_refused_with_what_to_do(
    supervisor, proposal, today, amount, start_in, message
):
    response = _decide(
        supervisor,
        proposal,
        decision="counter",
        amount=amount,
        frequency="monthly",
        start=(today + timedelta(days=start_in)).isoformat(),
        note="Here is what we can do.",
    )

    assert response.status_code == 400
    assert message in main_text(response)
    assert _plan(proposal.reference).status == "pending_review"


# Pause requests


@pytest.fixture
def pause_request(debtor, account, today) -> Plan:
    plan = stored_plan(account, [today + timedelta(days=10), today + timedelta(days=40)], 30_000)
    plan.pause_requested_at = datetime.now(UTC)
    plan.pause_months, plan.pause_reason = 1, "I lost my job"
    plan.review_by = today + timedelta(days=5)
    db.session.commit()
    return plan


def test_a_supervisor_approves_a_pause_and_the_payments_move_on(supervisor, pause_request, today):
    page = main_text(supervisor.get(f"/staff/plans/{pause_request.reference}"))
    assert "Pause request" in page and "I lost my job" in page and "5 days left" in page

    response = _decide(supervisor, pause_request, decision="approve")

    assert response.status_code == 303
    plan = _plan(pause_request.reference)
    assert plan.review_outcome == "pause_approved" and plan.pause_requested_at is None
    assert plan.instalments[0].due_date > today + timedelta(days=30)


def test_a_supervisor_declines_a_pause_with_a_note(supervisor, pause_request, today):
    response = _decide(supervisor, pause_request, decision="decline", note="Let us talk about a smaller payment.")

    assert response.status_code == 303
    plan = _plan(pause_request.reference)
    assert plan.review_outcome == "pause_declined" and plan.review_note == "Let us talk about a smaller payment."
    assert plan.instalments[0].due_date == today + timedelta(days=10)


# Disputes


@pytest.fixture
def dispute(debtor, account, today) -> Dispute:
    found = disputes.open_dispute(
        debtor,
        account,
        reason="wrong_amount",
        details="I paid £100 in May.",
        attachment=None,
        attachment_key=None,
        today=today,
    )
    db.session.commit()
    return found


def test_a_supervisor_resolves_a_dispute_with_a_note_then_records_its_delivery(supervisor, signed_in, dispute):
    page = main_text(supervisor.get(f"/staff/disputes/{dispute.reference}"))
    assert "Dispute: The amount is wrong" in page and "I paid £100 in May." in page

    response = supervisor.post(
        f"/staff/disputes/{dispute.reference}",
        {"outcome": "corrected", "note": "You were right: we took £100 off.", "confirm": "y"},
    )

    assert response.status_code == 303
    db.session.expire_all()
    assert dispute.status == "awaiting_delivery" and dispute.resolved_by == "Sam Supervisor"
    assert "You were right: we took £100 off." in main_text(signed_in.get(f"/disputes/{dispute.reference}"))

    delivered = supervisor.post(f"/staff/disputes/{dispute.reference}/delivered", {"channel": "email", "confirm": "y"})

    assert delivered.status_code == 303
    db.session.expire_all()
    assert dispute.status == "resolved" and dispute.delivered_by == "email"


def test_a_dispute_answer_needs_a_note(supervisor, dispute):
    response = supervisor.post(f"/staff/disputes/{dispute.reference}", {"outcome": "confirmed", "confirm": "y"})

    assert response.status_code == 400
    assert "Write a note the debtor can read, saying why" in main_text(response)


# Who may


def test_an_agent_reads_a_proposal_without_the_decision_form(agent, proposal):
    page = agent.get(f"/staff/plans/{proposal.reference}")

    assert page.status_code == 200
    assert "Only a supervisor can decide this." in main_text(page)
    assert "Why it is outside the policy" in main_text(page) and '<form method="post" action="/staff/plans' not in (
        page.get_data(as_text=True)
    )


def test_an_agent_is_refused_every_decision(agent, proposal, dispute):
    posts = [
        (f"/staff/plans/{proposal.reference}", {"decision": "accept", "confirm": "y"}),
        (f"/staff/disputes/{dispute.reference}", {"outcome": "confirmed", "note": "Checked.", "confirm": "y"}),
        (f"/staff/disputes/{dispute.reference}/delivered", {"channel": "post", "confirm": "y"}),
    ]
    for path, data in posts:
        assert agent.post(path, data).status_code == 403, path
    assert _plan(proposal.reference).status == "pending_review"


def test_another_creditors_plan_or_dispute_is_not_found_on_every_route(supervisor, other):
    plan, dispute = other
    for path in (f"/staff/plans/{plan.reference}", f"/staff/disputes/{dispute.reference}"):
        assert supervisor.get(path).status_code == 404, path
    posts = [
        (f"/staff/plans/{plan.reference}", {"decision": "accept", "confirm": "y"}),
        (f"/staff/disputes/{dispute.reference}", {"outcome": "confirmed", "note": "Checked.", "confirm": "y"}),
        (f"/staff/disputes/{dispute.reference}/delivered", {"channel": "post", "confirm": "y"}),
    ]
    for path, data in posts:
        assert supervisor.post(path, data).status_code == 404, path
    assert _plan(plan.reference).status == "pending_review"
