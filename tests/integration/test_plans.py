"""Plans on the debtor's side, through HTTP: options, proposals, agreeing, the card, managing a plan."""

import gzip
import re
from datetime import timedelta
from pathlib import Path

import pytest

from portal import clock
from portal.demo.service import seed
from portal.extensions import db
from portal.models import (
    Account,
    Agreement,
    AuditEvent,
    Budget,
    CreditorEvent,
    Debtor,
    Instalment,
    LedgerEntry,
    Payment,
    Plan,
)
from portal.payments import service as payments_service
from portal.plans import agreement
from portal.plans.service.making import submit_proposal
from tests.conftest import Browser, main_text
from tests.factories import make_account, make_card_debtor, make_creditor, make_debtor, make_link
from tests.staff_support import StaffBrowser, make_staff
from tests.stripe_server import (
    DECLINED_CARD,
    GOOD_CARD,
    THREE_D_SECURE_CARD,
    settings,  # noqa: F401  (localstripe and emails in a folder)
)

STATIC = Path(__file__).resolve().parents[2] / "portal" / "static"

POLICY = {
    "min_instalment": 500,
    "max_term_months": 12,
    "auto_accept_max_term_months": 12,
    "frequencies": ["weekly", "fortnightly", "four_weekly", "monthly"],
    "settlement_discount_pct": [10, 20],
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


def _typed(name: str, day) -> dict[str, str]:
    """A date as a person types it into the Day, Month and Year boxes."""
    return {f"{name}-day": str(day.day), f"{name}-month": str(day.month), f"{name}-year": str(day.year)}


def _plan(reference: str | None = None) -> Plan:
    db.session.expire_all()
    query = db.select(Plan).order_by(Plan.id.desc())
    if reference:
        query = query.where(Plan.reference == reference)
    return db.session.scalars(query).first()


def _events(kind: str) -> list[CreditorEvent]:
    return list(db.session.scalars(db.select(CreditorEvent).where(CreditorEvent.kind == kind)))


def _choose(browser, account, today, offer="monthly:12", **extra):
    data = {"offer": offer, "frequency": "monthly", "start": (today + timedelta(days=7)).isoformat(), "payday": ""}
    return browser.post(f"/accounts/{account.id}/plans", data | extra)


def _agree(browser, plan_reference: str, first: str = "later"):
    return browser.post(f"/plans/{plan_reference}/check", {"first": first})


class Card:
    """What pay.js does on the plan's card page, as JSON calls."""

    def __init__(self, browser, stripe):
        self.browser = browser
        self.stripe = stripe

    def post(self, path: str, body: dict | None = None):
        headers = {"X-CSRFToken": self.browser.token(), "Accept": "application/json"}
        response = self.browser.client.post(path, json=body or {}, headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()

    def save(self, reference: str, number: str, confirm_path: str | None = None) -> tuple[str, dict]:
        secret = self.post(f"/plans/{reference}/card/setup")["client_secret"]
        setup_intent = self.stripe.confirm_setup(secret, number)["id"]
        return setup_intent, self.post(
            confirm_path or f"/plans/{reference}/card/confirm", {"setup_intent": setup_intent}
        )


@pytest.fixture
def card(browser, localstripe):
    return Card(browser, localstripe)


def _agreed_plan(browser, account, today, first="later", offer="monthly:12") -> Plan:
    response = _choose(browser, account, today, offer=offer)
    assert response.status_code == 303, response.get_data(as_text=True)
    reference = response.headers["Location"].split("/")[2]
    agreed = _agree(browser, reference, first)
    assert agreed.status_code == 303
    assert agreed.headers["Location"] == f"/plans/{reference}/card"
    return _plan(reference)


# Options


def test_the_options_page_shows_each_offer_with_its_amounts_and_dates(browser, account, today):
    response = browser.get(f"/accounts/{account.id}/plans?offer=monthly:12")
    text = main_text(response)
    assert response.status_code == 200
    assert "You owe £600.00" in text
    assert "Pay £480.00 once and save £120.00" in text  # the 20% settlement
    assert "£300.00 a month" in text and "£50.00 a month" in text
    assert "Payments 12 Total £600.00 Ends" in text
    html = response.get_data(as_text=True)
    assert '<svg viewBox="0 0 320 120" role="img"' in html
    assert "What you owe falls from £600.00 to nothing by" in text


def test_the_options_page_translates_the_words_on_every_offer_and_payment_once(browser, account, translations):
    text = main_text(browser.get(f"/accounts/{account.id}/plans?offer=monthly:12"))
    assert text.count("Left to pay:") == 12 and text.count("Total £") > 2
    assert translations["Left to pay:"] == translations["Total"] == translations["Payments"] == 1


def test_no_plan_is_chosen_until_the_debtor_chooses_one(browser, account):
    html = browser.get(f"/accounts/{account.id}/plans").get_data(as_text=True)
    offers = re.findall(r'<input type="radio" id="offer-\d+" name="offer"[^>]*>', html)
    assert len(offers) == 4
    assert not any(" checked" in offer for offer in offers)
    assert "Your payment dates" not in html


def test_continue_without_choosing_a_plan_shows_the_error_summary_and_stays_on_the_page(browser, account, today):
    response = _choose(browser, account, today, offer="")
    text = main_text(response)
    assert response.status_code == 400
    assert "There is a problem" in text and text.count("Choose a plan, or propose your own") == 2
    assert '<a href="#offer-0">' in response.get_data(as_text=True)
    assert _plan() is None


def test_choosing_another_frequency_swaps_in_just_the_offers(browser, account):
    response = browser.get(
        f"/accounts/{account.id}/plans?frequency=weekly", headers={"HX-Request": "true", "HX-Target": "offers"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="offers">') and "<html" not in html
    assert "a week" in html and "a month" not in html


def test_choosing_another_offer_swaps_in_just_the_schedule(browser, account):
    response = browser.get(
        f"/accounts/{account.id}/plans?frequency=monthly&offer=monthly:2",
        headers={"HX-Request": "true", "HX-Target": "preview"},
    )
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="preview"')
    assert "2 payments of £300.00 a month" in html
    assert 'hx-swap-oob="innerHTML"' in html


def test_a_first_date_outside_the_window_is_explained(browser, account, today):
    late = today + timedelta(days=POLICY["first_payment_within_days"] + 15)
    text = main_text(browser.get(f"/accounts/{account.id}/plans?start={late.isoformat()}"))
    assert "Choose a date from" in text


def test_an_account_that_is_disputed_offers_no_plan(browser, debtor, account):
    account.status = "disputed"
    db.session.commit()
    text = main_text(browser.get(f"/accounts/{account.id}/plans"))
    assert "You cannot set up a plan on this account now" in text


# Choosing and agreeing


def test_choosing_an_offer_stores_a_draft_and_asks_to_check_it(browser, account, today):
    response = _choose(browser, account, today)
    assert response.status_code == 303
    plan = _plan()
    assert response.headers["Location"] == f"/plans/{plan.reference}/check"
    assert plan.status == "draft" and plan.source == "offer" and plan.frequency == "monthly"
    assert [i.amount for i in plan.instalments] == [5_000] * 12
    assert sum(i.amount for i in plan.instalments) == plan.total == 60_000
    text = main_text(browser.get(response.headers["Location"]))
    assert "Check your plan" in text
    assert "12 payments of £50.00 a month" in text
    assert "What you agree to" in text and "If a payment is missed" in text
    assert f"Agreement version {agreement.VERSION}" in text


def test_a_changed_offer_asks_to_choose_again(browser, account, today):
    response = _choose(browser, account, today, offer="monthly:99")
    assert response.status_code == 400
    assert "That plan has changed. Choose a plan again." in main_text(response)


def test_agreeing_needs_a_choice_of_when_to_pay_first(browser, account, today):
    _choose(browser, account, today)
    plan = _plan()
    response = browser.post(f"/plans/{plan.reference}/check", {})
    assert response.status_code == 400
    assert main_text(response).count("Choose when to make the first payment") == 2


def test_agreeing_stores_the_words_their_version_and_the_time(browser, account, today):
    _choose(browser, account, today)
    plan = _plan()
    response = _agree(browser, plan.reference)
    assert response.headers["Location"] == f"/plans/{plan.reference}/card"
    plan = _plan(plan.reference)
    assert plan.status == "agreed" and plan.agreed_at is not None and plan.pay_first_now is False
    stored = db.session.scalar(db.select(Agreement).where(Agreement.plan_id == plan.id))
    assert stored.version == agreement.VERSION and stored.language == "en"
    assert "You agree to pay £600.00" in stored.text and "12 payments of £50.00 a month" in stored.text
    assert stored.agreed_at is not None
    assert [e.data["plan"] for e in _events("plan.agreed")] == [plan.reference]
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "plan.agreed")) is not None


def test_a_new_choice_replaces_an_unstarted_plan(browser, account, today):
    _choose(browser, account, today)
    first = _plan()
    _choose(browser, account, today, offer="monthly:2")
    assert _plan(first.reference).status == "withdrawn"
    assert _plan().status == "draft"


# Proposing their own plan


def test_a_proposal_inside_the_policy_is_accepted_at_once(browser, account, today):
    start = today + timedelta(days=5)
    response = browser.post(
        f"/accounts/{account.id}/plans/propose", {"amount": "100", "frequency": "monthly"} | _typed("start", start)
    )
    plan = _plan()
    assert response.headers["Location"] == f"/plans/{plan.reference}/check"
    assert plan.status == "draft" and plan.source == "proposal" and plan.proposed_amount == 10_000
    assert [i.amount for i in plan.instalments] == [10_000] * 6
    assert "we can agree this plan straight away" in main_text(browser.get(response.headers["Location"]))


def test_a_proposal_outside_the_policy_is_sent_for_review_with_the_reasons(browser, account, today):
    start = (today + timedelta(days=5)).isoformat()
    response = browser.post(
        f"/accounts/{account.id}/plans/propose", {"amount": "20", "frequency": "monthly", "start": start}
    )
    plan = _plan()
    assert response.headers["Location"] == f"/plans/{plan.reference}"
    assert plan.status == "pending_review"
    assert [reason["code"] for reason in plan.review_reasons] == ["term_too_long"]
    text = main_text(browser.get(response.headers["Location"]))
    assert "Your proposal has been sent for review" in text
    assert "We will tell you by" in text
    assert "Your plan would take 30 months. We can agree plans of up to 12 months straight away." in text
    [event] = _events("plan.proposed")
    assert event.data["plan"] == plan.reference and event.data["reasons"][0]["code"] == "term_too_long"
    dashboard = main_text(browser.get("/accounts/"))
    assert "We are looking at the plan you proposed" in dashboard


@pytest.fixture
def larger_account(debtor, account):
    """£2,530.00: £10 a month would take 253 months."""
    larger = make_account(debtor, [("itemization", 253_000)], description="Loan", reference="MM-301")
    db.session.commit()
    return larger


def test_the_proposal_hint_gives_the_least_a_month_and_the_longest_term_agreed_straight_away(browser, larger_account):
    text = main_text(browser.get(f"/accounts/{larger_account.id}/plans/propose"))
    assert "Plans of £210.84 a month or more, finishing within 12 months, are agreed straight away." in text
    assert "£5.00" not in text


@pytest.mark.parametrize("days", [0, POLICY["first_payment_within_days"]])
def test_the_hinted_amount_is_agreed_straight_away_and_a_penny_less_is_sent_for_review(
    browser, larger_account, today, days
):
    start = (today + timedelta(days=days)).isoformat()
    propose = f"/accounts/{larger_account.id}/plans/propose"
    browser.post(propose, {"amount": "210.84", "frequency": "monthly", "start": start})
    assert _plan().status == "draft"
    browser.post(propose, {"amount": "210.83", "frequency": "monthly", "start": start})
    plan = _plan()
    assert plan.status == "pending_review"
    assert [reason["code"] for reason in plan.review_reasons] == ["term_too_long"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"frequency": "monthly", "start": "2030-01-01"}, "Enter the amount you can pay each time"),
        ({"amount": "lots", "frequency": "monthly", "start": "2030-01-01"}, "Enter an amount in numbers"),
        ({"amount": "50", "start": "2030-01-01"}, "Choose how often you want to pay"),
        ({"amount": "50", "frequency": "monthly"}, "Enter the date of your first payment"),
        (
            {"amount": "50", "frequency": "monthly", "start-day": "", "start-month": "", "start-year": ""},
            "Enter the date",
        ),
        (
            {"amount": "50", "frequency": "monthly", "start-day": "31", "start-month": "2", "start-year": "2030"},
            "Date of your first payment must be a real date",
        ),
        (
            {"amount": "50", "frequency": "monthly", "start-day": "6", "start-month": "", "start-year": "2030"},
            "Date of your first payment must include a month",
        ),
        (
            {"amount": "50", "frequency": "monthly", "start-day": "6", "start-month": "12", "start-year": "30"},
            "Year must include 4 numbers",
        ),
        (
            {"amount": "50", "frequency": "monthly", "start-day": "6", "start-month": "Dec", "start-year": "2030"},
            "Date of your first payment must be a real date",
        ),
        ({"amount": "50", "frequency": "monthly", "start": "31/02/2030"}, "Date of your first payment must be a real"),
        (
            {"amount": "50", "frequency": "monthly", "start-day": "1", "start-month": "1", "start-year": "2020"},
            "Enter a date from today onwards",
        ),
        ({"amount": "700", "frequency": "monthly", "start": "2030-01-01"}, "Enter an amount of £600.00 or less"),
    ],
)
def test_a_proposal_that_cant_be_read_is_explained_beside_the_field(browser, account, data, message):
    response = browser.post(f"/accounts/{account.id}/plans/propose", data)
    assert response.status_code == 400
    assert main_text(response).count(message) == 2
    assert _plan() is None


