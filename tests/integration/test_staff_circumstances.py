"""A supervisor decides what to do about a debtor's circumstances in the console: a pause, lower payments,
interest and fees frozen, or a write-off (above the creditor's amount, approved by a second supervisor)."""

import re
from datetime import date, timedelta

import pytest

from portal import clock
from portal.accounts import write_offs
from portal.accounts.ledger import balance_of
from portal.extensions import db
from portal.help.service import circumstances
from portal.models import (
    Account,
    AuditEvent,
    Circumstance,
    CreditorEvent,
    Hold,
    InterestFreeze,
    LedgerEntry,
    OutboundMessage,
    Plan,
    WriteOff,
)
from portal.models.freeze import LedgerEntryFrozen
from tests.conftest import Browser, main_text
from tests.factories import make_account, make_card_debtor, make_link, make_uk_creditor
from tests.plan_support import emails, stored_plan
from tests.staff_support import StaffBrowser, make_staff

TODAY = date(2026, 11, 23)


@pytest.fixture
def settings(tmp_path) -> dict:
    return {"MAIL_BACKEND": "file", "MAIL_DIR": str(tmp_path / "mail")}


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setattr(clock, "today_for", lambda debtor, now=None: TODAY)


@pytest.fixture
def debtor(app):
    debtor = make_card_debtor({"write_off_approval_above": 20_000})
    db.session.commit()
    return debtor


@pytest.fixture
def account(debtor) -> Account:
    account = make_account(debtor, [("itemization", 30_000)], description="Mobile phone contract", reference="MM-300")
    db.session.commit()
    return account


@pytest.fixture
def told(debtor, account) -> Circumstance:
    """Sarah told us she is terminally ill and asked for someone to look again at what she owes."""
    found = circumstances.disclose(
        debtor, kinds=["terminal_illness"], helps=["review"], details="I have months to live.", consented=True
    )
    db.session.commit()
    return found


def _supervisor(app, debtor, name="Priya Supervisor") -> StaffBrowser:
    user = make_staff(debtor.creditor, role="supervisor", name=name)
    staff = StaffBrowser(app.test_client())
    staff.sign_in(user)
    staff.user = user
    return staff


@pytest.fixture
def supervisor(app, debtor) -> StaffBrowser:
    return _supervisor(app, debtor)


def _page(staff, found):
    return staff.get(f"/staff/circumstances/{found.id}")


def _request_key(staff, found) -> str:
    return re.search(r'name="write_off-request_key" type="hidden" value="([^"]+)"', _page(staff, found).text).group(1)


def _decide(staff, found, decision: str, data: dict, *, confirm: bool = True):
    """Send a decision's form; with `confirm`, then the check page's own form, as a person would."""
    path = f"/staff/circumstances/{found.id}/{decision}"
    prefix = decision.replace("-", "_")
    form = {f"{prefix}-{name}": value for name, value in data.items()}
    check = staff.post(path, form)
    assert check.status_code == 200, main_text(check)
    if not confirm:
        return check
    return staff.post(path, form | {"confirmed": "yes"})


def _write_off_form(account, key, *, whole=False, amount="100.00"):
    return {
        "account": str(account.id),
        "extent": "whole" if whole else "part",
        "amount": "" if whole else amount,
        "reason": "Terminal illness, confirmed by her GP's letter.",
        "note": "We are so sorry. You do not need to worry about this account.",
        "request_key": key,
    }


def _entries(account, kind="write_off") -> list[LedgerEntry]:
    db.session.expire_all()
    return list(
        db.session.scalars(db.select(LedgerEntry).where(LedgerEntry.account_id == account.id, LedgerEntry.kind == kind))
    )


def _messages(debtor, template) -> list[OutboundMessage]:
    return list(
        db.session.scalars(
            db.select(OutboundMessage).where(
                OutboundMessage.debtor_id == debtor.id, OutboundMessage.template == template
            )
        )
    )


def _events(debtor, kind) -> list[CreditorEvent]:
    return list(
        db.session.scalars(
            db.select(CreditorEvent).where(CreditorEvent.debtor_id == debtor.id, CreditorEvent.kind == kind)
        )
    )


