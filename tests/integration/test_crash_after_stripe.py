"""The web process is killed after Stripe took a payment and before we recorded it. After a restart,
`payments reconcile` and Stripe's late webhook, in either order, record the payment exactly once."""

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from portal.extensions import db
from portal.models import LedgerEntry, OutboundMessage, Payment
from tests.conftest import TEST_SETTINGS, csrf_from
from tests.factories import make_account, make_card_debtor, make_link
from tests.integration.test_payments_webhooks import deliver
from tests.stripe_server import GOOD_CARD, settings  # noqa: F401  (the app pays through localstripe)

ROOT = Path(__file__).resolve().parents[2]

#: the killed process sees only what this test commits
pytestmark = pytest.mark.commits
_KEY = re.compile(r'name="idempotency_key" type="hidden" value="([^"]+)"')


@pytest.fixture
def dying_portal(app, database_url, localstripe) -> Iterator[str]:
    """The portal served by a process that dies as Stripe's answer arrives; yields its base URL."""
    served = TEST_SETTINGS | localstripe.settings | {"SQLALCHEMY_DATABASE_URI": database_url}
    served |= {"MAIL_BACKEND": "file", "MAIL_DIR": app.config["MAIL_DIR"]}
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fault_server"],
        cwd=ROOT,
        env=os.environ | {"FAULT_SERVER_SETTINGS": json.dumps(served)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        port = int(process.stdout.readline())
        url = f"http://127.0.0.1:{port}"
        localstripe.send_webhooks_to("http://127.0.0.1:9/unreachable")  # the webhook is delivered by hand, late
        yield url
    finally:
        process.kill()
        process.wait(timeout=10)
        process.stdout.close()
    assert process.returncode == -9, "the process was killed by SIGKILL, not stopped some other way"


def _pay_until_killed(url: str, debtor, account, localstripe) -> str:
    """Sign in and pay the whole balance through the pages, as a phone does; returns the payment's reference."""
    web = requests.Session()
    token = lambda path: csrf_from(web.get(url + path, timeout=10).text)  # noqa: E731
    web.get(url + make_link(debtor), timeout=10)
    web.post(url + "/start", data={"csrf_token": token("/start")}, timeout=10)
    answer = {"postcode": debtor.postcode, "csrf_token": token("/verify")}
    assert web.post(url + "/verify", data=answer, allow_redirects=False, timeout=10).status_code == 302
    form = web.get(f"{url}/accounts/{account.id}/pay", timeout=10).text
    fields = {"csrf_token": csrf_from(form), "idempotency_key": _KEY.search(form).group(1), "choice": "full"}
    chosen = web.post(f"{url}/accounts/{account.id}/pay", data=fields, allow_redirects=False, timeout=10)
    reference = chosen.headers["Location"].rsplit("/", 1)[-1]
    headers = {"X-CSRFToken": token(f"/pay/{reference}"), "Accept": "application/json"}
    secret = web.post(f"{url}/pay/{reference}/setup", json={}, headers=headers, timeout=10).json()["client_secret"]
    setup = localstripe.confirm_setup(secret, GOOD_CARD)
    with pytest.raises(requests.ConnectionError):
        web.post(f"{url}/pay/{reference}/confirm", json={"setup_intent": setup["id"]}, headers=headers, timeout=30)
    return reference


def _reconcile(app) -> None:
    result = app.test_cli_runner().invoke(args=["payments", "reconcile", "--older-than", "0"])
    assert result.exit_code == 0, result.output


def _late_webhook(app, localstripe, intent_id: str) -> None:
    [event] = localstripe.events("payment_intent.succeeded", intent_id)
    assert deliver(app.test_client(), event).status_code == 200


@pytest.mark.parametrize("webhook_first", [False, True], ids=["reconcile-then-webhook", "webhook-then-reconcile"])
def test_a_payment_taken_as_the_process_died_is_recorded_once_after_restart(
    app, localstripe, dying_portal, webhook_first
):
    debtor = make_card_debtor()
    account = make_account(debtor, [("itemization", 12_500)])
    db.session.commit()

    reference = _pay_until_killed(dying_portal, debtor, account, localstripe)

    db.session.expire_all()
    payment = db.session.scalar(db.select(Payment).where(Payment.reference == reference))
    assert payment.status == "confirming", "the claim was stored before Stripe was called"
    assert db.session.scalar(db.select(LedgerEntry).where(LedgerEntry.kind == "payment")) is None
    [intent] = localstripe.payment_intents(reference)
    assert intent["status"] == "succeeded", "Stripe took the money"

    # the restart: this test's app is a fresh process's view of the same database
    steps = {"reconcile": lambda: _reconcile(app), "webhook": lambda: _late_webhook(app, localstripe, intent["id"])}
    for step in ["webhook", "reconcile"] if webhook_first else ["reconcile", "webhook"]:
        steps[step]()

    db.session.expire_all()
    entries = db.session.scalars(db.select(LedgerEntry).where(LedgerEntry.account_id == account.id)).all()
    payments = [entry for entry in entries if entry.kind == "payment"]
    assert [(entry.amount, entry.external_ref) for entry in payments] == [(-12_500, intent["id"])]
    assert db.session.get(Payment, payment.id).status == "succeeded"
    receipts = db.session.scalars(db.select(OutboundMessage).where(OutboundMessage.template == "receipt")).all()
    assert len(receipts) == 1
