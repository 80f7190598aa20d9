"""Debts too old to be taken to court for: UK statute-barred debts (CONC 7.15) and US time-barred ones
(Regulation F). The pages say so where the debtor sees the balance and pays; a UK debtor can tell us a
debt is statute-barred, and we stop asking until a person answers."""

from datetime import date

import pytest

from portal import clock, gate
from portal.extensions import db
from portal.models import Account, AuditEvent, CreditorEvent, Dispute
from portal.rights.service import disputes
from tests.conftest import main_text
from tests.factories import make_account, make_creditor, make_debtor, make_link, make_uk_creditor

TODAY = date(2026, 11, 23)
NOT_SUED = (
    "The law limits how long you can be sued on a debt. Because of the age of this debt, Northwind Recovery cannot "
    "sue you for it."
)
RESTARTS = "If you make a payment, the time limit to sue may start again."


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setattr(clock, "today_for", lambda debtor, now=None: TODAY)


@pytest.fixture
def uk_debtor(app, browser):
    debtor = make_debtor(make_uk_creditor(name="Harbour Credit"), full_name="Tom Evans")
    make_account(debtor, [("itemization", 48_200)], description="Store card", reference="SC-118203")
    db.session.commit()
    browser.sign_in(make_link(debtor), debtor)
    return debtor


@pytest.fixture
def us_debtor(app, browser):
    debtor = make_debtor(make_creditor(name="Northwind Recovery", is_debt_collector=True), full_name="James Miller")
    make_account(debtor, [("itemization", 61_000)], description="Gym membership", reference="GYM-20417")
    db.session.commit()
    browser.sign_in(make_link(debtor), debtor)
    return debtor


def _account(debtor) -> Account:
    db.session.expire_all()
    return db.session.scalar(db.select(Account).where(Account.debtor_id == debtor.id))


def _mark(debtor, **flags) -> Account:
    account = _account(debtor)
    for name, value in flags.items():
        setattr(account, name, value)
    db.session.commit()
    return account


def _claim(browser, account, details: str = ""):
    return browser.post(f"/accounts/{account.id}/statute-barred", {"details": details})


# UK: what the pages say


def test_the_uk_rights_page_explains_statute_barred_debts(browser, uk_debtor):
    text = main_text(browser.get("/rights"))
    assert "Old debts (statute-barred debts)" in text
    assert "In England, Wales and Northern Ireland it is usually 6 years. In Scotland it is usually 5 years." in text
    assert "you cannot be taken to court for it, and we must not say or suggest that you can" in text
    assert "you still owe the money: you can choose to pay it, but you do not have to" in text
    assert "if you pay some of it, you still cannot be taken to court for the rest" in text
    assert "in Scotland, a statute-barred debt no longer exists, so you do not have to pay it" in text
    account = _account(uk_debtor)
    assert f'href="/accounts/{account.id}/statute-barred"' in browser.get("/rights").get_data(as_text=True)


@pytest.mark.parametrize("page", ["/accounts/{id}", "/accounts/{id}/pay"])
def test_a_statute_barred_debt_says_so_where_the_debtor_sees_and_pays_it(browser, uk_debtor, page):
    account = _mark(uk_debtor, statute_barred=True)
    text = main_text(browser.get(page.format(id=account.id)))
    assert "This debt is statute-barred" in text
    assert "You cannot be taken to court for it." in text
    assert "You can choose to pay it, but you do not have to." in text
    assert "In Scotland, a statute-barred debt no longer exists, so you do not have to pay it." in text


@pytest.mark.parametrize("page", ["/accounts/{id}", "/accounts/{id}/pay"])
def test_a_debt_that_is_not_statute_barred_says_nothing_of_the_kind(browser, uk_debtor, page):
    text = main_text(browser.get(page.format(id=_account(uk_debtor).id)))
    assert "This debt is statute-barred" not in text
    assert "cannot sue you" not in text


# UK: telling us a debt is statute-barred


def test_a_debtor_tells_us_a_debt_is_statute_barred_and_asking_for_payment_stops(browser, uk_debtor):
    account = _account(uk_debtor)
    assert gate.may_ask_for_money(account, TODAY)
    assert "Tell us this debt is statute-barred" in main_text(browser.get(f"/accounts/{account.id}"))
    form = main_text(browser.get(f"/accounts/{account.id}/statute-barred"))
    assert "A debt is usually statute-barred when it is more than 6 years since you last paid it" in form

    response = _claim(browser, account, "I last paid in 2017.")

    assert response.status_code == 303
    claim = db.session.scalar(db.select(Dispute))
    assert response.headers["Location"] == f"/disputes/{claim.reference}"
    assert (claim.kind, claim.details, claim.status) == ("statute_barred", "I last paid in 2017.", "open")
    account = _account(uk_debtor)
    assert account.status == "disputed"
    assert not gate.may_ask_for_money(account, TODAY)
    page = main_text(browser.get(response.headers["Location"]))
    assert "Your message about a statute-barred debt" in page and "We are checking it" in page
    assert "While we look at your message, we do not ask you for payment on this account" in page
    assert "Tell us this debt is statute-barred" not in main_text(browser.get(f"/accounts/{account.id}"))