def _plan(account, amount=10_000, count=3) -> Plan:
    plan = stored_plan(account, [TODAY + timedelta(days=30 * n) for n in range(1, count + 1)], amount)
    db.session.commit()
    return plan


def _scheduled(plan) -> list:
    db.session.expire_all()
    plan = db.session.get(Plan, plan.id)
    return [(i.amount, i.status) for i in plan.instalments if i.status == "scheduled"]


# Seeing it


def test_a_supervisor_sees_what_they_told_us_and_reading_their_words_is_recorded(supervisor, told, debtor):
    response = _page(supervisor, told)

    text = main_text(response)
    assert response.status_code == 200
    assert "A terminal illness" in text and "I have months to live." in text
    assert "MM-300" in text and "£300.00" in text
    shown = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "circumstances.details_shown")).all()
    assert [event.debtor_id for event in shown] == [debtor.id]


def test_an_agent_may_neither_open_nor_decide(app, debtor, account, told):
    agent = StaffBrowser(app.test_client())
    agent.sign_in(make_staff(debtor.creditor, role="agent"))

    assert _page(agent, told).status_code == 403
    for decision in ("pause", "reduce", "freeze", "write-off"):
        assert agent.post(f"/staff/circumstances/{told.id}/{decision}", {}).status_code == 403
    assert not db.session.scalars(db.select(Hold)).all()


def test_another_creditors_circumstance_and_write_off_are_not_found(app, debtor, account, told, supervisor):
    key = _request_key(supervisor, told)
    _decide(supervisor, told, "write-off", _write_off_form(account, key, whole=True))
    pending = db.session.scalar(db.select(WriteOff))
    other = StaffBrowser(app.test_client())
    other.sign_in(make_staff(make_uk_creditor(), role="admin"))

    assert _page(other, told).status_code == 404
    for decision in ("pause", "reduce", "freeze", "write-off"):
        assert other.post(f"/staff/circumstances/{told.id}/{decision}", {}).status_code == 404
    for action in ("approve", "decline"):
        assert other.post(f"/staff/write-offs/{pending.id}/{action}", {"confirmed": "yes"}).status_code == 404
    assert db.session.get(WriteOff, pending.id).status == "pending"


# A pause


def test_a_pause_is_checked_first_then_holds_every_account_and_tells_the_debtor(supervisor, told, debtor, account):
    form = {"account": "all", "length": "2", "unit": "months", "note": "Take the time you need."}

    check = _decide(supervisor, told, "pause", form, confirm=False)
    assert "Check before you pause payments" in main_text(check)
    assert db.session.scalars(db.select(Hold)).all() == []

    done = _decide(supervisor, told, "pause", form)

    assert done.status_code == 302
    db.session.expire_all()
    (hold,) = db.session.scalars(db.select(Hold)).all()
    assert (hold.kind, hold.account_id, hold.starts_on, hold.ends_on) == (
        "creditor_pause",
        None,
        TODAY,
        date(2027, 1, 23),
    )
    reviewed = db.session.get(Circumstance, told.id)
    assert (reviewed.status, reviewed.review_note) == ("reviewed", "Take the time you need.")
    (message,) = _messages(debtor, "circumstances.decision")
    assert message.params["decision"] == "pause"
    (email,) = [e for e in emails(supervisor.client.application) if e["Subject"] == "We have paused your payments"]
    assert "Harbour Credit" in email["From"] and "Take the time you need." in email.get_content()
    decided = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "circumstances.decided"))
    assert decided.actor_type == "staff" and decided.detail["decision"] == "pause"


# Lower payments


def test_lower_payments_replan_the_plan_being_paid_to_the_same_total(supervisor, told, debtor, account):
    plan = _plan(account)

    _decide(supervisor, told, "reduce", {"account": str(account.id), "amount": "50", "note": "Pay what you can."})

    assert _scheduled(plan) == [(5_000, "scheduled")] * 6
    (message,) = _messages(debtor, "circumstances.decision")
    assert message.params["decision"] == "reduced_payments" and message.params["amount"] == 5_000
    assert _events(debtor, "plan.payments_lowered")


