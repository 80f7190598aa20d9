"""The admin pages: staff users and creditor settings, for admins only, and only for their own creditors."""

import html
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import time

import pytest
import requests
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from portal.extensions import db
from portal.help.call_backs import opening_hours
from portal.models import AuditEvent, Creditor, CreditorSettingsVersion, StaffSession, StaffUser
from portal.plans.policy import PlanPolicy
from tests.conftest import Browser, csrf_from, main_text
from tests.factories import make_creditor, make_debtor, make_link
from tests.live_server import serve
from tests.staff_support import PASSWORD, StaffBrowser, make_staff, next_code


@pytest.fixture
def creditor(app):
    return make_creditor(
        slug="acme", name="Acme Collections", phone="(555) 010-0100", policy={"min_instalment": 2500, "custom": 1}
    )


@pytest.fixture
def admin(app, creditor):
    return make_staff(creditor, role="admin", name="Ada Admin")


@pytest.fixture
def console(app, admin):
    browser = StaffBrowser(app.test_client())
    browser.sign_in(admin)
    return browser


def settings_form(**changes) -> dict:
    """Every field of the settings form as an admin would leave it for the `creditor` fixture, then `changes`."""
    return {
        "name": "Acme Collections",
        "brand_colour": "#1d4f91",
        "phone": "(555) 010-0100",
        "email": "",
        "website": "",
        "mailing_address": "",
        "quick_exit_url": "",
        "identity_method": "date_of_birth",
        "link_lifetime_days": "30",
        "min_instalment": "25.00",
        "max_term_months": "24",
        "auto_accept_max_term_months": "24",
        "frequencies": ["weekly", "fortnightly", "four_weekly", "monthly"],
        "settlement_discount_min_pct": "",
        "settlement_discount_max_pct": "",
        "first_payment_within_days": "30",
        "move_payment_later_days": "14",
        "missed_payments_to_break": "2",
        "retry_attempts": "2",
        "retry_after_days": "3",
        "min_payment": "",
        "write_off_approval_above": "",
        "budget_guidelines": "",
        "opening_hours": "mon 09:00-17:00\ntue 09:00-17:00\nwed 09:00-17:00\nthu 09:00-17:00\nfri 09:00-17:00",
    } | changes


def admin_rules(app) -> list:
    return sorted(
        (rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("staff.admin")),
        key=lambda rule: rule.rule,
    )


def admin_path(rule, *, user_id: int, slug: str) -> str:
    values = {"user_id": user_id, "slug": slug, "number": 1, "lookup": "no-such-key"}
    return rule.build({name: values[name] for name in rule.arguments})[1]


def request(browser, rule, path: str):
    return browser.get(path) if "GET" in rule.methods else browser.post(path, {"confirmed": "yes"})


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


@pytest.mark.parametrize("role", ["agent", "supervisor"])
def test_agents_and_supervisors_are_forbidden_every_admin_route(app, creditor, admin, role):
    user = make_staff(creditor, role=role)
    browser = StaffBrowser(app.test_client())
    browser.sign_in(user)
    rules = admin_rules(app)
    assert len(rules) >= 10
    for rule in rules:
        path = admin_path(rule, user_id=admin.id, slug=creditor.slug)
        assert request(browser, rule, path).status_code == 403, path
    assert b"/staff/admin/" not in browser.get("/staff/").data


def test_an_admin_sees_nothing_of_another_creditor(app, console, admin, creditor):
    other = make_creditor(slug="other")
    theirs = make_staff(other, role="agent", name="Olga Other")
    shared = make_staff(creditor, other, role="agent", name="Sam Shared")
    db.session.commit()

    for rule in admin_rules(app):
        if rule.arguments and rule.arguments != {"user_id"}:
            path = admin_path(rule, user_id=theirs.id, slug=other.slug)
            assert request(console, rule, path).status_code == 404, path
        for user in (theirs, shared):
            if rule.arguments == {"user_id"}:
                path = admin_path(rule, user_id=user.id, slug=creditor.slug)
                assert request(console, rule, path).status_code == 404, path
    listing = console.get("/staff/admin/users").get_data(as_text=True)
    assert "Olga Other" not in listing and "Sam Shared" not in listing and "Ada Admin" in listing
    assert "other" not in console.get("/staff/admin/creditors").get_data(as_text=True).split("<main")[1]
    db.session.refresh(theirs)
    assert theirs.active and theirs.setup_token_hash is None


