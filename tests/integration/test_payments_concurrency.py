"""Twenty requests with the same idempotency key at the same moment: one PaymentIntent, one ledger entry.

Real concurrency needs real row locks, so this runs on PostgreSQL only (TEST_DATABASE_URL).
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from portal.extensions import db
from portal.models import LedgerEntry, Payment
from tests.conftest import IsolatedClient
from tests.factories import make_account, make_debtor, make_link, make_uk_creditor
from tests.stripe_server import GOOD_CARD, Payer

REQUESTS = 20

pytestmark = [pytest.mark.postgres, pytest.mark.commits]


@pytest.fixture(autouse=True)
def _postgresql_only(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip(
            "needs PostgreSQL (set TEST_DATABASE_URL): SQLite has no row locks and lets one writer in at a time, "
            "so it cannot show what 20 truly concurrent requests do"
        )


@pytest.fixture
def settings(localstripe, tmp_path):
    return localstripe.settings | {
        "MAIL_BACKEND": "file",
        "MAIL_DIR": str(tmp_path / "mail"),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": REQUESTS + 5, "max_overflow": 0},
    }


@pytest.fixture
def account(app, browser):
    debtor = make_debtor(make_uk_creditor(), email="sam@example.com")
    account = make_account(debtor, [("itemization", 20_000)])
    db.session.commit()
    browser.sign_in(make_link(debtor), debtor)
    return account


@pytest.fixture
def payer(browser, localstripe):
    return Payer(browser, localstripe)


def _phones(app, browser, count: int) -> list[IsolatedClient]:
    """Clients sharing the signed-in session cookie, one per thread (a test client is not thread-safe)."""
    cookie = browser.client.get_cookie("portal_session")
    clients = []
    for _ in range(count):
        client = app.test_client()
        client.set_cookie(cookie.key, cookie.value, domain=cookie.domain)
        clients.append(client)
    return clients


def _at_once(clients, send):
    barrier = threading.Barrier(len(clients))

    def go(client):
        barrier.wait()
        return send(client)

    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        return list(pool.map(go, clients))


def test_twenty_identical_amount_forms_make_one_payment(app, browser, payer, account):
    _, key = payer.amount_form(account.id)
    token = browser.token()
    responses = _at_once(
        _phones(app, browser, REQUESTS),
        lambda client: client.post(
            f"/accounts/{account.id}/pay",
            data={"csrf_token": token, "idempotency_key": key, "choice": "other", "amount": "50"},
        ),
    )
    assert {response.status_code for response in responses} == {303}
    assert len({response.headers["Location"] for response in responses}) == 1
    assert db.session.scalar(db.select(db.func.count(Payment.id))) == 1


def test_twenty_identical_payments_at_once_charge_once(app, browser, payer, account, localstripe):
    reference = payer.start(account.id, "50")
    setup_intent = payer.enter_card(reference, GOOD_CARD)
    token = browser.token()
    headers = {"X-CSRFToken": token, "Accept": "application/json"}

    responses = _at_once(
        _phones(app, browser, REQUESTS),
        lambda client: client.post(f"/pay/{reference}/confirm", json={"setup_intent": setup_intent}, headers=headers),
    )

    assert {response.status_code for response in responses} == {200}
    statuses = [response.get_json()["status"] for response in responses]
    assert set(statuses) <= {"succeeded", "pending"}
    assert "succeeded" in statuses
    assert len(localstripe.payment_intents(reference)) == 1
    entries = db.session.scalars(
        db.select(LedgerEntry).where(LedgerEntry.account_id == account.id, LedgerEntry.kind == "payment")
    ).all()
    assert [entry.amount for entry in entries] == [-5_000]
    # And everyone who asks afterwards hears that it succeeded.
    assert payer.confirm(reference, setup_intent)["status"] == "succeeded"


def test_twenty_identical_payments_with_a_payment_method_at_once_charge_once(app, browser, payer, account, localstripe):
    reference = payer.start(account.id, "50")
    method = localstripe.create_payment_method(GOOD_CARD)
    headers = {"X-CSRFToken": browser.token(), "Accept": "application/json"}

    responses = _at_once(
        _phones(app, browser, REQUESTS),
        lambda client: client.post(f"/pay/{reference}/confirm", json={"payment_method": method}, headers=headers),
    )

    assert {response.status_code for response in responses} == {200}
    statuses = [response.get_json()["status"] for response in responses]
    assert set(statuses) <= {"succeeded", "pending"} and "succeeded" in statuses
    assert len(localstripe.payment_intents(reference)) == 1
    assert _collected(account) == [-5_000]


def test_ten_payments_of_most_of_the_balance_at_once_each_with_its_own_card_collect_once(
    app, browser, payer, account, localstripe
):
    """Ten tabs, each with its own payment of £150 on a £200 balance and its own card, pressing Pay at one moment."""
    references = [payer.start(account.id, "150") for _ in range(10)]
    methods = [localstripe.create_payment_method(GOOD_CARD) for _ in references]
    headers = {"X-CSRFToken": browser.token(), "Accept": "application/json"}
    sent = iter(zip(references, methods, strict=True))
    lock = threading.Lock()

    def press_pay(client):
        with lock:
            reference, method = next(sent)
        return client.post(f"/pay/{reference}/confirm", json={"payment_method": method}, headers=headers)

    responses = _at_once(_phones(app, browser, len(references)), press_pay)

    statuses = [response.get_json()["status"] for response in responses]
    assert statuses.count("succeeded") == 1, statuses
    assert set(statuses) <= {"succeeded", "problem"}
    assert sum(len(localstripe.payment_intents(reference)) for reference in references) == 1
    assert _collected(account) == [-15_000]


def _collected(account) -> list[int]:
    db.session.expire_all()
    return [
        entry.amount
        for entry in db.session.scalars(
            db.select(LedgerEntry).where(LedgerEntry.account_id == account.id, LedgerEntry.kind == "payment")
        )
    ]