def test_lower_payments_without_a_plan_ask_the_debtor_to_propose_one(supervisor, told, debtor, account):
    _decide(supervisor, told, "reduce", {"account": str(account.id), "amount": "", "note": "Tell us what works."})

    (message,) = _messages(debtor, "circumstances.decision")
    assert message.params["decision"] == "propose_lower"
    (email,) = [e for e in emails(supervisor.client.application) if e["Subject"] == "We can agree lower payments"]
    assert "Tell us what you can afford" in email.get_content()


# Interest and fees frozen


def test_a_freeze_refuses_interest_and_fees_but_takes_payments(supervisor, told, debtor, account):
    form = {"account": str(account.id), "starts_on": TODAY.isoformat(), "ends_on": "", "note": "No more interest."}

    _decide(supervisor, told, "freeze", form)

    (freeze,) = db.session.scalars(db.select(InterestFreeze)).all()
    assert (freeze.account_id, freeze.starts_on, freeze.ends_on) == (account.id, TODAY, None)
    for kind in ("interest", "fee"):
        db.session.add(LedgerEntry(account_id=account.id, kind=kind, amount=500, effective_date=TODAY))
        with pytest.raises(LedgerEntryFrozen):
            db.session.flush()
        db.session.rollback()
    db.session.add(LedgerEntry(account_id=account.id, kind="payment", amount=-500, effective_date=TODAY))
    db.session.commit()
    assert balance_of(account) == 29_500
    assert _events(debtor, "interest.frozen")


def test_a_freeze_that_has_ended_lets_interest_be_added_again(debtor, account, told):
    db.session.add(
        InterestFreeze(
            debtor_id=debtor.id,
            account_id=account.id,
            starts_on=date(2025, 1, 1),
            ends_on=date(2025, 6, 1),
            created_by="x",
        )
    )
    db.session.add(LedgerEntry(account_id=account.id, kind="interest", amount=500, effective_date=date(2026, 11, 1)))
    db.session.commit()
    assert balance_of(account) == 30_500


# Write-offs


def test_a_write_off_without_an_amount_says_what_to_enter_and_writes_nothing(supervisor, told, account):
    form = _write_off_form(account, _request_key(supervisor, told), amount="")
    response = supervisor.post(
        f"/staff/circumstances/{told.id}/write-off", {f"write_off-{name}": value for name, value in form.items()}
    )

    assert response.status_code == 400
    assert "There is a problem Enter an amount" in main_text(response)
    assert db.session.scalars(db.select(WriteOff)).all() == [] and _entries(account) == []


def test_a_partial_write_off_within_the_creditors_amount_is_written_at_once(supervisor, told, debtor, account):
    plan = _plan(account)
    key = _request_key(supervisor, told)

    check = _decide(supervisor, told, "write-off", _write_off_form(account, key), confirm=False)
    assert "Check before you write off £100.00" in main_text(check)
    _decide(supervisor, told, "write-off", _write_off_form(account, key))

    (entry,) = _entries(account)
    assert entry.amount == -10_000 and balance_of(account) == 20_000
    write_off = db.session.scalar(db.select(WriteOff))
    assert (write_off.status, write_off.requested_by_id, write_off.ledger_entry_id) == (
        "approved",
        supervisor.user.id,
        entry.id,
    )
    # what happened, not words: the debtor's page says it in the debtor's language (portal.accounts.wording)
    assert (entry.wording, entry.reference, entry.description) == ("write_off", write_off.reference, None)
    assert sum(amount for amount, _ in _scheduled(plan)) == 20_000
    (event,) = _events(debtor, "account.written_off")
    assert event.data["amount"] == 10_000 and "reason" not in event.data
    (email,) = [e for e in emails(supervisor.client.application) if e["Subject"] == "We have reduced what you owe"]
    assert "You now owe £200.00" in email.get_content()