def test_creating_a_user_shows_the_set_up_link_once_and_the_link_works(app, console, admin, creditor):
    page = console.post(
        "/staff/admin/users/new",
        {"name": "Nina New", "email": "nina@agency.example", "role": "agent", "creditors": [str(creditor.id)]},
    )
    assert page.status_code == 200
    link = re.search(r"http://portal\.test(/staff/set-up/[\w-]+)", page.get_data(as_text=True)).group(1)

    user = db.session.scalar(select(StaffUser).where(StaffUser.email == "nina@agency.example"))
    assert user.role == "agent" and user.creditors == [creditor] and not user.is_set_up
    assert app.test_client().get(link).status_code == 200
    token = link.rsplit("/", 1)[1]
    for path in ("/staff/admin/users", f"/staff/admin/users/{user.id}"):
        assert token not in console.get(path).get_data(as_text=True)
    (created,) = events("staff.created")
    assert created.actor_id == admin.id and created.detail["staff_user"] == user.id


def test_a_user_cannot_be_created_for_a_creditor_the_admin_does_not_serve(app, console):
    other = make_creditor()
    db.session.commit()
    response = console.post(
        "/staff/admin/users/new",
        {"name": "Nina New", "email": "nina@agency.example", "role": "agent", "creditors": [str(other.id)]},
    )
    assert response.status_code == 404
    assert db.session.scalar(select(StaffUser).where(StaffUser.email == "nina@agency.example")) is None


def test_a_new_set_up_link_is_shown_once_after_confirmation_and_replaces_the_old(app, console, creditor):
    user = make_staff(creditor)
    db.session.commit()
    path = f"/staff/admin/users/{user.id}/set-up-link"

    asked = console.post(path).get_data(as_text=True)
    assert "Yes, make a new link" in asked and "/staff/set-up/" not in asked
    page = console.post(path, {"confirmed": "yes"}).get_data(as_text=True)
    link = re.search(r"http://portal\.test(/staff/set-up/[\w-]+)", page).group(1)
    assert app.test_client().get(link).status_code == 200
    assert len(events("staff.set_up_link")) == 1


def test_role_and_creditors_change_once_confirmed(app, console, admin, creditor):
    second = make_creditor(name="Beta Credit")
    admin.creditors = [creditor, second]
    user = make_staff(creditor, role="agent")
    db.session.commit()
    form = {"role": "supervisor", "creditors": [str(creditor.id), str(second.id)]}

    asked = console.post(f"/staff/admin/users/{user.id}/access", form)
    assert asked.status_code == 200 and "Yes, change them" in asked.get_data(as_text=True)
    db.session.refresh(user)
    assert user.role == "agent"

    console.post(f"/staff/admin/users/{user.id}/access", form | {"confirmed": "yes"})
    db.session.refresh(user)
    assert user.role == "supervisor" and user.creditor_ids == {creditor.id, second.id}
    (changed,) = events("staff.access_changed")
    assert changed.actor_id == admin.id and changed.detail["role"] == ["agent", "supervisor"]


def test_an_admin_cannot_take_away_their_own_admin_role_or_deactivate_themselves(app, console, admin, creditor):
    form = {"role": "supervisor", "creditors": [str(creditor.id)], "confirmed": "yes"}
    page = console.post(f"/staff/admin/users/{admin.id}/access", form, follow_redirects=True)
    assert "You cannot take away your own admin role" in page.get_data(as_text=True)
    page = console.post(f"/staff/admin/users/{admin.id}/deactivate", {"confirmed": "yes"}, follow_redirects=True)
    assert "You cannot deactivate your own account" in page.get_data(as_text=True)
    db.session.refresh(admin)
    assert admin.role == "admin" and admin.active
    assert console.get("/staff/admin/users").status_code == 200


