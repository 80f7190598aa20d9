"""A plan the debtor pays each time themselves, no saved card (issue 16 point 2): choosing it, its reminders with a
pay link, paying through the payment page, and missed payments under the same rules as a collected plan."""

import re
from datetime import UTC, datetime, time, timedelta

import pytest

from portal import clock
from portal.accounts import write_offs
from portal.accounts.ledger import balance_of
from portal.demo.service import seed
from portal.extensions import db
from portal.jobs.remind import remind
from portal.models import (
    Agreement,
    AuditEvent,
    ContactPreference,
    CreditorEvent,
    Instalment,
    LedgerEntry,
    MagicLink,
    Message,
    Plan,
)
from portal.plans.service.making import submit_proposal
from portal.rights.service import holds
from tests.conftest import main_text
from tests.factories import make_account, make_card_debtor, make_link
from tests.integration.test_outbox import REVEALING
from tests.integration.test_plans import Card
from tests.plan_support import POLICY, emails, run, self_paid_plan
from tests.staff_support import StaffBrowser, make_staff
from tests.stripe_server import (
    GOOD_CARD,
    Payer,
    settings,  # noqa: F401  (localstripe and emails in a folder)
)

OFFERS = POLICY | {
    "auto_accept_max_term_months": 12,
    "frequencies": ["monthly"],
    "first_payment_within_days": 30,
    "min_payment": 500,
}


@pytest.fixture
def debtor(app):
    debtor = make_card_debtor(OFFERS)
    db.session.commit()
    return debtor


@pytest.fixture
def account(debtor):
    account = make_account(debtor, [("itemization", 30_000)], description="Mobile phone contract", reference="MM-300")
    db.session.commit()
    return account


@pytest.fixture
def plan(debtor, account):
    """Three payments of £100 a month, the first in a week, paid by the debtor each time."""
    return self_paid_plan(debtor, account)


def at(day, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def _plan(reference: str) -> Plan:
    db.session.expire_all()
    return db.session.scalar(db.select(Plan).where(Plan.reference == reference))


def _events(kind: str) -> list[CreditorEvent]:
    return list(db.session.scalars(db.select(CreditorEvent).where(CreditorEvent.kind == kind)))


def _statuses(plan: Plan) -> list[str]:
    return [instalment.status for instalment in _plan(plan.reference).instalments]


def _creditor_posts_payment(account, amount: int) -> None:
    db.session.add(
        LedgerEntry(
            account_id=account.id,
            kind="payment",
            amount=-amount,
            effective_date=clock.today_for(account.debtor),
            external_ref=f"bank-transfer-{amount}",
        )
    )
    db.session.commit()


def test_choosing_to_pay_each_time_starts_the_plan_without_a_card(browser, debtor, account):
    browser.sign_in(make_link(debtor), debtor)
    today = clock.today_for(debtor)
    start = (today + timedelta(days=7)).isoformat()
    options = browser.get(f"/accounts/{account.id}/plans?frequency=monthly&start={start}").get_data(as_text=True)
    offer = re.search(r'value="(monthly:\d+)"', options).group(1)
    chosen = browser.post(
        f"/accounts/{account.id}/plans", {"offer": offer, "frequency": "monthly", "start": start, "payday": ""}
    )
    reference = chosen.headers["Location"].split("/")[2]
    check = main_text(browser.get(f"/plans/{reference}/check"))
    assert "How you pay A saved card, taken on each date" in check
    page = browser.get(f"/plans/{reference}/how-to-pay")
    assert "Pay each payment yourself" in main_text(page)
    assert browser.post(f"/plans/{reference}/how-to-pay", {}).status_code == 400  # nothing chosen: say so
    assert browser.post(f"/plans/{reference}/how-to-pay", {"pays_by": "debtor"}).headers["Location"].endswith("/check")
    check = main_text(browser.get(f"/plans/{reference}/check"))
    assert "You pay each payment yourself on this website" in check
    assert "from the card you save next" not in check and "When do you want to make the first payment?" not in check

    agreed = browser.post(f"/plans/{reference}/check", {})
    assert agreed.status_code == 303 and agreed.headers["Location"] == f"/plans/{reference}/done"
    plan = _plan(reference)
    assert (plan.status, plan.pays_by, plan.payment_method_id) == ("active", "debtor", None)
    assert "You pay each payment yourself" in db.session.scalar(
        db.select(Agreement.text).where(Agreement.plan_id == plan.id)
    )
    [activated] = _events("plan.activated")
    assert activated.data["pays_by"] == "debtor"
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "plan.activated")) is not None
    done = main_text(browser.get(f"/plans/{reference}/done"))
    assert "we will send you a link to pay it" in done
    page = main_text(browser.get(f"/plans/{reference}"))
    assert "You pay each payment yourself" in page and "Pay £150.00 now" in page