def test_the_same_write_off_sent_twice_writes_off_once(supervisor, told, account):
    key = _request_key(supervisor, told)
    form = _write_off_form(account, key) | {"confirmed": "yes"}
    path = f"/staff/circumstances/{told.id}/write-off"
    data = {f"write_off-{name}": value for name, value in form.items() if name != "confirmed"} | {"confirmed": "yes"}

    first, second = supervisor.post(path, data), supervisor.post(path, data)

    assert first.status_code == second.status_code == 302
    assert len(_entries(account)) == 1 and balance_of(account) == 20_000
    assert "already recorded" in main_text(supervisor.get(second.headers["Location"]))


def test_a_whole_write_off_waits_for_a_second_supervisor_then_stops_collection(app, supervisor, told, debtor, account):
    plan = _plan(account)
    key = _request_key(supervisor, told)
    _decide(supervisor, told, "write-off", _write_off_form(account, key, whole=True))

    pending = db.session.scalar(db.select(WriteOff))
    assert (pending.status, pending.amount) == ("pending", 30_000)
    assert _entries(account) == [] and balance_of(account) == 30_000
    assert db.session.get(Circumstance, told.id).status == "new"

    own = supervisor.post(f"/staff/write-offs/{pending.id}/approve", {"confirmed": "yes"})
    assert "Another supervisor must approve" in main_text(supervisor.get(own.headers["Location"]))
    assert db.session.get(WriteOff, pending.id).status == "pending"

    second = _supervisor(app, debtor, name="Tom Second")
    check = second.post(f"/staff/write-offs/{pending.id}/approve", {})
    assert "Check before you approve writing off £300.00" in main_text(check)
    approvals = [second.post(f"/staff/write-offs/{pending.id}/approve", {"confirmed": "yes"}) for _ in range(2)]

    assert [a.status_code for a in approvals] == [302, 302]
    (entry,) = _entries(account)
    assert entry.amount == -30_000 and balance_of(account) == 0
    db.session.expire_all()
    approved = db.session.get(WriteOff, pending.id)
    assert (approved.status, approved.decided_by_id) == ("approved", second.user.id)
    assert _scheduled(plan) == []
    assert db.session.get(Plan, plan.id).status == "completed"
    assert db.session.get(Circumstance, told.id).status == "reviewed"
    assert len(_events(debtor, "account.written_off")) == 1
    (email,) = [e for e in emails(app) if e["Subject"] == "You do not have to pay anything more on this account"]
    assert "We are so sorry." in email.get_content()

    phone = Browser(app.test_client())
    phone.sign_in(make_link(debtor), debtor)
    assert "There is nothing to pay on this account." in main_text(phone.get("/accounts/"))
    page = main_text(phone.get(f"/accounts/{account.id}"))
    assert "Written off" in page and "You owe now £0.00" in page


def test_a_declined_write_off_writes_nothing_and_the_disclosure_still_waits(app, supervisor, told, debtor, account):
    key = _request_key(supervisor, told)
    _decide(supervisor, told, "write-off", _write_off_form(account, key, whole=True))
    pending = db.session.scalar(db.select(WriteOff))
    second = _supervisor(app, debtor, name="Tom Second")

    second.post(f"/staff/write-offs/{pending.id}/decline", {"decline_note": "Ask for the GP's letter first."})

    db.session.expire_all()
    assert db.session.get(WriteOff, pending.id).status == "declined"
    assert _entries(account) == [] and balance_of(account) == 30_000
    assert db.session.get(Circumstance, told.id).status == "new"
    assert _messages(debtor, "account.written_off") == []


def test_approval_is_claimed_once_however_many_supervisors_try(app, debtor, account, told):
    asker, first, second = (make_staff(debtor.creditor, role="supervisor") for _ in range(3))
    pending = write_offs.request(
        account, staff=asker, whole=True, amount=None, reason="r", note="n", request_key="k" * 20, today=TODAY
    )
    db.session.commit()

    write_offs.approve(pending, staff=first, today=TODAY)
    with pytest.raises(write_offs.AlreadyDecided):
        write_offs.approve(pending, staff=second, today=TODAY)

    assert len(_entries(account)) == 1 and balance_of(account) == 0
