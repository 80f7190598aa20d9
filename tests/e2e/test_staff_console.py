"""The support console in a browser: an agent signs in with a password and a code, finds a debtor, views the
portal as them for a stated reason under a banner, proposes a plan for them with their agreement, and ends the
view. axe-core checks every console page on the way."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal import clock
from portal.creditors.settings import change_settings, current_settings, editable
from portal.extensions import db
from portal.models import Account, AuditEvent, Plan, StaffUser
from portal.plans.service.making import submit_proposal
from portal.staff.accounts import create_staff
from tests.e2e.conftest import axe_violations, shot, sign_in, type_date
from tests.factories import make_account, make_card_debtor
from tests.integration.test_staff_scoping import _console_rules, _path, _theirs
from tests.staff_support import PASSWORD, make_staff, next_code

POLICY = {
    "min_instalment": 500,
    "max_term_months": 12,
    "frequencies": ["weekly", "fortnightly", "monthly"],
    "first_payment_within_days": 30,
}


@pytest.fixture
def debtor(app):
    debtor = make_card_debtor(POLICY)
    make_account(debtor, [("itemization", 60_000)], description="Mobile phone contract", reference="MM-300188")
    db.session.commit()
    return debtor


@pytest.fixture
def agent(app, debtor):
    agent = make_staff(debtor.creditor, role="agent", name="Alex Morgan")
    db.session.commit()
    return agent


def staff_sign_in(page, portal_url: str, user) -> None:
    page.goto(portal_url + "/staff/sign-in")
    assert axe_violations(page) == [], "sign-in page"
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Enter the code from your authenticator app").wait_for()
    assert axe_violations(page) == [], "code page"
    page.get_by_label("Code from your authenticator app").fill(next_code(user))
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Find a debtor").wait_for()


def fill_proposal(page, first) -> None:
    page.get_by_label("How much can you pay each time?").fill("20")
    page.get_by_label("Every month").check()
    type_date(page, "Date of your first payment", first)


def test_an_agent_finds_a_debtor_views_as_them_and_proposes_a_plan_for_them(laptop, portal_url, debtor, agent):
    staff_sign_in(laptop, portal_url, agent)
    assert axe_violations(laptop) == [], "find page"
    laptop.get_by_label("Find a debtor").fill("sarah jones")
    laptop.get_by_role("button", name="Search").click()
    laptop.get_by_role("heading", name="1 debtor found").wait_for()
    assert axe_violations(laptop) == [], "search results"
    shot(laptop, "staff-find")

    laptop.get_by_role("link", name="Sarah Jones").click()
    laptop.get_by_role("heading", name="Sarah Jones", exact=True).wait_for()
    assert axe_violations(laptop) == [], "debtor page"
    shot(laptop, "staff-debtor")

    laptop.get_by_role("link", name="View as Sarah Jones").click()
    laptop.get_by_role("button", name="Start viewing as them").click()  # no reason: the error summary
    laptop.locator(".error-summary").wait_for()
    assert axe_violations(laptop) == [], "view as, with errors"
    laptop.get_by_label("Helping them on a phone call").check()
    laptop.get_by_label("Say more (the debtor can read this)").fill("She asked for help setting up a plan")
    laptop.get_by_role("button", name="Start viewing as them").click()

    banner = laptop.get_by_role("region", name="Viewing as a debtor")
    banner.wait_for()
    assert "Alex Morgan is viewing as Sarah Jones" in banner.inner_text()
    assert "30 minutes left" in banner.inner_text()
    laptop.get_by_role("heading", name="What you owe").wait_for()
    assert axe_violations(laptop) == [], "the debtor's dashboard under the banner"
    shot(laptop, "staff-view-as-dashboard")

    laptop.get_by_role("link", name=re.compile(r"^Set up a payment plan.*Mobile phone contract")).click()
    laptop.get_by_role("link", name="Propose your own plan").click()
    fill_proposal(laptop, clock.today_for(debtor) + timedelta(days=5))
    laptop.get_by_role("button", name="Send my proposal").click()
    laptop.get_by_role("heading", name="Not while viewing as the debtor").wait_for()
    assert "The debtor agreed to this on the phone" in laptop.locator("main").inner_text()
    laptop.go_back()  # pages are never stored: the form comes back empty
    fill_proposal(laptop, clock.today_for(debtor) + timedelta(days=5))
    laptop.get_by_label("The debtor agreed to this on the phone").check()
    assert axe_violations(laptop) == [], "proposal form with the debtor's agreement"
    laptop.get_by_role("button", name="Send my proposal").click()
    laptop.get_by_role("heading", name="Your proposal has been sent for review").wait_for()
    shot(laptop, "staff-view-as-proposed")

    laptop.get_by_role("button", name="End").click()
    laptop.get_by_role("heading", name="Sarah Jones", exact=True).wait_for()
    assert "You have stopped viewing as Sarah Jones" in laptop.locator("main").inner_text()
    assert laptop.get_by_role("region", name="Viewing as a debtor").count() == 0

    db.session.expire_all()
    plan = db.session.scalar(select(Plan).where(Plan.debtor_id == debtor.id))
    assert plan.status == "pending_review" and plan.instalment_amount == 2_000
    proposed = db.session.scalar(
        select(AuditEvent).where(AuditEvent.debtor_id == debtor.id, AuditEvent.action == "staff.acted_for_debtor")
    )
    assert proposed.actor_id == agent.id and proposed.detail["page"] == "plans.propose"


def test_the_console_reads_well_on_a_tablet(tablet, portal_url, debtor, agent):
    staff_sign_in(tablet, portal_url, agent)
    tablet.get_by_label("Find a debtor").fill("MM-300188")
    tablet.get_by_role("button", name="Search").click()
    tablet.get_by_role("link", name="Sarah Jones").click()
    tablet.get_by_role("heading", name="Sarah Jones", exact=True).wait_for()
    width = tablet.evaluate("document.documentElement.scrollWidth")
    assert width <= 768, f"the page scrolls sideways ({width} px)"
    shot(tablet, "staff-debtor-tablet")


def test_a_supervisor_accepts_a_waiting_proposal_and_the_debtor_sees_it_accepted(laptop, phone, portal_url, debtor):
    account = db.session.scalar(select(Account).where(Account.debtor_id == debtor.id))
    submit_proposal(debtor, account, 2_000, "monthly", clock.today_for(debtor) + timedelta(days=5))
    supervisor = make_staff(debtor.creditor, role="supervisor", name="Priya Shah")
    db.session.commit()

    staff_sign_in(laptop, portal_url, supervisor)
    laptop.get_by_role("link", name="Queues").click()
    laptop.get_by_role("heading", name="Queues").wait_for()
    assert axe_violations(laptop) == [], "queues"
    shot(laptop, "staff-queues")
    laptop.get_by_role("link", name=re.compile(r"^Plan proposal: £20\.00")).click()
    laptop.get_by_role("heading", name=re.compile(r"^Plan proposal PL-")).wait_for()
    assert axe_violations(laptop) == [], "proposal"
    laptop.get_by_label("Accept the proposal").check()
    laptop.get_by_label("Note for the debtor (they read this)").fill("Thank you. We can agree this.")
    laptop.get_by_label("I have checked this decision").check()
    laptop.get_by_role("button", name="Send the decision").click()
    laptop.get_by_text("Proposal accepted").wait_for()
    shot(laptop, "staff-proposal-accepted")

    sign_in(phone, portal_url, debtor)
    main = phone.locator("main").inner_text()
    assert "Accepted" in main and "was accepted." in main
    assert "To start the plan, agree to it and add your card." in main
    shot(phone, "staff-accepted-debtor-dashboard")


#: console pages axe cannot open as a page: a file download, and the two sign-in steps (checked above)
NOT_PAGES = {
    "staff.dispute_attachment",
    "staff.sign_in",
    "staff.code",
    "staff.campaign_results_csv",
    "staff.debtor_statement_pdf",
}


def test_every_console_page_passes_axe(laptop, portal_url, app):
    """Every GET rule of the console, from the URL map, filled with one creditor's things, as its admin."""
    things = _theirs()
    admin = db.session.get(StaffUser, things.staff_user)
    creditor = admin.creditors[0]
    change_settings(
        creditor, editable(current_settings(creditor)) | {"phone": "0113 496 0999"}, staff=admin, now=clock.now()
    )
    _, token = create_staff("new@agency.example", "New Person", "agent", [creditor], by="test", now=clock.now())
    db.session.commit()
    staff_sign_in(laptop, portal_url, admin)
    checked = []
    for rule in _console_rules(app):
        if rule.endpoint in NOT_PAGES or "GET" not in rule.methods:
            continue
        path = f"/staff/set-up/{token}" if rule.endpoint == "staff.set_up" else _path(rule, things)
        if rule.endpoint == "staff.set_up":
            laptop.context.clear_cookies()
        response = laptop.goto(portal_url + path)
        assert response.status == 200, f"{path} ({rule.endpoint}): {response.status}"
        assert axe_violations(laptop) == [], f"{path} ({rule.endpoint})"
        checked.append(rule.endpoint)
        if rule.endpoint == "staff.set_up":
            staff_sign_in(laptop, portal_url, admin)
    assert len(checked) >= 18, checked