def test_a_date_typed_in_day_month_and_year_boxes_is_read_as_the_debtor_means_it(browser, account, today):
    """6 December is 6 December, whatever the browser's own language: no date picker decides the order."""
    day = today + timedelta(days=10)
    html = browser.get(f"/accounts/{account.id}/plans/propose").get_data(as_text=True)
    assert 'type="date"' not in html
    assert html.index('name="start-day"') < html.index('name="start-month"') < html.index('name="start-year"')
    assert f"For example, {today.day} {today.month} {today.year}" in main_text(
        browser.get(f"/accounts/{account.id}/plans/propose")
    )
    browser.post(
        f"/accounts/{account.id}/plans/propose", {"amount": "100", "frequency": "monthly"} | _typed("start", day)
    )
    assert _plan().first_date == day


def test_a_date_error_names_the_part_that_is_missing_and_links_to_its_box(browser, account):
    data = {"amount": "50", "frequency": "monthly", "start-day": "6", "start-month": "", "start-year": "2030"}
    html = browser.post(f"/accounts/{account.id}/plans/propose", data).get_data(as_text=True)
    assert '<a href="#start-month">Date of your first payment must include a month</a>' in html
    assert 'class="input input-2 input-error" id="start-month"' in html
    assert 'class="input input-2" id="start-day"' in html and 'value="6"' in html


