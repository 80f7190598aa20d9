"""Someone you trust to help: the debtor invites them; they get their own link and their own emailed code; they
see exactly what the debtor allowed, page by page, and nothing once access ends (by the debtor, by staff, or after
TRUSTED_HELPER_DAYS); every visit is audited and shows on "Who has viewed your account"; creditors hear of it."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from portal import clock, outbox
from portal.budget import service as budgets
from portal.debtor_pages import is_debtor_endpoint
from portal.extensions import db
from portal.models import Account, AuditEvent, CreditorEvent, Debtor, HelperCode, MagicLink, TrustedHelper
from portal.one_time_codes import MAX_TRIES
from portal.plans.service.making import submit_proposal
from portal.trusted import access
from portal.trusted import service as trusted_service
from portal.trusted.job import run as helpers_job
from tests.conftest import Browser, main_text
from tests.factories import make_account, make_creditor, make_debtor, make_link, make_uk_creditor
from tests.plan_support import emails, self_paid_plan
from tests.staff_support import StaffBrowser, make_staff

ADVISER = {"name": "Ana Lopez", "email": "ana@advice.example.org", "relationship": "debt_adviser"}


@pytest.fixture
def settings(tmp_path):
    return {"MAIL_BACKEND": "file", "MAIL_DIR": str(tmp_path / "mail")}


@pytest.fixture
def debtor(app):
    creditor = make_uk_creditor(name="Harbour Credit", slug="harbour")
    debtor = make_debtor(creditor, full_name="Sarah Jones", email="sarah@example.co.uk")
    make_account(debtor, description="Credit card")
    db.session.commit()
    return debtor


@pytest.fixture
def sarah(app, debtor) -> Browser:
    browser = Browser(app.test_client())
    browser.sign_in(make_link(debtor), debtor)
    return browser


def _invite(sarah: Browser, **fields) -> TrustedHelper:
    response = sarah.post("/help/trusted/invite", ADVISER | fields)
    assert response.status_code == 303, main_text(response)
    return db.session.scalars(select(TrustedHelper).order_by(TrustedHelper.id.desc())).first()


def _mail_to(app, address: str, subject: str = "") -> list[str]:
    """The bodies of the emails to an address whose subject starts so (files written in one second sort anyhow)."""
    return [
        mail.get_body(("plain",)).get_content()
        for mail in emails(app)
        if mail["To"] == address and mail["Subject"].startswith(subject)
    ]


def _invitation_link(app, address: str = ADVISER["email"]) -> str:
    [invitation] = _mail_to(app, address, "Sarah Jones asked you")
    return re.search(r"http://[^/\s]+(/h/\S+)", invitation).group(1)


def _codes(app, address: str = ADVISER["email"]) -> set[str]:
    return {re.search(r"\b(\d{6})\b", body).group(1) for body in _mail_to(app, address, "Your code")}


def _new_code(helper: Browser, app, address: str = ADVISER["email"]) -> str:
    """Ask for a code; the one that arrives."""
    before = _codes(app, address)
    assert helper.post("/helping").status_code == 303
    [code] = _codes(app, address) - before
    return code


def _helper_signs_in(app, helper_address: str = ADVISER["email"]) -> Browser:
    """The helper opens the link from their invitation, asks for a code and types it."""
    helper = Browser(app.test_client())
    assert helper.get(_invitation_link(app, helper_address)).headers["Location"] == "/helping"
    code = _new_code(helper, app, helper_address)
    response = helper.post("/helping/code", {"code": code})
    assert response.headers["Location"] == "/accounts/", main_text(response)
    return helper


def _events(debtor: Debtor, action: str) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.debtor_id == debtor.id, AuditEvent.action == action)
            .order_by(AuditEvent.id)
        )
    )


def test_inviting_needs_a_name_an_email_address_and_who_they_are(sarah):
    response = sarah.post("/help/trusted/invite", {"name": " ", "email": "not-an-address"})
    assert response.status_code == 400
    page = main_text(response)
    assert "Enter their full name" in page
    assert "Enter an email address in the correct format, like name@example.com" in page
    assert "Choose who they are to you" in page
    assert db.session.scalar(select(TrustedHelper.id)) is None


def test_the_helper_gets_their_own_link_and_the_debtor_a_confirmation(app, sarah, debtor):
    helper = _invite(sarah)
    assert (helper.name, helper.relationship, helper.may_propose, helper.may_pay) == (
        "Ana Lopez",
        "debt_adviser",
        False,
        False,
    )
    assert helper.expires_at - helper.invited_at == timedelta(days=90)
    [invitation] = _mail_to(app, ADVISER["email"], "Sarah Jones asked you")
    assert "Sarah Jones asked you to help with their account with Harbour Credit" in invitation
    assert "/l/" not in invitation and "/h/" in invitation
    [confirmation] = _mail_to(app, "sarah@example.co.uk", "You asked Ana Lopez")
    assert "Ana Lopez can now see your account with Harbour Credit" in confirmation
    page = main_text(sarah.get("/help/trusted"))
    assert "Ana Lopez" in page and "Debt adviser" in page and "Not yet" in page


def test_opening_the_helpers_link_changes_nothing_until_they_type_their_code(app, sarah):
    _invite(sarah)
    helper = Browser(app.test_client())
    helper.get(_invitation_link(app))
    page = main_text(helper.get("/helping"))
    assert "Sarah Jones asked you to help with their account with Harbour Credit" in page
    assert "You can see their account. You cannot change anything." in page
    assert helper.get("/accounts/").status_code == 302
    assert db.session.scalar(select(HelperCode.id)) is None


def test_a_forged_helper_link_does_not_work(client):
    assert client.get("/h/not-a-token").status_code == 404


def test_the_helper_sees_the_debtors_pages_under_a_banner(app, sarah):
    _invite(sarah)
    helper = _helper_signs_in(app)
    page = helper.get("/accounts/").get_data(as_text=True)
    assert "You are helping Sarah Jones." in page and "Credit card" in page


def test_wrong_codes_are_limited_and_the_right_one_works_once(app, sarah):
    _invite(sarah)
    helper = Browser(app.test_client())
    helper.get(_invitation_link(app))
    code = _new_code(helper, app)
    wrong = "000000" if code != "000000" else "111111"
    first = helper.post("/helping/code", {"code": wrong})
    assert first.status_code == 400 and f"You can try {MAX_TRIES - 1} more times" in main_text(first)
    for _try in range(MAX_TRIES - 1):
        helper.post("/helping/code", {"code": wrong})
    refused = helper.post("/helping/code", {"code": code})
    assert "You have entered a wrong code too many times" in main_text(refused)
    assert helper.get("/accounts/").status_code == 302
    fresh = _new_code(helper, app)
    assert helper.post("/helping/code", {"code": fresh}).status_code == 303
    again = Browser(app.test_client())
    again.get(_invitation_link(app))
    assert "There is no code waiting" in main_text(again.post("/helping/code", {"code": fresh}))


VIEW_ONLY_REFUSED = [
    ("GET", "/help/contact"),
    ("GET", "/help/details"),
    ("GET", "/my-data"),
    ("GET", "/help/trusted"),
    ("POST", "/help/trusted/invite"),
    ("POST", "/help/messages/new"),
    ("POST", "/help/circumstances"),
    ("POST", "/budget/"),
]


@pytest.mark.parametrize(("method", "path"), VIEW_ONLY_REFUSED)
def test_a_helper_who_may_only_look_is_refused_everything_else(app, sarah, debtor, method, path):
    _invite(sarah)
    helper = _helper_signs_in(app)
    response = helper.get(path) if method == "GET" else helper.post(path, {"mode": "quick", "kinds": ["income"]})
    assert response.status_code == 403, path
    assert "You cannot do this as a helper" in main_text(response)
    assert _events(debtor, "helper.refused")[-1].detail["helper_name"] == "Ana Lopez"


def test_card_entry_is_refused_unless_the_debtor_allowed_it(app, sarah, debtor):
    account_id = db.session.scalar(select(Account.id).where(Account.debtor_id == debtor.id))
    _invite(sarah)
    looker = _helper_signs_in(app)
    refused = looker.get(f"/accounts/{account_id}/pay")
    assert refused.status_code == 403 and "unless they allow you to" in main_text(refused)
    _invite(sarah, email="carer@example.org", name="Carl Carer", relationship="carer", may_pay="y")
    payer = _helper_signs_in(app, "carer@example.org")
    assert payer.get(f"/accounts/{account_id}/pay").status_code == 200


def test_a_helper_not_allowed_to_pay_is_offered_no_way_to_pay(app, sarah, debtor):
    account = db.session.scalar(select(Account).where(Account.debtor_id == debtor.id))
    plan = self_paid_plan(db.session.get(Debtor, debtor.id), account, first=clock.today_for(debtor) + timedelta(days=2))
    pay = f'href="/accounts/{account.id}/pay'
    _invite(sarah)
    looker = _helper_signs_in(app)
    for path in ("/accounts/", f"/accounts/{account.id}", f"/plans/{plan.reference}"):
        html = looker.get(path).get_data(as_text=True)
        assert pay not in html and f"/plans/{plan.reference}/card" not in html, path
    _invite(sarah, email="carer@example.org", name="Carl Carer", relationship="carer", may_pay="y")
    payer = _helper_signs_in(app, "carer@example.org")
    assert pay in payer.get(f"/plans/{plan.reference}").get_data(as_text=True)
    assert pay in sarah.get(f"/plans/{plan.reference}").get_data(as_text=True)


def test_a_helper_allowed_to_propose_works_on_the_budget_and_downloads_it(app, sarah, debtor):
    _invite(sarah, may_propose="y")
    helper = _helper_signs_in(app)
    started = helper.post("/budget/", {"mode": "quick"})
    assert started.status_code in (302, 303), main_text(started)
    budget = budgets.latest_budget_for(db.session.get(Debtor, debtor.id))
    csv = helper.get(f"/budget/{budget.id}/budget.csv")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    assert helper.get(f"/budget/{budget.id}/budget.json").status_code == 200
    acted = _events(debtor, "helper.acted")
    assert [(e.actor_type, e.detail["page"]) for e in acted] == [("helper", "budget.start")]


def test_a_helper_allowed_to_propose_may_not_agree_to_the_plan_for_the_debtor(app, sarah, debtor):
    account = db.session.scalar(select(Account).where(Account.debtor_id == debtor.id))
    plan = submit_proposal(
        db.session.get(Debtor, debtor.id), account, 20_000, "monthly", clock.today_for(debtor) + timedelta(days=7)
    )
    db.session.commit()
    assert plan.status == "draft", plan.review_reasons
    _invite(sarah, may_propose="y")
    helper = _helper_signs_in(app)
    assert helper.get(f"/plans/{plan.reference}/check").status_code == 200  # they may read the agreement
    refused = helper.post(f"/plans/{plan.reference}/check", {"agree": "y", "first": "later"})
    assert refused.status_code == 403
    assert "does for themselves" in main_text(refused)
    db.session.refresh(plan)
    assert plan.status == "draft" and plan.agreed_at is None


def test_every_debtor_post_is_decided_for_helpers(app):
    decided = access.SIGNING_OUT | access.PAY | access.PROPOSE_POSTS | access.ALLOWED_POSTS | set(access.REFUSED)
    posts = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "POST" in rule.methods and is_debtor_endpoint(rule.endpoint) and not rule.endpoint.startswith("helping.")
    }
    assert decided <= {rule.endpoint for rule in app.url_map.iter_rules()}
    # what is not decided is refused in general words; these are the ones that are
    assert posts - decided == {
        "help.call_back_time",
        "help.cancel_call_back",
        "help.circumstances_form",
        "help.new_message",
        "help.thread",
        "help.withdraw_consent",
        "links.request_new_link",
        "plans.cancel",
        "plans.check",
        "plans.how_to_pay",
        "plans.pause",
        "plans.payment_day",
        "promises.make",
        "rights.dispute",
        "rights.original_creditor",
        "rights.statute_barred",
        "rights.validation",
    }


def test_nothing_is_seen_once_the_debtor_ends_access(app, sarah, debtor):
    helper_row = _invite(sarah)
    helper = _helper_signs_in(app)
    assert sarah.get(f"/help/trusted/{helper_row.id}/end").status_code == 200
    assert sarah.post(f"/help/trusted/{helper_row.id}/end").status_code == 303
    response = helper.get("/accounts/")
    assert response.headers["Location"] == "/helping/ended"
    assert helper.get("/accounts/").status_code == 302
    assert "Your access has ended" in main_text(helper.get("/helping/ended"))
    assert (
        "Ana Lopez can no longer see your account" in _mail_to(app, "sarah@example.co.uk", "Ana Lopez can no longer")[0]
    )
    assert [e.kind for e in db.session.scalars(select(CreditorEvent).order_by(CreditorEvent.id))][-2:] == [
        "helper.invited",
        "helper.ended",
    ]


def test_access_ends_by_itself_after_ninety_days_unless_renewed(app, sarah, debtor, monkeypatch):
    helper_row = _invite(sarah)
    helper = _helper_signs_in(app)
    start = clock.now()
    monkeypatch.setattr(clock, "now", lambda: start + timedelta(days=80))
    assert sarah.post(f"/help/trusted/{helper_row.id}/renew").status_code == 303
    monkeypatch.setattr(clock, "now", lambda: start + timedelta(days=100))
    assert helper.get("/accounts/").status_code == 200
    monkeypatch.setattr(clock, "now", lambda: start + timedelta(days=171))
    assert helper.get("/accounts/").headers["Location"] == "/helping/ended"
    db.session.expire_all()
    assert db.session.get(TrustedHelper, helper_row.id).ended_by == "expired"


def test_another_debtors_helper_cannot_be_ended_or_renewed(app, sarah, debtor):
    other = make_debtor(debtor.creditor, full_name="Tom Other")
    db.session.commit()
    tom = Browser(app.test_client())
    tom.sign_in(make_link(other), other)
    helper_row = _invite(sarah)
    assert tom.get(f"/help/trusted/{helper_row.id}/end").status_code == 404
    assert tom.post(f"/help/trusted/{helper_row.id}/end").status_code == 404
    assert tom.post(f"/help/trusted/{helper_row.id}/renew").status_code == 404


def test_the_debtor_reads_each_helper_visit_by_name_and_relationship(app, sarah, debtor):
    _invite(sarah)
    helper = _helper_signs_in(app)
    helper.get("/accounts/")
    page = main_text(sarah.get("/help/viewed"))
    assert "Ana Lopez, debt adviser, who you asked to help" in page
    assert "Signed in with their own link and code" in page


def test_leaving_signs_the_helper_out_and_leaves_the_debtor_signed_in(app, sarah, debtor):
    _invite(sarah)
    helper = _helper_signs_in(app)
    assert helper.post("/sign-out").headers["Location"] == "/helping/left"
    assert helper.get("/accounts/").status_code == 302
    assert sarah.get("/accounts/").status_code == 200


def test_staff_see_who_helps_and_can_end_it_with_a_reason(app, sarah, debtor):
    helper_row = _invite(sarah, may_propose="y")
    helper = _helper_signs_in(app)
    staff = StaffBrowser(app.test_client())
    agent = make_staff(debtor.creditor, name="Sam Carter")
    staff.sign_in(agent)
    page = main_text(staff.get(f"/staff/debtors/{debtor.id}"))
    assert "People helping this debtor" in page
    assert "Ana Lopez" in page and "Debt adviser" in page and "work on the budget and propose plans" in page
    end_path = f"/staff/debtors/{debtor.id}/helpers/{helper_row.id}/end"
    assert "Say why you are ending their access" in main_text(staff.post(end_path, {"reason": " "}))
    assert staff.post(end_path, {"reason": "She asked us to on the phone"}).status_code == 302
    assert helper.get("/accounts/").headers["Location"] == "/helping/ended"
    [ended] = _events(debtor, "helper.ended")
    assert (ended.actor_type, ended.actor_id, ended.detail["why"]) == (
        "staff",
        agent.id,
        "She asked us to on the phone",
    )
    assert "Ana Lopez can no longer see your account" in _mail_to(app, "sarah@example.co.uk", "Ana Lopez can no")[0]


def test_staff_cannot_end_another_creditors_debtors_helper(app, sarah, debtor):
    helper_row = _invite(sarah)
    staff = StaffBrowser(app.test_client())
    staff.sign_in(make_staff(make_creditor(name="Other Bank"), name="Olly Other"))
    assert staff.post(f"/staff/debtors/{debtor.id}/helpers/{helper_row.id}/end", {"reason": "x"}).status_code == 404
    assert db.session.get(TrustedHelper, helper_row.id).ended_at is None


def test_exit_this_page_takes_the_helper_to_the_neutral_site_and_leaves_the_debtor_signed_in(app, sarah, debtor):
    _invite(sarah)
    helper = _helper_signs_in(app)
    assert helper.post("/help/exit").headers["Location"] == app.config["QUICK_EXIT_URL"]
    assert helper.get("/accounts/").status_code == 302
    assert sarah.get("/accounts/").status_code == 200


def test_in_the_demo_sarah_invites_an_adviser_who_opens_their_own_link_and_sees_her_budget(app):
    lines = app.test_cli_runner().invoke(args=["demo", "seed"]).output.splitlines()
    link = re.search(r"Sarah Jones .* (http://\S+)$", lines[2]).group(1).removeprefix("http://portal.test")
    sarah = db.session.scalar(select(Debtor).where(Debtor.full_name == "Sarah Jones"))
    browser = Browser(app.test_client())
    browser.sign_in(link, sarah)
    _invite(browser, email="adviser@example.org")
    adviser = _helper_signs_in(app, "adviser@example.org")
    budget = budgets.latest_budget_for(sarah)
    result = adviser.get(f"/budget/{budget.id}/result")
    assert result.status_code == 200 and "£1,500.00" in main_text(result)
    assert adviser.get(f"/budget/{budget.id}/budget.csv").status_code == 200


def _at(day: int, start: datetime) -> datetime:
    """Eleven in the morning UTC, `day` days after `start` (in the debtor's contact hours)."""
    return start.replace(hour=11, minute=0) + timedelta(days=day)


def test_the_debtor_is_told_a_week_before_access_ends_once_and_again_after_renewing(app, sarah, debtor, monkeypatch):
    helper_row = _invite(sarah)
    start = helper_row.invited_at
    assert helpers_job(_at(82, start)).counts == {}
    report = helpers_job(_at(84, start))
    assert (report.counts, report.messages) == ({"warned": 1}, {"sent": 1})
    [warning] = _mail_to(app, "sarah@example.co.uk", "Ana Lopez can see your account until")
    assert "Then their access ends by itself" in warning and "renew their access here: http" in warning
    assert db.session.scalar(select(MagicLink.destination).order_by(MagicLink.id.desc())) == "/help/trusted"
    assert helpers_job(_at(85, start)).counts == {}, "told once"

    monkeypatch.setattr(clock, "now", lambda: _at(85, start))
    assert sarah.post(f"/help/trusted/{helper_row.id}/renew").status_code == 303
    assert helpers_job(_at(86, start)).counts == {}, "renewed for another 90 days"
    assert helpers_job(_at(85 + 84, start)).counts == {"warned": 1}


def test_access_that_runs_out_ends_on_its_day_and_the_debtor_is_told(app, sarah, debtor):
    helper_row = _invite(sarah)
    helper = _helper_signs_in(app)
    start = helper_row.invited_at
    assert helpers_job(_at(91, start)).counts == {"ended": 1}
    assert helpers_job(_at(92, start)).counts == {}
    db.session.expire_all()
    assert db.session.get(TrustedHelper, helper_row.id).ended_by == "expired"
    [ended] = _mail_to(app, "sarah@example.co.uk", "Ana Lopez can no longer see your account")
    assert re.search(r"Their access ended by itself on \d+ \w+ \d{4}\.", ended)
    assert [e.kind for e in db.session.scalars(select(CreditorEvent).order_by(CreditorEvent.id))][-1] == "helper.ended"
    assert helper.get("/accounts/").headers["Location"] == "/helping/ended"


def test_a_warning_waiting_to_be_sent_is_dropped_when_the_debtor_renews_first(app, sarah, debtor, monkeypatch):
    helper_row = _invite(sarah)
    start = helper_row.invited_at
    with app.test_request_context(), outbox.held_for_the_job():
        assert trusted_service.claim_expiry_warning(helper_row, now=_at(84, start), days=trusted_service.WARN_DAYS)
        outbox.queue(debtor, "trusted.ending_soon", params={"helper_id": helper_row.id})
        db.session.commit()
    monkeypatch.setattr(clock, "now", lambda: _at(85, start))
    assert sarah.post(f"/help/trusted/{helper_row.id}/renew").status_code == 303
    outbox.deliver(now=_at(85, start))
    assert _mail_to(app, "sarah@example.co.uk", "Ana Lopez can see your account until") == []


def test_the_page_the_warning_links_to_says_how_many_days_are_left_by_renew(sarah, debtor, monkeypatch):
    helper_row = _invite(sarah)
    helper_row.expires_at = datetime(2027, 3, 1, 15, 0, tzinfo=UTC)
    db.session.commit()
    for now, says in [
        (datetime(2027, 2, 1, 9, 0, tzinfo=UTC), None),
        (datetime(2027, 2, 23, 9, 0, tzinfo=UTC), "Their access ends in 6 days. Renew it if they still help you."),
        (datetime(2027, 2, 28, 9, 0, tzinfo=UTC), "Their access ends in 1 day. Renew it if they still help you."),
        (datetime(2027, 3, 1, 9, 0, tzinfo=UTC), "Their access ends today. Renew it if they still help you."),
    ]:
        monkeypatch.setattr(clock, "now", lambda now=now: now)
        page = main_text(sarah.get("/help/trusted"))
        assert (says in page) if says else ("Renew it if they still help you" not in page), now
