"""Holds (Breathing Space, creditor pauses): no interest or fees, no collection, a banner; plans move on after."""

import shlex
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event, update

from portal import clock, gate
from portal.extensions import db
from portal.jobs.collect import collect
from portal.models import Account, CreditorEvent, Hold, Instalment, LedgerEntry, Plan
from portal.models.hold import LedgerEntryOnHold
from portal.rights.service import holds
from tests.conftest import main_text
from tests.factories import make_account, make_debtor, make_link, make_uk_creditor
from tests.plan_support import stored_plan

TODAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setattr(clock, "today_for", lambda debtor, now=None: TODAY)


@pytest.fixture
def debtor(app):
    debtor = make_debtor(make_uk_creditor(name="Harbour Credit", slug="harbour"), reference="HC-2001")
    make_account(debtor, [("itemization", 64_380)], description="Mobile phone contract", reference="MM-300188")
    make_account(debtor, [("itemization", 38_945)], description="Energy bill", reference="BE-771204")
    db.session.commit()
    return debtor


def _accounts(debtor) -> list[Account]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(Account).where(Account.debtor_id == debtor.id).order_by(Account.id)))


def _start(debtor, account=None, kind="breathing_space", days=None, starts_on=TODAY) -> Hold:
    hold = holds.start_hold(debtor, kind=kind, account=account, starts_on=starts_on, days=days, by="test")
    db.session.commit()
    return hold


def _entry(account, kind, amount, on=TODAY, ref=None) -> None:
    db.session.add(
        LedgerEntry(
            account_id=account.id, kind=kind, amount=amount, effective_date=on, external_ref=ref or f"{kind}{on}"
        )
    )
    db.session.commit()


# No interest or fees


@pytest.mark.parametrize("kind", ["interest", "fee"])
def test_a_hold_refuses_interest_and_fees(debtor, kind):
    phone, _ = _accounts(debtor)
    _start(debtor, phone)

    with pytest.raises(LedgerEntryOnHold):
        _entry(phone, kind, 1_200)
    db.session.rollback()
    assert db.session.scalar(db.select(LedgerEntry).where(LedgerEntry.kind == kind)) is None


def test_a_hold_refuses_interest_dated_before_it_but_posted_during_it(debtor):
    phone, _ = _accounts(debtor)
    hold = _start(debtor, phone)
    with pytest.raises(LedgerEntryOnHold):
        _entry(phone, "interest", 800, on=hold.starts_on - timedelta(days=10))


def test_a_hold_still_takes_payments_and_credits(debtor):
    phone, _ = _accounts(debtor)
    _start(debtor, phone)
    _entry(phone, "payment", -2_000)
    _entry(phone, "credit", -500)
    assert db.session.scalar(db.select(db.func.count()).select_from(LedgerEntry).where(LedgerEntry.amount < 0)) == 2


def test_a_hold_on_one_account_leaves_the_others_alone(debtor):
    phone, energy = _accounts(debtor)
    _start(debtor, phone)
    _entry(energy, "interest", 300)
    assert gate.may_ask_for_money(energy, TODAY)


def test_a_hold_on_all_accounts_refuses_interest_on_each(debtor):
    _start(debtor)
    assert len(_accounts(debtor)) == 2
    for account in _accounts(debtor):
        with pytest.raises(LedgerEntryOnHold):
            _entry(account, "interest", 300, ref=f"i-{account.id}")
        db.session.rollback()


def test_interest_is_accepted_again_once_the_hold_has_ended(debtor, monkeypatch):
    phone, _ = _accounts(debtor)
    hold = _start(debtor, phone, kind="creditor_pause", days=30, starts_on=date(2026, 9, 1))
    holds.finish(hold, today=TODAY, by="test")
    db.session.commit()
    _entry(phone, "interest", 300)
    assert db.session.scalar(db.select(LedgerEntry).where(LedgerEntry.kind == "interest")).amount == 300


# Collection, status and banner


def test_a_hold_pauses_collection_on_the_days_it_covers(debtor):
    phone, energy = _accounts(debtor)
    hold = _start(debtor, phone, kind="creditor_pause", days=30)
    phone, energy = _accounts(debtor)

    assert phone.status == "on_hold" and energy.status == "open"
    assert not gate.may_ask_for_money(phone, TODAY)
    assert not gate.may_ask_for_money(phone, hold.ends_on - timedelta(days=1))
    assert gate.may_ask_for_money(energy, TODAY)
    assert [a for a, standing in gate.standings([phone, energy], TODAY).items() if not standing.may_ask] == [phone.id]


