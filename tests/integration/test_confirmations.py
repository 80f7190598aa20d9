"""What the debtor did is confirmed to them, through HTTP: a plan agreed (with a copy of the agreement, and a page
to print it), a proposal received and its answer, a pause asked for, a plan cancelled, a dispute received and
answered, circumstances told. By the channel they chose, in their language, with the reference and what happens
next, from the creditor's name; and nothing when the action did not happen."""

import re
from datetime import timedelta

import pytest

from portal import clock, transaction
from portal.extensions import db
from portal.models import Agreement, ContactPreference, OutboundMessage, Plan
from portal.plans import agreement
from portal.plans.service.making import agree
from portal.rights.service import disputes
from tests.conftest import Browser, main_text
from tests.factories import make_account, make_card_debtor, make_link
from tests.plan_support import active_plan, emails
from tests.staff_support import StaffBrowser, make_staff

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
LINK = re.compile(r"http://\S+/l/\S+")


@pytest.fixture
def settings(localstripe, twilio, tmp_path):
    """localstripe for cards, the Twilio stand-in for texts, emails in a folder."""
    return localstripe.settings | twilio.settings | {"MAIL_BACKEND": "file", "MAIL_DIR": str(tmp_path / "mail")}


@pytest.fixture
def debtor(app):
    debtor = make_card_debtor(POLICY, phone="07700 900123")
    db.session.commit()
    return debtor


@pytest.fixture
def today(debtor):
    return clock.today_for(debtor)


@pytest.fixture
def account(debtor, browser):
    account = make_account(debtor, [("itemization", 60_000)], description="Mobile phone contract", reference="MM-300")
    db.session.commit()
    browser.sign_in(make_link(debtor), debtor)
    return account


def _messages(template: str | None = None) -> list[OutboundMessage]:
    db.session.expire_all()
    query = db.select(OutboundMessage).order_by(OutboundMessage.id)
    if template:
        query = query.where(OutboundMessage.template == template)
    return list(db.session.scalars(query))


def _only_email(app, subject: str):
    found = [email for email in emails(app) if email["Subject"] == subject]
    assert len(found) == 1, [email["Subject"] for email in emails(app)]
    email = found[0]
    assert email["To"] == "sarah@example.co.uk"
    assert email["From"].startswith("Harbour Credit <"), "from the creditor's name, never the portal's"
    return email, email.get_content()


def _choose_and_agree(browser, account, today) -> str:
    start = (today + timedelta(days=7)).isoformat()
    chosen = browser.post(
        f"/accounts/{account.id}/plans", {"offer": "monthly:12", "frequency": "monthly", "start": start, "payday": ""}
    )
    assert chosen.status_code == 303, main_text(chosen)
    reference = chosen.headers["Location"].split("/")[2]
    agreed = browser.post(f"/plans/{reference}/check", {"first": "later"})
    assert agreed.headers["Location"] == f"/plans/{reference}/card"
    return reference


# A plan agreed, and the copy of the agreement


def test_agreeing_a_plan_is_confirmed_by_email_with_the_reference_what_is_next_and_a_copy(app, browser, account, today):
    reference = _choose_and_agree(browser, account, today)

    [message] = _messages("plan.agreed")
    assert (message.channel, message.state, message.debtor_id) == ("email", "sent", account.debtor_id)
    _email, body = _only_email(app, "You have agreed a payment plan")
    assert "Thank you. You have agreed a payment plan for Mobile phone contract (account MM-300)." in body
    assert f"Your reference: {reference}" in body
    assert "Next, save a card to start the plan. Your first payment of £50.00 is on" in body
    assert "What you agree to" in body and "If a payment is missed" in body, "a copy of the agreement"
    assert "You agree to pay £600.00 for Mobile phone contract, account MM-300, owed to Harbour Credit" in body


def test_the_link_in_the_confirmation_opens_the_copy_of_the_agreement(app, browser, account, today, debtor):
    reference = _choose_and_agree(browser, account, today)
    _email, body = _only_email(app, "You have agreed a payment plan")
    fresh = Browser(app.test_client())
    response = fresh.sign_in(LINK.search(body).group(0).removeprefix("http://portal.test"), debtor)
    assert response.headers["Location"] == f"/plans/{reference}/agreement"