def test_the_reminder_has_a_link_to_pay_and_takes_nothing_from_a_card(app, browser, debtor, account, plan):
    due = plan.instalments[0].due_date
    report = remind(at(due - timedelta(days=3)), days_before=3)
    assert (report.counts, report.messages) == ({"queued": 1}, {"sent": 1})
    [message] = emails(app)
    body = message.get_content()
    assert message["Subject"].startswith("Your next payment of £100.00 is on ")
    assert "take it from your" not in body and "You pay this payment yourself" in body
    assert "To pay £100.00 now, sign in here: http://portal.test/l/" in body
    link = re.search(r"http://portal\.test(/l/\S+)", body).group(1)
    landed = browser.sign_in(link, debtor)
    assert landed.headers["Location"] == f"/accounts/{account.id}/pay?amount=10000"
    page = browser.get(landed.headers["Location"]).get_data(as_text=True)
    assert re.search(r'id="choice-other" name="choice" value="other" checked', page)
    assert 'value="100.00"' in page


def test_no_reminder_while_the_account_is_on_hold_and_none_by_a_channel_they_turned_off(app, debtor, plan):
    due = plan.instalments[0].due_date
    plan.account.status = "on_hold"
    db.session.commit()
    assert remind(at(due - timedelta(days=3)), days_before=3).counts == {"paused": 1}
    plan.account.status = "open"
    debtor.email = None
    db.session.commit()
    assert remind(at(due - timedelta(days=2)), days_before=3).messages == {"in_portal": 1}
    assert emails(app) == []


def test_paying_through_the_payment_page_marks_the_instalment_paid(browser, debtor, account, plan, localstripe):
    browser.sign_in(make_link(debtor), debtor)
    payer = Payer(browser, localstripe)
    reference = payer.start(account.id, "100")
    assert payer.pay(reference, GOOD_CARD)["status"] == "succeeded"
    page = main_text(browser.get(f"/plans/{plan.reference}"))
    assert _statuses(plan) == ["paid", "scheduled", "scheduled"]
    assert "Paid so far £100.00 of £300.00" in page and "Pay £100.00 now" in page  # the next one, early if they like
    [paid] = _events("instalment.paid")
    assert (paid.data["number"], paid.data["pays_by"]) == (1, "debtor")
    browser.get(f"/plans/{plan.reference}")
    assert len(_events("instalment.paid")) == 1  # marked once, however often the page is drawn


def test_a_payment_the_creditor_posts_counts_and_a_part_payment_waits_for_the_rest(debtor, account, plan):
    _creditor_posts_payment(account, 6_000)
    run(clock.today_for(debtor))
    assert _statuses(plan) == ["scheduled", "scheduled", "scheduled"]
    _creditor_posts_payment(account, 4_000)
    report = run(clock.today_for(debtor))
    assert report.counts["paid"] == 1 and _statuses(plan) == ["paid", "scheduled", "scheduled"]


def test_an_unpaid_instalment_past_its_grace_is_missed_and_the_debtor_told(app, debtor, plan):
    due = plan.instalments[0].due_date
    assert run(due + timedelta(days=3)).counts["missed"] == 0  # retry_after_days = 3: still time
    report = run(due + timedelta(days=4))
    assert report.counts["missed"] == 1
    assert _statuses(plan) == ["missed", "scheduled", "scheduled"] and _plan(plan.reference).missed_count == 1
    [message] = emails(app)
    assert message["Subject"] == "Your payment of £100.00 is missed"
    assert "We have not had your plan payment of £100.00" in message.get_content()
    assert [event.data["number"] for event in _events("instalment.missed")] == [1]
    assert run(due + timedelta(days=5)).counts["missed"] == 0


def test_nothing_is_missed_while_the_account_is_on_hold(app, debtor, plan):
    plan.account.status = "on_hold"
    db.session.commit()
    assert run(plan.instalments[0].due_date + timedelta(days=10)).counts["missed"] == 0
    assert _statuses(plan) == ["scheduled", "scheduled", "scheduled"]


