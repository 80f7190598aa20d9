"""A key sees only its creditor's things: every API URL naming another creditor's debtor, account, link or
hold is a 404. The rules come from the URL map, so a new endpoint fails here until it is in the tables."""

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Debtor
from tests.api_support import ACCOUNT, DEBTOR, api_for
from tests.factories import make_creditor

#: what fills each URL variable: one of the other creditor's things
NAMES = {"reference": "debtor", "account_reference": "account", "link_id": "link", "hold_id": "hold"}

#: a valid body for each endpoint, so a refusal can only come from the scoping
BODIES = {
    "api.put_debtor": DEBTOR,
    "api.put_account": ACCOUNT,
    "api.post_ledger_item": {"kind": "fee", "amount": 100, "effective_date": "2026-02-01", "reference": "S1"},
    "api.post_link": {},
    "api.revoke_link": {},
    "api.post_hold": {"kind": "breathing_space"},
    "api.end_hold": {},
    "api.get_debtor": None,
    "api.get_account": None,
}

#: PUT by reference creates the caller's own debtor: the other creditor's, with the same reference, is untouched
CREATES_ITS_OWN = {"api.put_debtor"}


def _api_rules(app):
    return sorted(
        (rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.") and rule.arguments),
        key=lambda rule: (rule.rule, rule.endpoint),
    )


def test_every_api_rule_with_variables_is_checked_here(app):
    unnamed = {f"{rule.rule}: {name}" for rule in _api_rules(app) for name in rule.arguments if name not in NAMES}
    assert not unnamed, f"add these URL variables to NAMES: {sorted(unnamed)}"
    assert {rule.endpoint for rule in _api_rules(app)} == set(BODIES), "add the endpoint's valid body to BODIES"


@pytest.fixture
def theirs(app):
    """The other creditor's debtor, account, link and hold, made through their own key."""
    api = api_for(app, make_creditor())
    api.put("/api/v1/debtors/THEIRS", DEBTOR | {"name": "Not Yours"})
    api.put("/api/v1/debtors/THEIRS/accounts/THEIR-ACC", ACCOUNT)
    link = api.post("/api/v1/debtors/THEIRS/links").get_json()["id"]
    hold = api.post("/api/v1/debtors/THEIRS/holds", {"kind": "mental_health_crisis"}).get_json()["id"]
    return {"debtor": "THEIRS", "account": "THEIR-ACC", "link": link, "hold": hold}


def test_another_creditors_things_are_not_found(app, theirs):
    mine = api_for(app, make_creditor())
    checked, wrong = 0, []
    for rule in _api_rules(app):
        if rule.endpoint in CREATES_ITS_OWN:
            continue
        path = rule.build({name: theirs[NAMES[name]] for name in rule.arguments})[1]
        for method in sorted(rule.methods & {"GET", "PUT", "POST"}):
            body = BODIES[rule.endpoint]
            response = mine.client.open(path, method=method, json=body, headers=mine._headers(None))
            checked += 1
            if response.status_code != 404 or response.mimetype != "application/problem+json":
                wrong.append(f"{method} {path}: {response.status_code}")
    assert checked >= 8
    assert not wrong, wrong


def test_putting_a_debtor_by_another_creditors_reference_makes_ones_own(app, theirs):
    mine = api_for(app, make_creditor())

    response = mine.put("/api/v1/debtors/THEIRS", DEBTOR | {"name": "Mine"})

    assert response.status_code == 201
    names = db.session.scalars(select(Debtor.full_name).where(Debtor.reference == "THEIRS").order_by(Debtor.id))
    assert list(names) == ["Not Yours", "Mine"]