def test_deactivating_a_user_ends_their_sessions(app, console, creditor):
    user = make_staff(creditor)
    theirs = StaffBrowser(app.test_client())
    theirs.sign_in(user)
    assert theirs.get("/staff/").status_code == 200

    assert console.post(f"/staff/admin/users/{user.id}/deactivate").status_code == 200  # the question
    assert theirs.get("/staff/").status_code == 200
    console.post(f"/staff/admin/users/{user.id}/deactivate", {"confirmed": "yes"})

    response = theirs.get("/staff/")
    assert response.status_code == 302 and "/staff/sign-in" in response.location
    db.session.refresh(user)
    assert not user.active
    assert db.session.scalar(select(StaffSession).where(StaffSession.staff_user_id == user.id)).ended_reason == (
        "deactivated"
    )
    assert events("staff.deactivated")[0].detail["sessions_ended"] == 1

    console.post(f"/staff/admin/users/{user.id}/reactivate", {"confirmed": "yes"})
    db.session.refresh(user)
    assert user.active and len(events("staff.reactivated")) == 1


def test_ending_a_users_sessions_signs_them_out(app, console, creditor):
    user = make_staff(creditor)
    theirs = StaffBrowser(app.test_client())
    theirs.sign_in(user)

    console.post(f"/staff/admin/users/{user.id}/end-sessions", {"confirmed": "yes"})

    response = theirs.get("/staff/")
    assert response.status_code == 302 and "/staff/sign-in" in response.location
    db.session.refresh(user)
    assert user.active
    assert events("staff.sessions_ended")[0].detail["sessions_ended"] == 1


def test_the_staff_list_shows_open_sessions_and_set_up(app, console, creditor):
    make_staff(creditor, name="Una Unset", password_hash=None, totp_secret=None)
    db.session.commit()
    page = console.get("/staff/admin/users").get_data(as_text=True)
    assert "Una Unset" in page and "Not set up" in page


def test_a_settings_change_is_confirmed_versioned_audited_and_shown_to_debtors(app, console, admin, creditor):
    debtor = make_debtor(creditor)
    db.session.commit()
    form = settings_form(phone="(555) 010-9999", min_instalment="30.50", write_off_approval_above="1,000")

    asked = console.post("/staff/admin/creditors/acme", form).get_data(as_text=True)
    assert "(555) 010-9999" in asked and "Yes, save these settings" in asked
    db.session.refresh(creditor)
    assert creditor.phone == "(555) 010-0100"

    console.post("/staff/admin/creditors/acme", form | {"confirmed": "yes"})

    db.session.refresh(creditor)
    assert creditor.phone == "(555) 010-9999"
    assert creditor.policy["min_instalment"] == 3050 and creditor.policy["write_off_approval_above"] == 100_000
    assert creditor.policy["custom"] == 1
    first, second = db.session.scalars(select(CreditorSettingsVersion).order_by(CreditorSettingsVersion.version))
    assert (first.version, first.changed_by_id, first.settings["phone"]) == (1, None, "(555) 010-0100")
    assert second.version == 2 and second.changed_by_id == admin.id and second.changed_by_name == "Ada Admin"
    assert second.changes == {
        "phone": ["(555) 010-0100", "(555) 010-9999"],
        "min_instalment": [2500, 3050],
        "write_off_approval_above": [None, 100_000],
    }
    (audited,) = events("creditor.settings_changed")
    assert audited.actor_id == admin.id and audited.detail["version"] == 2

    history = console.get("/staff/admin/creditors/acme").get_data(as_text=True)
    assert "Version 2" in history and "Ada Admin" in history
    old = console.get("/staff/admin/creditors/acme/versions/1").get_data(as_text=True)
    assert "(555) 010-0100" in old and "25.00" in old

    debtor_browser = Browser(app.test_client())
    debtor_browser.sign_in(make_link(debtor), debtor)
    assert "(555) 010-9999" in debtor_browser.get("/", follow_redirects=True).get_data(as_text=True)


