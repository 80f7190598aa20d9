"""Pages that ask for money ask the gate first: holds, disputes and requests waiting for a person pause the asking."""

import re

import pytest
from babel.dates import format_date

from portal import clock, gate
from portal.extensions import db
from portal.help.service import circumstances
from portal.models import Account, Dispute, Payment
from portal.plans.service.changes import request_pause
from portal.references import new_reference
from portal.rights.service import holds
from tests.conftest import main_text
from tests.factories import make_account, make_card_debtor, make_debtor, make_link
from tests.plan_support import POLICY, active_plan
from tests.stripe_server import settings  # noqa: F401  (localstripe, for plans with a saved card)


def _uk_date(day) -> str:
    return format_date(day, "long", locale="en_GB")


def _pay_button(html: str, account: Account) -> bool:
    return re.search(rf'<a class="button[^"]*" href="/accounts/{account.id}/pay">', html) is not None


def _optional_link(html: str, account: Account) -> bool:
    return re.search(rf'<a href="/accounts/{account.id}/pay">You can still pay if you choose', html) is not None


def _card(html: str, account: Account) -> str:
    """The words of one account's card on the dashboard."""
    card = re.search(rf'<li class="card">(?:(?!</li>).)*?/accounts/{account.id}".*?</li>', html, re.S).group(0)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", card))


@pytest.fixture
def debtor(app, browser):
    """Sarah Jones owes Harbour Credit for a phone contract and an energy bill."""
    debtor = make_card_debtor(POLICY)
    make_account(debtor, [("itemization", 64_380)], description="Mobile phone contract", reference="MM-300188")
    make_account(debtor, [("itemization", 38_945)], description="Energy bill", reference="BE-771204")
    db.session.commit()
    browser.sign_in(make_link(debtor), debtor)
    return debtor


@pytest.fixture
def phone(debtor) -> Account:
    return db.session.scalar(db.select(Account).where(Account.reference == "MM-300188"))


@pytest.fixture
def energy(debtor) -> Account:
    return db.session.scalar(db.select(Account).where(Account.reference == "BE-771204"))


@pytest.fixture
def today(debtor):
    return clock.today_for(debtor)


def _breathing_space(debtor, account=None, kind="breathing_space"):
    hold = holds.start_hold(debtor, kind=kind, account=account, starts_on=clock.today_for(debtor), by="test")
    db.session.commit()
    return hold


def _dispute(account: Account, kind: str = "dispute", status: str = "open") -> Dispute:
    dispute = Dispute(
        reference=new_reference("D"),
        account=account,
        debtor_id=account.debtor_id,
        kind=kind,
        status=status,
        account_status_before=account.status,
    )
    db.session.add(dispute)
    db.session.commit()
    return dispute


# 1. A hold (Breathing Space, a mental-health crisis, a creditor pause)


def test_the_dashboard_says_payments_are_paused_until_the_hold_ends_and_offers_only_a_quiet_link(
    browser, debtor, phone, energy
):
    hold = _breathing_space(debtor, phone)
    html = browser.get("/accounts/").get_data(as_text=True)

    assert f"Paused: no payments until {_uk_date(hold.ends_on)}." in _card(html, phone)
    assert not _pay_button(html, phone)
    assert _optional_link(html, phone)
    assert _pay_button(html, energy)
    assert "Paused" not in _card(html, energy)


def test_a_hold_with_no_end_says_payments_are_paused_until_it_ends(browser, debtor, phone):
    _breathing_space(debtor, kind="mental_health_crisis")
    text = main_text(browser.get("/accounts/"))
    assert text.count("Paused: no payments until the hold ends.") == 2


def test_the_dashboard_hides_the_next_plan_payment_while_the_hold_lasts(browser, debtor, phone, today, localstripe):
    plan = active_plan(debtor, phone, localstripe)
    first = plan.instalments[0].collect_on
    before = main_text(browser.get("/accounts/"))
    assert f"Next payment £100.00 on {_uk_date(first)}" in before

    _breathing_space(debtor, phone)
    after = main_text(browser.get("/accounts/"))
    assert "Next payment" not in after
    assert _uk_date(first) not in after
    assert "Paid so far £0.00 of £643.80" in after
    assert "Manage your plan" in after