def test_the_proposal_page_can_be_filled_in_from_a_link(browser, account):
    html = browser.get(f"/accounts/{account.id}/plans/propose?amount=5365&frequency=fortnightly").get_data(as_text=True)
    assert 'value="53.65"' in html
    assert 'value="fortnightly" checked' in html


def test_submit_proposal_keeps_the_budget_and_returns_the_decision(app, debtor, account, today):
    budget = Budget(debtor_id=debtor.id, jurisdiction="UK", currency="GBP", mode="quick")
    db.session.add(budget)
    db.session.flush()
    plan = submit_proposal(debtor, account, 1_000, "weekly", today + timedelta(days=2), budget=budget)
    db.session.commit()
    assert plan.status == "pending_review" and not plan.accepted
    assert plan.budget_id == budget.id and plan.source == "budget"
    assert plan.review_by > today
    assert _events("plan.proposed")[0].data["budget_id"] == budget.id


# The card and the first payment


def test_saving_a_card_starts_the_plan_and_takes_the_first_payment_once(browser, card, account, today, localstripe):
    plan = _agreed_plan(browser, account, today, first="now")
    page = main_text(browser.get(f"/plans/{plan.reference}/card"))
    assert "Save card and pay £50.00" in page
    setup_intent, answer = card.save(plan.reference, GOOD_CARD)
    assert answer == {"status": "succeeded", "redirect": f"/plans/{plan.reference}/done"}
    plan = _plan(plan.reference)
    first = plan.instalments[0]
    assert plan.status == "active" and plan.card_last4 == "4242"
    assert first.status == "paid" and first.attempts == 1
    payment = db.session.get(Payment, first.payment_id)
    assert payment.idempotency_key == f"instalment:{first.id}:attempt:1"
    entries = db.session.scalars(db.select(LedgerEntry).where(LedgerEntry.kind == "payment")).all()
    assert [(e.amount, e.external_ref) for e in entries] == [(-5_000, payment.payment_intent_id)]

    # pay.js sending the same confirm again (a retry over a poor signal) charges nothing more
    again = card.post(f"/plans/{plan.reference}/card/confirm", {"setup_intent": setup_intent})
    assert again["status"] == "succeeded"
    assert db.session.scalar(db.select(db.func.count(Payment.id))) == 1
    assert len(localstripe.payment_intents(payment.reference)) == 1

    done = main_text(browser.get(f"/plans/{plan.reference}/done"))
    assert "Your plan is set up" in done and plan.reference in done
    dashboard = main_text(browser.get("/accounts/"))
    assert "Next payment £50.00 on" in dashboard
    assert "Paid so far £50.00 of £600.00" in dashboard