def test_saving_unchanged_settings_makes_no_version(app, console, creditor):
    page = console.post("/staff/admin/creditors/acme", settings_form(), follow_redirects=True)
    assert "Nothing changed" in page.get_data(as_text=True)
    assert db.session.scalar(select(CreditorSettingsVersion)) is None


def test_a_low_contrast_accent_colour_is_refused(app, console, creditor):
    response = console.post("/staff/admin/creditors/acme", settings_form(brand_colour="#FFDD00", confirmed="yes"))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "There is a problem" in page and "White text on #ffdd00 is too hard to read" in page
    db.session.refresh(creditor)
    assert creditor.brand_colour == "#1d4f91"


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("min_instalment", "-5", "Enter an amount more than 0"),
        ("min_instalment", "five", "Enter an amount, like 50 or 50.00"),
        ("max_term_months", "121", "Enter a number of months from 1 to 120"),
        ("move_payment_later_days", "29", "Enter a number of days from 0 to 28"),
        ("auto_accept_max_term_months", "30", "Enter a number of months from 0 to the longest plan"),
        ("settlement_discount_max_pct", "100", "Enter a percentage from 0 to 99"),
        ("settlement_discount_min_pct", "", "Enter the smallest discount too"),
        ("website", "northwind.example", "Enter a web address starting with https://"),
        ("budget_guidelines", "nonsense", "Line 1: write a budget item"),
    ],
)
def test_a_bad_setting_is_refused_with_a_field_error(app, console, creditor, field, typed, message):
    form = settings_form(settlement_discount_min_pct="10", settlement_discount_max_pct="20", confirmed="yes")
    response = console.post("/staff/admin/creditors/acme", form | {field: typed})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f'href="#{field}"' in page and message in page
    assert db.session.scalar(select(CreditorSettingsVersion)) is None


def test_how_far_a_payment_may_move_later_is_kept_where_the_plans_read_it(app, console, creditor):
    console.post("/staff/admin/creditors/acme", settings_form(move_payment_later_days="7", confirmed="yes"))
    db.session.refresh(creditor)
    assert creditor.policy["move_payment_later_days"] == 7
    assert PlanPolicy.from_dict(creditor.policy).move_payment_later_days == 7


def test_the_quick_exit_address_is_set_versioned_and_where_the_debtors_exit_button_goes(app, console, admin, creditor):
    debtor = make_debtor(creditor)
    db.session.commit()
    form = settings_form(quick_exit_url="https://www.weather.gov/", confirmed="yes")

    console.post("/staff/admin/creditors/acme", form)

    db.session.refresh(creditor)
    assert creditor.policy["quick_exit_url"] == "https://www.weather.gov/" and creditor.policy["custom"] == 1
    version = db.session.scalar(select(CreditorSettingsVersion).where(CreditorSettingsVersion.version == 2))
    assert version.changes == {"quick_exit_url": [None, "https://www.weather.gov/"]}
    assert 'value="https://www.weather.gov/"' in console.get("/staff/admin/creditors/acme").get_data(as_text=True)
    debtor_browser = Browser(app.test_client())
    debtor_browser.sign_in(make_link(debtor), debtor)
    assert 'data-quick-exit="https://www.weather.gov/"' in debtor_browser.get("/accounts/").get_data(as_text=True)


def test_emptying_the_quick_exit_address_goes_back_to_the_portals_site(app, console, creditor):
    creditor.policy = creditor.policy | {"quick_exit_url": "https://www.weather.gov/"}
    db.session.commit()

    console.post("/staff/admin/creditors/acme", settings_form(quick_exit_url="", confirmed="yes"))

    db.session.refresh(creditor)
    assert "quick_exit_url" not in creditor.policy and creditor.policy["custom"] == 1


