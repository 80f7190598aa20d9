"""The console's debtor page: everything about one debtor, scoped to the staff user's creditors, and the
actions an agent (a reply, a new message, a new link) and a supervisor (holds, attachments) take there."""

import re
from datetime import timedelta

import pytest

from portal import clock
from portal.budget import service as budgets
from portal.extensions import db
from portal.help.service import circumstances, messages
from portal.models import AuditEvent, Hold, MagicLink, Message, OutboundMessage
from portal.plans.service.making import submit_proposal
from portal.rights import attachments
from portal.rights.service import disputes
from tests.conftest import main_text
from tests.factories import make_account, make_creditor, make_debtor, make_payment
from tests.plan_support import POLICY, emails, stored_plan
from tests.staff_support import StaffBrowser, make_staff

PDF = b"%PDF-1.4\n% a receipt\n"


@pytest.fixture
def settings(tmp_path) -> dict:
    return {"MAIL_BACKEND": "file", "MAIL_DIR": str(tmp_path / "mail"), "UPLOAD_FOLDER": str(tmp_path / "uploads")}


def _debtor(**overrides):
    return make_debtor(make_creditor(policy=POLICY), email="sam@example.com", phone="+15550100", **overrides)


def _with_everything(app):
    """A debtor with an account of each kind of thing the page shows; returns (debtor, names of what was made)."""
    debtor = _debtor(full_name="Sam Rivera", postcode="10001")
    today = clock.today_for(debtor)
    account = make_account(
        debtor, [("itemization", 100_000), ("interest", 1_500), ("fee", 2_500)], reference="ACC-MAIN"
    )
    proposed = make_account(debtor, reference="ACC-PROPOSED")
    disputed = make_account(debtor, reference="ACC-DISPUTED")
    payment = make_payment(debtor, account, "one-off:page", status="succeeded", amount=4_000)
    plan = stored_plan(account, [today + timedelta(days=7), today + timedelta(days=37)], 2_345)
    budget = budgets.start_budget(debtor, "quick")
    budget.lines = {
        "take_home_income": {"amount": 180_000, "frequency": "monthly"},
        "housing": {"amount": 90_000, "frequency": "monthly"},
    }
    proposal = submit_proposal(debtor, proposed, 5_000, "monthly", today + timedelta(days=3), budget=budget)
    checked = attachments.CheckedFile(data=PDF, content_type="application/pdf", filename="receipt.pdf")
    dispute = disputes.open_dispute(
        debtor,
        disputed,
        reason="already_paid",
        details="I paid this in March.",
        attachment=checked,
        attachment_key=attachments.store(checked, app.config["UPLOAD_FOLDER"]),
        today=today,
    )
    disclosure = circumstances.disclose(
        debtor, kinds=["mental_health", "income"], helps=["pause"], details="I am in hospital.", consented=True
    )
    thread = messages.start_thread(debtor, "My payment date", "Can I pay on the 5th instead?")
    db.session.commit()
    return debtor, {
        "payment": payment.reference,
        "plan": plan.reference,
        "proposal": proposal.reference,
        "dispute": dispute.reference,
        "disclosure": disclosure.reference,
        "thread": thread.id,
    }


def _signed_in(app, *creditors, role="agent", name=None) -> StaffBrowser:
    browser = StaffBrowser(app.test_client())
    browser.sign_in(make_staff(*creditors, role=role, name=name))
    return browser


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == action)))