def test_the_agreement_page_shows_what_was_agreed_word_for_word_to_its_owner_only(app, browser, account, today):
    reference = _choose_and_agree(browser, account, today)
    page = browser.get(f"/plans/{reference}/agreement")
    assert page.status_code == 200
    text = main_text(page)
    assert "Your plan agreement" in text and reference in text and "Harbour Credit" in text
    stored = db.session.scalar(db.select(Plan).where(Plan.reference == reference))
    copy = db.session.scalar(db.select(Agreement).where(Agreement.plan_id == stored.id))
    for line in copy.text.splitlines():
        assert line in text
    assert "print this page or save it as a PDF" in text
    plan_page = browser.get(f"/plans/{reference}", follow_redirects=True)
    assert "Save a card for your payments" in main_text(plan_page)

    stranger = make_card_debtor(POLICY, full_name="Olga Otherside", email="olga@example.co.uk")
    db.session.commit()
    other = Browser(app.test_client())
    other.sign_in(make_link(stranger), stranger)
    assert other.get(f"/plans/{reference}/agreement").status_code == 404


def test_the_plan_page_links_to_the_agreement(browser, account, debtor, localstripe):
    plan = active_plan(debtor, account, localstripe)
    page = browser.get(f"/plans/{plan.reference}").get_data(as_text=True)
    assert f'href="/plans/{plan.reference}/agreement"' in page


def test_a_spanish_debtor_gets_the_confirmation_in_spanish(app, browser, account, today, debtor):
    debtor.locale = "es"
    db.session.commit()
    reference = _choose_and_agree(browser, account, today)
    [message] = _messages("plan.agreed")
    assert message.state == "sent"
    [email] = emails(app)
    assert email["From"].startswith("Harbour Credit <")
    body = email.get_content()
    assert body.startswith("Hola, Sarah Jones:") and reference in body
    assert "(cuenta MM-300)" in body and "Hello" not in body


def test_nothing_is_confirmed_when_agreeing_fails_or_is_rolled_back(app, browser, account, today, debtor):
    start = (today + timedelta(days=7)).isoformat()
    chosen = browser.post(
        f"/accounts/{account.id}/plans", {"offer": "monthly:12", "frequency": "monthly", "start": start, "payday": ""}
    )
    reference = chosen.headers["Location"].split("/")[2]
    refused = browser.post(f"/plans/{reference}/check", {})  # no choice of when the first payment is taken
    assert refused.status_code == 400
    assert _messages() == []

    plan = db.session.scalar(db.select(Plan).where(Plan.reference == reference))
    with pytest.raises(RuntimeError), transaction.unit_of_work():
        agree(plan, debtor, text="agreed", version=agreement.VERSION, language="en", pay_first_now=False)
        assert len(_messages_in_session()) == 1
        raise RuntimeError("something after it failed")
    assert _messages() == [] and emails(app) == []


def _messages_in_session() -> list[OutboundMessage]:
    return list(db.session.scalars(db.select(OutboundMessage)))


# By the channel they chose


def test_a_debtor_who_chose_texts_gets_a_short_text_with_the_reference(
    app, browser, account, debtor, twilio, localstripe
):
    plan = active_plan(debtor, account, localstripe)
    db.session.add(ContactPreference(debtor_id=debtor.id, email_on=False, sms_on=True))
    db.session.commit()
    emails_before = len(emails(app))

    response = browser.post(f"/plans/{plan.reference}/cancel")

    assert response.status_code == 303
    [message] = _messages("plan.cancelled")
    assert (message.channel, message.state) == ("sms", "sent")
    [text] = twilio.texts(to="+447700900123")
    assert plan.reference in text["body"] and "cancelled your payment plan" in text["body"]
    assert "http://portal.test/s/" in text["body"], "a text carries the short link"
    assert "If you are finding it hard to pay" not in text["body"], "the longer lines are for email"
    assert len(emails(app)) == emails_before


