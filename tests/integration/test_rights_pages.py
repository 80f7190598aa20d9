"""The rights pages (UK and US packs) and each account's "what happens next" timeline."""

import re
from datetime import date

import pytest

from portal import clock
from portal.extensions import db
from portal.models import Account
from portal.rights.packs import all_packs
from portal.rights.service import disputes, holds
from portal.rights.texts import TEXTS
from tests.conftest import main_text
from tests.factories import make_account, make_creditor, make_debtor, make_link, make_uk_creditor

TODAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setattr(clock, "today_for", lambda debtor, now=None: TODAY)


@pytest.fixture
def uk_debtor(app, browser):
    debtor = make_debtor(make_uk_creditor(name="Harbour Credit"), full_name="Sarah Jones")
    make_account(debtor, [("itemization", 64_380)], description="Mobile phone contract")
    db.session.commit()
    browser.sign_in(make_link(debtor), debtor)
    return debtor


@pytest.fixture
def us_debtor(app, browser):
    debtor = make_debtor(make_creditor(name="Northwind Recovery", is_debt_collector=True), full_name="Maria Garcia")
    make_account(
        debtor, [("itemization", 92_000)], description="Hospital bill", validation_notice_sent_on=date(2026, 11, 19)
    )
    db.session.commit()
    browser.sign_in(make_link(debtor), debtor)
    return debtor


def _account(debtor) -> Account:
    db.session.expire_all()
    return db.session.scalar(db.select(Account).where(Account.debtor_id == debtor.id))


def test_the_uk_rights_page_lists_free_debt_advice_with_numbers_and_links(browser, uk_debtor):
    response = browser.get("/rights")
    text = main_text(response)
    page = response.get_data(as_text=True)
    for name, phone, site in [
        ("MoneyHelper", "0800 138 7777", "https://www.moneyhelper.org.uk"),
        ("StepChange Debt Charity", "0800 138 1111", "https://www.stepchange.org"),
        ("National Debtline", "0808 808 4000", "https://www.nationaldebtline.org"),
        ("Citizens Advice", "0800 144 8848", "https://www.citizensadvice.org.uk"),
        ("Financial Ombudsman Service", "0800 023 4567", "https://www.financial-ombudsman.org.uk"),
    ]:
        assert name in text and phone in text
        assert f'href="{site}"' in page
        assert f'href="tel:{phone.replace(" ", "")}"' in page


def test_the_uk_rights_page_covers_the_firms_duties_breathing_space_complaints_and_credit_files(browser, uk_debtor):
    text = main_text(browser.get("/rights"))
    for heading in [
        "What we must do",
        "How to propose a payment plan",
        "Interest and charges",
        "Free, independent debt advice",
        "Breathing Space",
        "If you think a debt is wrong",
        "How to complain",
        "What missed payments mean for your credit file",
    ]:
        assert heading in text
    assert "A standard Breathing Space lasts 60 days." in text
    assert "It lasts as long as the treatment, and 30 days more." in text
    assert "We will send you our final answer within 8 weeks." in text
    assert "A default stays on your credit file for 6 years" in text
    assert "These are your rights when Harbour Credit collects a debt from you in the UK." in text


def test_the_uk_rights_page_links_to_disputing_each_account(browser, uk_debtor):
    account = _account(uk_debtor)
    page = browser.get("/rights").get_data(as_text=True)
    assert f'href="/accounts/{account.id}/dispute"' in page


def test_the_us_rights_page_links_to_each_accounts_validation_information(browser, us_debtor):
    account = _account(us_debtor)
    response = browser.get("/rights")
    text = main_text(response)
    assert f'href="/accounts/{account.id}/validation"' in response.get_data(as_text=True)
    for words in [
        "Your right to dispute a debt",
        "Ask who the debt first belonged to",
        "We may not call you before 8 a.m. or after 9 p.m. your time.",
        "Consumer Financial Protection Bureau (CFPB)",
        "(855) 411-2372",
        "(800) 388-2227",
    ]:
        assert words in text


def test_the_dashboard_links_to_the_rights_page(browser, uk_debtor):
    assert 'href="/rights"' in browser.get("/accounts/").get_data(as_text=True)