def test_the_page_shows_each_section_with_the_debtors_facts(app):
    debtor, made = _with_everything(app)
    page = _signed_in(app, debtor.creditor, role="supervisor").get(f"/staff/debtors/{debtor.id}")
    assert page.status_code == 200
    text = main_text(page)
    for heading in (
        "Details",
        "Accounts and ledger",
        "Payments",
        "Plans and instalments",
        "Proposals and budgets",
        "Disputes",
        "Circumstances",
        "Holds",
        "Messages",
        "Contact preferences",
        "Links",
        "Audit trail",
    ):
        assert re.search(rf'<h2 id="[a-z]+">{heading}</h2>', page.get_data(as_text=True)), heading
        assert f">{heading}</a>" in page.get_data(as_text=True), f"{heading} is not in the contents list"
    assert "Sam Rivera" in text and debtor.reference in text and "10001" in text and "sam@example.com" in text
    assert "In 1980" in text and "17 May 1980" not in text and "May 17, 1980" not in text
    assert "America/New_York" in text
    assert "Interest since + $15.00" in text and "Fees since + $25.00" in text
    assert "Payments since − $40.00" in text and "Balance $3,000.00" in text  # three accounts of $1,000
    assert made["payment"] in text and "$40.00" in text and "Paid" in text
    assert made["plan"] in text and "$23.45" in text and "Scheduled" in text
    assert made["proposal"] in text and "$50.00" in text and "Waiting for a person" in text
    assert "Income $1,800.00" in text and "Left over $900.00" in text
    assert made["dispute"] in text and "They wrote: I paid this in March." in text and "Download receipt.pdf" in text
    assert made["disclosure"] in text and "Mental health" in text and "I am in hospital." in text
    assert "My payment date" in text and "A reply from us" in text
    assert "Email: on; Text message: on; Letter: on" in text
    assert "Told us about their circumstances" in text and "Disputed a debt" in text


def test_another_creditors_debtor_is_not_found_on_every_route_of_the_page(app):
    debtor, made = _with_everything(app)
    hold = Hold(debtor_id=debtor.id, kind="creditor_pause", starts_on=clock.today_for(debtor))
    db.session.add(hold)
    db.session.commit()
    queued = db.session.scalar(db.select(db.func.count(OutboundMessage.id)))  # the debtor's own confirmations
    stranger = _signed_in(app, make_creditor(), role="supervisor")
    base = f"/staff/debtors/{debtor.id}"
    paths = [
        base,
        f"{base}/messages/{made['thread']}",
        f"{base}/messages/new",
        f"{base}/new-link",
        f"{base}/holds/new",
        f"{base}/holds/{hold.id}/end",
        f"/staff/disputes/{made['dispute']}/attachment",
    ]
    answered = {path: stranger.get(path).status_code for path in paths}
    posted = {
        path: stranger.post(
            path, {"body": "Hi", "subject": "Hi", "kind": "breathing_space", "account": "all"}
        ).status_code
        for path in paths[1:6]
    }
    assert set(answered.values()) == {404}, answered
    assert set(posted.values()) == {404}, posted
    assert db.session.scalar(db.select(db.func.count(Message.id))) == 1
    assert db.session.scalar(db.select(db.func.count(OutboundMessage.id))) == queued, "the stranger queued nothing"


def test_a_thread_or_hold_of_another_of_the_creditors_debtors_is_not_found_under_this_debtor(app):
    debtor, made = _with_everything(app)
    other = make_debtor(debtor.creditor)
    db.session.commit()
    browser = _signed_in(app, debtor.creditor, role="supervisor")
    assert browser.get(f"/staff/debtors/{other.id}/messages/{made['thread']}").status_code == 404


def test_an_agent_cannot_start_or_end_a_hold_and_a_supervisor_can(app):
    debtor = _debtor()
    make_account(debtor, reference="ACC-1")
    db.session.commit()
    agent = _signed_in(app, debtor.creditor, role="agent")
    form = {"kind": "breathing_space", "account": "all", "confirmed": "yes"}
    assert agent.get(f"/staff/debtors/{debtor.id}/holds/new").status_code == 403
    assert agent.post(f"/staff/debtors/{debtor.id}/holds/new", form).status_code == 403
    assert "Start a hold" not in main_text(agent.get(f"/staff/debtors/{debtor.id}"))
    assert db.session.scalar(db.select(db.func.count(Hold.id))) == 0

    supervisor = _signed_in(app, debtor.creditor, role="supervisor", name="Priya Shah")
    check = supervisor.post(f"/staff/debtors/{debtor.id}/holds/new", form | {"confirmed": ""})
    assert "Check before you start a hold" in main_text(check)
    assert db.session.scalar(db.select(db.func.count(Hold.id))) == 0, "nothing starts before the check"
    started = supervisor.post(f"/staff/debtors/{debtor.id}/holds/new", form)
    assert started.status_code == 302
    hold = db.session.scalar(db.select(Hold))
    assert (hold.kind, hold.account_id, hold.created_by) == ("breathing_space", None, "Priya Shah")
    assert (hold.ends_on - hold.starts_on).days == 60
    assert "On hold" in main_text(supervisor.get(f"/staff/debtors/{debtor.id}"))

    assert agent.post(f"/staff/debtors/{debtor.id}/holds/{hold.id}/end").status_code == 403
    assert supervisor.post(f"/staff/debtors/{debtor.id}/holds/{hold.id}/end").status_code == 302
    db.session.refresh(hold)
    assert hold.finished_at is not None and hold.ends_on == clock.today_for(debtor)


