"""A plan's first payment taken now saves the plan's card with that same payment (issue 15 point 9).

One PaymentIntent with setup_future_usage, so a bank that checks it is them asks once, instead of a SetupIntent
then a payment. Through HTTP as pay.js does it with Stripe.js's createPaymentMethod; the race on a live server,
on SQLite and PostgreSQL.
"""

from datetime import timedelta

import pytest

from portal import clock
from portal.extensions import db
from portal.models import AuditEvent, CreditorEvent, Debtor, Instalment, LedgerEntry, Payment, Plan
from portal.payments.gateway import get_gateway
from portal.payments.reconcile import reconcile
from tests.conftest import csrf_from
from tests.factories import make_account, make_card_debtor, make_link
from tests.live_server import at_once, serve, signed_in_phone
from tests.plan_support import POLICY, agreed_plan, run
from tests.stripe_server import (
    DECLINED_CARD,
    GOOD_CARD,
    THREE_D_SECURE_CARD,
    settings,  # noqa: F401  (localstripe and emails in a folder)
)

TABS = 5


def _agreed_to_pay_first_now() -> Plan:
    """A debtor owing £300.00 who agreed a plan of £100.00 a month, the first to be paid now, and saved no card."""
    debtor = make_card_debtor(POLICY)
    account = make_account(debtor, [("itemization", 30_000)])
    db.session.commit()
    return agreed_plan(debtor, account, pay_first_now=True)


@pytest.fixture
def plan(app, browser):
    plan = _agreed_to_pay_first_now()
    debtor = db.session.get(Debtor, plan.debtor_id)
    browser.sign_in(make_link(debtor), debtor)
    return plan


