"""A discounted settlement in 2 or 3 monthly payments, through HTTP: offered only where the creditor allows it,
said plainly before agreeing, the discount written off only when the last payment is made, and lost if it breaks."""

import re
from datetime import UTC, datetime, time, timedelta

import pytest

from portal import clock
from portal.accounts.ledger import balance_of
from portal.extensions import db
from portal.models import Agreement, CreditorEvent, LedgerEntry, Plan
from portal.plans.dates import add_months
from tests.conftest import main_text
from tests.factories import make_account, make_card_debtor, make_link
from tests.plan_support import emails, run
from tests.staff_support import StaffBrowser, make_staff
from tests.stripe_server import (
    DECLINED_CARD,
    GOOD_CARD,
    settings,  # noqa: F401  (localstripe and emails in a folder)
)

POLICY = {
    "min_instalment": 500,
    "max_term_months": 12,
    "frequencies": ["monthly"],
    "settlement_discount_pct": [10, 20],
    "settlement_instalments_max": 3,
    "first_payment_within_days": 30,
    "missed_payments_to_break": 2,
    "retry_attempts": 1,
    "retry_after_days": 3,
}
WARNING = (
    "If you miss a payment and the plan ends, you lose the discount and owe the full balance less what you have paid."
)


def _debtor_owing(browser, policy: dict, balance: int = 50_000):
    debtor = make_card_debtor(policy)
    db.session.commit()
    account = make_account(debtor, [("itemization", balance)], description="Mobile phone contract")
    db.session.commit()
    browser.sign_in(make_link(debtor), debtor)
    return debtor, account


@pytest.fixture
def owing(app, browser):
    return _debtor_owing(browser, POLICY)