def test_a_creditor_pause_needs_its_days(app):
    debtor = _debtor()
    make_account(debtor)
    db.session.commit()
    supervisor = _signed_in(app, debtor.creditor, role="supervisor")
    answer = supervisor.post(f"/staff/debtors/{debtor.id}/holds/new", {"kind": "creditor_pause", "account": "all"})
    assert "Say how many days the pause lasts" in main_text(answer)


def test_a_reply_reaches_the_debtors_thread_signed_with_the_staff_first_name(app):
    debtor, made = _with_everything(app)
    agent = _signed_in(app, debtor.creditor, name="Alex Morgan")
    path = f"/staff/debtors/{debtor.id}/messages/{made['thread']}"
    assert "Can I pay on the 5th instead?" in main_text(agent.get(path))
    assert agent.post(path, {"body": "Yes, we can move it."}).status_code == 302
    reply = db.session.scalar(db.select(Message).where(Message.sender == "staff"))
    assert (reply.thread_id, reply.body, reply.staff_name) == (made["thread"], "Yes, we can move it.", "Alex")
    [event] = _events("message.replied")
    assert event.detail["staff_name"] == "Alex" and event.actor_id == reply.staff_id


def test_an_empty_reply_says_what_to_do(app):
    debtor, made = _with_everything(app)
    agent = _signed_in(app, debtor.creditor)
    answer = agent.post(f"/staff/debtors/{debtor.id}/messages/{made['thread']}", {"body": " "})
    assert "Write your reply" in main_text(answer)


def test_an_agent_starts_a_new_conversation(app):
    debtor = _debtor()
    db.session.commit()
    agent = _signed_in(app, debtor.creditor, name="Alex Morgan")
    sent = agent.post(
        f"/staff/debtors/{debtor.id}/messages/new", {"subject": "Your plan", "body": "Call us when you can."}
    )
    assert sent.status_code == 302
    [thread] = messages.threads_for(debtor)
    assert thread.subject == "Your plan" and thread.last_sender == "staff"
    assert [(m.body, m.staff_name) for m in messages.messages_in(thread)] == [("Call us when you can.", "Alex")]


def test_a_new_link_is_emailed_after_a_check_and_never_shown_to_staff(app):
    debtor = _debtor()
    db.session.commit()
    agent = _signed_in(app, debtor.creditor, name="Alex Morgan")
    check = agent.get(f"/staff/debtors/{debtor.id}/new-link")
    assert "Sent by Email" in main_text(check) and "sam@example.com" in main_text(check)
    assert db.session.scalar(db.select(db.func.count(MagicLink.id))) == 0, "the check page issues nothing"

    sent = agent.post(f"/staff/debtors/{debtor.id}/new-link")
    assert sent.status_code == 302
    [email] = emails(app)
    assert email["To"] == "sam@example.com" and "Alex at" in email.get_content()
    token = re.search(r"/l/(\S+)", email.get_content()).group(1)
    [link] = db.session.scalars(db.select(MagicLink))
    assert link.campaign == "staff"
    page = agent.get(sent.headers["Location"])
    html = page.get_data(as_text=True)
    assert token not in html and link.public_id not in html
    assert "New links sent from the console" in main_text(page) and "Sent" in main_text(page)
    [event] = _events("link.sent_by_staff")
    assert event.detail["staff_name"] == "Alex" and event.detail["channel"] == "email"


def test_no_link_is_sent_without_an_email_address_we_may_use(app):
    debtor = _debtor()
    debtor.email = None
    db.session.commit()
    agent = _signed_in(app, debtor.creditor)
    answer = agent.post(f"/staff/debtors/{debtor.id}/new-link")
    assert answer.status_code == 200 and "We can't send a link" in main_text(answer)
    assert db.session.scalar(db.select(db.func.count(OutboundMessage.id))) == 0


