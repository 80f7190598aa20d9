"""Contact at work (US Regulation F §1006.6(b)(1)(iii), §1006.22(f)(3)): a work email address is never
written to, messages meant for it are shown in the portal instead, and staff see "not at work"."""

from datetime import UTC, datetime

import pytest

from portal import outbox
from portal.extensions import db
from portal.models import Circumstance, LedgerEntry, MessageThread, OutboundMessage, Payment
from portal.references import new_reference
from tests.conftest import Browser
from tests.factories import make_account, make_card_debtor, make_link
from tests.plan_support import emails
from tests.stripe_server import settings  # noqa: F401  (emails in a folder)


@pytest.fixture
def debtor(app):
    debtor = make_card_debtor()
    db.session.commit()
    return debtor


@pytest.fixture
def choose(app, debtor):
    """Sign in as the debtor and save choices on "How we contact you", as they would."""
    browser = Browser(app.test_client())
    browser.sign_in(make_link(debtor), debtor)

    def save(**choices):
        form = {"channels": ["email", "sms", "post"], "windows": [], "language": "en"} | choices
        saved = browser.post("/help/contact", form)
        assert saved.status_code == 303
        assert saved.headers["Location"] == "/help/contact"

    return save


def _receipt(debtor) -> OutboundMessage:
    """A card payment that went through, and its receipt queued as the payment service queues it."""
    account = make_account(debtor, [("itemization", 30_000)], description="Mobile phone contract")
    entry = LedgerEntry(
        account=account, kind="payment", amount=-5_000, effective_date=account.itemization_date, external_ref="pi_work"
    )
    db.session.add(entry)
    db.session.flush()
    payment = Payment(
        reference=new_reference("P"),
        idempotency_key="work-email",
        account_id=account.id,
        debtor_id=debtor.id,
        amount=5_000,
        currency="GBP",
        status="succeeded",
        card_brand="visa",
        card_last4="4242",
        ledger_entry_id=entry.id,
        succeeded_at=datetime.now(UTC),
    )
    db.session.add(payment)
    db.session.flush()
    message = outbox.queue(debtor, "receipt", account=account, params={"payment_id": payment.id})
    db.session.commit()
    return message


def test_a_message_for_a_work_email_is_shown_in_the_portal_and_no_email_is_sent(app, debtor, choose):
    choose(email_is_work="y")
    message = _receipt(debtor)
    assert outbox.deliver() == {"in_portal": 1}
    assert emails(app) == []
    db.session.expire_all()
    kept = db.session.get(OutboundMessage, message.id)
    assert (kept.state, kept.outcome) == ("in_portal", "email off or unknown")
    [thread] = db.session.scalars(db.select(MessageThread).where(MessageThread.debtor_id == debtor.id))
    assert thread.subject == "Your payment of £50.00 to Harbour Credit"


def test_once_the_email_is_no_longer_marked_as_work_it_is_written_to_again(app, debtor, choose):
    choose(email_is_work="y")
    choose()
    _receipt(debtor)
    assert outbox.deliver() == {"sent": 1}
    [sent] = emails(app)
    assert sent["To"] == "sarah@example.co.uk"


def test_not_at_work_alone_leaves_a_personal_email_in_use(app, debtor, choose):
    choose(not_at_work="y")
    _receipt(debtor)
    assert outbox.deliver() == {"sent": 1}
    [sent] = emails(app)
    assert sent["To"] == "sarah@example.co.uk"


def test_staff_see_not_at_work_and_a_work_email_beside_the_debtor(app, debtor, choose):
    choose(not_at_work="y", email_is_work="y")
    _receipt(debtor)
    outbox.deliver()
    db.session.expire_all()
    runner = app.test_cli_runner()
    for args in (["messages", "list"], ["messages", "show", str(db.session.scalar(db.select(MessageThread.id)))]):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
        assert "contact: asked not to be contacted at work" in result.output
        assert "contact: the email address is a work one: we never write to it" in result.output


def test_a_disclosure_listed_for_staff_says_not_at_work(app, debtor, choose, browser):
    choose(not_at_work="y")
    browser.sign_in(make_link(debtor), debtor)
    told = browser.post("/help/circumstances", {"helps": ["more_time"]})
    assert told.status_code == 303
    assert told.headers["Location"] == f"/help/circumstances/{db.session.scalar(db.select(Circumstance.reference))}"
    db.session.expire_all()
    result = app.test_cli_runner().invoke(args=["circumstances", "list", "--creditor", debtor.creditor.slug])
    assert "contact: asked not to be contacted at work" in result.output