def test_a_card_saved_to_pay_on_the_date_takes_nothing_now(browser, card, account, today):
    plan = _agreed_plan(browser, account, today, first="later")
    _, answer = card.save(plan.reference, GOOD_CARD)
    assert answer["status"] == "succeeded"
    plan = _plan(plan.reference)
    assert plan.status == "active"
    assert {i.status for i in plan.instalments} == {"scheduled"}
    assert db.session.scalar(db.select(db.func.count(Payment.id))) == 0


def test_a_declined_first_payment_asks_for_another_card_which_then_pays(browser, card, account, today):
    plan = _agreed_plan(browser, account, today, first="now")
    _, answer = card.save(plan.reference, DECLINED_CARD)
    assert answer["status"] == "failed"
    assert "Your card was declined, so no money was taken" in answer["message"]
    assert answer["retry"]["url"] == f"/plans/{plan.reference}/card/retry"
    first = _plan(plan.reference).instalments[0]
    assert first.status == "scheduled" and first.declines == 0  # an on-session try is not a missed payment

    urls = card.browser.client.post(
        answer["retry"]["url"], json={}, headers={"X-CSRFToken": card.browser.token(), "Accept": "application/json"}
    ).get_json()
    _, answer = card.save(plan.reference, GOOD_CARD, urls["confirm_url"])
    assert answer["status"] == "succeeded"
    plan = _plan(plan.reference)
    first = plan.instalments[0]
    assert first.status == "paid" and first.attempts == 2
    assert db.session.get(Payment, first.payment_id).idempotency_key == f"instalment:{first.id}:attempt:2"
    assert plan.card_last4 == "4242"


def test_a_first_payment_that_needs_3d_secure_completes_after_the_check(browser, card, account, today, localstripe):
    plan = _agreed_plan(browser, account, today, first="now")
    setup_intent, answer = card.save(plan.reference, THREE_D_SECURE_CARD)
    assert answer["status"] == "requires_action"
    localstripe.authenticate(answer["client_secret"], success=True)
    answer = card.post(f"/plans/{plan.reference}/card/confirm", {"setup_intent": setup_intent})
    assert answer["status"] == "succeeded"
    assert _plan(plan.reference).instalments[0].status == "paid"


# Managing a plan


@pytest.fixture
def active(browser, card, account, today):
    plan = _agreed_plan(browser, account, today, first="later")
    card.save(plan.reference, GOOD_CARD)
    return _plan(plan.reference)


def test_the_plan_page_shows_the_next_payment_the_schedule_and_the_changes(browser, active):
    text = main_text(browser.get(f"/plans/{active.reference}"))
    assert "Next payment £50.00" in text
    assert "Paid so far £0.00 of £600.00" in text
    for action in ("Change the payment date", "Pay extra or pay off early", "Change your card", "Ask for a pause"):
        assert action in text
    assert text.count("To pay") == 12


