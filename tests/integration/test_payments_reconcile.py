"""`flask payments reconcile`: no payment is lost when the browser and the webhooks both fail."""

from datetime import UTC, datetime, timedelta

import pytest

from portal import clock
from portal.extensions import db
from portal.models import LedgerEntry, OutboundMessage, Payment
from portal.payments.gateway import GatewayUnavailable, StripeGateway
from tests.factories import make_account, make_debtor, make_link, make_uk_creditor
from tests.stripe_server import (
    GOOD_CARD,
    THREE_D_SECURE_CARD,
    Payer,
    settings,  # noqa: F401  (localstripe and emails in a folder)
)


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


class Flaky:
    """A gateway that loses the answer to creating a PaymentIntent, after or before Stripe got it."""

    def __init__(self, real: StripeGateway, *, reaches_stripe: bool):
        self.real = real
        self.reaches_stripe = reaches_stripe

    def __getattr__(self, name):
        return getattr(self.real, name)

    def create_payment_intent(self, **kwargs):
        if self.reaches_stripe:
            self.real.create_payment_intent(**kwargs)
        raise GatewayUnavailable("timeout")


def _flaky(app, *, reaches_stripe: bool) -> None:
    app.extensions["payment_gateway"] = Flaky(StripeGateway.from_config(app.config), reaches_stripe=reaches_stripe)


def _reconcile(app, minutes: int = 0):
    app.extensions.pop("payment_gateway", None)  # the job runs with a healthy connection
    result = app.test_cli_runner().invoke(args=["payments", "reconcile", "--older-than", str(minutes)])
    assert result.exit_code == 0, result.output
    return result.output


def _payment(reference: str) -> Payment:
    db.session.expire_all()
    return db.session.scalar(db.select(Payment).where(Payment.reference == reference))


def _messages(reference: str) -> list[OutboundMessage]:
    db.session.expire_all()
    payment = _payment(reference)
    return list(db.session.scalars(db.select(OutboundMessage).where(OutboundMessage.account_id == payment.account_id)))


def _entries(account) -> list[LedgerEntry]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            db.select(LedgerEntry).where(LedgerEntry.account_id == account.id, LedgerEntry.kind == "payment")
        )
    )


def test_a_payment_stripe_took_but_nobody_heard_of_is_found_and_recorded(app, payer, account, localstripe):
    _flaky(app, reaches_stripe=True)
    reference = payer.start(account.id, "50")
    assert payer.pay(reference, GOOD_CARD)["status"] == "pending"
    assert _payment(reference).payment_intent_id is None

    output = _reconcile(app)
    assert f"{reference}: confirming -> succeeded" in output
    [intent] = localstripe.payment_intents(reference)
    [entry] = _entries(account)
    assert (entry.amount, entry.external_ref) == (-5_000, intent["id"])
    [receipt] = _messages(reference)
    assert receipt.template == "receipt" and receipt.state == "queued"
    assert "Messages: sent 1." in app.test_cli_runner().invoke(args=["outbox", "send"]).output


def test_a_payment_that_never_reached_stripe_is_marked_failed(app, payer, account, localstripe):
    _flaky(app, reaches_stripe=False)
    reference = payer.start(account.id, "50")
    assert payer.pay(reference, GOOD_CARD)["status"] == "pending"
    output = _reconcile(app)
    assert f"{reference}: confirming -> failed" in output
    payment = _payment(reference)
    assert payment.failure_code == "not_created"
    assert localstripe.payment_intents(reference) == []
    assert _entries(account) == []


def test_three_d_secure_completed_in_a_browser_that_never_came_back_is_recorded(app, payer, account, localstripe):
    reference = payer.start(account.id, "50")
    answer = payer.pay(reference, THREE_D_SECURE_CARD)
    localstripe.authenticate(answer["client_secret"], success=True)  # then the phone lost signal
    assert _payment(reference).status == "requires_action"
    assert f"{reference}: requires_action -> succeeded" in _reconcile(app)
    assert len(_entries(account)) == 1


def test_reconciling_twice_changes_nothing_more(app, payer, account, localstripe):
    _flaky(app, reaches_stripe=True)
    reference = payer.start(account.id, "50")
    payer.pay(reference, GOOD_CARD)
    _reconcile(app)
    assert "Reconciled 0 payment(s)" in _reconcile(app)
    assert len(_entries(account)) == 1


def test_recent_payments_are_left_to_the_browser_and_the_webhook(app, payer, account):
    after = app.config["PAYMENT_RECONCILE_AFTER_MINUTES"]
    _flaky(app, reaches_stripe=True)
    reference = payer.start(account.id, "50")
    payer.pay(reference, GOOD_CARD)
    assert "Reconciled 0 payment(s)" in _reconcile(app, minutes=after)
    by_default = app.test_cli_runner().invoke(args=["payments", "reconcile"])
    assert "Reconciled 0 payment(s)" in by_default.output, "without --older-than, the setting applies"
    assert _payment(reference).status == "confirming"
    payment = _payment(reference)
    payment.updated_at = datetime.now(UTC) - timedelta(minutes=after + 1)
    db.session.commit()
    assert f"{reference}: confirming -> succeeded" in _reconcile(app, minutes=after)


def test_a_receipt_the_mail_server_refused_is_sent_again_later_by_the_outbox(
    app, payer, account, tmp_path, monkeypatch
):
    app.config["MAIL_BACKEND"] = "smtp"
    app.config["MAIL_SERVER"] = "127.0.0.1"
    app.config["MAIL_PORT"] = 9  # nothing listens: the mail server is down
    app.config["MAIL_TIMEOUT"] = 2
    reference = payer.start(account.id, "50")
    assert payer.pay(reference, GOOD_CARD)["status"] == "succeeded"
    [receipt] = _messages(reference)
    assert (receipt.state, receipt.attempts) == ("queued", 1)

    app.config["MAIL_BACKEND"] = "file"
    send = app.test_cli_runner().invoke
    assert "Messages: nothing to do." in send(args=["outbox", "send"]).output  # not again at once
    later = clock.now() + timedelta(minutes=11)
    monkeypatch.setattr(clock, "now", lambda: later)
    assert "Messages: sent 1." in send(args=["outbox", "send"]).output
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 1
    assert "Messages: nothing to do." in send(args=["outbox", "send"]).output