@pytest.mark.parametrize(
    "typed",
    [
        "http://www.weather.gov/",
        "www.weather.gov",
        "javascript:alert(1)",
        "https://",
        "https://localhost/",
        "https://www.weather .gov/",
        "https://user@www.weather.gov/",
        "https://www.weather.gov:port/",
    ],
)
def test_a_quick_exit_address_that_is_not_a_whole_https_address_is_refused(app, console, creditor, typed):
    response = console.post("/staff/admin/creditors/acme", settings_form(quick_exit_url=typed, confirmed="yes"))

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'href="#quick_exit_url"' in page
    assert "Enter a web address starting with https://, or leave it empty" in page
    db.session.refresh(creditor)
    assert "quick_exit_url" not in creditor.policy


def test_frequencies_need_at_least_one(app, console, creditor):
    form = settings_form(confirmed="yes")
    del form["frequencies"]
    response = console.post("/staff/admin/creditors/acme", form)
    assert response.status_code == 400 and "Choose at least one" in response.get_data(as_text=True)


def test_guideline_figures_are_kept_where_the_budget_tool_reads_them(app, console, creditor):
    form = settings_form(budget_guidelines="food persons:2 450\nrent per_person 300.50", confirmed="yes")
    console.post("/staff/admin/creditors/acme", form)
    db.session.refresh(creditor)
    assert creditor.policy["budget_guidelines"] == {"food": {"persons:2": 45000}, "rent": {"per_person": 30050}}
    assert "food persons:2 450.00" in console.get("/staff/admin/creditors/acme").get_data(as_text=True)


def test_the_confirmation_page_carries_every_field_as_typed(app, console, creditor):
    typed = settings_form(budget_guidelines="food persons:2 450\nrent per_person 300.50", frequencies=["monthly"])
    page = console.post("/staff/admin/creditors/acme", typed).get_data(as_text=True)
    carried = [
        (name, html.unescape(value))
        for name, value in re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page)
        if name != "csrf_token"
    ]
    assert ("frequencies", "monthly") in carried

    console.post("/staff/admin/creditors/acme", MultiDict([*carried, ("confirmed", "yes")]).to_dict(flat=False))

    db.session.refresh(creditor)
    assert creditor.policy["frequencies"] == ["monthly"]
    assert creditor.policy["budget_guidelines"] == {"food": {"persons:2": 45000}, "rent": {"per_person": 30050}}


def test_the_nav_shows_admin_links_to_admins(app, console):
    page = console.get("/staff/").get_data(as_text=True)
    assert 'href="/staff/admin/users"' in page and 'href="/staff/admin/creditors"' in page


def test_opening_hours_are_changed_versioned_audited_and_where_call_backs_read_them(app, console, admin, creditor):
    hours = "mon 08:30-18:00\nsat 10:00-13:00"
    asked = console.post("/staff/admin/creditors/acme", settings_form(opening_hours=hours)).get_data(as_text=True)
    assert "Opening hours for call backs" in asked and "sat 10:00-13:00" in asked

    console.post("/staff/admin/creditors/acme", settings_form(opening_hours=hours, confirmed="yes"))

    db.session.refresh(creditor)
    assert creditor.policy["opening_hours"] == {"mon": ["08:30", "18:00"], "sat": ["10:00", "13:00"]}
    assert creditor.policy["custom"] == 1
    assert opening_hours(creditor.policy) == {"mon": (time(8, 30), time(18)), "sat": (time(10), time(13))}
    version = db.session.scalar(select(CreditorSettingsVersion).where(CreditorSettingsVersion.version == 2))
    assert list(version.changes) == ["opening_hours"]
    (audited,) = events("creditor.settings_changed")
    assert audited.detail["changed"] == ["opening_hours"]
    assert "sat 10:00-13:00" in console.get("/staff/admin/creditors/acme").get_data(as_text=True)