def test_changing_the_payment_day_moves_the_later_payments_too(browser, active, today):
    new = today + timedelta(days=20)
    response = browser.post(f"/plans/{active.reference}/payment-day", _typed("next_date", new))
    assert response.status_code == 303
    assert response.headers["Location"] == f"/plans/{active.reference}"
    dates = [i.due_date for i in _plan(active.reference).instalments]
    assert dates[0] == new and dates[1].month == (new.month % 12) + 1 and len(set(dates)) == 12
    assert _events("plan.changed")[0].data["change"] == "payment_day"


def test_a_payment_day_outside_the_window_is_refused(browser, active, today):
    response = browser.post(f"/plans/{active.reference}/payment-day", _typed("next_date", today))
    assert response.status_code == 400
    assert "Choose a date from" in main_text(response)


def test_the_payment_date_page_says_how_much_later_a_payment_may_move(browser, active, today):
    text = main_text(browser.get(f"/plans/{active.reference}/payment-day"))
    assert "You can move a payment up to 14 days later." in text
    assert f"to {_day(today + timedelta(days=7 + 14))}." in text


def test_a_payment_can_move_later_to_a_payday_within_the_policy(browser, active, today):
    first = today + timedelta(days=20)
    assert browser.post(f"/plans/{active.reference}/payment-day", {"next_date": first.isoformat()}).status_code == 303
    new = first + timedelta(days=14)  # further off than a first payment may be: a plan already running may move
    response = browser.post(f"/plans/{active.reference}/payment-day", {"next_date": new.isoformat()})
    assert response.status_code == 303, main_text(response)
    plan = _plan(active.reference)
    dates = [i.due_date for i in plan.instalments]
    assert dates[0] == new and dates == sorted(set(dates)) and len(dates) == 12
    assert [i.amount for i in plan.instalments] == [5_000] * 12 and plan.total == 60_000
    assert "Your next payment is on" in main_text(browser.get(f"/plans/{active.reference}"))


def test_moving_a_payment_further_than_the_policy_says_the_limit_in_words(browser, active, today):
    first = active.instalments[0].due_date
    response = browser.post(
        f"/plans/{active.reference}/payment-day", {"next_date": (first + timedelta(days=15)).isoformat()}
    )
    assert response.status_code == 400
    assert "You can move a payment up to 14 days later. Contact us to move it further." in main_text(response)
    assert _plan(active.reference).instalments[0].due_date == first


def test_a_creditor_that_allows_no_later_move_says_so(browser, active, debtor):
    debtor.creditor.policy = debtor.creditor.policy | {"move_payment_later_days": 0}
    db.session.commit()
    first = active.instalments[0].due_date
    response = browser.post(
        f"/plans/{active.reference}/payment-day", {"next_date": (first + timedelta(days=1)).isoformat()}
    )
    assert response.status_code == 400
    assert "You cannot move a payment later. Contact us to move it." in main_text(response)
    assert "You can move a payment up to" not in main_text(browser.get(f"/plans/{active.reference}/payment-day"))


def test_a_new_payment_day_must_be_a_real_date(browser, active):
    data = {"next_date-day": "31", "next_date-month": "4", "next_date-year": "2027"}
    response = browser.post(f"/plans/{active.reference}/payment-day", data)
    assert response.status_code == 400
    assert main_text(response).count("New date for your next payment must be a real date") == 2


def test_paying_extra_shrinks_the_last_payments(browser, active, localstripe):
    page = browser.get(f"/plans/{active.reference}/pay").get_data(as_text=True)
    key = re.search(r'name="idempotency_key" type="hidden" value="([^"]+)"', page).group(1)
    check = browser.post(f"/plans/{active.reference}/pay", {"choice": "other", "amount": "120", "idempotency_key": key})
    assert "Check your payment" in main_text(check) and "Pay £120.00" in main_text(check)
    paid = browser.post(
        f"/plans/{active.reference}/pay",
        {"choice": "other", "amount": "120", "idempotency_key": key, "step": "pay"},
    )
    assert paid.status_code == 303 and "/receipt" in paid.headers["Location"]
    assert paid.headers["Location"] == f"/payments/{db.session.scalar(db.select(Payment.reference))}/receipt"
    amounts = [(i.amount, i.status) for i in _plan(active.reference).instalments]
    assert amounts[:9] == [(5_000, "scheduled")] * 9
    assert amounts[9:] == [(3_000, "scheduled"), (0, "cancelled"), (0, "cancelled")]
    # the same form sent again is the same payment
    again = browser.post(
        f"/plans/{active.reference}/pay",
        {"choice": "other", "amount": "120", "idempotency_key": key, "step": "pay"},
    )
    assert again.headers["Location"] == paid.headers["Location"]
    assert db.session.scalar(db.select(db.func.count(Payment.id))) == 1