def test_the_account_page_says_paused_until_the_hold_ends_with_no_pay_button(browser, debtor, phone):
    hold = _breathing_space(debtor, phone)
    response = browser.get(f"/accounts/{phone.id}")
    html, text = response.get_data(as_text=True), main_text(response)

    assert f"What happens next Paused: no payments until {_uk_date(hold.ends_on)}." in text
    assert not _pay_button(html, phone)
    assert _optional_link(html, phone)


def test_the_plan_page_says_paused_instead_of_payment_dates_inside_the_hold(browser, debtor, phone, today, localstripe):
    plan = active_plan(debtor, phone, localstripe)
    hold = _breathing_space(debtor, phone)
    dates = [i.collect_on for i in plan.instalments]
    inside = [day for day in dates if day < hold.ends_on]
    assert len(inside) == 2

    text = main_text(browser.get(f"/plans/{plan.reference}"))

    assert f"Paused: no payments until {_uk_date(hold.ends_on)}." in text
    assert "When the hold ends, the dates of the payments left move later by the length of the hold." in text
    assert "Next payment" not in text
    assert all(_uk_date(day) not in text for day in inside)
    assert text.count("After the hold £100.00 Paused") == 2
    assert f"{_uk_date(dates[2])} £100.00 To pay" in text
    assert "Add the payment dates to your calendar" not in text


def test_the_pay_page_says_paying_is_optional_while_the_account_is_on_hold(browser, debtor, phone):
    _breathing_space(debtor, phone)
    text = main_text(browser.get(f"/accounts/{phone.id}/pay"))

    assert "You do not have to pay while your account is on hold. You can still pay if you choose." in text
    assert "All of it" not in text
    assert "You owe" not in text
    assert "The whole balance, £643.80" in text


def test_a_payment_chosen_during_a_hold_is_still_taken_to_the_card_page(browser, debtor, phone):
    _breathing_space(debtor, phone)
    form = browser.get(f"/accounts/{phone.id}/pay").get_data(as_text=True)
    key = re.search(r'name="idempotency_key" type="hidden" value="([^"]+)"', form).group(1)
    response = browser.post(f"/accounts/{phone.id}/pay", {"choice": "other", "amount": "20", "idempotency_key": key})
    assert response.status_code == 303
    assert "/pay/" in response.headers["Location"]
    payment = db.session.scalar(db.select(Payment).where(Payment.account_id == phone.id))
    assert response.headers["Location"] == f"/pay/{payment.reference}"


# 2. A dispute, an original-creditor request, a statute-barred claim, a verification not yet delivered


@pytest.fixture
def us_debtor(app, browser):
    """Maria Garcia disputes a credit card of $1,878.00 and owes $488.50 on a hospital bill."""
    debtor = make_debtor(full_name="Maria Garcia")
    make_account(debtor, [("itemization", 187_800)], description="Credit card", reference="4417-2291")
    make_account(debtor, [("itemization", 48_850)], description="Hospital bill", reference="HB-1001")
    db.session.commit()
    browser.sign_in(make_link(debtor), debtor)
    return debtor


def _us_accounts(debtor) -> tuple[Account, Account]:
    accounts = db.session.scalars(db.select(Account).where(Account.debtor_id == debtor.id).order_by(Account.id))
    return tuple(accounts)