class Card:
    """What pay.js does on the plan's card page, as JSON calls."""

    def __init__(self, browser, stripe):
        self.browser, self.stripe = browser, stripe

    def post(self, path: str, body: dict | None = None):
        headers = {"X-CSRFToken": self.browser.token(), "Accept": "application/json"}
        response = self.browser.client.post(path, json=body or {}, headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()

    def save(self, reference: str, number: str, confirm_path: str | None = None) -> dict:
        secret = self.post(f"/plans/{reference}/card/setup")["client_secret"]
        setup_intent = self.stripe.confirm_setup(secret, number)["id"]
        return self.post(confirm_path or f"/plans/{reference}/card/confirm", {"setup_intent": setup_intent})


def _choose(browser, account, debtor, offer="settlement:3") -> str:
    start = clock.today_for(debtor) + timedelta(days=7)
    response = browser.post(
        f"/accounts/{account.id}/plans",
        {"offer": offer, "frequency": "monthly", "start": start.isoformat(), "payday": ""},
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    return response.headers["Location"].split("/")[2]


def _agreed(browser, localstripe, account, debtor, *, first="later", number=GOOD_CARD) -> Plan:
    reference = _choose(browser, account, debtor)
    assert browser.post(f"/plans/{reference}/check", {"first": first}).status_code == 303
    answer = Card(browser, localstripe).save(reference, number)
    assert answer["status"] == "succeeded", answer
    db.session.expire_all()
    return db.session.scalar(db.select(Plan).where(Plan.reference == reference))


def _entries(account) -> list[tuple[str, int, str]]:
    db.session.expire_all()
    query = db.select(LedgerEntry).where(LedgerEntry.account_id == account.id).order_by(LedgerEntry.id)
    return [(e.kind, e.amount, e.wording) for e in db.session.scalars(query)][1:]


def test_the_options_offer_a_settlement_in_2_or_3_payments_next_to_the_one_payment(browser, owing):
    _, account = owing
    text = main_text(browser.get(f"/accounts/{account.id}/plans"))
    assert "Pay £400.00 once and save £100.00" in text
    assert "Settle for £400.00 in 2 payments and save £100.00" in text
    assert "Settle for £400.00 in 3 payments and save £100.00" in text
    assert "If you miss a payment, you lose the discount." in text


def test_no_settlement_in_payments_is_offered_unless_the_creditor_allows_it(app, browser):
    _, account = _debtor_owing(browser, POLICY | {"settlement_instalments_max": 1})
    text = main_text(browser.get(f"/accounts/{account.id}/plans"))
    assert "Pay £400.00 once and save £100.00" in text
    assert "Settle for" not in text
    response = browser.post(
        f"/accounts/{account.id}/plans", {"offer": "settlement:3", "frequency": "monthly", "start": "", "payday": ""}
    )
    assert response.status_code == 400 and db.session.scalar(db.select(db.func.count(Plan.id))) == 0


def test_a_chosen_settlement_in_3_payments_adds_up_exactly_within_3_months(browser, owing):
    debtor, account = owing
    reference = _choose(browser, account, debtor)
    plan = db.session.scalar(db.select(Plan).where(Plan.reference == reference))
    assert (plan.kind, plan.status, plan.total, plan.saving, plan.frequency) == (
        "settlement",
        "draft",
        40_000,
        10_000,
        "monthly",
    )
    assert [i.amount for i in plan.instalments] == [13_333, 13_333, 13_334]
    assert plan.instalments[-1].due_date < add_months(plan.instalments[0].due_date, 3)
    assert plan.terms["missed_payments_to_break"] == 1  # a settlement missed once can no longer be earned


def test_before_agreeing_the_debtor_is_told_plainly_that_a_broken_plan_loses_the_discount(browser, owing):
    debtor, account = owing
    reference = _choose(browser, account, debtor)
    text = main_text(browser.get(f"/plans/{reference}/check"))
    assert "Settlement of £400.00 in 3 payments of £133.33 a month" in text
    assert WARNING in text
    assert "When the last payment is made, Harbour Credit agrees to accept this in full payment" in text
    browser.post(f"/plans/{reference}/check", {"first": "later"})
    agreed = db.session.scalar(db.select(Agreement))
    assert WARNING in agreed.text and agreed.version == "2026-5"


def test_a_one_payment_settlement_has_no_such_warning(browser, owing):
    debtor, account = owing
    reference = _choose(browser, account, debtor, offer="settlement")
    assert WARNING not in main_text(browser.get(f"/plans/{reference}/check"))


def test_paying_every_settlement_payment_writes_off_the_discount_once_and_clears_the_balance(
    app, browser, owing, localstripe
):
    debtor, account = owing
    plan = _agreed(browser, localstripe, account, debtor)
    assert plan.status == "active"

    run(plan.instalments[1].due_date)  # two paid: nothing is taken off yet
    assert _entries(account) == [("payment", -13_333, "card_payment")] * 2
    assert balance_of(account) == 50_000 - 26_666
    assert db.session.get(Plan, plan.id).status == "active"

    assert run(plan.instalments[2].due_date).counts == {"paid": 1}  # the last is not refused though less is owed
    assert _entries(account)[2:] == [("payment", -13_334, "card_payment"), ("credit", -10_000, "settlement_discount")]
    assert balance_of(account) == 0
    assert db.session.get(Plan, plan.id).status == "completed"
    run(plan.instalments[2].due_date + timedelta(days=1))
    assert len([e for e in _entries(account) if e[2] == "settlement_discount"]) == 1
    assert "There is nothing to pay on this account" in main_text(browser.get(f"/accounts/{account.id}/plans"))


def test_a_broken_settlement_takes_nothing_off_and_says_the_discount_is_lost(app, browser, owing, localstripe):
    debtor, account = owing
    plan = _agreed(browser, localstripe, account, debtor, first="now")  # the first is paid today
    Card(browser, localstripe).save(plan.reference, DECLINED_CARD, f"/plans/{plan.reference}/card/confirm?change=1")
    second = plan.instalments[1].due_date

    assert run(second).counts == {"retry": 1}
    assert run(second + timedelta(days=3)).counts == {"broken": 1}  # missed once (after its retry): broken
    plan = db.session.get(Plan, plan.id)
    assert plan.status == "broken"
    assert [i.status for i in plan.instalments] == ["paid", "missed", "cancelled"]
    assert _entries(account) == [("payment", -13_333, "card_payment")]  # no discount
    assert balance_of(account) == 50_000 - 13_333
    [event] = db.session.scalars(db.select(CreditorEvent).where(CreditorEvent.kind == "plan.broken")).all()
    assert (event.data["plan_kind"], event.data["discount"]) == ("settlement", 10_000)

    [ended] = [m for m in emails(app) if m["Subject"] == "Your payment plan has ended"]
    words = " ".join(ended.get_content().split())
    assert "Because the settlement was not paid in full, you lose the discount of £100.00." in words
    assert "You owe the full balance less what you have paid." in words
    assert "You still owe £366.67." in words
    text = main_text(browser.get(f"/plans/{plan.reference}"))
    assert "you lose the discount of £100.00. You owe the full balance less what you have paid: £366.67." in text


def test_interest_the_creditor_adds_while_the_settlement_runs_is_written_off_with_the_discount(
    app, browser, localstripe, monkeypatch
):
    debtor, account = _debtor_owing(browser, POLICY)
    account.monthly_interest = 1_000
    db.session.commit()
    plan = _agreed(browser, localstripe, account, debtor)
    made = plan.created_at.date()
    for month in (1, 2):  # the creditor goes on adding interest: the settlement's words say it is paid in full
        db.session.add(
            LedgerEntry(
                account_id=account.id,
                kind="interest",
                amount=1_000,
                effective_date=add_months(made, month),
                external_ref=f"i{month}",
            )
        )
    db.session.commit()
    last = plan.instalments[-1].due_date
    monkeypatch.setattr(clock, "now", lambda: datetime.combine(last, time(12), tzinfo=UTC))

    run(last)
    assert _entries(account)[-1] == ("credit", -12_000, "settlement_discount")
    assert balance_of(account) == 0


def _pay_extra(browser, reference: str, choice: str, amount: str = "") -> None:
    page = browser.get(f"/plans/{reference}/pay").get_data(as_text=True)
    key = re.search(r'name="idempotency_key" type="hidden" value="([^"]+)"', page).group(1)
    form = {"choice": choice, "amount": amount, "idempotency_key": key, "step": "pay"}
    paid = browser.post(f"/plans/{reference}/pay", form)
    assert paid.status_code == 303 and "/receipt" in paid.headers["Location"], main_text(paid)


def test_paying_extra_on_a_settlement_makes_its_last_payments_smaller_and_keeps_the_discount(
    app, browser, owing, localstripe
):
    debtor, account = owing
    plan = _agreed(browser, localstripe, account, debtor)
    _pay_extra(browser, plan.reference, "other", "150")
    db.session.expire_all()
    plan = db.session.get(Plan, plan.id)
    assert [(i.amount, i.status) for i in plan.instalments] == [
        (13_333, "scheduled"),
        (11_667, "scheduled"),
        (0, "cancelled"),
    ]

    run(plan.instalments[1].due_date)
    assert _entries(account)[-1] == ("credit", -10_000, "settlement_discount")
    assert balance_of(account) == 0 and db.session.get(Plan, plan.id).status == "completed"


def test_paying_off_a_settlement_pays_what_is_left_of_it_not_the_whole_balance(app, browser, owing, localstripe):
    debtor, account = owing
    plan = _agreed(browser, localstripe, account, debtor, first="now")
    text = main_text(browser.get(f"/plans/{plan.reference}/pay"))
    assert "Pay off everything: £266.67" in text
    assert "You have £266.67 left to pay on your settlement." in text and "You owe" not in text
    check = main_text(browser.post(f"/plans/{plan.reference}/pay", {"choice": "rest", "step": "check"}))
    assert "Left to pay on your settlement £0.00" in check
    assert "This pays your settlement in full. Your plan will end, and the discount is taken off what you owe." in check
    _pay_extra(browser, plan.reference, "rest")
    assert _entries(account) == [
        ("payment", -13_333, "card_payment"),
        ("payment", -26_667, "card_payment"),
        ("credit", -10_000, "settlement_discount"),
    ]
    assert balance_of(account) == 0 and db.session.get(Plan, plan.id).status == "completed"


def test_the_dashboard_and_the_plan_count_what_is_paid_towards_the_settlement_not_the_balance(
    app, browser, owing, localstripe
):
    debtor, account = owing
    plan = _agreed(browser, localstripe, account, debtor, first="now")
    for page in (browser.get("/accounts/"), browser.get(f"/plans/{plan.reference}")):
        text = main_text(page)
        assert "£133.33 of £400.00" in text, text


def test_moving_a_settlement_payment_later_never_takes_it_past_3_months(app, browser, owing, localstripe):
    debtor, account = owing
    plan = _agreed(browser, localstripe, account, debtor)
    first = plan.first_date
    for days in (14, 28):
        moved = browser.post(
            f"/plans/{plan.reference}/payment-day", {"next_date": (first + timedelta(days)).isoformat()}
        )
        assert moved.status_code == 303, main_text(moved)
    refused = browser.post(f"/plans/{plan.reference}/payment-day", {"next_date": (first + timedelta(42)).isoformat()})
    assert refused.status_code == 400
    assert "That date would make your plan too long. Choose an earlier date." in main_text(refused)
    db.session.expire_all()
    plan = db.session.get(Plan, plan.id)
    assert plan.instalments[-1].due_date < add_months(first, 3)
    assert [i.amount for i in plan.instalments] == [13_333, 13_333, 13_334] and plan.total == 40_000


def test_staff_see_a_settlement_in_payments_and_its_saving(app, browser, owing, localstripe):
    debtor, account = owing
    _agreed(browser, localstripe, account, debtor)
    staff = StaffBrowser(app.test_client())
    staff.sign_in(make_staff(debtor.creditor))
    text = main_text(staff.get(f"/staff/debtors/{debtor.id}"))
    assert "Settlement in 3 payments (saving £100.00 once all are paid)" in text