def test_an_extra_payment_whose_reference_clashes_gets_another_and_goes_through(browser, active, monkeypatch):
    db.session.add(
        Payment(
            reference="P-TAKEN",
            idempotency_key="an-earlier-payment",
            account_id=active.account_id,
            debtor_id=active.debtor_id,
            amount=1_000,
            currency=active.currency,
            status="failed",
        )
    )
    db.session.commit()
    references = iter(["P-TAKEN", "P-FRESH"])
    monkeypatch.setattr(payments_service, "new_reference", lambda prefix: next(references))
    page = browser.get(f"/plans/{active.reference}/pay").get_data(as_text=True)
    key = re.search(r'name="idempotency_key" type="hidden" value="([^"]+)"', page).group(1)
    paid = browser.post(
        f"/plans/{active.reference}/pay",
        {"choice": "other", "amount": "120", "idempotency_key": key, "step": "pay"},
    )
    assert paid.status_code == 303 and paid.headers["Location"].endswith("/payments/P-FRESH/receipt")
    payment = db.session.scalar(db.select(Payment).where(Payment.reference == "P-FRESH"))
    assert (payment.amount, payment.status, payment.card_last4) == (12_000, "succeeded", "4242")
    started = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "payment.started")).all()
    assert [(e.detail["reference"], e.detail["plan"], e.detail["extra"]) for e in started] == [
        ("P-FRESH", active.reference, True)
    ]


def test_paying_off_the_rest_completes_the_plan(browser, active):
    page = browser.get(f"/plans/{active.reference}/pay").get_data(as_text=True)
    key = re.search(r'name="idempotency_key" type="hidden" value="([^"]+)"', page).group(1)
    paid = browser.post(f"/plans/{active.reference}/pay", {"choice": "rest", "idempotency_key": key, "step": "pay"})
    assert paid.headers["Location"] == f"/payments/{db.session.scalar(db.select(Payment.reference))}/receipt"
    plan = _plan(active.reference)
    assert plan.status == "completed"
    assert {i.status for i in plan.instalments} == {"cancelled"}
    assert [e.data["plan"] for e in _events("plan.completed")] == [plan.reference]


def test_changing_the_card_keeps_the_plan_and_uses_the_new_card(browser, card, active):
    text = main_text(browser.get(f"/plans/{active.reference}/card"))
    assert "Change your card" in text and "Visa ending 4242" in text
    _, answer = card.save(active.reference, "5555555555554444", f"/plans/{active.reference}/card/confirm?change=1")
    assert answer == {"status": "succeeded", "redirect": f"/plans/{active.reference}"}
    plan = _plan(active.reference)
    assert plan.status == "active" and plan.card_last4 == "4444"
    assert db.session.scalar(db.select(db.func.count(Payment.id))) == 0


def test_asking_for_a_pause_goes_to_a_person_and_payments_carry_on(browser, active):
    response = browser.post(f"/plans/{active.reference}/pause", {"months": "2", "reason": "I lost my job"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/plans/{active.reference}"
    plan = _plan(active.reference)
    assert plan.status == "active" and plan.pause_months == 2 and plan.pause_reason == "I lost my job"
    [event] = _events("plan.pause_requested")
    assert event.data["months"] == 2
    assert "You asked for a pause of 2 months" in main_text(browser.get(f"/plans/{active.reference}"))


def test_a_pause_of_one_month_says_one_month(browser, active):
    browser.post(f"/plans/{active.reference}/pause", {"months": "1", "reason": ""})
    text = main_text(browser.get(f"/plans/{active.reference}"))
    assert "You asked for a pause of 1 month." in text and "1 months" not in text


def test_a_pause_request_needs_a_length(browser, active):
    response = browser.post(f"/plans/{active.reference}/pause", {})
    assert response.status_code == 400
    assert "Choose how long you need a pause for" in main_text(response)


def test_cancelling_stops_the_payments(browser, active):
    assert "Are you sure you want to cancel your plan?" in main_text(browser.get(f"/plans/{active.reference}/cancel"))
    response = browser.post(f"/plans/{active.reference}/cancel")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/accounts/{active.account_id}"
    plan = _plan(active.reference)
    assert plan.status == "cancelled"
    assert {i.status for i in plan.instalments} == {"cancelled"}
    assert _events("plan.cancelled")
    assert "Set up a payment plan" in main_text(browser.get("/accounts/"))


def test_the_calendar_file_has_every_payment_date(browser, active):
    response = browser.get(f"/plans/{active.reference}/calendar.ics")
    assert response.mimetype == "text/calendar"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data(as_text=True)
    assert body.startswith("BEGIN:VCALENDAR\r\n") and body.endswith("END:VCALENDAR\r\n")
    dates = re.findall(r"DTSTART;VALUE=DATE:(\d{8})", body)
    assert dates == [f"{i.due_date:%Y%m%d}" for i in active.instalments]
    assert "SUMMARY:Payment of £50.00 to Harbour Credit" in body
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))


def test_the_account_page_shows_the_plan(browser, active):
    text = main_text(browser.get(f"/accounts/{active.account_id}"))
    assert "Your plan £50.00 a month" in text and "Manage your plan" in text


def test_instalments_add_up_to_the_plan_total_whatever_the_offer(browser, account, today):
    for offer in ("settlement", "monthly:2", "monthly:7", "monthly:12"):
        _choose(browser, account, today, offer=offer)
        plan = _plan()
        assert sum(i.amount for i in plan.instalments) == plan.total
    settlement = db.session.scalar(db.select(Plan).where(Plan.kind == "settlement"))
    assert settlement.total == 48_000 and settlement.saving == 12_000
    assert db.session.scalar(db.select(db.func.count(Instalment.id))) == 1 + 2 + 7 + 12