def test_missed_twice_the_plan_is_broken(app, debtor, plan):
    second = plan.instalments[1].due_date
    report = run(second + timedelta(days=4))
    assert report.counts["missed"] == 1 and report.counts["broken"] == 1
    stored = _plan(plan.reference)
    assert (stored.status, stored.missed_count) == ("broken", 2)
    assert _statuses(plan) == ["missed", "missed", "cancelled"]
    assert len(_events("plan.broken")) == 1
    assert "Your payment plan has ended" in [message["Subject"] for message in emails(app)]


def test_paying_the_whole_balance_completes_the_plan(debtor, account, plan):
    _creditor_posts_payment(account, 30_000)
    run(clock.today_for(debtor))
    assert _plan(plan.reference).status == "completed"
    assert _statuses(plan) == ["paid", "paid", "paid"]


def test_after_a_part_payment_and_a_write_off_the_plan_still_asks_for_all_that_is_owed(debtor, account, plan):
    _creditor_posts_payment(account, 6_000)  # £60 towards the first £100
    write_offs.request(
        account,
        staff=make_staff(debtor.creditor, role="supervisor"),
        whole=False,
        amount=10_000,
        reason="goodwill",
        note="",
        request_key="goodwill",
        today=clock.today_for(debtor),
    )
    db.session.commit()
    assert balance_of(account) == 14_000
    _creditor_posts_payment(account, 8_000)
    run(clock.today_for(debtor))
    assert _plan(plan.reference).status == "active", "£60 is still owed: the plan is not done"
    _creditor_posts_payment(account, 5_000)
    _creditor_posts_payment(account, 1_000)
    run(clock.today_for(debtor))
    assert (_plan(plan.reference).status, balance_of(account)) == ("completed", 0)


def test_the_link_the_reminder_carries_lands_where_it_says(debtor, plan):
    remind(at(plan.instalments[0].due_date - timedelta(days=3)), days_before=3)
    link = db.session.scalar(db.select(MagicLink).where(MagicLink.debtor_id == debtor.id).order_by(MagicLink.id.desc()))
    assert link.destination == f"/accounts/{plan.account_id}/pay?amount=10000"


def test_a_collected_plan_still_asks_for_a_card(browser, debtor, account):
    plan = submit_proposal(debtor, account, 10_000, "monthly", clock.today_for(debtor) + timedelta(days=7))
    db.session.commit()
    browser.sign_in(make_link(debtor), debtor)
    agreed = browser.post(f"/plans/{plan.reference}/check", {"first": "later"})
    assert agreed.headers["Location"] == f"/plans/{plan.reference}/card"
    assert (_plan(plan.reference).status, _plan(plan.reference).pays_by) == ("agreed", "card")
    assert db.session.scalars(db.select(Instalment).where(Instalment.status == "paid")).all() == []


def test_saving_a_card_later_makes_the_plan_collected(browser, debtor, plan, localstripe):
    browser.sign_in(make_link(debtor), debtor)
    page = main_text(browser.get(f"/plans/{plan.reference}/card"))
    assert "Save a card for your payments" in page and "Change your card" not in page
    _, answer = Card(browser, localstripe).save(plan.reference, GOOD_CARD)
    assert answer["status"] == "succeeded"
    stored = _plan(plan.reference)
    assert (stored.status, stored.pays_by, stored.card_last4) == ("active", "card", "4242")
    [changed] = _events("plan.pays_by_changed")
    assert changed.data["pays_by"] == "card"
    assert "We will take it from your Visa ending 4242" not in main_text(browser.get(f"/plans/{plan.reference}"))


def test_what_was_paid_before_a_card_was_saved_still_counts_in_paid_so_far(browser, debtor, account, plan, localstripe):
    _creditor_posts_payment(account, 10_000)
    run(clock.today_for(debtor))
    assert _statuses(plan) == ["paid", "scheduled", "scheduled"]
    browser.sign_in(make_link(debtor), debtor)
    _, answer = Card(browser, localstripe).save(plan.reference, GOOD_CARD)
    assert answer["status"] == "succeeded" and _plan(plan.reference).pays_by == "card"
    page = main_text(browser.get(f"/plans/{plan.reference}"))
    assert "Paid so far £100.00 of £300.00" in page
    assert "Paid so far £100.00 of £300.00" in main_text(browser.get("/accounts/"))