def test_with_every_channel_off_the_confirmation_is_in_their_portal_messages(app, browser, account, debtor, today):
    db.session.add(ContactPreference(debtor_id=debtor.id, email_on=False, sms_on=False))
    db.session.commit()
    _choose_and_agree(browser, account, today)
    [message] = _messages("plan.agreed")
    assert message.state == "in_portal"
    assert emails(app) == []
    assert "You have agreed a payment plan" in main_text(browser.get("/help/messages"))


# A plan changed or ended by the debtor


def test_cancelling_a_plan_is_confirmed(app, browser, account, debtor, localstripe):
    plan = active_plan(debtor, account, localstripe)
    browser.post(f"/plans/{plan.reference}/cancel")
    [message] = _messages("plan.cancelled")
    assert (message.channel, message.state) == ("email", "sent")
    _email, body = _only_email(app, "Your payment plan is cancelled")
    assert f"Your reference: {plan.reference}" in body
    assert "We will not take any more payments for it." in body
    assert "Cancelling the plan does not cancel what you owe." in body


def test_asking_for_a_pause_is_confirmed_with_the_day_we_answer_by(app, browser, account, debtor, localstripe):
    plan = active_plan(debtor, account, localstripe)
    browser.post(f"/plans/{plan.reference}/pause", {"months": "2", "reason": "I lost my job"})
    [message] = _messages("plan.pause_requested")
    assert message.state == "sent"
    _email, body = _only_email(app, "We have your request to pause your plan")
    db.session.expire_all()
    review_by = db.session.get(Plan, plan.id).review_by
    assert "for Mobile phone contract (account MM-300) for 2 months." in body
    assert f"Your reference: {plan.reference}" in body
    assert f"We will tell you by {review_by:%-d %B %Y}." in body and "We take no payments until then." in body


def test_a_pause_request_that_is_refused_confirms_nothing(browser, account, debtor, localstripe):
    plan = active_plan(debtor, account, localstripe)
    assert browser.post(f"/plans/{plan.reference}/pause", {}).status_code == 400
    assert _messages("plan.pause_requested") == []


# A proposal and its answer


def _propose(browser, account, today, amount: str):
    return browser.post(
        f"/accounts/{account.id}/plans/propose",
        {
            "amount": amount,
            "frequency": "monthly",
            "start-day": str((today + timedelta(days=10)).day),
            "start-month": str((today + timedelta(days=10)).month),
            "start-year": str((today + timedelta(days=10)).year),
            "start": (today + timedelta(days=10)).isoformat(),
        },
    )


def test_a_proposal_sent_for_review_is_confirmed_with_when_we_will_answer(app, browser, account, today):
    response = _propose(browser, account, today, "20")
    assert response.status_code == 303, main_text(response)
    plan = db.session.scalar(db.select(Plan).order_by(Plan.id.desc()))
    assert plan.status == "pending_review"
    [message] = _messages("plan.proposal_received")
    assert message.state == "sent"
    _email, body = _only_email(app, "We have your proposed payment plan")
    assert "We have your offer of £20.00 a month for Mobile phone contract (account MM-300)." in body
    assert f"Your reference: {plan.reference}" in body and f"We will tell you by {plan.review_by:%-d %B %Y}." in body


def test_a_proposal_agreed_at_once_needs_no_received_message(browser, account, today):
    response = _propose(browser, account, today, "100")
    assert response.headers["Location"].endswith("/check")
    assert _messages("plan.proposal_received") == []


def _supervisor(app, debtor) -> StaffBrowser:
    staff = StaffBrowser(app.test_client())
    staff.sign_in(make_staff(debtor.creditor, role="supervisor", name="Sam Supervisor"))
    return staff


