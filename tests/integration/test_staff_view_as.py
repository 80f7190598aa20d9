"""View as a debtor: with a reason, for the staff user's own creditors' debtors only, with a banner on every page,
refusing what only the debtor may do, asking for the debtor's agreement to act for them, audited request by
request, and ending after 30 minutes, with End, or on sign-out. The debtor then reads who looked and why."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal import clock
from portal.accounts.ledger import balance_of as account_balance
from portal.extensions import db
from portal.help.service import messages
from portal.models import Account, AuditEvent, Circumstance, Debtor, DebtorView, Plan
from portal.plans.service.making import submit_proposal
from portal.staff import view_as
from tests.conftest import Browser, main_text
from tests.factories import make_account, make_creditor, make_debtor, make_link, make_uk_creditor
from tests.staff_support import StaffBrowser, make_staff

REASON = {"category": "phone_call", "reason": "She called about her balance"}


@pytest.fixture
def creditor():
    return make_uk_creditor(name="Harbour Credit", slug="harbour")


@pytest.fixture
def debtor(creditor):
    debtor = make_debtor(creditor, full_name="Sarah Jones")
    make_account(debtor, description="Credit card")
    return debtor


@pytest.fixture
def agent(app, creditor):
    return make_staff(creditor, name="Sam Carter")


@pytest.fixture
def staff(app, agent) -> StaffBrowser:
    browser = StaffBrowser(app.test_client())
    browser.sign_in(agent)
    return browser


def _view(staff: StaffBrowser, debtor: Debtor):
    response = staff.post(f"/staff/debtors/{debtor.id}/view", REASON)
    assert response.headers["Location"] == "/accounts/", response.get_data(as_text=True)


def _events(debtor: Debtor, action: str) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.debtor_id == debtor.id, AuditEvent.action == action)
            .order_by(AuditEvent.id)
        )
    )


def test_viewing_needs_a_reason_and_its_kind(staff, debtor):
    response = staff.post(f"/staff/debtors/{debtor.id}/view", {"reason": " "})
    page = main_text(response)
    assert "Choose why you need to see their account" in page and "Say why you need to see their account" in page
    assert db.session.scalar(select(DebtorView.id)) is None


def test_another_creditors_debtor_cannot_be_viewed(app, staff):
    stranger = make_debtor(make_creditor(name="Other Bank"))
    db.session.commit()
    assert staff.get(f"/staff/debtors/{stranger.id}/view").status_code == 404
    assert staff.post(f"/staff/debtors/{stranger.id}/view", REASON).status_code == 404
    assert db.session.scalar(select(DebtorView.id)) is None


def test_the_staff_user_sees_the_debtors_own_pages_under_a_banner(staff, debtor):
    _view(staff, debtor)
    for path in ("/accounts/", "/rights", "/help/messages"):
        page = staff.get(path).get_data(as_text=True)
        assert "Sam Carter is viewing as Sarah Jones" in page
        assert "She called about her balance" in page and "30 minutes left" in page
        assert 'action="/staff/view/end"' in page
    assert "Credit card" in main_text(staff.get("/accounts/"))


def test_every_debtor_page_seen_writes_an_audit_event_naming_who_and_why(staff, debtor, agent):
    _view(staff, debtor)
    for path in ("/accounts/", "/rights", "/help/viewed"):
        assert staff.get(path).status_code == 200
    seen = _events(debtor, "staff.viewed")
    assert [event.detail["page"] for event in seen] == ["accounts.dashboard", "rights.index", "help.viewed_list"]
    assert {(e.actor_type, e.actor_id) for e in seen} == {("staff", agent.id)}
    assert {(e.detail["staff_name"], e.detail["reason"]) for e in seen} == {("Sam", REASON["reason"])}


@pytest.mark.parametrize(
    ("method", "path", "says"),
    [
        ("GET", "/pay/P-ANYTHING", "Card details are only ever entered by the debtor."),
        ("POST", "/plans/PL-ANY/card/setup", "Card details are only ever entered by the debtor."),
        ("POST", "/help/contact", "Contact details and preferences are changed by the debtor only."),
        ("POST", "/verify", "Signing in is for the debtor only."),
        ("POST", "/help/messages/new", "Answer the debtor's messages from the console"),
    ],
)
def test_what_only_the_debtor_may_do_is_refused_and_says_why(staff, debtor, method, path, says):
    _view(staff, debtor)
    response = staff.get(path) if method == "GET" else staff.post(path, {"channels": "sms", "body": "Hi"})
    assert response.status_code == 403
    assert says in main_text(response)
    assert "Sam Carter is viewing as Sarah Jones" in response.get_data(as_text=True)


def test_preferences_are_not_changed_by_a_refused_post(staff, debtor):
    _view(staff, debtor)
    staff.post("/help/contact", {"channels": ["sms"], "language": "es"})
    assert db.session.get(Debtor, debtor.id).locale is None


def test_acting_for_the_debtor_needs_a_tick_that_they_agreed_on_the_phone(staff, debtor):
    _view(staff, debtor)
    form = staff.get("/help/circumstances").get_data(as_text=True)
    assert "The debtor agreed to this on the phone" in form
    refused = staff.post("/help/circumstances", {"kinds": ["income"]})
    assert refused.status_code == 400
    assert "Tick “The debtor agreed to this on the phone”" in main_text(refused)
    assert db.session.scalar(select(Circumstance.id)) is None


def test_what_is_done_for_the_debtor_is_recorded_as_done_by_the_staff_user(staff, debtor, agent):
    _view(staff, debtor)
    response = staff.post("/help/circumstances", {"kinds": ["income"], view_as.AGREED_FIELD: "yes"})
    assert response.status_code == 303
    assert db.session.scalar(select(Circumstance.id)) is not None
    acted = _events(debtor, "staff.acted_for_debtor")
    assert [(e.actor_id, e.detail["page"]) for e in acted] == [(agent.id, "help.circumstances_form")]
    disclosed = _events(debtor, "circumstances.disclosed")
    assert disclosed and disclosed[0].actor_type == "staff" and disclosed[0].detail["on_behalf"] is True


def test_on_the_phone_staff_may_choose_for_the_debtor_to_pay_each_payment_themselves(staff, debtor):
    account = db.session.scalar(select(Account).where(Account.debtor_id == debtor.id))
    plan = submit_proposal(debtor, account, account_balance(account), "monthly", clock.today_for(debtor))
    _view(staff, debtor)
    assert "The debtor agreed to this on the phone" in staff.get(f"/plans/{plan.reference}/how-to-pay").get_data(
        as_text=True
    )
    assert staff.post(f"/plans/{plan.reference}/how-to-pay", {"pays_by": "debtor"}).status_code == 400
    assert db.session.get(Plan, plan.id).pays_by == "card"
    chosen = staff.post(f"/plans/{plan.reference}/how-to-pay", {"pays_by": "debtor", view_as.AGREED_FIELD: "yes"})
    assert chosen.status_code == 303
    assert db.session.get(Plan, plan.id).pays_by == "debtor"


def test_the_debtor_form_shows_no_tick_to_the_debtor(app, debtor):
    db.session.commit()
    browser = Browser(app.test_client())
    browser.sign_in(make_link(debtor), debtor)
    assert "agreed to this on the phone" not in browser.get("/help/circumstances").get_data(as_text=True)


def test_end_stops_the_view(staff, debtor):
    _view(staff, debtor)
    response = staff.post("/staff/view/end")
    assert response.headers["Location"] == f"/staff/debtors/{debtor.id}"
    assert staff.get("/accounts/").status_code == 302
    assert db.session.scalar(select(DebtorView.ended_reason)) == "ended"


def test_signing_out_in_the_debtors_footer_ends_the_view_and_leaves_the_debtor_signed_in(app, staff, debtor):
    db.session.commit()
    own = Browser(app.test_client())
    own.sign_in(make_link(debtor), debtor)
    _view(staff, debtor)
    response = staff.post("/sign-out")
    assert response.headers["Location"] == f"/staff/debtors/{debtor.id}"
    assert own.get("/accounts/").status_code == 200, "the debtor's own session goes on"


def test_a_view_ends_after_thirty_minutes(staff, debtor, monkeypatch):
    _view(staff, debtor)
    start = clock.now()
    monkeypatch.setattr(clock, "now", lambda: start + timedelta(minutes=20))
    assert staff.get("/accounts/").status_code == 200
    monkeypatch.setattr(clock, "now", lambda: start + timedelta(minutes=30, seconds=1))
    response = staff.get("/accounts/")
    assert response.headers["Location"] == f"/staff/debtors/{debtor.id}"
    assert "ended after 30 minutes" in staff.get(response.headers["Location"]).get_data(as_text=True)
    assert db.session.scalar(select(DebtorView.ended_reason)) == "expired"


def test_signing_out_of_the_console_ends_the_view(staff, debtor):
    _view(staff, debtor)
    staff.post("/staff/sign-out")
    assert db.session.scalar(select(DebtorView.ended_reason)) == "signed_out"


def test_views_are_not_nested(staff, debtor, creditor):
    other = make_debtor(creditor, full_name="Tom Reed")
    _view(staff, debtor)
    response = staff.post(f"/staff/debtors/{other.id}/view", REASON)
    assert "You are already viewing as Sarah Jones" in main_text(response)
    assert len(db.session.scalars(select(DebtorView)).all()) == 1


def test_the_debtor_reads_who_looked_their_role_and_why(app, staff, debtor):
    _view(staff, debtor)
    staff.get("/accounts/")
    staff.post("/staff/view/end")
    own = Browser(app.test_client())
    own.sign_in(make_link(debtor), debtor)
    page = main_text(own.get("/help/viewed"))
    assert "Sam, agent at Harbour Credit" in page
    assert "Reason given: She called about her balance" in page


def test_every_debtor_post_is_decided_for_views(app):
    """A new form on the debtor's side is refused while viewing until someone decides, here, what it is."""
    decided = (
        view_as.ENDS_VIEW | view_as.ASSISTED | view_as.ALLOWED_POSTS | set(view_as.REFUSED) | set(view_as.REFUSED_POSTS)
    )
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    posts = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "POST" in rule.methods and view_as.is_debtor_endpoint(rule.endpoint)
    }
    assert posts - decided == set(), "decide what these do while staff view as a debtor (portal/staff/view_as.py)"
    assert sorted(decided - endpoints) == [], "remove endpoints that are gone"


def test_a_sign_in_link_in_the_debtors_messages_is_hidden_from_the_viewer(app, staff, debtor):
    thread = messages.start_thread_as_staff(
        debtor, "Your new link", "Sign in here: http://portal.test/l/InhfYm.secret-token", staff_name="Alex"
    )
    db.session.commit()
    _view(staff, debtor)
    page = main_text(staff.get(f"/help/messages/{thread.id}"))
    assert "secret-token" not in page and "[their personal link, hidden]" in page
    own = Browser(app.test_client())
    own.sign_in(make_link(debtor), debtor)
    assert "http://portal.test/l/InhfYm.secret-token" in main_text(own.get(f"/help/messages/{thread.id}"))