def test_without_opening_hours_set_the_default_is_monday_to_friday_9_to_5(app, console, creditor):
    assert opening_hours(creditor.policy) == {day: (time(9), time(17)) for day in ("mon", "tue", "wed", "thu", "fri")}
    assert "fri 09:00-17:00" in console.get("/staff/admin/creditors/acme").get_data(as_text=True)


def test_emptying_the_opening_hours_offers_no_call_backs(app, console, creditor):
    console.post("/staff/admin/creditors/acme", settings_form(opening_hours="", confirmed="yes"))
    db.session.refresh(creditor)
    assert creditor.policy["opening_hours"] == {} and opening_hours(creditor.policy) == {}
    version = db.session.scalar(select(CreditorSettingsVersion).where(CreditorSettingsVersion.version == 2))
    assert "Closed every day: no call backs" in console.get(
        f"/staff/admin/creditors/acme/versions/{version.version}"
    ).get_data(as_text=True)


@pytest.mark.parametrize(
    "typed",
    ["monday 09:00-17:00", "mon 17:00-09:00", "mon 09:00-17:00\nmon 10:00-12:00", "mon 25:00-26:00", "mon 9-5"],
)
def test_opening_hours_that_cannot_be_read_are_refused(app, console, creditor, typed):
    response = console.post("/staff/admin/creditors/acme", settings_form(opening_hours=typed, confirmed="yes"))
    assert response.status_code == 400
    assert "write a day and the hours it is open" in response.get_data(as_text=True)
    db.session.refresh(creditor)
    assert "opening_hours" not in creditor.policy


def test_the_promise_rules_are_versioned_and_kept_where_the_promises_read_them(app, console, creditor):
    form = settings_form(promise_latest_days="14", promise_min_amount="20.00", promise_max_open="2", confirmed="yes")
    console.post("/staff/admin/creditors/acme", form)
    db.session.refresh(creditor)
    policy = PlanPolicy.from_dict(creditor.policy)
    assert (policy.promise_latest_days, policy.least_promise, policy.promise_max_open) == (14, 2_000, 2)
    version = db.session.scalar(select(CreditorSettingsVersion).order_by(CreditorSettingsVersion.version.desc()))
    assert set(version.changes) == {"promise_latest_days", "promise_min_amount", "promise_max_open"}
    page = main_text(console.get("/staff/admin/creditors/acme"))
    assert "Promises to pay" in page


def test_emptied_promise_rules_go_back_to_their_defaults(app, console, creditor):
    console.post("/staff/admin/creditors/acme", settings_form(promise_latest_days="14", confirmed="yes"))
    console.post("/staff/admin/creditors/acme", settings_form(promise_latest_days="", confirmed="yes"))
    db.session.refresh(creditor)
    assert "promise_latest_days" not in creditor.policy
    assert PlanPolicy.from_dict(creditor.policy).promise_latest_days == 30


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("promise_latest_days", "91", "Enter a number of days from 1 to 90, or leave it empty"),
        ("promise_max_open", "0", "Enter a number from 1 to 5, or leave it empty"),
        ("promise_min_amount", "0", "Enter an amount more than 0, or leave it empty"),
    ],
)
def test_a_promise_rule_out_of_range_is_refused(app, console, creditor, field, typed, message):
    response = console.post("/staff/admin/creditors/acme", settings_form(confirmed="yes") | {field: typed})
    assert response.status_code == 400 and message in response.get_data(as_text=True)