@pytest.mark.parametrize(
    ("kind", "status"),
    [("dispute", "open"), ("original_creditor", "open"), ("statute_barred", "open"), ("dispute", "awaiting_delivery")],
)
def test_a_disputed_account_is_left_out_of_the_total_and_has_no_pay_button(browser, us_debtor, kind, status):
    card, hospital = _us_accounts(us_debtor)
    _dispute(card, kind, status)
    html = browser.get("/accounts/").get_data(as_text=True)
    text = main_text(browser.get("/accounts/"))

    assert "You owe $488.50" in text
    assert "$2,366.50" not in text
    assert "We have left Credit card ($1,878.00) out of this total while we check it." in text
    assert "This is the total of your 2 accounts below." not in text
    assert "Paused: no payments while we check this account." in _card(html, card)
    assert not _pay_button(html, card)
    assert _optional_link(html, card)
    assert _pay_button(html, hospital)


def test_when_every_account_is_disputed_the_dashboard_asks_for_nothing(browser, us_debtor):
    for account in _us_accounts(us_debtor):
        _dispute(account)
    text = main_text(browser.get("/accounts/"))

    assert "You owe" not in text
    assert "We are not asking you to pay Credit card ($1,878.00) while we check it." in text
    assert "We are not asking you to pay Hospital bill ($488.50) while we check it." in text


def test_the_account_page_of_a_disputed_account_asks_for_no_payment(browser, us_debtor):
    card, _ = _us_accounts(us_debtor)
    _dispute(card, "original_creditor")
    response = browser.get(f"/accounts/{card.id}")
    html, text = response.get_data(as_text=True), main_text(response)

    assert "Paused: no payments while we check this account. We will write to you with what we find." in text
    assert "Balance $1,878.00" in text
    assert not _pay_button(html, card)
    assert _optional_link(html, card)
    assert "Set up a payment plan" not in text


def test_the_pay_page_of_a_disputed_account_makes_no_demand(browser, us_debtor):
    card, _ = _us_accounts(us_debtor)
    _dispute(card)
    text = main_text(browser.get(f"/accounts/{card.id}/pay"))

    assert "All of it: $1,878.00" not in text
    assert "You owe" not in text
    assert "You do not have to pay while we check this account. You can still pay if you choose." in text


def test_the_plan_page_of_a_disputed_account_shows_no_next_payment(browser, debtor, phone, localstripe):
    plan = active_plan(debtor, phone, localstripe)
    _dispute(phone, "original_creditor")
    text = main_text(browser.get(f"/plans/{plan.reference}"))

    assert "Paused: no payments while we check this account." in text
    assert "Next payment" not in text


def test_no_plan_can_be_set_up_on_an_account_with_an_open_original_creditor_request(browser, us_debtor):
    card, _ = _us_accounts(us_debtor)
    _dispute(card, "original_creditor")
    text = main_text(browser.get(f"/accounts/{card.id}/plans"))

    assert "You cannot set up a plan on this account now" in text
    assert "Paused: no payments while we check this account." in text


# 3. Circumstances that asked for a break, a pause request waiting for a person


def test_circumstances_asking_for_a_break_pause_the_asking_on_every_account(browser, debtor, phone, energy):
    circumstances.disclose(debtor, kinds=["income"], helps=["pause"], details=None)
    db.session.commit()
    html = browser.get("/accounts/").get_data(as_text=True)

    for account in (phone, energy):
        card = _card(html, account)
        assert "Paused: no payments while a person looks at your request. We will tell you what they decide." in card
        assert not _pay_button(html, account)
        assert _optional_link(html, account)
    assert "You owe £1,033.25" in main_text(browser.get("/accounts/"))


def test_circumstances_asking_for_a_break_pause_the_plan_page(browser, debtor, phone, localstripe):
    plan = active_plan(debtor, phone, localstripe)
    circumstances.disclose(debtor, kinds=["health"], helps=["lower_payments"], details=None)
    db.session.commit()
    dashboard = main_text(browser.get("/accounts/"))
    page = main_text(browser.get(f"/plans/{plan.reference}"))

    assert "Next payment" not in dashboard
    assert "Paused: no payments while a person looks at your request." in page
    assert "Next payment" not in page