def test_plan_pages_keep_to_the_performance_budget(browser, debtor, active):
    other = make_account(debtor, [("itemization", 250_000)])
    db.session.commit()
    for path in (
        f"/accounts/{other.id}/plans?frequency=weekly",
        f"/plans/{active.reference}",
        f"/plans/{active.reference}/card",
    ):
        response = browser.get(path)
        assert response.status_code == 200, path
        page = response.get_data()
        assert len(gzip.compress(page)) < 14 * 1024, path
        assets = re.findall(r'(?:href|src)="/static/([^"?]+)', page.decode())
        assert sum(len(gzip.compress((STATIC / asset).read_bytes())) for asset in assets) < 30 * 1024, path


def test_a_paid_settlement_writes_off_the_rest_and_ends(browser, card, account, today):
    plan = _agreed_plan(browser, account, today, first="now", offer="settlement")
    _, answer = card.save(plan.reference, GOOD_CARD)
    assert answer["status"] == "succeeded"
    plan = _plan(plan.reference)
    assert plan.status == "completed"
    entries = db.session.scalars(
        db.select(LedgerEntry).where(LedgerEntry.account_id == account.id).order_by(LedgerEntry.id)
    ).all()
    assert [(e.kind, e.amount) for e in entries][1:] == [("payment", -48_000), ("credit", -12_000)]
    assert "There is nothing to pay on this account" in main_text(browser.get(f"/accounts/{account.id}/plans"))


def _paid_settlement(browser, card, account, today) -> tuple[Plan, list[LedgerEntry]]:
    plan = _agreed_plan(browser, account, today, first="now", offer="settlement")
    card.save(plan.reference, GOOD_CARD)
    db.session.expire_all()
    payment = db.session.scalar(
        db.select(Payment).join(Instalment, Instalment.payment_id == Payment.id).where(Instalment.plan_id == plan.id)
    )
    entries = db.session.scalars(
        db.select(LedgerEntry).where(LedgerEntry.account_id == account.id).order_by(LedgerEntry.id)
    ).all()
    return payment, entries[1:]


def test_a_paid_settlement_keeps_what_happened_not_words(browser, card, account, today):
    """The card payment and the discount are stored as what happened and its reference: the page words them."""
    payment, (paid, discount) = _paid_settlement(browser, card, account, today)
    plan = _plan()

    assert (paid.wording, paid.reference, paid.description) == ("card_payment", payment.reference, None)
    assert (discount.wording, discount.reference, discount.description) == ("settlement_discount", plan.reference, None)
    text = main_text(browser.get(f"/accounts/{account.id}"))
    assert f"Card payment : Reference {payment.reference}" in text
    assert f"Settlement discount : Reference {plan.reference}" in text


def test_a_paid_settlement_is_told_in_spanish_on_a_spanish_account_page(browser, card, account, today):
    """Waits for the Spanish of "Card payment" and "Settlement discount" (the lead translates new strings)."""
    payment, _ = _paid_settlement(browser, card, account, today)
    plan = _plan()
    browser.post("/language", {"language": "es", "next": "/accounts/"})

    text = main_text(browser.get(f"/accounts/{account.id}"))
    assert f"Referencia {payment.reference}" in text and f"Referencia {plan.reference}" in text
    assert "Card payment" not in text and "Settlement discount" not in text
    assert "480,00 £" in text  # the pound's sign, not "GBP"


def test_the_plan_pages_work_in_spanish(browser, active, account):
    browser.post("/language", {"language": "es", "next": "/accounts/"})
    for path in (f"/plans/{active.reference}", f"/plans/{active.reference}/pay", f"/accounts/{account.id}"):
        response = browser.get(path)
        assert response.status_code == 200, path
        assert "600,00" in response.get_data(as_text=True), path


def test_every_demo_account_has_offers_or_says_why_not(app):
    seed()
    assert db.session.scalars(db.select(Debtor)).all(), "the demo has debtors to check"
    for debtor in db.session.scalars(db.select(Debtor)).all():
        visitor = Browser(app.test_client())
        visitor.sign_in(make_link(debtor), debtor)
        for account in db.session.scalars(db.select(Account).where(Account.debtor_id == debtor.id)):
            response = visitor.get(f"/accounts/{account.id}/plans")
            if account.reference == "PL-909912":  # the demo's plan paid by the debtor each time: its page instead
                assert response.headers["Location"].startswith("/plans/PL-")
                continue
            text = main_text(response)
            assert "Choose a plan" in text or "You cannot set up a plan on this account now" in text, account
            if account.status == "open" and "Choose a plan" not in text:
                assert account.reference == "BE-771204"  # the demo's creditor pause


# What a plan has paid: the plan page, the dashboard and the calendar agree with the ledger (a first payment
# taken at set-up shows on the day it was paid; extra payments count in "Paid so far")


def _rows(response) -> list[str]:
    """The schedule's rows, each as the words a person reads."""
    table = re.search(r'<table class="schedule">.*?</table>', response.get_data(as_text=True), re.S).group(0)
    rows = re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>")[1], re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in rows]


def _day(value) -> str:
    return f"{value.day} {value:%B %Y}"