def test_pay_extra_and_the_receipt_lead_to_the_normal_payment_page_and_back_to_the_plan(
    browser, debtor, account, plan, localstripe
):
    browser.sign_in(make_link(debtor), debtor)
    assert browser.get(f"/plans/{plan.reference}/pay").headers["Location"] == f"/accounts/{account.id}/pay"
    payer = Payer(browser, localstripe)
    reference = payer.start(account.id, "30")
    payer.pay(reference, GOOD_CARD)
    receipt = browser.get(f"/payments/{reference}/receipt").get_data(as_text=True)
    assert "This payment counts towards your payment plan." in receipt
    assert f'href="/plans/{plan.reference}"' in receipt
    page = main_text(browser.get(f"/plans/{plan.reference}"))
    assert "Pay £70.00 now" in page and "Paid so far £30.00 of £300.00" in page  # the rest of the first payment
    assert _statuses(plan) == ["scheduled", "scheduled", "scheduled"]


def test_the_console_says_how_a_plan_is_paid(app, debtor, plan):
    staff = StaffBrowser(app.test_client())
    staff.sign_in(make_staff(debtor.creditor))
    text = main_text(staff.get(f"/staff/debtors/{debtor.id}"))
    assert "Paid by The debtor, each payment (no card kept; reminded with a pay link)" in text
    assert "A plan started" in text


def test_the_demo_has_a_plan_its_debtor_pays_whose_reminder_links_to_the_payment_page(app):
    seed()
    db.session.commit()
    plan = db.session.scalar(db.select(Plan).where(Plan.pays_by == "debtor"))
    assert (plan.status, plan.account.reference) == ("active", "PL-909912")
    assert remind(at(plan.first_date - timedelta(days=3))).counts == {"queued": 1}
    bodies = db.session.scalars(db.select(Message.body).where(Message.debtor_id == plan.debtor_id)).all()
    assert "You pay each payment yourself. Your first payment is £150.00" in bodies[0]  # the plan agreed
    assert "To pay £150.00 now, sign in here:" in bodies[-1]  # Tom has no email address: it is in his messages
    seed()  # seeding again adds nothing
    assert db.session.scalar(db.select(db.func.count(Plan.id)).where(Plan.pays_by == "debtor")) == 1


def test_the_dashboard_makes_paying_the_main_action_a_week_before_a_payment(browser, debtor, account, plan):
    browser.sign_in(make_link(debtor), debtor)
    html = browser.get("/accounts/").get_data(as_text=True)
    assert f'<a class="button" href="/plans/{plan.reference}">Pay your next payment' in html
    assert f'href="/accounts/{account.id}/pay"' not in html, "one way to pay on the card: its next payment"
    for instalment in plan.instalments:
        instalment.due_date += timedelta(days=1)
    db.session.commit()
    html = browser.get("/accounts/").get_data(as_text=True)
    assert "Pay your next payment" not in html and "You pay each payment yourself." in html
    assert f'href="/plans/{plan.reference}">Manage your plan' in html


def test_a_hold_moves_the_dates_on_so_a_payment_due_during_it_is_not_missed(debtor, account, plan):
    due = plan.instalments[0].due_date
    hold = holds.start_hold(
        debtor, kind="creditor_pause", account=account, starts_on=due - timedelta(days=1), days=10, by="test"
    )
    db.session.commit()
    assert run(due + timedelta(days=5)).counts["missed"] == 0  # on hold: nothing is missed

    report = run(hold.ends_on + timedelta(days=1))  # the hold ends: the dates move on 10 days first
    assert report.counts["hold ended"] == 1 and report.counts["missed"] == 0
    assert _plan(plan.reference).instalments[0].due_date == due + timedelta(days=10)
    assert run(due + timedelta(days=14)).counts["missed"] == 1  # the new date's grace has passed


@pytest.mark.parametrize("language", ["en", "es"])
def test_its_reminder_and_missed_notice_say_nothing_revealing_first_when_asked_to_be_discreet(
    app, debtor, plan, language
):
    debtor.locale = language
    db.session.add(ContactPreference(debtor_id=debtor.id, discreet=True))
    db.session.commit()
    due = plan.instalments[0].due_date
    remind(at(due - timedelta(days=3)), days_before=3)
    run(due + timedelta(days=4))
    sent = emails(app)
    assert len(sent) == 2
    for email in sent:
        _greeting, _blank, opening = email.get_content().splitlines()[:3]
        assert not REVEALING.search(email["Subject"]) and not REVEALING.search(opening), (email["Subject"], opening)