def test_a_proposal_accepted_in_the_console_is_told_by_their_channel_and_the_dashboard_says_what_is_left(
    app, browser, account, today, debtor
):
    _propose(browser, account, today, "20")
    plan = db.session.scalar(db.select(Plan).order_by(Plan.id.desc()))
    db.session.add(ContactPreference(debtor_id=debtor.id, email_on=False, sms_on=True))
    db.session.commit()

    decided = _supervisor(app, debtor).post(
        f"/staff/plans/{plan.reference}", {"confirm": "y", "decision": "accept", "note": "Thank you."}
    )

    assert decided.status_code == 303
    [message] = _messages("plan.review")
    assert (message.channel, message.state, message.params["outcome"]) == ("sms", "sent", "approved")
    dashboard = main_text(browser.get("/accounts/"))
    assert "Your offer of £20.00 a month was accepted." in dashboard
    assert "To start the plan, agree to it and add your card." in dashboard
    assert "You have started setting up a plan" not in dashboard

    browser.post(f"/plans/{plan.reference}/check", {"first": "later"})
    dashboard = main_text(browser.get("/accounts/"))
    assert "Accepted Your offer of £20.00 a month was accepted. Add your card to start the plan." in dashboard
    assert "Finish setting up your plan" not in dashboard
    assert f'href="/plans/{plan.reference}/card"' in browser.get("/accounts/").get_data(as_text=True)


def test_the_answer_to_a_proposal_repeats_its_reference_and_what_to_do_next(app, browser, account, today, debtor):
    _propose(browser, account, today, "20")
    plan = db.session.scalar(db.select(Plan).order_by(Plan.id.desc()))
    _supervisor(app, debtor).post(f"/staff/plans/{plan.reference}", {"confirm": "y", "decision": "accept"})
    _email, body = _only_email(app, "We can agree the payment plan you proposed")
    assert f"Your reference: {plan.reference}" in body
    assert "To agree the plan and save a card, sign in here:" in body


# Disputes


def _dispute(browser, account):
    return browser.post(
        f"/accounts/{account.id}/dispute", {"reason": "wrong_amount"}, content_type="multipart/form-data"
    )


def test_a_dispute_is_confirmed_and_so_is_its_answer(app, browser, account, debtor, today):
    response = _dispute(browser, account)
    assert response.status_code == 303
    [received] = _messages("dispute.received")
    assert (received.channel, received.state) == ("email", "sent")
    dispute = disputes.for_account(account)[0]
    _email, body = _only_email(app, "We have your dispute")
    assert "Thank you. We have your dispute about Mobile phone contract (account MM-300)." in body
    assert f"Your reference: {dispute.reference}" in body
    assert "While we check, we do not ask you for payment on this account" in body

    disputes.resolve(dispute, outcome="corrected", note="We took off a fee.", by="Sam", today=today)
    transaction.commit()

    [answered] = _messages("dispute.answered")
    assert answered.state == "sent"
    _email, body = _only_email(app, "Our answer to your dispute")
    assert f"Your reference: {dispute.reference}" in body
    assert "Until our answer has reached you, we do not ask you for payment on this account." in body


def test_an_upheld_dispute_says_we_will_not_ask_again(app, browser, account, today):
    _dispute(browser, account)
    dispute = disputes.for_account(account)[0]
    disputes.resolve(dispute, outcome="upheld", note="You were right.", by="Sam", today=today)
    transaction.commit()
    _email, body = _only_email(app, "Our answer to your dispute")
    assert "You were right. We have closed this account and we will not ask you to pay it." in body


def test_a_dispute_that_is_not_sent_confirms_nothing(browser, account):
    response = browser.post(f"/accounts/{account.id}/dispute", {}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert _messages() == []


# Circumstances


def test_telling_us_about_circumstances_is_confirmed_without_repeating_what_was_said(app, browser, account):
    response = browser.post(
        "/help/circumstances", {"kinds": ["illness"], "helps": ["pause"], "details": "My private words", "consent": "y"}
    )
    assert response.status_code == 303
    [message] = _messages("circumstances.received")
    assert message.state == "sent"
    _email, body = _only_email(app, "We have received what you told us")
    reference = response.headers["Location"].rsplit("/", 1)[1]
    assert f"Your reference: {reference}" in body
    assert "will read what you told us and contact you about how we can help." in body
    assert "We will not send you any reminders until" in body
    assert "My private words" not in body and "Illness" not in body


def test_telling_us_about_abuse_sends_no_message_someone_else_could_read(app, browser, account):
    response = browser.post("/help/circumstances", {"kinds": ["abuse", "income"], "helps": ["pause"]})
    assert response.status_code == 303
    assert _messages() == [] and emails(app) == []