def test_circumstances_asking_for_more_time_only_leave_the_asking_alone(browser, debtor, phone):
    circumstances.disclose(debtor, kinds=["income"], helps=["more_time"], details=None)
    db.session.commit()
    html = browser.get("/accounts/").get_data(as_text=True)
    assert _pay_button(html, phone)
    assert "Paused" not in html


def test_a_pause_request_waiting_for_a_person_pauses_the_plan_and_the_dashboard(browser, debtor, phone, localstripe):
    plan = active_plan(debtor, phone, localstripe)
    request_pause(plan, debtor, 2, "I lost my job")
    db.session.commit()
    dashboard = browser.get("/accounts/").get_data(as_text=True)
    page = main_text(browser.get(f"/plans/{plan.reference}"))

    assert "Paused: no payments while a person looks at your request." in _card(dashboard, phone)
    assert "Next payment" not in _card(dashboard, phone)
    assert not _pay_button(dashboard, phone)
    assert "Paused: no payments while a person looks at your request." in page
    assert "Next payment" not in page
    assert "Until then, your payments carry on." not in page


def test_the_pay_page_says_paying_is_optional_while_a_person_looks_at_a_request(browser, debtor, phone):
    circumstances.disclose(debtor, kinds=["income"], helps=["pause"], details=None)
    db.session.commit()
    text = main_text(browser.get(f"/accounts/{phone.id}/pay"))

    assert "You do not have to pay while a person looks at your request. You can still pay if you choose." in text
    assert "All of it" not in text


# The gate is asked once for the whole dashboard


def test_the_dashboards_queries_do_not_grow_with_the_number_of_accounts(app, browser, count_queries):
    debtor = make_card_debtor(POLICY)
    db.session.commit()

    def add_account(n: int) -> None:
        account = make_account(debtor, [("itemization", 10_000 + n)], description=f"Account {n}")
        if n % 3 == 0:
            db.session.add(
                Dispute(
                    reference=new_reference("D"),
                    account=account,
                    debtor_id=debtor.id,
                    kind="original_creditor",
                    account_status_before="open",
                )
            )
        elif n % 3 == 1:
            holds.start_hold(
                debtor, kind="creditor_pause", account=account, starts_on=clock.today_for(debtor), days=30, by="test"
            )
        db.session.commit()

    add_account(0)
    browser.sign_in(make_link(debtor), debtor)
    with count_queries() as one:
        first = browser.get("/accounts/")
        assert first.status_code == 200
    assert main_text(first).count("Paused: no payments while we check this account.") == 1
    for n in range(1, 5):
        add_account(n)
    with count_queries() as five:
        page = main_text(browser.get("/accounts/"))

    assert page.count("Paused: no payments while we check this account.") == 2
    assert page.count("Paused: no payments until") == 2
    assert five.count == one.count


def test_the_gate_reads_every_kind_of_stop_in_two_statements(app, debtor, phone, energy, localstripe, count_queries):
    """Every page and job asks the gate: holds in one statement, the rest (disputes, pause requests,
    circumstances waiting) in one more, however many accounts and stops."""
    plan = active_plan(debtor, energy, localstripe)
    request_pause(plan, debtor, 2, "I lost my job")
    db.session.add(
        Dispute(
            reference=new_reference("D"),
            account=phone,
            debtor_id=debtor.id,
            kind="original_creditor",
            account_status_before="open",
        )
    )
    circumstances.disclose(debtor, kinds=["health"], helps=["lower_payments"], details=None)
    db.session.commit()

    accounts, today = (
        db.session.scalars(db.select(Account).where(Account.debtor_id == debtor.id)).all(),
        clock.today_for(debtor),
    )

    with count_queries() as counter:
        found = gate.standings(accounts, today)

    assert counter.count == 2
    assert found[phone.id].stops == {gate.Stop.DISPUTE, gate.Stop.CIRCUMSTANCES}
    assert found[energy.id].stops == {gate.Stop.PAUSE_REQUESTED, gate.Stop.CIRCUMSTANCES}
