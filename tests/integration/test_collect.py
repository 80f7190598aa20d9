"""`flask collect` against a real localstripe: good, declined and 3-D Secure cards, retries, missed, broken plans."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from portal import clock
from portal.accounts.ledger import balance_of
from portal.extensions import db
from portal.models import CreditorEvent, LedgerEntry, Payment, Plan
from portal.payments.gateway import get_gateway
from portal.payments.service import sync_payment
from portal.plans.dates import add_months
from portal.plans.service.changes import change_payment_day
from tests.factories import make_account, make_card_debtor, make_link
from tests.plan_support import NOON, POLICY, active_plan, emails, run
from tests.stripe_server import (
    DECLINED_CARD,
    THREE_D_SECURE_CARD,
    settings,  # noqa: F401  (localstripe and emails in a folder)
)


@pytest.fixture
def debtor(app):
    debtor = make_card_debtor(POLICY)
    db.session.commit()
    return debtor


@pytest.fixture
def account(debtor):
    account = make_account(debtor, [("itemization", 30_000)], description="Mobile phone contract", reference="MM-300")
    db.session.commit()
    return account


#: how long after a declined charge the card is tried again: the creditor's policy, not a number of our own
RETRY_AFTER = timedelta(days=POLICY["retry_after_days"])


def ledger_payments(account) -> list[int]:
    db.session.expire_all()
    return [
        entry.amount
        for entry in db.session.scalars(
            db.select(LedgerEntry)
            .where(LedgerEntry.account_id == account.id, LedgerEntry.kind == "payment")
            .order_by(LedgerEntry.id)
        )
    ]


def events(kind: str) -> list[CreditorEvent]:
    return list(db.session.scalars(db.select(CreditorEvent).where(CreditorEvent.kind == kind)))


def test_a_due_instalment_on_a_good_card_is_charged_once_and_written_to_the_ledger(app, debtor, account, localstripe):
    plan = active_plan(debtor, account, localstripe)
    first = plan.instalments[0]

    assert run(first.due_date - timedelta(days=1)).counts == {}  # not due yet
    report = run(first.due_date)
    assert report.counts == {"paid": 1}

    first = db.session.get(type(first), first.id)
    assert first.status == "paid" and first.attempts == 1
    payment = db.session.get(Payment, first.payment_id)
    assert payment.idempotency_key == f"instalment:{first.id}:attempt:1"
    assert payment.status == "succeeded"
    assert ledger_payments(account) == [-10_000]
    assert localstripe.payment_intents(payment.reference)[0]["amount"] == 10_000
    assert [e.data["number"] for e in events("instalment.paid")] == [1]

    assert run(first.due_date + timedelta(days=1)).counts == {}  # a second run charges nothing more
    assert ledger_payments(account) == [-10_000]
    [receipt] = emails(app)
    assert "Your payment of £100.00 to Harbour Credit" in receipt["Subject"]


def test_a_payment_moved_later_is_collected_on_its_new_date_not_the_old_one(app, debtor, account, localstripe):
    plan = active_plan(debtor, account, localstripe)
    old = plan.instalments[0].due_date
    new = old + timedelta(days=14)
    with app.test_request_context():
        change_payment_day(plan, debtor, new)
    db.session.commit()

    assert run(old).counts == {}  # nothing taken on the old date
    assert run(new - timedelta(days=1)).counts == {}
    assert run(new).counts == {"paid": 1}
    assert ledger_payments(account) == [-10_000]
    plan = db.session.get(Plan, plan.id)
    assert [(i.number, i.status) for i in plan.instalments] == [(1, "paid"), (2, "scheduled"), (3, "scheduled")]
    assert plan.instalments[1].due_date == add_months(new, 1)
    assert run(add_months(old, 1)).counts == {}  # the second payment moved too: no payment is taken twice in a month


def test_moving_a_payment_later_past_another_months_interest_adds_it_to_the_last_payment(app, debtor, localstripe):
    account = make_account(debtor, [("itemization", 30_000)], monthly_interest=1_000)
    db.session.commit()
    today = clock.today_for(debtor)
    plan = active_plan(debtor, account, localstripe, first=today + timedelta(days=20))
    amounts, total = [i.amount for i in plan.instalments], plan.total
    with app.test_request_context():
        change = change_payment_day(plan, debtor, today + timedelta(days=34))  # the last one now falls a month on
    db.session.commit()
    plan = db.session.get(Plan, plan.id)
    assert change == 1_000
    assert [i.amount for i in plan.instalments] == [*amounts[:-1], amounts[-1] + 1_000]
    assert plan.total == total + 1_000 == sum(i.amount for i in plan.instalments)


def test_every_overdue_instalment_is_charged_and_the_plan_completes(app, debtor, account, localstripe):
    plan = active_plan(debtor, account, localstripe)
    report = run(plan.instalments[-1].due_date)
    assert report.counts == {"paid": 3}
    assert ledger_payments(account) == [-10_000] * 3
    assert db.session.get(Plan, plan.id).status == "completed"
    assert [e.data["plan"] for e in events("plan.completed")] == [plan.reference]


def test_a_declined_card_is_retried_then_the_payment_is_missed(app, debtor, account, localstripe):
    plan = active_plan(debtor, account, localstripe, DECLINED_CARD)
    due = plan.instalments[0].due_date

    assert run(due).counts == {"retry": 1}
    first = db.session.get(type(plan.instalments[0]), plan.instalments[0].id)
    assert first.status == "scheduled" and first.retry_on == due + RETRY_AFTER and first.declines == 1
    [notice] = emails(app)
    assert notice["Subject"] == "Your payment of £100.00 did not go through"
    assert "We will try again on" in notice.get_content()

    assert run(due + RETRY_AFTER - timedelta(days=1)).counts == {}  # waits for the retry date
    assert run(due + RETRY_AFTER).counts == {"missed": 1}
    first = db.session.get(type(first), first.id)
    assert first.status == "missed" and first.attempts == 2
    keys = sorted(p.idempotency_key for p in db.session.scalars(db.select(Payment)))
    assert keys == [f"instalment:{first.id}:attempt:1", f"instalment:{first.id}:attempt:2"]
    assert db.session.get(Plan, plan.id).missed_count == 1
    assert [e.data["number"] for e in events("instalment.missed")] == [1]
    assert sorted(m["Subject"] for m in emails(app)) == [
        "We could not take your payment of £100.00",
        "Your payment of £100.00 did not go through",
    ]
    assert ledger_payments(account) == []


def test_missing_more_payments_than_the_policy_allows_breaks_the_plan(app, debtor, account, localstripe):
    plan = active_plan(debtor, account, localstripe, DECLINED_CARD)
    second_due = plan.instalments[1].due_date
    run(plan.instalments[0].due_date)
    run(second_due)  # first retried (missed), second declined
    run(second_due + RETRY_AFTER)  # second retried: missed → broken
    plan = db.session.get(Plan, plan.id)
    assert plan.status == "broken" and plan.missed_count == 2
    assert [i.status for i in plan.instalments] == ["missed", "missed", "cancelled"]
    [event] = events("plan.broken")
    assert event.data["plan"] == plan.reference and event.account_id == account.id
    [ended] = [m for m in emails(app) if m["Subject"] == "Your payment plan has ended"]
    assert "You still owe £300.00" in ended.get_content()
    assert run(plan.instalments[2].due_date).counts == {}  # nothing more is collected


def test_a_card_that_needs_3d_secure_sends_a_link_and_the_debtor_completes_it(
    app, debtor, account, localstripe, browser
):
    plan = active_plan(debtor, account, localstripe, THREE_D_SECURE_CARD)
    due = plan.instalments[0].due_date
    assert run(due).counts == {"requires_action": 1}
    first = db.session.get(type(plan.instalments[0]), plan.instalments[0].id)
    payment = db.session.get(Payment, first.payment_id)
    assert first.status == "requires_action" and payment.status == "requires_action"
    [notice] = emails(app)
    assert notice["Subject"] == "Please confirm your payment of £100.00"
    link = re.search(r"http://portal\.test(/l/\S+)", notice.get_content()).group(1)
    assert ledger_payments(account) == []

    signed_in = browser.sign_in(link, debtor)
    assert signed_in.headers["Location"] == f"/plans/payments/{payment.reference}/confirm", "the link opens the payment"
    dashboard = browser.get("/accounts/").get_data(as_text=True)
    assert f"/plans/payments/{payment.reference}/confirm" in dashboard
    page = browser.get(signed_in.headers["Location"]).get_data(as_text=True)
    assert "Confirm your payment of £100.00" in page and "js/plans.js" in page
    headers = {"X-CSRFToken": browser.token(), "Accept": "application/json"}
    answer = browser.client.post(f"/plans/payments/{payment.reference}/confirm", json={}, headers=headers).get_json()
    assert answer["status"] == "requires_action"
    localstripe.authenticate(answer["client_secret"], success=True)
    answer = browser.client.post(f"/plans/payments/{payment.reference}/confirm", json={}, headers=headers).get_json()
    assert answer == {"status": "succeeded", "redirect": f"/payments/{payment.reference}/receipt"}
    db.session.expire_all()
    assert db.session.get(type(first), first.id).status == "paid"
    assert ledger_payments(account) == [-10_000]


def test_a_3d_secure_check_never_done_counts_as_a_decline(app, debtor, account, localstripe):
    plan = active_plan(debtor, account, localstripe, THREE_D_SECURE_CARD)
    due = plan.instalments[0].due_date
    run(due)
    first_payment = db.session.get(type(plan.instalments[0]), plan.instalments[0].id).payment
    report = run(due + RETRY_AFTER)
    assert report.counts["retry"] == 1  # the old attempt given up: tried again later
    assert db.session.get(Payment, first_payment.id).status == "failed"
    assert localstripe.get(f"/v1/payment_intents/{first_payment.payment_intent_id}")["status"] == "canceled"


def test_a_payment_recorded_by_the_webhook_settles_the_instalment(app, debtor, account, localstripe):
    plan = active_plan(debtor, account, localstripe, THREE_D_SECURE_CARD)
    due = plan.instalments[0].due_date
    run(due)
    instalment = db.session.get(type(plan.instalments[0]), plan.instalments[0].id)
    secret = localstripe.get(f"/v1/payment_intents/{instalment.payment.payment_intent_id}")["client_secret"]
    localstripe.authenticate(secret, success=True)
    sync_payment(instalment.payment, get_gateway())  # what the webhook or `payments reconcile` does
    assert run(due + timedelta(days=1)).counts == {"paid": 1}
    assert ledger_payments(account) == [-10_000]


def test_a_disputed_account_is_skipped(app, debtor, account, localstripe):
    plan = active_plan(debtor, account, localstripe)
    account.status = "disputed"
    db.session.commit()
    assert run(plan.instalments[0].due_date).counts == {"paused": 1}
    assert db.session.scalar(db.select(db.func.count(Payment.id))) == 0


def test_notices_wait_for_contact_hours(app, debtor, account, localstripe):
    plan = active_plan(debtor, account, localstripe, DECLINED_CARD)
    night = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    run(plan.instalments[0].due_date, now=night)
    assert emails(app) == []
    run(plan.instalments[0].due_date, now=NOON)
    assert [m["Subject"] for m in emails(app)] == ["Your payment of £100.00 did not go through"]


def test_a_payment_made_another_way_reduces_what_is_collected(app, debtor, account, localstripe):
    plan = active_plan(debtor, account, localstripe)
    db.session.add(
        LedgerEntry(
            account_id=account.id,
            kind="payment",
            amount=-25_000,
            effective_date=date(2026, 11, 23),
            external_ref="bank:1",
        )
    )
    db.session.commit()
    run(plan.instalments[-1].due_date)
    assert ledger_payments(account) == [-25_000, -5_000]
    assert db.session.get(Plan, plan.id).status == "completed"


def test_the_collect_command_takes_a_day(app, debtor, account, localstripe):
    plan = active_plan(debtor, account, localstripe)
    due = plan.instalments[0].due_date
    result = app.test_cli_runner().invoke(args=["collect", "--today", due.isoformat()])
    assert result.exit_code == 0, result.output
    assert f"{plan.reference} #1: paid" in result.output
    assert "Collected: paid 1." in result.output
    assert ledger_payments(account) == [-10_000]


def test_the_debtor_sees_the_paid_instalment_on_their_plan(app, debtor, account, localstripe, browser):
    plan = active_plan(debtor, account, localstripe)
    run(plan.instalments[0].due_date)
    browser.sign_in(make_link(debtor), debtor)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", browser.get(f"/plans/{plan.reference}").get_data(as_text=True)))
    assert "Paid so far £100.00 of £300.00" in text
    assert text.count("Paid") >= 2


def test_a_plan_that_pays_interest_keeps_it_until_the_creditor_adds_it_and_clears_the_account(app, localstripe):
    debtor = make_card_debtor(POLICY)
    account = make_account(debtor, [("itemization", 30_000)], monthly_interest=1_000)
    db.session.commit()
    plan = active_plan(debtor, account, localstripe, amount=10_000)
    assert [i.amount for i in plan.instalments] == [10_000, 10_000, 10_000, 3_000]
    made = plan.created_at.date()
    for number, instalment in enumerate(list(plan.instalments)):
        if number:  # the creditor adds this month's interest a few days before the payment
            db.session.add(
                LedgerEntry(
                    account_id=account.id,
                    kind="interest",
                    amount=1_000,
                    effective_date=add_months(made, number),
                    external_ref=f"i{number}",
                )
            )
            db.session.commit()
        run(instalment.due_date)
        db.session.expire_all()
    assert [(i.amount, i.status) for i in plan.instalments] == [(10_000, "paid")] * 3 + [(3_000, "paid")]
    assert balance_of(account) == 0 and plan.status == "completed"