def _extra(browser, reference: str, amount: str) -> None:
    page = browser.get(f"/plans/{reference}/pay").get_data(as_text=True)
    key = re.search(r'name="idempotency_key" type="hidden" value="([^"]+)"', page).group(1)
    paid = browser.post(
        f"/plans/{reference}/pay", {"choice": "other", "amount": amount, "idempotency_key": key, "step": "pay"}
    )
    assert paid.status_code == 303 and "/receipt" in paid.headers["Location"]


def _paid_now(browser, card, account, today):
    plan = _agreed_plan(browser, account, today, first="now")
    _, answer = card.save(plan.reference, GOOD_CARD)
    assert answer["status"] == "succeeded"
    return _plan(plan.reference)


def _ledger_day():
    entry = db.session.scalar(db.select(LedgerEntry).where(LedgerEntry.kind == "payment"))
    return entry.effective_date


def test_a_first_payment_paid_now_shows_on_the_plan_page_on_the_day_it_was_paid(browser, card, account, today):
    plan = _paid_now(browser, card, account, today)
    due = plan.instalments[0].due_date
    paid_on = _ledger_day()
    assert due > paid_on  # the plan's first date was a week away

    rows = _rows(browser.get(f"/plans/{plan.reference}"))
    assert rows[0] == f"1 {_day(paid_on)} £50.00 Paid"
    assert not any(_day(due) in row for row in rows)
    assert rows[1].startswith(f"2 {_day(plan.instalments[1].due_date)} £50.00")


def test_the_calendar_puts_a_first_payment_paid_now_on_the_day_it_was_paid(browser, card, account, today):
    plan = _paid_now(browser, card, account, today)
    body = browser.get(f"/plans/{plan.reference}/calendar.ics").get_data(as_text=True)
    dates = re.findall(r"DTSTART;VALUE=DATE:(\d{8})", body)
    assert dates[0] == f"{_ledger_day():%Y%m%d}"
    assert f"{plan.instalments[0].due_date:%Y%m%d}" not in dates
    assert dates[1:] == [f"{i.due_date:%Y%m%d}" for i in plan.instalments[1:]]
    assert "SUMMARY:Paid £50.00 to Harbour Credit" in body
    assert body.count("SUMMARY:Payment of £50.00 to Harbour Credit") == 11


def test_paid_so_far_counts_extra_payments_on_the_plan_page_and_the_dashboard(browser, active):
    _extra(browser, active.reference, "120")
    page = browser.get(f"/plans/{active.reference}")
    assert "Paid so far £120.00 of £600.00" in main_text(page)
    assert f"Extra payment {_day(_ledger_day())} £120.00 Paid" in _rows(page)
    assert "Paid so far £120.00 of £600.00" in main_text(browser.get("/accounts/"))
    assert "Paid so far £120.00 of £600.00" in main_text(browser.get(f"/accounts/{active.account_id}"))


def test_paid_so_far_adds_the_first_payment_and_an_extra_one_from_the_ledger(browser, card, account, today):
    plan = _paid_now(browser, card, account, today)
    _extra(browser, plan.reference, "75")
    paid = -db.session.scalar(db.select(db.func.sum(LedgerEntry.amount)).where(LedgerEntry.kind == "payment"))
    assert paid == 12_500
    assert "Paid so far £125.00 of £600.00" in main_text(browser.get(f"/plans/{plan.reference}"))
    assert "Paid so far £125.00 of £600.00" in main_text(browser.get("/accounts/"))


def test_a_payment_not_yet_in_the_ledger_is_not_counted_as_paid(browser, active, today):
    text = main_text(browser.get(f"/plans/{active.reference}"))
    assert "Paid so far £0.00 of £600.00" in text
    assert _rows(browser.get(f"/plans/{active.reference}"))[0] == f"1 {_day(today + timedelta(days=7))} £50.00 To pay"


def test_the_console_shows_a_first_payment_on_the_day_it_was_paid_and_the_extra_payments(
    app, browser, card, account, today
):
    plan = _paid_now(browser, card, account, today)
    _extra(browser, plan.reference, "75")
    staff = StaffBrowser(app.test_client())
    staff.sign_in(make_staff(account.debtor.creditor))

    text = main_text(staff.get(f"/staff/debtors/{account.debtor_id}"))

    assert f"1 {_day(_ledger_day_of(plan.instalments[0]))} £50.00 Paid" in text
    assert f"Extra {_day(clock.today_for(account.debtor))} £75.00 Paid" in text


def _ledger_day_of(instalment):
    return db.session.get(LedgerEntry, instalment.payment.ledger_entry_id).effective_date


def test_a_us_debtor_types_the_month_first_as_dates_are_written_there(app, browser):
    us = make_debtor(make_creditor(policy=POLICY))
    account = make_account(us, [("itemization", 60_000)])
    db.session.commit()
    browser.sign_in(make_link(us), us)
    html = browser.get(f"/accounts/{account.id}/plans/propose").get_data(as_text=True)
    assert html.index('name="start-month"') < html.index('name="start-day"') < html.index('name="start-year"')
    today = clock.today_for(us)
    assert f"For example, {today.month} {today.day} {today.year}" in main_text(
        browser.get(f"/accounts/{account.id}/plans/propose")
    )