def _confirm(browser, plan: Plan, body: dict) -> dict:
    headers = {"X-CSRFToken": browser.token(), "Accept": "application/json"}
    response = browser.client.post(f"/plans/{plan.reference}/card/confirm", json=body, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def _fresh(plan: Plan) -> Plan:
    db.session.expire_all()
    return db.session.get(Plan, plan.id)


def _setup_intents(localstripe, plan: Plan) -> list[dict]:
    setups = localstripe.get("/v1/setup_intents", limit=100)["data"]
    return [setup for setup in setups if setup["metadata"].get("plan_reference") == plan.reference]


def test_the_card_page_makes_the_card_a_payment_method_only_when_the_first_payment_is_taken_now(browser, plan):
    assert 'data-card-step="payment_method"' in browser.get(f"/plans/{plan.reference}/card").get_data(as_text=True)
    plan.pay_first_now = False
    db.session.commit()
    assert 'data-card-step="setup"' in browser.get(f"/plans/{plan.reference}/card").get_data(as_text=True)


def test_the_first_payment_now_saves_the_card_with_one_payment_intent_and_no_setup_intent(browser, plan, localstripe):
    method = localstripe.create_payment_method(GOOD_CARD)
    answer = _confirm(browser, plan, {"payment_method": method})

    assert answer == {"status": "succeeded", "redirect": f"/plans/{plan.reference}/done"}
    plan = _fresh(plan)
    first = plan.instalments[0]
    assert plan.status == "active" and plan.payment_method_id == method and plan.card_last4 == "4242"
    assert first.status == "paid" and first.attempts == 1
    [intent] = localstripe.intents_where("plan_reference", {plan.reference})
    assert intent["status"] == "succeeded" and intent["setup_future_usage"] == "off_session"
    assert intent["payment_method"] == method and intent["customer"] == plan.customer_id
    assert localstripe.get(f"/v1/payment_methods/{method}")["customer"] == plan.customer_id
    assert _setup_intents(localstripe, plan) == []
    activated = db.session.scalars(db.select(CreditorEvent).where(CreditorEvent.kind == "plan.activated")).all()
    assert [event.data["plan"] for event in activated] == [plan.reference]
    assert db.session.scalar(db.select(db.func.count(AuditEvent.id)).where(AuditEvent.action == "plan.activated")) == 1


def test_a_first_payment_the_bank_checks_asks_once_then_starts_the_plan_with_the_card(browser, plan, localstripe):
    method = localstripe.create_payment_method(THREE_D_SECURE_CARD)
    answer = _confirm(browser, plan, {"payment_method": method})
    assert answer["status"] == "requires_action"
    assert _fresh(plan).status == "agreed" and not _fresh(plan).has_card  # not saved until the payment is made

    localstripe.authenticate(answer["client_secret"], success=True)  # the only check
    answer = _confirm(browser, plan, {"payment_method": method})  # pay.js, after confirmCardPayment

    assert answer == {"status": "succeeded", "redirect": f"/plans/{plan.reference}/done"}
    plan = _fresh(plan)
    assert plan.status == "active" and plan.payment_method_id == method and plan.card_last4 == "3155"
    assert plan.instalments[0].status == "paid"
    assert [i["status"] for i in localstripe.intents_where("plan_reference", {plan.reference})] == ["succeeded"]
    assert _setup_intents(localstripe, plan) == []
    assert localstripe.get(f"/v1/payment_methods/{method}")["customer"] == plan.customer_id


def test_a_first_payment_checked_by_the_bank_and_heard_of_by_reconcile_starts_the_plan(browser, plan, localstripe):
    method = localstripe.create_payment_method(THREE_D_SECURE_CARD)
    answer = _confirm(browser, plan, {"payment_method": method})
    localstripe.authenticate(answer["client_secret"], success=True)
    # The phone lost its signal before telling us: `payments reconcile` hears of it, `collect` settles it.
    assert [r.after for r in reconcile(get_gateway(), timedelta(0))] == ["succeeded"]
    run(clock.today_for(db.session.get(Debtor, plan.debtor_id)))

    plan = _fresh(plan)
    assert plan.status == "active" and plan.payment_method_id == method
    assert plan.instalments[0].status == "paid"


def test_a_declined_first_payment_saves_no_card_and_another_card_pays(browser, plan, localstripe):
    answer = _confirm(browser, plan, {"payment_method": localstripe.create_payment_method(DECLINED_CARD)})
    assert answer["status"] == "failed" and "Your card was declined" in answer["message"]
    assert answer["retry"]["url"] == f"/plans/{plan.reference}/card/retry"
    fresh = _fresh(plan)
    assert fresh.status == "agreed" and not fresh.has_card
    assert fresh.instalments[0].status == "scheduled" and fresh.instalments[0].declines == 0

    method = localstripe.create_payment_method(GOOD_CARD)
    answer = _confirm(browser, plan, {"payment_method": method})
    assert answer["status"] == "succeeded"
    plan = _fresh(plan)
    assert plan.status == "active" and plan.payment_method_id == method
    assert plan.instalments[0].status == "paid" and plan.instalments[0].attempts == 2


def test_another_customers_card_is_refused_and_nothing_is_charged(browser, plan, localstripe):
    method = localstripe.create_payment_method(GOOD_CARD)
    someone = localstripe._post("/v1/customers", {})["id"]
    localstripe._post(f"/v1/payment_methods/{method}/attach", {"customer": someone})

    answer = _confirm(browser, plan, {"payment_method": method})

    assert answer["status"] == "problem"
    assert db.session.scalar(db.select(db.func.count(Payment.id))) == 0
    assert _fresh(plan).instalments[0].status == "scheduled"
    assert localstripe.intents_where("plan_reference", {plan.reference}) == []


def test_flask_collect_charges_the_card_saved_by_the_first_payment_for_the_second(app, browser, plan, localstripe):
    method = localstripe.create_payment_method(GOOD_CARD)
    assert _confirm(browser, plan, {"payment_method": method})["status"] == "succeeded"
    second = _fresh(plan).instalments[1]

    result = app.test_cli_runner().invoke(args=["collect", "--today", second.collect_on.isoformat()])

    assert result.exit_code == 0, result.output
    assert "paid 1" in result.output
    plan = _fresh(plan)
    assert [i.status for i in plan.instalments[:2]] == ["paid", "paid"]
    _, later = localstripe.intents_where("plan_reference", {plan.reference})
    assert later["payment_method"] == method and later["customer"] == plan.customer_id
    assert later["status"] == "succeeded" and "setup_future_usage" not in later


def test_first_payments_confirmed_from_several_tabs_at_once_charge_once_and_save_one_card(
    app_on_each_database, localstripe
):
    plan = _agreed_to_pay_first_now()
    debtor = db.session.get(Debtor, plan.debtor_id)
    reference, plan_id, account_id = plan.reference, plan.id, plan.account_id
    methods = [localstripe.create_payment_method(GOOD_CARD) for _ in range(TABS)]

    with serve(app_on_each_database) as url:
        phone = signed_in_phone(url, make_link(debtor), debtor)
        headers = {"X-CSRFToken": csrf_from(phone.get(f"{url}/", timeout=30).text), "Accept": "application/json"}

        def confirm(method: str):
            return lambda tab: tab.post(
                f"{url}/plans/{reference}/card/confirm", json={"payment_method": method}, headers=headers, timeout=60
            )

        answers = at_once(phone, [confirm(method) for method in methods])

    assert [answer.status_code for answer in answers] == [200] * TABS, [answer.text for answer in answers]
    statuses = [answer.json()["status"] for answer in answers]
    assert "succeeded" in statuses and set(statuses) <= {"succeeded", "pending"}, [a.json() for a in answers]
    db.session.expire_all()
    assert [i["status"] for i in localstripe.intents_where("plan_reference", {reference})] == ["succeeded"]
    assert db.session.scalar(db.select(db.func.count(Payment.id))) == 1
    payments = db.session.scalars(db.select(LedgerEntry.amount).where(LedgerEntry.account_id == account_id)).all()
    assert payments == [30_000, -10_000]
    plan = db.session.get(Plan, plan_id)
    first = db.session.get(Instalment, plan.instalments[0].id)
    assert plan.status == "active" and plan.payment_method_id in methods
    assert first.status == "paid" and first.attempts == 1
