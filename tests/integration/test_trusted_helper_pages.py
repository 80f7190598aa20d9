"""A helper's access, page by page over the app's URL map: a helper who may only look sees every debtor page but
those refused to helpers (and card entry), and a helper of one debtor finds nothing of another debtor's anywhere.
The rules come from the URL map, so a new page is checked the day it is added."""

import pytest

from portal import clock
from portal.debtor_pages import is_debtor_endpoint
from portal.extensions import db
from portal.trusted import service
from tests.conftest import Browser, csrf_from
from tests.factories import make_debtor, make_uk_creditor
from tests.integration.test_every_route_is_scoped import _ask, _everything, _kind, _methods, _path, _scoped_rules
from tests.plan_support import POLICY
from tests.stripe_server import settings  # noqa: F401  (plans save a card with localstripe)

#: values for the URL variables of pages anyone may open
PUBLIC_VALUES = {"token": "not-a-real-token", "code": "NOTACODE23"}


def _helper_of(app, debtor, **allowed) -> Browser:
    """A helper of the debtor, signed in as a helper is (their link, then their code)."""
    helper = service.invite(
        debtor,
        name="Ana Lopez",
        email="ana@example.org",
        relationship="debt_adviser",
        may_propose=allowed.get("may_propose", False),
        may_pay=allowed.get("may_pay", False),
        now=clock.now(),
    )
    code = service.send_code(helper, now=clock.now())
    typed = service.new_code(code, now=clock.now())
    db.session.commit()
    browser = Browser(app.test_client())
    browser.get(f"/h/{service.link_for(helper).rsplit('/h/', 1)[1]}")
    page = browser.get("/helping/code").get_data(as_text=True)
    browser.client.post("/helping/code", data={"csrf_token": csrf_from(page), "code": typed})
    assert browser.get("/accounts/").status_code == 200
    return browser


@pytest.fixture
def debtor(app):
    debtor = make_debtor(make_uk_creditor(policy=POLICY))
    db.session.commit()
    return debtor


def test_a_helper_finds_nothing_of_another_debtors_on_any_route(app, localstripe, debtor):
    stranger = make_debtor(debtor.creditor)
    db.session.commit()
    theirs = _everything(stranger, localstripe)
    browser = _helper_of(app, debtor, may_propose=True, may_pay=True)
    token = browser.token()
    answered = {}
    for things in theirs.both_plans():
        for rule in _scoped_rules(app):
            path = _path(rule, things)
            for method in _methods(rule):
                status = _ask(browser, token, method, path).status_code
                if status not in (403, 404):
                    answered[f"{method} {path} ({rule.endpoint})"] = status
    assert not answered, "another debtor's things must be refused or not found, but these answered:\n" + "\n".join(
        f"{request}: {status}" for request, status in answered.items()
    )


def _debtor_gets(app, things, creditor_slug: str) -> list[tuple[str, str]]:
    found = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        if "GET" not in rule.methods or not is_debtor_endpoint(rule.endpoint):
            continue
        if rule.endpoint.startswith("helping.") or rule.endpoint == "links.signed_out":
            continue
        values = {}
        for name in rule.arguments:
            if name in PUBLIC_VALUES:
                values[name] = PUBLIC_VALUES[name]
            elif name == "slug":
                values[name] = creditor_slug
            else:
                values[name] = getattr(things, _kind(name, rule.endpoint))
        found.append((rule.endpoint, rule.build(values)[1]))
    return found


#: the debtor pages a helper who may only look is refused: signing in as the debtor, their contact details and
#: preferences, their data, what they told us about their circumstances, who helps them, and card entry
REFUSED_TO_LOOKERS = {
    "help.circumstance",
    "help.contact",
    "help.contact_details",
    "help.details_address",
    "help.details_email",
    "help.details_email_code",
    "help.details_mobile",
    "help.details_mobile_code",
    "links.open_link",
    "links.open_short_link",
    "links.start",
    "links.verify",
    "payments.amount",
    "payments.card",
    "plans.card",
    "plans.confirm_payment",
    "plans.pay_extra",
    "privacy.my_data",
    "stop.confirm",
    "trusted.end",
    "trusted.helpers",
    "trusted.invite",
}


def test_a_helper_who_may_only_look_sees_every_debtor_page_but_those_refused(app, localstripe, debtor):
    things = _everything(debtor, localstripe)
    browser = _helper_of(app, debtor)
    pages = _debtor_gets(app, things, debtor.creditor.slug)
    assert len(pages) > 60
    answers = {endpoint: browser.get(path).status_code for endpoint, path in pages}
    assert {endpoint for endpoint, status in answers.items() if status == 403} == REFUSED_TO_LOOKERS
    shown = {endpoint: status for endpoint, status in answers.items() if endpoint not in REFUSED_TO_LOOKERS}
    # a US validation notice is not found for this UK debtor, helped or not
    assert {endpoint: status for endpoint, status in shown.items() if status not in (200, 302, 303)} == {
        "rights.validation": 404
    }