def test_a_settlement_in_up_to_3_payments_is_set_in_the_console_and_read_by_the_plans(app, console, creditor):
    console.post("/staff/admin/creditors/acme", settings_form(settlement_instalments_max="3", confirmed="yes"))
    db.session.refresh(creditor)
    assert PlanPolicy.from_dict(creditor.policy).settlement_instalments_max == 3
    console.post("/staff/admin/creditors/acme", settings_form(settlement_instalments_max="", confirmed="yes"))
    db.session.refresh(creditor)
    assert "settlement_instalments_max" not in creditor.policy
    response = console.post(
        "/staff/admin/creditors/acme", settings_form(settlement_instalments_max="4", confirmed="yes")
    )
    assert response.status_code == 400 and "Enter a number from 1 to 3, or leave it empty" in response.get_data(
        as_text=True
    )


# Two admins changing the same creditor's settings: the second never quietly undoes the first


def _based_on(console) -> str:
    page = console.get("/staff/admin/creditors/acme").get_data(as_text=True)
    return re.search(r'name="based_on" value="(\d+)"', page)[1]


def test_a_form_drawn_before_another_admin_saved_is_refused_and_theirs_is_kept(app, console, creditor):
    drawn_from = _based_on(console)
    other = StaffBrowser(app.test_client())
    other.sign_in(make_staff(creditor, role="admin", name="Bo Admin"))
    saved = other.post(
        "/staff/admin/creditors/acme", settings_form(phone="(555) 010-0199", based_on=_based_on(other), confirmed="yes")
    )
    assert saved.status_code == 302

    stale = console.post(
        "/staff/admin/creditors/acme", settings_form(name="Acme Recovery", based_on=drawn_from, confirmed="yes")
    )

    assert stale.status_code == 303
    page = main_text(console.get("/staff/admin/creditors/acme"))
    assert "Someone else saved these settings while you were changing them, so yours were not saved." in page
    db.session.refresh(creditor)
    assert creditor.phone == "(555) 010-0199" and creditor.name == "Acme Collections"
    assert db.session.scalar(select(func.max(CreditorSettingsVersion.version))) == 2


def test_admins_saving_at_the_same_moment_make_one_version_and_no_error(app_on_each_database):
    """Over real HTTP, each save its own thread and database connection, on SQLite and PostgreSQL."""
    app = app_on_each_database
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_size": 10, "max_overflow": 0}
    creditor = make_creditor(slug="acme", name="Acme Collections", phone="(555) 010-0100", policy={"custom": 1})
    admins = [make_staff(creditor, role="admin") for _ in range(6)]
    db.session.commit()
    with serve(app) as base_url:
        browsers = [_signed_in_admin(base_url, admin) for admin in admins]
        barrier = threading.Barrier(len(browsers))

        def save(numbered):
            number, (browser, token) = numbered
            form = settings_form(phone=f"(555) 010-01{number:02d}", based_on="0", confirmed="yes", csrf_token=token)
            barrier.wait()
            return browser.post(base_url + "/staff/admin/creditors/acme", data=form, allow_redirects=False).status_code

        with ThreadPoolExecutor(max_workers=len(browsers)) as pool:
            statuses = list(pool.map(save, enumerate(browsers)))
    db.session.expire_all()
    versions = db.session.scalars(select(CreditorSettingsVersion).order_by(CreditorSettingsVersion.version)).all()
    assert set(statuses) <= {302, 303}, statuses
    assert statuses.count(302) == 1  # saved; the others were told someone else saved first (303)
    assert [version.version for version in versions] == [1, 2]
    assert db.session.get(Creditor, creditor.id).phone == versions[1].settings["phone"]


def _signed_in_admin(base_url: str, admin) -> tuple[requests.Session, str]:
    browser = requests.Session()
    token = csrf_from(browser.get(base_url + "/staff/sign-in", timeout=10).text)
    form = {"csrf_token": token, "email": admin.email, "password": PASSWORD}
    code_page = browser.post(base_url + "/staff/sign-in", data=form, timeout=10)
    browser.post(
        base_url + "/staff/sign-in/code", data={"csrf_token": csrf_from(code_page.text), "code": next_code(admin)}
    )
    page = browser.get(base_url + "/staff/admin/creditors/acme", timeout=10)
    assert page.status_code == 200, page.url
    return browser, csrf_from(page.text)
