"""After staff confirm a debt, asking for money waits until the answer (the verification, or the original
creditor's name and address) has reached the debtor: `flask disputes delivered` records that, collection may
start again, and the debtor is told so."""

from datetime import UTC, datetime, timedelta

import pytest

from portal import clock, gate
from portal.extensions import db
from portal.jobs.remind import remind
from portal.models import Account, AuditEvent, CreditorEvent, Dispute, OutboundMessage
from portal.rights.service import disputes, holds
from tests.conftest import main_text
from tests.factories import make_account, make_creditor, make_debtor, make_link, make_uk_creditor
from tests.plan_support import emails, set_aside_messages, stored_plan


@pytest.fixture
def settings(tmp_path):
    return {"MAIL_BACKEND": "file", "MAIL_DIR": str(tmp_path / "mail")}


@pytest.fixture
def debtor(app):
    creditor = make_creditor(name="Northwind Recovery", is_debt_collector=True, phone="(555) 010-0142")
    debtor = make_debtor(creditor, full_name="Maria Garcia", email="maria@example.com")
    make_account(debtor, [("itemization", 92_000)], description="Hospital bill", reference="MED-88213")
    db.session.commit()
    return debtor


def _due_in_two_days(account):
    return stored_plan(account, [clock.today_for(account.debtor) + timedelta(days=2)], 92_000)


def _account(debtor) -> Account:
    db.session.expire_all()
    return db.session.scalar(db.select(Account).where(Account.debtor_id == debtor.id))


def _answered(debtor, kind: str = "dispute", outcome: str = "confirmed") -> Dispute:
    """A dispute (or request) that staff have answered, waiting to reach the debtor."""
    account = _account(debtor)
    today = clock.today_for(debtor)
    if kind == "dispute":
        found = disputes.open_dispute(
            debtor, account, reason="not_mine", details=None, attachment=None, attachment_key=None, today=today
        )
    else:
        found = disputes.request_original_creditor(debtor, account, today=today)
    db.session.flush()
    disputes.resolve(found, outcome=outcome, note="Lakeside Bank, 1 Main St, Springfield", by="Sam", today=today)
    db.session.commit()
    set_aside_messages(debtor)  # its confirmations (received, answered) are test_confirmations.py's
    return found


def _delivered(app, reference: str, *args: str):
    return app.test_cli_runner().invoke(args=["disputes", "delivered", reference, *args])


def test_recording_delivery_lets_collection_start_again_and_tells_the_debtor(app, debtor):
    _due_in_two_days(_account(debtor))
    dispute = _answered(debtor)
    assert remind(now=clock.now()).counts == {"paused": 1}

    result = _delivered(app, dispute.reference, "--by", "post")

    assert result.exit_code == 0, result.output
    assert "account MED-88213 is now open" in result.output
    db.session.expire_all()
    dispute = db.session.get(Dispute, dispute.id)
    assert (dispute.status, dispute.delivered_by) == ("resolved", "post")
    assert dispute.delivered_at == clock.now()
    assert gate.may_ask_for_money(_account(debtor), clock.today_for(debtor))
    (told,) = emails(app)
    assert told["Subject"] == "Our answer to your dispute"
    body = told.get_content()
    assert "We sent you our answer about Hospital bill (account MED-88213) on" in body
    assert "From now on, we may ask you for payment on this account again." in body
    assert "If you are finding it hard to pay, tell us: we can help." in body
    assert "http://portal.test/l/" in body
    message = db.session.scalar(db.select(OutboundMessage).where(OutboundMessage.template == "dispute.resumes"))
    assert (message.template, message.asks_for_money, message.state) == ("dispute.resumes", False, "sent")

    assert remind(now=clock.now()).counts == {"queued": 1}


def test_the_dispute_page_says_when_the_answer_was_sent_and_that_asking_may_start_again(app, browser, debtor):
    dispute = _answered(debtor)
    browser.sign_in(make_link(debtor), debtor)
    assert "until we have sent you our answer" in main_text(browser.get(f"/disputes/{dispute.reference}"))

    _delivered(app, dispute.reference, "--by", "email")

    page = main_text(browser.get(f"/disputes/{dispute.reference}"))
    assert "We sent you our answer on" in page
    assert "From now on, we may ask you for payment on this account again." in page
    assert "until we have sent you our answer" not in page
    account_page = main_text(browser.get(f"/accounts/{_account(debtor).id}"))
    assert "Status Open" in account_page
    assert "Dispute this debt" in account_page


def test_a_delivery_on_an_earlier_day_is_recorded_with_how_it_was_sent(app, debtor):
    dispute = _answered(debtor)
    yesterday = clock.today_for(debtor) - timedelta(days=1)

    result = _delivered(app, dispute.reference, "--by", "email", "--on", yesterday.isoformat())

    assert result.exit_code == 0, result.output
    db.session.expire_all()
    dispute = db.session.get(Dispute, dispute.id)
    assert clock.today_for(debtor, dispute.delivered_at) == yesterday
    event = db.session.scalar(db.select(CreditorEvent).where(CreditorEvent.kind == "dispute.delivered"))
    assert (event.data["delivered_by"], event.data["delivered_on"], event.data["outcome"]) == (
        "email",
        yesterday.isoformat(),
        "confirmed",
    )
    audit = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "dispute.delivered"))
    assert (audit.actor_type, audit.debtor_id) == ("staff", debtor.id)


