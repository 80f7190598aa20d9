"""Every console URL that names a debtor's thing, a staff user or a creditor is a 404 for a staff user of another
creditor (a role without the permission is refused, 403, before anything is looked up); and every console page
needs a signed-in staff user. The rules come from the app's URL map, so a new console route is checked the day it
is added, or this test says what to add."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from werkzeug.routing import Rule

from portal import clock
from portal.accounts import write_offs
from portal.api import keys
from portal.extensions import db
from portal.help.service import circumstances, messages
from portal.links.service import issue_link, record_open
from portal.models import CallBack
from portal.models.staff import StaffRole
from portal.plans.service.making import submit_proposal
from portal.rights.service import disputes, holds
from portal.staff.access import LEAST_ROLE, RANK
from portal.trusted import service as trusted
from tests.conftest import Browser
from tests.factories import make_account, make_creditor, make_debtor, make_link
from tests.plan_support import POLICY
from tests.staff_support import StaffBrowser, make_staff

#: which of the other creditor's things fills a URL variable: (variable, endpoint) or (variable, None) for any
NAMES = {
    ("debtor_id", None): "debtor",
    ("thread_id", None): "thread",
    ("circumstance_id", None): "circumstance",
    ("staff_user_id", None): "staff_user",
    ("user_id", None): "staff_user",
    ("slug", None): "creditor",
    ("account_id", None): "account",
    ("number", "staff.admin_creditor_version"): "settings_version",
    ("write_off_id", None): "write_off",
    ("hold_id", None): "hold",
    ("campaign", None): "campaign",
    ("lookup", None): "api_key",
    ("call_back_id", None): "call_back",
    ("helper_id", None): "helper",
}
#: a "reference" names a plan, a dispute or a circumstance, by endpoint
REFERENCES = {"plan": "plan", "dispute": "dispute", "circumstance": "circumstance_reference"}

#: console pages anyone may open: signing in and setting up (the token is the credential)
OPEN = {"staff.sign_in", "staff.code", "staff.set_up", "staff.sign_out"}


@dataclass
class Things:
    debtor: int
    account: int
    thread: int
    circumstance: int
    circumstance_reference: str
    plan: str
    dispute: str
    staff_user: int
    creditor: str
    write_off: int
    hold: int
    #: an API key's public part
    api_key: str
    #: a call back the debtor booked
    call_back: int = 0
    #: a version of the creditor's settings that exists
    settings_version: int = 1
    #: the name of a campaign the creditor sent links in
    campaign: str = "reminder"
    #: someone the debtor asked to help
    helper: int = 0


def _theirs() -> Things:
    creditor = make_creditor(name="Other Bank", slug="other-bank", policy=POLICY)
    debtor = make_debtor(creditor)
    account, disputed = make_account(debtor), make_account(debtor)
    today = clock.today_for(debtor)
    plan = submit_proposal(debtor, account, 1_000, "monthly", today)
    dispute = disputes.open_dispute(
        debtor,
        disputed,
        reason=disputes.DISPUTE_REASONS[0],
        details="Not mine.",
        attachment=None,
        attachment_key=None,
        today=today,
    )
    circumstance = circumstances.disclose(debtor, kinds=["income"], helps=["more_time"], details="Hours cut.")
    things = Things(
        debtor=debtor.id,
        account=account.id,
        thread=messages.start_thread(debtor, None, "When is my payment due?").id,
        circumstance=circumstance.id,
        circumstance_reference=circumstance.reference,
        plan=plan.reference,
        dispute=dispute.reference,
        staff_user=make_staff(creditor, role="admin").id,
        creditor=creditor.slug,
        write_off=write_offs.request(
            account,
            staff=make_staff(creditor, role="supervisor"),
            whole=True,
            amount=None,
            reason="terminal_illness",
            note="We are sorry.",
            request_key="scoping",
            today=today,
        ).id,
        hold=holds.start_hold(debtor, kind="breathing_space", account=None, starts_on=today, days=60, by="test").id,
        api_key=keys.create_key(creditor, name="Their system", by="test")[0].lookup,
    )
    start = clock.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
    call_back = CallBack(
        debtor_id=debtor.id, slot_start=start, slot_end=start + timedelta(hours=2), reason="plan", phone="07700 900123"
    )
    db.session.add(call_back)
    db.session.flush()
    things.call_back = call_back.id
    things.helper = trusted.invite(
        debtor,
        name="Ana Lopez",
        email="ana@example.org",
        relationship="debt_adviser",
        may_propose=False,
        may_pay=False,
        now=clock.now(),
    ).id
    record_open(issue_link(debtor, campaign=things.campaign)[0])  # opened: the campaign's page has its chart
    db.session.commit()
    return things


def _kind(variable: str, endpoint: str) -> str | None:
    if variable == "reference":
        return next((kind for word, kind in REFERENCES.items() if word in endpoint), None)
    return NAMES.get((variable, endpoint)) or NAMES.get((variable, None))


def _console_rules(app) -> list[Rule]:
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("staff.")]
    return sorted(rules, key=lambda rule: (rule.rule, rule.endpoint))


def _role_may(app, endpoint: str, role: str) -> bool:
    permission = app.view_functions[endpoint].staff_permission
    return RANK[StaffRole(role)] >= RANK[LEAST_ROLE[permission]]


def _path(rule: Rule, things: Things) -> str:
    return rule.build({name: getattr(things, _kind(name, rule.endpoint)) for name in rule.arguments})[1]


def test_every_console_rule_with_variables_is_checked_here(app):
    unfilled = [
        f"{rule.rule} ({rule.endpoint})"
        for rule in _console_rules(app)
        if rule.endpoint not in OPEN and any(_kind(name, rule.endpoint) is None for name in rule.arguments)
    ]
    assert not unfilled, "add these rules' variables to NAMES or REFERENCES:\n" + "\n".join(unfilled)
    unguarded = [
        rule.endpoint
        for rule in _console_rules(app)
        if rule.endpoint not in OPEN and not hasattr(app.view_functions[rule.endpoint], "staff_permission")
    ]
    assert not unguarded, f"guard these with @staff_required(permission): {unguarded}"


@pytest.mark.parametrize("role", ["agent", "supervisor", "admin"])
def test_another_creditors_things_are_not_found_on_any_console_route(app, role):
    ours = make_creditor(name="Harbour Credit", slug="harbour")
    mine = make_debtor(ours)
    make_account(mine)
    theirs = _theirs()
    staff = StaffBrowser(app.test_client())
    staff.sign_in(make_staff(ours, role=role))
    token = staff.token()
    found = {}
    checked = 0
    for rule in _console_rules(app):
        if rule.endpoint in OPEN or not rule.arguments:
            continue
        path = _path(rule, theirs)
        for method in sorted(rule.methods & {"GET", "POST"}):
            checked += 1
            form = {"csrf_token": token, "confirm": "yes", "note": "Yes.", "reason": "x", "category": "phone_call"}
            response = staff.get(path) if method == "GET" else staff.client.post(path, data=form)
            # a role without the permission is refused before anything is looked up, the same for every URL
            expected = 404 if _role_may(app, rule.endpoint, role) else 403
            if response.status_code != expected:
                found[f"{method} {path} ({rule.endpoint})"] = response.status_code
    assert checked >= 3
    assert not found, f"another creditor's things answered as {role} (not 404, or 403 for a lacking role): {found}"


def test_every_console_page_needs_a_signed_in_staff_user(app):
    creditor = make_creditor()
    debtor = make_debtor(creditor)
    make_account(debtor)
    db.session.commit()
    debtor_browser = Browser(app.test_client())
    debtor_browser.sign_in(make_link(debtor), debtor)
    things = Things(debtor.id, 1, 1, 1, "C-1", "PL-1", "D-1", 1, creditor.slug, write_off=1, hold=1, api_key="k")
    for client in (app.test_client(), debtor_browser.client):
        for rule in _console_rules(app):
            if rule.endpoint in OPEN or "GET" not in rule.methods:
                continue
            response = client.get(_path(rule, things))
            assert response.status_code == 302, rule.endpoint
            assert response.headers["Location"].startswith("/staff/sign-in"), rule.endpoint


def test_a_statement_names_the_debtors_own_account_only(app):
    """The console's statement is scoped twice: the debtor to the staff user's creditors, the account to the debtor
    (another debtor's account at the same creditor, under this debtor's address, is not found)."""
    creditor = make_creditor()
    debtor, neighbour = make_debtor(creditor), make_debtor(creditor)
    mine, theirs = make_account(debtor), make_account(neighbour)
    staff = StaffBrowser(app.test_client())
    staff.sign_in(make_staff(creditor, role="agent"))
    for suffix in ("", ".pdf"):
        assert staff.get(f"/staff/debtors/{debtor.id}/accounts/{mine.id}/statement{suffix}").status_code == 200
        assert staff.get(f"/staff/debtors/{debtor.id}/accounts/{theirs.id}/statement{suffix}").status_code == 404