def test_a_hold_covering_a_day_pauses_collection_whatever_the_status(debtor):
    phone, _ = _accounts(debtor)
    db.session.add(Hold(debtor_id=debtor.id, kind="creditor_pause", starts_on=TODAY + timedelta(days=5)))
    db.session.commit()
    assert gate.may_ask_for_money(phone, TODAY)
    assert not gate.may_ask_for_money(phone, TODAY + timedelta(days=5))


def test_breathing_space_lasts_60_days_and_the_banner_says_until_when(browser, debtor):
    hold = _start(debtor)
    assert hold.ends_on == TODAY + timedelta(days=60) == date(2027, 1, 22)
    phone, _ = _accounts(debtor)
    browser.sign_in(make_link(debtor), debtor)

    account_page = main_text(browser.get(f"/accounts/{phone.id}"))
    assert "On hold until 22 January 2027" in account_page
    assert "Breathing Space" in account_page
    assert "Status On hold" in account_page
    dashboard = main_text(browser.get("/accounts/"))
    assert dashboard.count("Paused: no payments until 22 January 2027.") == 2


def test_a_mental_health_crisis_hold_lasts_until_it_is_ended(browser, debtor):
    hold = _start(debtor, kind="mental_health_crisis")
    assert hold.ends_on is None
    assert not gate.may_ask_for_money(_accounts(debtor)[0], TODAY + timedelta(days=400))
    browser.sign_in(make_link(debtor), debtor)
    page = main_text(browser.get(f"/accounts/{_accounts(debtor)[0].id}"))
    assert "On hold Mental health crisis Breathing Space" in page
    assert "We will tell you before it ends." in page


def test_the_account_page_reads_its_holds_once_for_the_gate_and_the_banner(browser, debtor):
    """The banner shows the hold the gate found stopping payments: the page used to read the holds twice."""
    _start(debtor, kind="creditor_pause", account=_accounts(debtor)[0], days=10)
    _start(debtor)
    phone, _ = _accounts(debtor)
    browser.sign_in(make_link(debtor), debtor)
    reads = []

    def read(_conn, _cursor, statement, *_args):
        if "FROM hold" in statement:
            reads.append(statement)

    event.listen(db.engine, "before_cursor_execute", read)
    try:
        page = main_text(browser.get(f"/accounts/{phone.id}"))
    finally:
        event.remove(db.engine, "before_cursor_execute", read)
    assert "On hold until 22 January 2027" in page and "Breathing Space" in page, "the hold that ends last"
    assert len(reads) == 1


def test_a_creditor_pause_needs_a_length(debtor):
    with pytest.raises(holds.HoldError):
        holds.start_hold(debtor, kind="creditor_pause", starts_on=TODAY, by="test")


# When a hold ends


def test_ending_a_hold_reopens_the_accounts_and_tells_the_creditor(debtor):
    hold = _start(debtor, kind="mental_health_crisis", starts_on=TODAY - timedelta(days=20))
    holds.end_hold(hold, on=TODAY, by="test")
    db.session.commit()

    assert [account.status for account in _accounts(debtor)] == ["open", "open"]
    assert gate.may_ask_for_money(_accounts(debtor)[0], TODAY)
    event = db.session.scalar(db.select(CreditorEvent).where(CreditorEvent.kind == "hold.ended"))
    assert event.data["ends_on"] == "2026-11-23"


def test_a_disputed_account_stays_disputed_when_a_hold_ends(debtor):
    phone, _ = _accounts(debtor)
    phone.status = "disputed"
    db.session.commit()
    hold = _start(debtor, phone, kind="creditor_pause", days=5, starts_on=TODAY - timedelta(days=5))
    holds.finish(hold, today=TODAY, by="test")
    db.session.commit()
    assert _accounts(debtor)[0].status == "disputed"


