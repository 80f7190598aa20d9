"""Promises to pay, through HTTP: within the creditor's policy (latest date, least amount, how many open), through
the gate and never beside a plan; kept when the ledger shows the money by the date (a card payment here, or an item
the creditor posts through the API), broken the day after; a reminder the day before, withheld during a hold; staff
see them and make one for the debtor only with their agreement; the creditor hears of each."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from portal import clock
from portal.extensions import db
from portal.models import AuditEvent, CreditorEvent, Hold, OutboundMessage, Promise
from portal.promises.job import run
from tests.api_support import api_for
from tests.conftest import Browser, main_text
from tests.factories import make_account, make_card_debtor, make_debtor, make_link
from tests.plan_support import stored_plan
from tests.staff_support import StaffBrowser, make_staff
from tests.stripe_server import GOOD_CARD, Payer

POLICY = {"min_instalment": 500, "promise_latest_days": 30, "promise_min_amount": 1_000, "promise_max_open": 1}


@pytest.fixture
def settings(localstripe, tmp_path):
    return localstripe.settings | {"MAIL_BACKEND": "file", "MAIL_DIR": str(tmp_path / "mail")}


@pytest.fixture
def debtor(app):
    debtor = make_card_debtor(POLICY)
    db.session.commit()
    return debtor


@pytest.fixture
def today(debtor) -> date:
    return clock.today_for(debtor)


@pytest.fixture
def account(debtor, browser):
    account = make_account(debtor, [("itemization", 20_000)], description="Mobile phone contract", reference="MM-300")
    db.session.commit()
    browser.sign_in(make_link(debtor), debtor)
    return account


def _promise(browser: Browser, account, amount: str, day: date, **extra):
    data = {"amount": amount, "due-day": str(day.day), "due-month": str(day.month), "due-year": str(day.year)} | extra
    return browser.post(f"/accounts/{account.id}/promise", data)


def _promises(account) -> list[Promise]:
    db.session.expire_all()
    return list(db.session.scalars(select(Promise).where(Promise.account_id == account.id).order_by(Promise.id)))


def _messages(debtor, template: str) -> list[OutboundMessage]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(OutboundMessage).where(OutboundMessage.debtor_id == debtor.id, OutboundMessage.template == template)
        )
    )


def _events(kind: str) -> list[CreditorEvent]:
    return list(db.session.scalars(select(CreditorEvent).where(CreditorEvent.kind == kind)))


def _noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, 0, tzinfo=UTC)


# Making one


def test_the_account_page_offers_a_promise_to_pay_and_the_dashboard_leaves_its_cards_to_one_action(browser, account):
    assert f'href="/accounts/{account.id}/promise"' in browser.get(f"/accounts/{account.id}").get_data(as_text=True)
    assert f'href="/accounts/{account.id}/promise"' not in browser.get("/accounts/").get_data(as_text=True)


def test_the_promise_page_has_a_money_input_and_day_month_year_boxes(browser, account, today):
    response = browser.get(f"/accounts/{account.id}/promise")
    html, text = response.get_data(as_text=True), main_text(response)
    assert "Promise to pay" in text and "At least £10.00" in text
    assert "You owe £200.00" in text
    assert 'inputmode="decimal"' in html and '<span class="money-prefix" aria-hidden="true">£</span>' in html
    for part in ("day", "month", "year"):
        assert f'name="due-{part}" type="text" inputmode="numeric"' in html
    assert f"By {(today + timedelta(days=30)).day}" in text
    assert 'name="csrf_token"' in html


def test_a_promise_within_the_policy_is_made_confirmed_audited_and_told_to_the_creditor(
    browser, account, debtor, today
):
    response = _promise(browser, account, "50", today + timedelta(days=10))

    assert response.status_code == 303, response.get_data(as_text=True)
    (promise,) = _promises(account)
    assert (promise.amount, promise.currency, promise.due_on, promise.status) == (
        5_000,
        "GBP",
        today + timedelta(days=10),
        "open",
    )
    assert promise.made_by_staff_id is None
    assert response.headers["Location"] == f"/promises/{promise.reference}"
    page = main_text(browser.get(response.headers["Location"]))
    assert "You have made a promise to pay" in page and promise.reference in page
    assert "We will remind you the day before" in page
    (made,) = _messages(debtor, "promise.made")
    assert made.asks_for_money is False
    (event,) = _events("promise.made")
    assert event.data["promise"] == promise.reference and event.data["amount"] == 5_000
    assert event.data["due_on"] == promise.due_on.isoformat()
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "promise.made")) is not None


def test_the_dashboard_shows_the_open_promise_with_a_way_to_pay(browser, account, today):
    _promise(browser, account, "50", today + timedelta(days=10))
    due = today + timedelta(days=10)
    for path in ("/accounts/", f"/accounts/{account.id}"):
        text = main_text(browser.get(path))
        assert f"You promised to pay £50.00 by {due.day} {due.strftime('%B')} {due.year}." in text
        assert "Pay now" in text


@pytest.mark.parametrize(
    ("amount", "days", "message"),
    [
        ("9.99", 5, "The amount must be at least £10.00"),
        ("250", 5, "The amount must be £200.00 or less. That is what you owe."),
        ("", 5, "Enter the amount you will pay"),
        ("fifty", 5, "Enter an amount in numbers, like 50 or 50.00"),
        ("50", 31, "The date must be within 30 days"),
        ("50", -1, "The date must be today or later"),
    ],
)
def test_a_promise_outside_the_policy_is_refused_with_the_reason_in_words(
    browser, account, today, amount, days, message
):
    response = _promise(browser, account, amount, today + timedelta(days=days))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert html.count(message) == 2  # in the summary and beside the field
    assert "<title>Error: Promise to pay" in html
    assert _promises(account) == []


def test_a_date_that_is_not_a_date_is_refused(browser, account):
    response = browser.post(
        f"/accounts/{account.id}/promise", {"amount": "50", "due-day": "31", "due-month": "2", "due-year": "2027"}
    )
    assert response.status_code == 400
    assert "Date you will pay by must be a real date" in main_text(response)
    missing = browser.post(
        f"/accounts/{account.id}/promise", {"amount": "50", "due-day": "3", "due-month": "", "due-year": "2027"}
    )
    assert "Date you will pay by must include a month" in main_text(missing)


def test_the_limits_are_the_creditors_policy(app, browser, debtor, account, today):
    debtor.creditor.policy = POLICY | {"promise_latest_days": 7, "promise_min_amount": 2_500}
    db.session.commit()
    assert "The date must be within 7 days" in main_text(_promise(browser, account, "50", today + timedelta(days=8)))
    assert "The amount must be at least £25.00" in main_text(_promise(browser, account, "20", today))
    assert _promise(browser, account, "25", today + timedelta(days=7)).status_code == 303


def test_a_second_open_promise_is_refused_in_words(browser, account, today):
    assert _promise(browser, account, "50", today + timedelta(days=3)).status_code == 303
    again = _promise(browser, account, "20", today + timedelta(days=5))
    assert again.status_code == 409
    assert "You already have a promise to pay open for this account" in main_text(again)
    assert f'href="/accounts/{account.id}/promise"' not in browser.get("/accounts/").get_data(as_text=True)
    assert len(_promises(account)) == 1


def test_a_creditor_may_allow_two_open_promises(browser, debtor, account, today):
    debtor.creditor.policy = POLICY | {"promise_max_open": 2}
    db.session.commit()
    assert _promise(browser, account, "50", today + timedelta(days=3)).status_code == 303
    assert _promise(browser, account, "20", today + timedelta(days=5)).status_code == 303
    assert _promise(browser, account, "20", today + timedelta(days=6)).status_code == 409


def test_no_promise_while_a_plan_stands_and_the_page_says_why(browser, account, today):
    stored_plan(account, [today + timedelta(days=7)], 20_000)
    db.session.commit()
    assert f'href="/accounts/{account.id}/promise"' not in browser.get(f"/accounts/{account.id}").get_data(as_text=True)
    page = browser.get(f"/accounts/{account.id}/promise")
    assert "You have a payment plan for this account" in main_text(page)
    assert _promise(browser, account, "50", today + timedelta(days=3)).status_code == 409
    assert _promises(account) == []


def test_no_promise_while_the_gate_says_we_must_not_ask_for_money(browser, debtor, account, today):
    db.session.add(Hold(debtor_id=debtor.id, kind="breathing_space", starts_on=today, ends_on=today + timedelta(60)))
    db.session.commit()
    assert f'href="/accounts/{account.id}/promise"' not in browser.get("/accounts/").get_data(as_text=True)
    assert "We are not asking you to pay this account at the moment" in main_text(
        browser.get(f"/accounts/{account.id}/promise")
    )
    assert _promise(browser, account, "50", today + timedelta(days=3)).status_code == 409
    assert _promises(account) == []


def test_the_promise_form_needs_its_csrf_token(app, account, today):
    client = app.test_client()
    response = client.post(f"/accounts/{account.id}/promise", data={"amount": "50"})
    assert response.status_code in (302, 400)
    assert _promises(account) == []


def test_another_debtors_account_and_promise_are_not_found(app, browser, account, debtor, today):
    stranger = make_debtor(debtor.creditor, full_name="Someone Else")
    theirs = make_account(stranger, [("itemization", 50_000)])
    db.session.commit()
    assert browser.get(f"/accounts/{theirs.id}/promise").status_code == 404
    assert _promise(browser, theirs, "50", today + timedelta(days=3)).status_code == 404
    other = Browser(app.test_client())
    other.sign_in(make_link(stranger), stranger)
    _promise(other, theirs, "50", today + timedelta(days=3))
    (their_promise,) = _promises(theirs)
    assert browser.get(f"/promises/{their_promise.reference}").status_code == 404
    assert other.get(f"/promises/{their_promise.reference}").status_code == 200


# Kept or broken


def test_a_card_payment_covering_it_keeps_the_promise_at_once(app, browser, localstripe, account, debtor, today):
    _promise(browser, account, "50", today + timedelta(days=5))
    payer = Payer(browser, localstripe)
    reference = payer.start(account.id, "50")
    assert payer.pay(reference, GOOD_CARD)["status"] == "succeeded"

    text = main_text(browser.get("/accounts/"))

    (promise,) = _promises(account)
    assert promise.status == "kept" and promise.settled_at is not None
    assert "Promise kept" in text
    assert [e.data["promise"] for e in _events("promise.kept")] == [promise.reference]
    assert len(_messages(debtor, "promise.kept")) == 1


def test_a_part_payment_does_not_keep_it(app, browser, localstripe, account, today):
    _promise(browser, account, "50", today + timedelta(days=5))
    payer = Payer(browser, localstripe)
    payer.pay(payer.start(account.id, "20"), GOOD_CARD)
    browser.get("/accounts/")
    assert _promises(account)[0].status == "open"


def test_a_payment_the_creditor_posts_through_the_api_keeps_it(app, browser, account, debtor, today):
    _promise(browser, account, "50", today + timedelta(days=5))
    api = api_for(app, debtor.creditor)
    posted = api.post(
        f"/api/v1/debtors/{debtor.reference}/accounts/{account.reference}/ledger-items",
        {"kind": "payment", "amount": 5_000, "effective_date": today.isoformat(), "reference": "BANK-1"},
    )
    assert posted.status_code == 201, posted.get_json()

    report = run(clock.now())

    assert report.counts["kept"] == 1
    (promise,) = _promises(account)
    assert promise.status == "kept"
    kinds = [event["kind"] for event in api.get("/api/v1/events").get_json()["events"]]
    assert "promise.made" in kinds and "promise.kept" in kinds


def test_a_promise_not_paid_by_its_date_is_broken_the_day_after_once(app, browser, account, debtor, today):
    due = today + timedelta(days=3)
    _promise(browser, account, "50", due)

    assert run(_noon(due)).counts["broken"] == 0
    assert _promises(account)[0].status == "open"
    first, second = run(_noon(due + timedelta(days=1))), run(_noon(due + timedelta(days=1)))

    assert (first.counts["broken"], second.counts["broken"]) == (1, 0)
    (promise,) = _promises(account)
    assert promise.status == "broken"
    assert len(_events("promise.broken")) == 1
    (broken,) = _messages(debtor, "promise.broken")
    assert broken.asks_for_money is True and broken.state == "sent"
    assert "Promise not kept" in main_text(browser.get("/accounts/"))


def test_the_broken_message_names_free_debt_advice_and_the_pay_link(app, browser, account, today):
    due = today + timedelta(days=2)
    _promise(browser, account, "50", due)
    run(_noon(due + timedelta(days=1)))
    from tests.plan_support import emails

    body = next(m for m in emails(app) if "not received" in m["Subject"]).get_body().get_content()
    assert "Free, independent debt advice" in body
    assert re.search(r"http://\S+/l/\S+", body)


def test_a_payment_after_the_date_does_not_keep_it(app, browser, account, debtor, today):
    due = today + timedelta(days=2)
    _promise(browser, account, "50", due)
    api = api_for(app, debtor.creditor)
    api.post(
        f"/api/v1/debtors/{debtor.reference}/accounts/{account.reference}/ledger-items",
        {"kind": "payment", "amount": 5_000, "effective_date": (due + timedelta(days=1)).isoformat(), "reference": "L"},
    )
    run(_noon(due + timedelta(days=1)))
    assert _promises(account)[0].status == "broken"


def test_a_broken_promise_does_not_block_a_new_one(app, browser, account, today):
    due = today + timedelta(days=1)
    _promise(browser, account, "50", due)
    run(_noon(due + timedelta(days=1)))
    assert _promises(account)[0].status == "broken"

    assert f'href="/accounts/{account.id}/promise"' in browser.get(f"/accounts/{account.id}").get_data(as_text=True)
    assert _promise(browser, account, "30", today + timedelta(days=4)).status_code == 303
    assert [p.status for p in _promises(account)] == ["broken", "open"]


def test_a_promise_whose_day_passes_during_a_hold_is_cancelled_not_broken(app, browser, account, debtor, today):
    due = today + timedelta(days=2)
    _promise(browser, account, "50", due)
    db.session.add(Hold(debtor_id=debtor.id, kind="breathing_space", starts_on=today, ends_on=today + timedelta(60)))
    db.session.commit()

    assert run(_noon(due + timedelta(days=1))).counts["cancelled"] == 1

    assert _promises(account)[0].status == "cancelled"
    assert _events("promise.broken") == [] and _messages(debtor, "promise.broken") == []


# The reminder the day before


def test_a_reminder_goes_the_day_before_once_with_a_link_to_pay(app, browser, account, debtor, today):
    due = today + timedelta(days=4)
    _promise(browser, account, "50", due)

    assert run(_noon(due - timedelta(days=2))).counts["reminded"] == 0
    assert run(_noon(due - timedelta(days=1))).counts["reminded"] == 1
    assert run(_noon(due - timedelta(days=1))).counts["reminded"] == 0

    (reminder,) = _messages(debtor, "promise.reminder")
    assert reminder.asks_for_money is True and reminder.state == "sent"
    from tests.plan_support import emails

    mail = next(m for m in emails(app) if m["Subject"].startswith("Reminder"))
    assert "you promised to pay £50.00" in mail["Subject"]
    assert re.search(r"http://\S+/l/\S+", mail.get_body().get_content())


def test_the_reminder_is_withheld_during_a_hold(app, browser, account, debtor, today):
    due = today + timedelta(days=4)
    _promise(browser, account, "50", due)
    db.session.add(Hold(debtor_id=debtor.id, kind="breathing_space", starts_on=today, ends_on=today + timedelta(60)))
    db.session.commit()

    run(_noon(due - timedelta(days=1)))

    (reminder,) = _messages(debtor, "promise.reminder")
    assert reminder.state == "withheld"


# Staff


REASON = {"category": "phone_call", "reason": "She called to promise a payment"}


@pytest.fixture
def staff(app, debtor) -> StaffBrowser:
    browser = StaffBrowser(app.test_client())
    browser.sign_in(make_staff(debtor.creditor, name="Sam Carter"))
    return browser


def test_staff_see_the_debtors_promises_on_the_console(app, browser, staff, account, debtor, today):
    _promise(browser, account, "50", today + timedelta(days=3))
    (promise,) = _promises(account)
    text = main_text(staff.get(f"/staff/debtors/{debtor.id}"))
    assert "Promises to pay" in text and promise.reference in text and "£50.00" in text and "Open" in text


def test_staff_viewing_as_the_debtor_make_a_promise_only_with_their_agreement(app, staff, account, debtor, today):
    assert staff.post(f"/staff/debtors/{debtor.id}/view", REASON).status_code == 302
    day = today + timedelta(days=3)
    data = {"amount": "50", "due-day": str(day.day), "due-month": str(day.month), "due-year": str(day.year)}
    page = staff.get(f"/accounts/{account.id}/promise").get_data(as_text=True)
    assert "The debtor agreed to this on the phone" in page

    refused = staff.post(f"/accounts/{account.id}/promise", data)
    assert refused.status_code == 400 and _promises(account) == []

    made = staff.post(f"/accounts/{account.id}/promise", data | {"debtor_agreed": "yes"})

    assert made.status_code == 303, made.get_data(as_text=True)
    (promise,) = _promises(account)
    assert promise.made_by_staff_id is not None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "promise.made"))
    assert event.actor_type == "staff" and event.detail.get("on_behalf") is True
    assert _events("promise.made")[0].data["made_by_staff"] is True


def test_the_job_runs_from_the_command_line(app, browser, account, today):
    due = today + timedelta(days=1)
    _promise(browser, account, "50", due)
    when = (due + timedelta(days=1)).isoformat() + "T12:00"
    result = app.test_cli_runner().invoke(args=["promises", "run", "--now", when])
    assert result.exit_code == 0, result.output
    assert "Promises: broken 1" in result.output
    assert _promises(account)[0].status == "broken"