def test_an_attachment_is_served_only_to_a_supervisor_of_the_creditor_and_audited(app):
    debtor, made = _with_everything(app)
    path = f"/staff/disputes/{made['dispute']}/attachment"
    agent = _signed_in(app, debtor.creditor, role="agent")
    assert agent.get(path).status_code == 403
    assert "Download receipt.pdf" not in main_text(agent.get(f"/staff/debtors/{debtor.id}"))
    assert _signed_in(app, make_creditor(), role="supervisor").get(path).status_code == 404

    supervisor = _signed_in(app, debtor.creditor, role="supervisor", name="Priya Shah")
    served = supervisor.get(path)
    assert served.status_code == 200 and served.data == PDF
    assert served.headers["Content-Type"] == "application/pdf"
    assert (
        served.headers["Content-Disposition"].startswith("attachment;")
        and "receipt.pdf" in served.headers["Content-Disposition"]
    )
    assert served.headers["Cache-Control"] == "no-store"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    [event] = _events("dispute.attachment_opened")
    assert (event.debtor_id, event.detail["reference"], event.detail["staff_name"]) == (
        debtor.id,
        made["dispute"],
        "Priya",
    )


def test_health_details_are_hidden_from_an_agent_and_shown_to_a_supervisor_with_an_audit_event(app):
    debtor, made = _with_everything(app)
    agent_page = main_text(_signed_in(app, debtor.creditor, role="agent").get(f"/staff/debtors/{debtor.id}"))
    assert "I am in hospital." not in agent_page and "Mental health" not in agent_page
    assert "I lost my job" in agent_page and "something about their health, shown to supervisors" in agent_page
    assert _events("circumstances.details_shown") == []

    supervisor_page = main_text(
        _signed_in(app, debtor.creditor, role="supervisor", name="Priya Shah").get(f"/staff/debtors/{debtor.id}")
    )
    assert "I am in hospital." in supervisor_page and "Mental health" in supervisor_page
    [event] = _events("circumstances.details_shown")
    assert event.detail == {"reference": made["disclosure"], "staff_name": "Priya", "staff_role": "supervisor"}


def test_the_ledger_pages_twenty_at_a_time_with_show_older(app):
    debtor = _debtor()
    entries = [("itemization", 100_000)] + [("interest", 100 + n) for n in range(24)]
    account = make_account(debtor, entries, reference="ACC-LONG")
    db.session.commit()
    agent = _signed_in(app, debtor.creditor)
    first = agent.get(f"/staff/debtors/{debtor.id}")
    html = first.get_data(as_text=True)
    assert "$1.23" in main_text(first) and "$1.04" in main_text(first) and "$1.03" not in main_text(first)
    older = re.search(r'href="([^"]*before=[^"]*)"', html).group(1).replace("&amp;", "&")
    assert f"account={account.id}" in older
    second = main_text(agent.get(older))
    assert "$1.03" in second and "$1,000.00" in second and "$1.23" not in second
    assert "Back to the latest entries" in second


def test_a_link_the_outbox_put_in_their_messages_is_hidden_from_staff(app):
    debtor = _debtor()
    notice = "Sign in here: http://portal.test/l/eyJhIjoxfQ.abc-DEF_123 to see your plan."
    thread = messages.post_notice(debtor, "Your plan", notice, signed="Creditor", now=clock.now())
    db.session.commit()
    text = main_text(_signed_in(app, debtor.creditor).get(f"/staff/debtors/{debtor.id}/messages/{thread.id}"))
    assert "eyJhIjoxfQ" not in text and "Sign in here: [their personal link, hidden] to see your plan." in text


def test_opening_a_debtors_page_is_audited_and_shown_in_the_trail(app):
    debtor = _debtor()
    staff = _signed_in(app, debtor.creditor, role="agent", name="Sam Carter")
    staff.get(f"/staff/debtors/{debtor.id}")
    [event] = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.action == "staff.opened_debtor", AuditEvent.debtor_id == debtor.id)
    ).all()
    assert event.actor_type == "staff" and event.detail == {"staff_name": "Sam", "staff_role": "agent"}
    assert "Opened their page in the console" in main_text(staff.get(f"/staff/debtors/{debtor.id}"))