def test_plan_dates_move_on_by_the_length_of_the_hold_when_it_ends(debtor):
    phone, _ = _accounts(debtor)
    plan = _plan(phone, [date(2026, 10, 1), date(2026, 11, 1), date(2026, 12, 1), date(2027, 1, 1)])
    plan.instalments[0].status = "paid"
    db.session.commit()
    hold = _start(debtor, phone, kind="creditor_pause", days=45, starts_on=date(2026, 10, 1))

    holds.finish(hold, today=TODAY, by="test")
    db.session.commit()

    db.session.expire_all()
    dates = [i.due_date for i in db.session.scalars(db.select(Instalment).order_by(Instalment.number))]
    assert dates == [date(2026, 10, 1), date(2026, 12, 16), date(2027, 1, 15), date(2027, 2, 15)]
    assert db.session.get(Hold, hold.id).plan_days_shifted == 45


def test_a_hold_is_finished_only_once(debtor):
    phone, _ = _accounts(debtor)
    _plan(phone, [date(2026, 12, 1)])
    hold = _start(debtor, phone, kind="creditor_pause", days=10, starts_on=date(2026, 11, 1))
    assert [h.id for h in holds.expire_due(TODAY)] == [hold.id]
    db.session.commit()
    assert holds.expire_due(TODAY) == []
    db.session.expire_all()
    assert db.session.scalar(db.select(Instalment)).due_date == date(2026, 12, 11)


def test_a_hold_another_job_has_finished_does_not_move_plan_dates_again(debtor):
    phone, _ = _accounts(debtor)
    _plan(phone, [date(2026, 12, 1)])
    hold = _start(debtor, phone, kind="creditor_pause", days=10, starts_on=date(2026, 11, 1))
    # Another job finishes it after this one has loaded it: our copy still looks unfinished.
    db.session.execute(
        update(Hold).where(Hold.id == hold.id).values(finished_at=datetime.now(UTC)),
        execution_options={"synchronize_session": False},
    )
    assert hold.finished_at is None

    holds.finish(hold, today=TODAY, by="test")
    db.session.commit()

    db.session.expire_all()
    assert db.session.scalar(db.select(Instalment)).due_date == date(2026, 12, 1)


def test_collect_finishes_ended_holds_first_so_plans_move_on_before_any_charge(debtor):
    phone, _ = _accounts(debtor)
    _plan(phone, [date(2026, 11, 20)])
    _start(debtor, phone, kind="creditor_pause", days=10, starts_on=date(2026, 11, 1))

    report = collect(gateway=None, today=TODAY)

    assert report.counts["hold ended"] == 1
    db.session.expire_all()
    assert db.session.scalar(db.select(Instalment)).due_date == date(2026, 11, 30)
    assert _accounts(debtor)[0].status == "open"


# The command line


def test_staff_start_list_and_end_holds_from_the_command_line(app, debtor):
    runner = app.test_cli_runner()
    started = runner.invoke(
        args=shlex.split(
            "holds start --creditor harbour --debtor HC-2001 --account MM-300188 --kind creditor_pause --days 14"
        )
    )
    assert started.exit_code == 0, started.output
    assert "account MM-300188" in started.output
    assert "until 2026-12-07" in started.output

    listed = runner.invoke(args=["holds", "list"])
    assert "harbour/HC-2001  account MM-300188  creditor_pause  2026-11-23 to 2026-12-07  active" in listed.output

    ended = runner.invoke(args=["holds", "end", "--creditor", "harbour", "--debtor", "HC-2001", "--on", "2026-11-30"])
    assert ended.exit_code == 0, ended.output
    assert "Ended creditor_pause hold (2026-11-23 to 2026-11-30)" in ended.output
    assert [account.status for account in _accounts(debtor)] == ["open", "open"]


def test_breathing_space_from_the_command_line_covers_every_account(app, debtor):
    result = app.test_cli_runner().invoke(
        args=["holds", "start", "--creditor", "harbour", "--debtor", "HC-2001", "--kind", "breathing_space"]
    )
    assert result.exit_code == 0, result.output
    assert "all accounts" in result.output and "until 2027-01-22" in result.output
    assert [account.status for account in _accounts(debtor)] == ["on_hold", "on_hold"]


def test_the_command_line_refuses_a_creditor_pause_without_days(app, debtor):
    result = app.test_cli_runner().invoke(
        args=["holds", "start", "--creditor", "harbour", "--debtor", "HC-2001", "--kind", "creditor_pause"]
    )
    assert result.exit_code != 0
    assert "--days" in result.output


def _plan(account: Account, dates: list[date]) -> Plan:
    return stored_plan(account, dates, 16_095)