def test_an_answered_request_for_the_original_creditor_waits_for_delivery_too(app, debtor):
    request = _answered(debtor, kind="original_creditor", outcome="answered")
    assert request.status == "awaiting_delivery"
    assert not gate.may_ask_for_money(_account(debtor), clock.today_for(debtor))

    assert _delivered(app, request.reference, "--by", "portal").exit_code == 0

    assert gate.may_ask_for_money(_account(debtor), clock.today_for(debtor))
    assert [message["Subject"] for message in emails(app)] == ["The original creditor's name and address"]


@pytest.mark.parametrize(
    ("state", "args", "says"),
    [
        ("open", ["--by", "post"], "has no answer waiting to be delivered (open)"),
        ("upheld", ["--by", "post"], "has no answer waiting to be delivered (resolved)"),
        ("awaiting", ["--by", "post", "--on", "2999-01-01"], "2999-01-01 has not come yet"),
        ("awaiting", ["--by", "fax"], "Invalid value for '--by'"),
    ],
)
def test_a_delivery_is_refused_when_there_is_nothing_to_deliver_or_the_day_is_wrong(app, debtor, state, args, says):
    if state == "open":
        dispute = disputes.open_dispute(
            debtor,
            _account(debtor),
            reason="other",
            details="x",
            attachment=None,
            attachment_key=None,
            today=clock.today_for(debtor),
        )
        db.session.commit()
    else:
        dispute = _answered(debtor, outcome="upheld" if state == "upheld" else "confirmed")

    result = _delivered(app, dispute.reference, *args)

    assert result.exit_code != 0 and says in result.output
    assert emails(app) == []


def test_an_unknown_reference_is_refused(app, debtor):
    result = _delivered(app, "D-NOTHING", "--by", "post")
    assert result.exit_code != 0 and "No dispute 'D-NOTHING'" in result.output


def test_staff_are_told_to_record_delivery_when_they_confirm(app, debtor):
    dispute = disputes.open_dispute(
        debtor,
        _account(debtor),
        reason="other",
        details="x",
        attachment=None,
        attachment_key=None,
        today=clock.today_for(debtor),
    )
    db.session.commit()
    result = app.test_cli_runner().invoke(
        args=["disputes", "resolve", dispute.reference, "--outcome", "confirmed", "--note", "Checked.", "--by", "Sam"]
    )
    assert "account MED-88213 is now disputed" in result.output
    assert f"flask disputes delivered {dispute.reference}" in result.output
    listed = app.test_cli_runner().invoke(args=["disputes", "list"]).output
    assert f"{dispute.reference}" in listed and "awaiting_delivery (confirmed)" in listed


def test_the_debtor_is_not_told_asking_starts_again_while_a_hold_still_stops_it(app, debtor):
    dispute = _answered(debtor)
    holds.start_hold(debtor, kind="breathing_space", starts_on=clock.today_for(debtor), by="Adviser")
    db.session.commit()

    assert _delivered(app, dispute.reference, "--by", "post").exit_code == 0

    account = _account(debtor)
    assert account.status == "on_hold"
    assert not gate.may_ask_for_money(account, clock.today_for(debtor))
    assert emails(app) == []
    assert (
        db.session.scalar(db.select(OutboundMessage).where(OutboundMessage.template == "dispute.resumes")).state
        == "stale"
    )


def test_a_dispute_delivered_while_a_statute_barred_claim_waits_leaves_the_account_disputed(app, browser):
    debtor = make_debtor(make_uk_creditor(name="Harbour Credit"), email="tom@example.co.uk")
    account = make_account(debtor, description="Store card")
    db.session.commit()
    dispute = _answered(debtor)
    disputes.claim_statute_barred(debtor, account, details=None)
    db.session.commit()
    set_aside_messages(debtor)

    assert _delivered(app, dispute.reference, "--by", "post").exit_code == 0

    account = _account(debtor)
    assert account.status == "disputed"
    assert not gate.may_ask_for_money(account, clock.today_for(debtor))
    assert emails(app) == []


def test_the_message_keeps_to_contact_hours(app, debtor, monkeypatch):
    dispute = _answered(debtor)
    night = datetime.combine(clock.today_for(debtor), datetime.min.time(), UTC) + timedelta(hours=6)  # 1am in New York
    monkeypatch.setattr(clock, "now", lambda: night)

    result = _delivered(app, dispute.reference, "--by", "post")

    assert "waiting" in result.output
    assert emails(app) == []
    assert (
        db.session.scalar(db.select(OutboundMessage).where(OutboundMessage.template == "dispute.resumes")).state
        == "queued"
    )
