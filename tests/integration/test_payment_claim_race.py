"""Charges claimed against one balance: at the same moment, from several tabs, only one is charged.

Each payment has its own idempotency key, so only the claim against the balance stands between
them and several charges. The portal is served for real (a thread per request, a database
connection each), on SQLite and on PostgreSQL: the rule must hold on both. A plan's charges
(paying off the rest, an instalment) are claimed the same way.
"""

import re
from datetime import UTC, datetime

import requests

from portal.extensions import db
from portal.models import Instalment, LedgerEntry, Payment
from portal.payments.gateway import get_gateway
from portal.payments.rules import Outcome
from portal.plans.service.collection import pay_first_now
from portal.references import new_reference
from tests.conftest import csrf_from
from tests.factories import make_account, make_card_debtor, make_link
from tests.live_server import at_once, serve
from tests.plan_support import POLICY, active_plan, run
from tests.stripe_server import (
    GOOD_CARD,
    LocalStripe,
    settings,  # noqa: F401  (localstripe and emails in a folder)
)

TABS = 5
BALANCE = 30_000
KEY = re.compile(r'name="idempotency_key" type="hidden" value="([^"]+)"')


def _signed_in(url: str, link_path: str, postcode: str) -> requests.Session:
    """Sign in as a phone does: open the link, continue, answer the identity question."""
    phone = requests.Session()
    start = phone.get(f"{url}{link_path}", timeout=30)
    verify = phone.post(f"{url}/start", data={"csrf_token": csrf_from(start.text)}, timeout=30)
    answer = {"csrf_token": csrf_from(verify.text), "postcode": postcode}
    signed_in = phone.post(f"{url}/verify", data=answer, allow_redirects=False, timeout=30)
    assert signed_in.status_code == 302, signed_in.text
    return phone


def _json_headers(phone: requests.Session, url: str) -> dict:
    token = csrf_from(phone.get(f"{url}/", timeout=30).text)
    return {"X-CSRFToken": token, "Accept": "application/json"}


def _set_up_payment(phone: requests.Session, url: str, account_id: int, stripe: LocalStripe) -> tuple[str, str]:
    """Choose to pay the whole balance and enter a card; returns the payment's reference and its SetupIntent."""
    page = phone.get(f"{url}/accounts/{account_id}/pay", timeout=30).text
    chosen = phone.post(
        f"{url}/accounts/{account_id}/pay",
        data={"csrf_token": csrf_from(page), "idempotency_key": KEY.search(page).group(1), "choice": "full"},
        allow_redirects=False,
        timeout=30,
    )
    assert chosen.status_code == 303, chosen.text
    reference = chosen.headers["Location"].rsplit("/", 1)[-1]
    setup = phone.post(f"{url}/pay/{reference}/setup", json={}, headers=_json_headers(phone, url), timeout=30)
    assert setup.status_code == 200, setup.text
    return reference, stripe.confirm_setup(setup.json()["client_secret"], GOOD_CARD)["id"]


def _running_balance(account_id: int) -> list[int]:
    db.session.expire_all()
    amounts = db.session.scalars(
        db.select(LedgerEntry.amount).where(LedgerEntry.account_id == account_id).order_by(LedgerEntry.id)
    ).all()
    return [sum(amounts[: n + 1]) for n in range(len(amounts))]


def _debtor_with_account():
    debtor = make_card_debtor(POLICY)
    account = make_account(debtor, [("itemization", BALANCE)])
    db.session.commit()
    return debtor, account


def test_payments_for_the_whole_balance_confirmed_at_once_charge_the_card_once(app_on_each_database, localstripe):
    debtor, account = _debtor_with_account()
    link, postcode, account_id = make_link(debtor), debtor.postcode, account.id

    with serve(app_on_each_database) as url:
        phone = _signed_in(url, link, postcode)
        payments = [_set_up_payment(phone, url, account_id, localstripe) for _ in range(TABS)]
        headers = _json_headers(phone, url)

        def confirm(reference: str, setup_intent: str):
            return lambda tab: tab.post(
                f"{url}/pay/{reference}/confirm", json={"setup_intent": setup_intent}, headers=headers, timeout=60
            )

        answers = at_once(phone, [confirm(*payment) for payment in payments])

    assert [answer.status_code for answer in answers] == [200] * TABS, [answer.text for answer in answers]
    statuses = sorted(answer.json()["status"] for answer in answers)
    assert statuses == ["problem"] * (TABS - 1) + ["succeeded"], [answer.json() for answer in answers]
    running = _running_balance(account_id)
    assert min(running) >= 0 and running[-1] == 0, running
    intents = localstripe.intents_where("payment_reference", {reference for reference, _ in payments})
    assert [intent["status"] for intent in intents] == ["succeeded"]


def test_paying_off_a_plan_from_several_tabs_at_once_charges_the_saved_card_once(app_on_each_database, localstripe):
    debtor, account = _debtor_with_account()
    plan = active_plan(debtor, account, localstripe)
    link, postcode, account_id, reference = make_link(debtor), debtor.postcode, account.id, plan.reference

    with serve(app_on_each_database) as url:
        phone = _signed_in(url, link, postcode)
        pages = [phone.get(f"{url}/plans/{reference}/pay", timeout=30).text for _ in range(TABS)]

        def pay_off(page: str):
            form = {"csrf_token": csrf_from(page), "idempotency_key": KEY.search(page).group(1)}
            return lambda tab: tab.post(
                f"{url}/plans/{reference}/pay",
                data=form | {"choice": "rest", "step": "pay"},
                allow_redirects=False,
                timeout=60,
            )

        answers = at_once(phone, [pay_off(page) for page in pages])

    answered = [(answer.status_code, answer.headers.get("Location", "")) for answer in answers]
    # One goes through; the others are told why not (400), or find the plan already paid off (a redirect).
    assert sorted("/receipt" in where for _, where in answered) == [False] * (TABS - 1) + [True], answered
    assert {status for status, _ in answered} <= {302, 303, 400}, answered
    running = _running_balance(account_id)
    assert min(running) >= 0 and running[-1] == 0, running
    assert [intent["status"] for intent in localstripe.intents_where("plan_reference", {reference})] == ["succeeded"]


def _in_flight(account) -> Payment:
    """A payment for the whole balance that Stripe has not answered about yet."""
    payment = Payment(
        reference=new_reference("P"),
        idempotency_key=new_reference("K"),
        account_id=account.id,
        debtor_id=account.debtor_id,
        amount=BALANCE,
        currency=account.currency,
        status="confirming",
        confirming_at=datetime.now(UTC),
    )
    db.session.add(payment)
    db.session.commit()
    return payment


def test_no_instalment_is_charged_while_another_payment_on_the_account_is_in_flight(app_on_each_database, localstripe):
    debtor, account = _debtor_with_account()
    plan = active_plan(debtor, account, localstripe)
    first = plan.instalments[0]
    payment = _in_flight(account)

    assert pay_first_now(plan, get_gateway()) == Outcome("problem", "payment_in_progress")
    assert run(first.due_date).counts == {}
    assert db.session.get(Instalment, first.id).status == "scheduled"
    assert localstripe.intents_where("plan_reference", {plan.reference}) == []

    # Once that payment is over, the instalment is collected as usual.
    payment = db.session.get(Payment, payment.id)
    payment.status = "failed"
    db.session.commit()
    assert run(first.due_date).counts == {"paid": 1}
    assert [intent["status"] for intent in localstripe.intents_where("plan_reference", {plan.reference})] == [
        "succeeded"
    ]
