"""Every message template, past the gate: only by an allowed channel, only in contact hours, discreet when
asked, and recorded (who, channel, template, time, outcome)."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from portal import clock, outbox
from portal.extensions import db
from portal.help.service import messages
from portal.models import (
    CallBack,
    Circumstance,
    ContactChange,
    ContactPreference,
    Dispute,
    Instalment,
    LedgerEntry,
    MessageThread,
    OutboundMessage,
    Payment,
)
from portal.models.promise import Promise
from portal.models.trusted_helper import HelperCode, TrustedHelper
from portal.models.write_off import WriteOff
from portal.plans.service.changes import cancel, request_pause
from portal.plans.service.making import submit_proposal
from tests.conftest import main_text
from tests.factories import make_account, make_card_debtor, make_link
from tests.plan_support import POLICY, active_plan, emails, set_aside_messages
from tests.staff_support import make_staff
from tests.stripe_server import settings  # noqa: F401  (localstripe and emails in a folder)

LONDON = ZoneInfo("Europe/London")


def _succeeded_payment(debtor, account) -> dict:
    entry = LedgerEntry(
        account_id=account.id,
        kind="payment",
        amount=-2_500,
        effective_date=account.itemization_date,
        external_ref="pi_x",
    )
    db.session.add(entry)
    db.session.flush()
    payment = Payment(
        reference="P-OUTBOX1",
        idempotency_key="outbox-test-key-0001",
        account_id=account.id,
        debtor_id=debtor.id,
        amount=2_500,
        currency=account.currency,
        status="succeeded",
        ledger_entry_id=entry.id,
        succeeded_at=datetime.now(UTC),
        card_brand="visa",
        card_last4="4242",
    )
    db.session.add(payment)
    db.session.flush()
    return {"payment_id": payment.id}


def _instalment(plan, **state) -> dict:
    first = plan.instalments[0]
    for name, value in state.items():
        setattr(first, name, value)
    db.session.flush()
    return {"instalment_id": first.id, "attempt": first.attempts}


def _requires_action(plan, debtor, account):
    payment = Payment(
        reference="P-OUTBOX2",
        idempotency_key="outbox-test-key-0002",
        account_id=account.id,
        debtor_id=debtor.id,
        amount=10_000,
        currency=account.currency,
        status="requires_action",
    )
    db.session.add(payment)
    db.session.flush()
    return _instalment(plan, status="requires_action", payment_id=payment.id, attempts=1)


def _broken(plan):
    plan.status = "broken"
    plan.missed_count = 2
    return _instalment(plan, status="missed", attempts=2)


def _review(plan):
    plan.review_outcome = "declined"
    plan.review_note = "We need a bigger payment."
    db.session.flush()
    return {"plan_id": plan.id, "outcome": "declined", "moved": False}


def _delivered_dispute(plan, debtor, account) -> dict:
    """A dispute answered and its answer delivered: we may ask for payment again."""
    dispute = Dispute(
        reference="D-OUTBOX1",
        account=account,
        debtor_id=debtor.id,
        kind="dispute",
        reason="other",
        account_status_before="open",
        status="resolved",
        outcome="confirmed",
        resolution_note="Checked.",
        resolved_at=datetime.now(UTC),
        delivered_at=datetime.now(UTC),
        delivered_by="post",
    )
    db.session.add(dispute)
    db.session.flush()
    return {"dispute_id": dispute.id}


def _written_off(debtor, account) -> dict:
    supervisor = make_staff(debtor.creditor, role="supervisor")
    write_off = WriteOff(
        reference="W-TEST0001",
        debtor_id=debtor.id,
        account_id=account.id,
        whole=True,
        amount=30_000,
        reason="Terminal illness",
        note="We are so sorry.",
        status="approved",
        request_key="outbox-test",
        requested_by_id=supervisor.id,
        requested_by_name=supervisor.name,
    )
    db.session.add(write_off)
    db.session.flush()
    return {"write_off_id": write_off.id}


def _agreed(plan) -> dict:
    """An active plan was agreed (active_plan stores an agreement)."""
    return {"plan_id": plan.id}


def _proposal(debtor, account) -> dict:
    plan = submit_proposal(debtor, account, 1_000, "monthly", clock.today_for(debtor) + timedelta(days=10))
    assert plan.status == "pending_review"
    return {"plan_id": plan.id}


def _pause_requested(plan, debtor) -> dict:
    request_pause(plan, debtor, 2, "Hours cut")
    return {"plan_id": plan.id}


def _cancelled(plan, debtor) -> dict:
    cancel(plan, debtor)
    return {"plan_id": plan.id}


def _open_dispute(debtor, account, *, outcome: str | None = None) -> dict:
    dispute = Dispute(
        reference="D-OUTBOX2",
        account=account,
        debtor_id=debtor.id,
        kind="dispute",
        reason="wrong_amount",
        account_status_before="open",
        status="open" if outcome is None else "awaiting_delivery",
        outcome=outcome,
        resolution_note="Checked." if outcome else None,
        resolved_at=datetime.now(UTC) if outcome else None,
    )
    db.session.add(dispute)
    db.session.flush()
    return {"dispute_id": dispute.id} | ({"outcome": outcome} if outcome else {})


def _promise(debtor, account, status: str) -> dict:
    """A promise to pay £50.00 in a few days, in the state its message is about."""
    promise = Promise(
        reference=f"PR-OUTBOX{account.id}",
        debtor_id=debtor.id,
        account_id=account.id,
        amount=5_000,
        currency=account.currency,
        due_on=clock.today_for(debtor) + timedelta(days=1),
        status=status,
    )
    db.session.add(promise)
    db.session.flush()
    return {"promise_id": promise.id}


def _circumstance(debtor) -> dict:
    circumstance = Circumstance(
        reference="C-OUTBOX1",
        debtor_id=debtor.id,
        kinds=["income"],
        helps=["pause"],
        reminders_paused_until=datetime.now(UTC) + timedelta(days=30),
        status="new",
    )
    db.session.add(circumstance)
    db.session.flush()
    return {"circumstance_id": circumstance.id}


def _staff_answer(debtor) -> dict:
    thread = messages.start_thread(debtor, "Dates", "Can I pay on Friday?")
    return {"message_id": messages.reply_as_staff(thread, "Yes, Friday is fine.", staff_name="Alex").id}


def _contact_change(debtor) -> dict:
    change = ContactChange(debtor_id=debtor.id, kind="email", new_value="sarah.new@example.org")
    db.session.add(change)
    db.session.flush()
    return {"kind": "email", "change_id": change.id}


def _helper(debtor, warned: bool = False) -> dict:
    now = datetime.now(UTC)
    helper = TrustedHelper(
        debtor=debtor,
        public_id="helper-public-id",
        name="Ana Lopez",
        email="ana@example.org",
        relationship="debt_adviser",
        invited_at=now,
        expires_at=now + timedelta(days=90),
        expiry_warned_at=now if warned else None,
    )
    db.session.add(helper)
    db.session.flush()
    return {"helper_id": helper.id}


def _helper_code(debtor) -> dict:
    code = HelperCode(helper_id=_helper(debtor)["helper_id"])
    db.session.add(code)
    db.session.flush()
    return {"code_id": code.id}


def _call_back(debtor) -> dict:
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
    call_back = CallBack(
        debtor_id=debtor.id, slot_start=start, slot_end=start + timedelta(hours=2), reason="plan", phone="07700 900123"
    )
    db.session.add(call_back)
    db.session.flush()
    return {"call_back_id": call_back.id}


#: how to make each template's message true: (needs a plan, params from (plan, debtor, account))
SCENARIOS = {
    "receipt": (False, lambda plan, debtor, account: _succeeded_payment(debtor, account)),
    "plan.reminder": (
        True,
        lambda plan, debtor, account: {
            "instalment_id": plan.instalments[0].id,
            "due": plan.instalments[0].due_date.isoformat(),
        },
    ),
    "plan.requires_action": (True, _requires_action),
    "plan.retry": (
        True,
        lambda plan, debtor, account: _instalment(plan, retry_on=plan.instalments[0].due_date, attempts=1),
    ),
    "plan.missed": (True, lambda plan, debtor, account: _instalment(plan, status="missed", attempts=2)),
    "plan.broken": (True, lambda plan, debtor, account: _broken(plan)),
    "plan.review": (True, lambda plan, debtor, account: _review(plan)),
    "dispute.resumes": (False, _delivered_dispute),
    "link.new": (False, lambda plan, debtor, account: {"staff_name": "Alex"}),
    "link.requested": (False, lambda plan, debtor, account: {}),
    "circumstances.decision": (
        False,
        lambda plan, debtor, account: {"decision": "propose_lower", "note": "Thank you for telling us."},
    ),
    "account.written_off": (False, lambda plan, debtor, account: _written_off(debtor, account)),
    "reminder.link": (False, lambda plan, debtor, account: {"campaign": "test"}),
    "sms.reply": (False, lambda plan, debtor, account: _staff_answer(debtor)),
    "contact.code": (False, lambda plan, debtor, account: _contact_change(debtor)),
    "contact.old_told": (False, lambda plan, debtor, account: _contact_change(debtor)),
    "contact.changed": (False, lambda plan, debtor, account: {"kind": "email"}),
    "plan.agreed": (True, lambda plan, debtor, account: _agreed(plan)),
    "plan.proposal_received": (False, lambda plan, debtor, account: _proposal(debtor, account)),
    "plan.pause_requested": (True, lambda plan, debtor, account: _pause_requested(plan, debtor)),
    "plan.cancelled": (True, lambda plan, debtor, account: _cancelled(plan, debtor)),
    "dispute.received": (False, lambda plan, debtor, account: _open_dispute(debtor, account)),
    "dispute.answered": (False, lambda plan, debtor, account: _open_dispute(debtor, account, outcome="confirmed")),
    "circumstances.received": (False, lambda plan, debtor, account: _circumstance(debtor)),
    "callback.booked": (False, lambda plan, debtor, account: _call_back(debtor)),
    "promise.made": (False, lambda plan, debtor, account: _promise(debtor, account, "open")),
    "promise.reminder": (False, lambda plan, debtor, account: _promise(debtor, account, "open")),
    "promise.kept": (False, lambda plan, debtor, account: _promise(debtor, account, "kept")),
    "promise.broken": (False, lambda plan, debtor, account: _promise(debtor, account, "broken")),
    "trusted.invitation": (False, lambda plan, debtor, account: _helper(debtor)),
    "trusted.code": (False, lambda plan, debtor, account: _helper_code(debtor)),
    "trusted.invited": (False, lambda plan, debtor, account: _helper(debtor)),
    "trusted.ended": (False, lambda plan, debtor, account: _helper(debtor)),
    "trusted.ending_soon": (False, lambda plan, debtor, account: _helper(debtor, warned=True)),
}

#: a code the person is waiting for on the page goes at once, whatever the hour and their channel switches
#: (portal.gate.delivery; tests/integration/test_contact_details.py)
AT_THEIR_REQUEST = {"contact.code", "trusted.invitation", "trusted.code"}
#: to an address not (or no longer) known to be theirs: the words alone, no greeting, nothing about money
BARE = {"contact.code", "contact.old_told", "trusted.code"}
#: to someone other than the debtor: the bare ones, and the invitation to help (it names the debtor, who asked)
NOT_TO_THE_DEBTOR = BARE | {"trusted.invitation"}
GATED = sorted(set(SCENARIOS) - AT_THEIR_REQUEST)


def test_every_template_has_a_scenario_here(app):
    assert set(SCENARIOS) == set(outbox.TEMPLATES)


@pytest.fixture
def debtor(app):
    debtor = make_card_debtor(POLICY)
    db.session.commit()
    return debtor


def _queue(name, debtor, localstripe) -> OutboundMessage:
    account = make_account(debtor, [("itemization", 30_000)], description="Mobile phone contract")
    db.session.commit()
    needs_plan, make_params = SCENARIOS[name]
    plan = active_plan(debtor, account, localstripe) if needs_plan else None
    params = make_params(plan, debtor, account)
    set_aside_messages(debtor)
    message = outbox.queue(debtor, name, account=account, params=params)
    db.session.commit()
    return message


def _london(day_offset: int, hour: int, minute: int = 0) -> datetime:
    day = datetime.now(LONDON).date() + timedelta(days=day_offset)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON).astimezone(UTC)


def _record(message_id: int) -> OutboundMessage:
    db.session.expire_all()
    return db.session.get(OutboundMessage, message_id)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_every_message_is_sent_by_email_in_hours_and_recorded(app, debtor, localstripe, name):
    message = _queue(name, debtor, localstripe)
    moment = _london(1, 10)
    assert outbox.deliver(now=moment) == {"sent": 1}
    [email] = emails(app)
    assert email["To"] == "sarah@example.co.uk"
    assert email["From"].startswith("Harbour Credit <")
    record = _record(message.id)
    assert (record.debtor_id, record.channel, record.template, record.state) == (debtor.id, "email", name, "sent")
    assert record.finished_at == moment


@pytest.mark.parametrize("name", GATED)
def test_every_message_waits_for_contact_hours(app, debtor, localstripe, name):
    message = _queue(name, debtor, localstripe)
    assert outbox.deliver(now=_london(0, 23, 43)) == {"waiting": 1}
    assert outbox.deliver(now=_london(1, 7, 59)) == {}
    assert emails(app) == []
    assert _record(message.id).due_at == _london(1, 8)
    assert outbox.deliver(now=_london(1, 8)) == {"sent": 1}
    assert len(emails(app)) == 1


@pytest.mark.parametrize("name", GATED)
def test_with_email_switched_off_every_message_is_shown_in_the_portal_instead(app, debtor, localstripe, name):
    db.session.add(ContactPreference(debtor_id=debtor.id, email_on=False))
    message = _queue(name, debtor, localstripe)
    assert outbox.deliver(now=_london(1, 10)) == {"in_portal": 1}
    assert emails(app) == []
    [thread] = db.session.scalars(db.select(MessageThread).where(MessageThread.debtor_id == debtor.id)).all()
    assert thread.last_sender == "staff"
    assert _record(message.id).state == "in_portal"


#: what a locked phone's preview must not show for a debtor who asked for discretion
REVEALING = re.compile(r"\d|[£$€]|debt|owe|pay|deuda|debe|pag", re.IGNORECASE)


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("name", sorted(set(SCENARIOS) - BARE))
def test_every_subject_and_first_line_are_discreet_when_asked(app, debtor, localstripe, name, language):
    debtor.locale = language
    db.session.add(ContactPreference(debtor_id=debtor.id, discreet=True))
    _queue(name, debtor, localstripe)
    assert outbox.deliver(now=_london(1, 10)) == {"sent": 1}
    [email] = emails(app)
    _greeting, blank, opening = email.get_content().splitlines()[:3]
    assert not REVEALING.search(email["Subject"]), email["Subject"]
    assert not REVEALING.search(opening), opening
    assert blank == ""


@pytest.mark.parametrize("name", sorted(BARE))
def test_a_message_to_an_address_not_known_to_be_theirs_says_nothing_of_them_or_money(app, debtor, localstripe, name):
    _queue(name, debtor, localstripe)
    assert outbox.deliver(now=_london(1, 10)) == {"sent": 1}
    [email] = emails(app)
    text = email["Subject"] + "\n" + email.get_content()
    assert "Hello" not in text
    assert debtor.full_name not in text
    assert not re.search(r"[£$€]|debt|owe|pay|advice", text, re.IGNORECASE), text


def test_an_invitation_to_help_names_who_asked_and_says_nothing_of_money(app, debtor, localstripe):
    _queue("trusted.invitation", debtor, localstripe)
    assert outbox.deliver(now=_london(1, 10)) == {"sent": 1}
    [email] = emails(app)
    text = email["Subject"] + "\n" + email.get_content()
    assert f"{debtor.full_name} asked you to help" in text and "Hello Ana," in text
    assert not re.search(r"[£$€]|debt|owe|pay|advice", text, re.IGNORECASE), text


@pytest.mark.parametrize("name", sorted(AT_THEIR_REQUEST))
def test_a_code_they_asked_for_goes_at_night_and_with_email_switched_off(app, debtor, localstripe, name):
    db.session.add(ContactPreference(debtor_id=debtor.id, email_on=False))
    _queue(name, debtor, localstripe)
    assert outbox.deliver(now=_london(0, 23, 43)) == {"sent": 1}
    assert len(emails(app)) == 1


def test_a_message_is_sent_once_however_many_runs_claim_it(app, debtor, localstripe):
    message = _queue("receipt", debtor, localstripe)
    moment = _london(1, 10)
    assert outbox.deliver(now=moment) == {"sent": 1}
    assert outbox.deliver(now=moment + timedelta(hours=1)) == {}
    assert outbox.deliver([message.id], now=moment + timedelta(days=1)) == {}
    assert len(emails(app)) == 1


def test_a_message_whose_news_is_no_longer_true_is_not_sent(app, debtor, localstripe):
    message = _queue("plan.retry", debtor, localstripe)
    instalment = db.session.get(Instalment, message.params["instalment_id"])
    instalment.status, instalment.retry_on = "paid", None
    db.session.commit()
    assert outbox.deliver(now=_london(1, 10)) == {"stale": 1}
    assert emails(app) == []


def test_message_records_are_kept_for_the_creditors_retention_period(app, debtor, localstripe):
    message = _queue("receipt", debtor, localstripe)
    sent_at = _london(1, 10)
    outbox.deliver(now=sent_at)
    assert outbox.retention_days(debtor.creditor) == 6 * 366  # UK
    assert outbox.purge_records(now=sent_at + timedelta(days=6 * 366 - 1)) == 0
    assert _record(message.id) is not None
    assert outbox.purge_records(now=sent_at + timedelta(days=6 * 366 + 1)) == 1
    assert _record(message.id) is None


@pytest.mark.parametrize(
    ("jurisdiction", "policy", "days"),
    [("US", {}, 1098), ("US", {"message_retention_days": 90}, 1098), ("US", {"message_retention_days": 4000}, 4000)],
)
def test_a_creditor_may_keep_records_longer_than_the_law_asks_but_never_shorter(app, jurisdiction, policy, days):
    creditor = make_card_debtor(POLICY).creditor
    creditor.jurisdiction, creditor.policy = jurisdiction, policy
    assert outbox.retention_days(creditor) == days


def test_a_message_shown_in_the_portal_is_not_a_staff_visit(app, debtor, localstripe, browser):
    db.session.add(ContactPreference(debtor_id=debtor.id, email_on=False))
    _queue("receipt", debtor, localstripe)
    assert outbox.deliver(now=_london(1, 10)) == {"in_portal": 1}
    browser.sign_in(make_link(debtor), debtor)
    viewed = main_text(browser.get("/help/viewed"))
    assert "Harbour Credit at Harbour Credit" not in viewed
    assert "Replied to your message" not in viewed