def test_every_pack_text_is_listed_for_translation(app):
    with app.test_request_context():
        listed = {str(text) for text in TEXTS}
    used = {text for pack in all_packs() for text in pack.texts()}
    assert used - listed == set()
    assert listed - used == set()


def test_every_pack_phone_number_has_a_dialable_number(app):
    for pack in all_packs():
        for organisation in pack.organisations.values():
            assert re.fullmatch(r"\d{10,11}", organisation.tel), organisation.name
            assert organisation.url.startswith("https://")


# What happens next


def test_an_open_account_says_to_pay_or_agree_a_plan(browser, uk_debtor):
    text = main_text(browser.get(f"/accounts/{_account(uk_debtor).id}/what-happens-next"))
    assert "Now Pay, or agree a plan" in text
    assert "Missed payments can be recorded on your credit file" in text


def test_a_us_account_in_its_validation_period_shows_the_last_day_to_dispute(browser, us_debtor):
    text = main_text(browser.get(f"/accounts/{_account(us_debtor).id}/what-happens-next"))
    assert "Done: November 19, 2026 We sent you the information about this debt" in text
    assert "Now: December 27, 2026 You can dispute the debt" in text


def test_a_disputed_account_says_we_are_checking(browser, us_debtor):
    account = _account(us_debtor)
    disputes.open_dispute(
        us_debtor, account, reason="not_mine", details=None, attachment=None, attachment_key=None, today=TODAY
    )
    db.session.commit()
    text = main_text(browser.get(f"/accounts/{account.id}/what-happens-next"))
    assert "You disputed this debt" in text
    assert "Now We check the debt" in text


def test_a_statute_barred_claim_says_we_do_not_ask_for_payment_while_we_look(browser, uk_debtor):
    account = _account(uk_debtor)
    disputes.claim_statute_barred(uk_debtor, account, details=None)
    db.session.commit()
    text = main_text(browser.get(f"/accounts/{account.id}/what-happens-next"))
    assert "You told us this debt is statute-barred" in text
    assert "Now We look at it While we look at your message, we do not ask you for payment" in text
    assert "Pay, or agree a plan" not in text


def test_an_account_on_hold_says_when_the_hold_ends(browser, uk_debtor):
    holds.start_hold(uk_debtor, kind="breathing_space", starts_on=TODAY, by="test")
    db.session.commit()
    text = main_text(browser.get(f"/accounts/{_account(uk_debtor).id}/what-happens-next"))
    assert "Done: 23 November 2026 Your Breathing Space started" in text
    assert "Next: 22 January 2027 The hold ends" in text
    assert "its payments move later by the length of the hold" in text


def test_the_account_page_links_to_what_happens_next(browser, uk_debtor):
    account = _account(uk_debtor)
    assert f'href="/accounts/{account.id}/what-happens-next"' in browser.get(f"/accounts/{account.id}").get_data(
        as_text=True
    )


def _loan_on_hold_and_disputed(debtor, n: int) -> None:
    account = make_account(debtor, description=f"Loan {n}")
    holds.start_hold(debtor, kind="creditor_pause", account=account, starts_on=TODAY, days=10, by="test")
    disputes.open_dispute(
        debtor, account, reason="other", details="x", attachment=None, attachment_key=None, today=TODAY
    )
    db.session.commit()


def test_dashboard_queries_do_not_grow_with_holds_and_disputes(browser, uk_debtor, count_queries):
    _loan_on_hold_and_disputed(uk_debtor, 0)
    with count_queries() as one:
        browser.get("/accounts/")
    for n in range(1, 4):
        _loan_on_hold_and_disputed(uk_debtor, n)
    with count_queries() as four:
        text = main_text(browser.get("/accounts/"))
    assert four.count == one.count
    assert text.count("Paused: no payments until 3 December 2026.") == 4
    assert text.count("Your dispute: we are checking it") == 4


def test_a_dashboard_without_a_dispute_in_progress_reads_no_disputes(browser, uk_debtor, count_queries):
    """The gate already knows which accounts have one (most debtors have none): the cards' dispute lines cost
    a statement only when there is one to show."""
    with count_queries() as undisputed:
        browser.get("/accounts/")
    _loan_on_hold_and_disputed(uk_debtor, 0)
    with count_queries() as disputed:
        text = main_text(browser.get("/accounts/"))
    assert disputed.count == undisputed.count + 1
    assert "Your dispute: we are checking it" in text