def test_a_claim_tells_the_creditor_and_is_audited(browser, uk_debtor):
    account = _account(uk_debtor)
    _claim(browser, account)
    event = db.session.scalar(db.select(CreditorEvent).where(CreditorEvent.kind == "statute_barred.claimed"))
    assert event.account_id == account.id and event.data["marked_statute_barred"] is False
    audit = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "statute_barred.claimed"))
    assert (audit.actor_type, audit.debtor_id) == ("debtor", uk_debtor.id)


def test_telling_us_twice_returns_the_claim_in_progress(browser, uk_debtor):
    account = _account(uk_debtor)
    first = _claim(browser, account).headers["Location"]
    assert _claim(browser, account).headers["Location"] == first
    assert browser.get(f"/accounts/{account.id}/statute-barred").headers["Location"] == first
    assert db.session.scalar(db.select(db.func.count()).select_from(Dispute)) == 1


def test_too_many_words_are_refused_and_kept(browser, uk_debtor):
    account = _account(uk_debtor)
    response = _claim(browser, account, "x" * 2001)
    assert response.status_code == 400
    text = main_text(response)
    assert "There is a problem" in text and "Use 2000 characters or fewer" in text
    assert "x" * 2001 in text
    assert db.session.scalar(db.select(Dispute)) is None


def test_a_statute_barred_debt_offers_to_stop_asking_for_it(browser, uk_debtor):
    account = _mark(uk_debtor, statute_barred=True)
    page = main_text(browser.get(f"/accounts/{account.id}"))
    assert "Tell us if you do not want to pay it" in page
    assert "Tell us this debt is statute-barred" not in page
    form = main_text(browser.get(f"/accounts/{account.id}/statute-barred"))
    assert "Tell us you do not want to pay this debt" in form
    assert "We will stop asking you for payment on this account straight away." in form

    _claim(browser, account)

    assert not gate.may_ask_for_money(_account(uk_debtor), TODAY)


def test_when_we_agree_the_debt_is_statute_barred_we_stop_asking_for_it(browser, uk_debtor):
    _claim(browser, _account(uk_debtor))
    claim = db.session.scalar(db.select(Dispute))
    disputes.resolve(claim, outcome="upheld", note="Your last payment was in March 2017.", by="Sam", today=TODAY)
    db.session.commit()

    account = _account(uk_debtor)
    assert (claim.status, account.status, account.statute_barred) == ("resolved", "closed", True)
    assert not gate.may_ask_for_money(account, TODAY)
    page = main_text(browser.get(f"/disputes/{claim.reference}"))
    assert "This debt is statute-barred. We have closed this account and will not ask you to pay it." in page
    assert "Your last payment was in March 2017." in page


def test_when_the_debt_is_not_statute_barred_asking_waits_for_our_answer_to_arrive(browser, uk_debtor):
    _claim(browser, _account(uk_debtor))
    claim = db.session.scalar(db.select(Dispute))
    disputes.resolve(claim, outcome="confirmed", note="You paid £20 on 3 March 2022.", by="Sam", today=TODAY)
    db.session.commit()

    assert claim.status == "awaiting_delivery"
    assert not gate.may_ask_for_money(_account(uk_debtor), TODAY)
    page = main_text(browser.get(f"/disputes/{claim.reference}"))
    assert "We checked, and this debt is not statute-barred." in page
    assert "We will not ask you for payment on this account until we have sent you our answer." in page


def test_a_claim_is_answered_only_with_confirmed_or_upheld(browser, uk_debtor):
    _claim(browser, _account(uk_debtor))
    claim = db.session.scalar(db.select(Dispute))
    for outcome in ("corrected", "answered"):
        with pytest.raises(disputes.WrongOutcome):
            disputes.resolve(claim, outcome=outcome, note="x", by="Sam", today=TODAY)


def test_staff_see_claims_in_the_list(app, browser, uk_debtor):
    _claim(browser, _account(uk_debtor), "Nothing paid since 2016.")
    listed = app.test_cli_runner().invoke(args=["disputes", "list"]).output
    assert "statute-barred claim  open" in listed and "Nothing paid since 2016." in listed


def test_us_accounts_have_no_statute_barred_claim(browser, us_debtor):
    account = _account(us_debtor)
    assert browser.get(f"/accounts/{account.id}/statute-barred").status_code == 404
    assert _claim(browser, account).status_code == 404
    assert "Page not found" in main_text(browser.get(f"/accounts/{account.id}/statute-barred"))
    assert "Page not found" in main_text(_claim(browser, account))
    assert "statute-barred" not in main_text(browser.get(f"/accounts/{account.id}"))


# US: time-barred debts


@pytest.mark.parametrize("page", ["/accounts/{id}", "/accounts/{id}/pay", "/accounts/{id}/validation"])
def test_a_time_barred_debt_says_it_cannot_be_sued_on_where_the_debtor_sees_and_pays_it(browser, us_debtor, page):
    account = _mark(us_debtor, time_barred=True)
    text = main_text(browser.get(page.format(id=account.id)))
    assert NOT_SUED in text
    assert RESTARTS not in text


@pytest.mark.parametrize("page", ["/accounts/{id}", "/accounts/{id}/pay", "/accounts/{id}/validation"])
def test_where_a_payment_restarts_the_time_limit_the_notice_warns_of_it(browser, us_debtor, page):
    account = _mark(us_debtor, time_barred=True, payment_restarts_time_limit=True)
    text = main_text(browser.get(page.format(id=account.id)))
    assert f"{NOT_SUED} {RESTARTS}" in text
