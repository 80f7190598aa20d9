"""Every URL that names a debtor's thing is a 404 for any other debtor: the rules come from the app's URL map,
so a new route is checked the day it is added, or this test fails and says which rule to add to the table."""

from dataclasses import dataclass, replace
from datetime import timedelta

import pytest
from werkzeug.routing import Rule

from portal import clock
from portal.budget import service as budgets
from portal.extensions import db
from portal.help.service import circumstances, messages
from portal.models import Promise
from portal.plans.service.making import submit_proposal
from portal.references import new_reference
from portal.rights.service import disputes
from portal.trusted import service as trusted
from tests.conftest import Browser
from tests.factories import make_account, make_creditor, make_debtor, make_link, make_payment, make_uk_creditor
from tests.plan_support import POLICY, active_plan
from tests.stripe_server import settings  # noqa: F401  (plans save a card with localstripe)

#: which of a debtor's things fills a URL variable: (variable, endpoint), or (variable, None) on any endpoint
NAMES = {
    ("account_id", None): "account",
    ("budget_id", None): "budget",
    ("thread_id", None): "thread",
    ("position", None): "position",
    # a quick budget has no sections, and a full one no quick form
    ("budget_id", "budget.quick"): "quick_budget",
    ("reference", "payments.card"): "payment",
    ("reference", "payments.setup"): "payment",
    ("reference", "payments.confirm"): "payment",
    ("reference", "payments.retry"): "payment",
    ("reference", "payments.receipt"): "receipt",
    ("reference", "plans.plan"): "plan",
    ("reference", "plans.calendar_file"): "plan",
    ("reference", "plans.agreement_copy"): "plan",
    ("reference", "plans.cancel"): "plan",
    ("reference", "plans.card"): "plan",
    ("reference", "plans.card_confirm"): "plan",
    ("reference", "plans.card_retry"): "plan",
    ("reference", "plans.card_setup"): "plan",
    ("reference", "plans.check"): "plan",
    ("reference", "plans.how_to_pay"): "plan",
    ("reference", "plans.done"): "plan",
    ("reference", "plans.pause"): "plan",
    ("reference", "plans.pay_extra"): "plan",
    ("reference", "plans.payment_day"): "plan",
    ("reference", "plans.confirm_payment"): "plan_payment",
    ("reference", "plans.confirm_payment_json"): "plan_payment",
    ("reference", "rights.dispute_status"): "dispute",
    ("reference", "help.circumstance"): "circumstance",
    ("reference", "help.withdraw_consent"): "circumstance",
    ("reference", "promises.made"): "promise",
    ("helper_id", None): "helper",
}

#: endpoints that are public by design, so not scoped to a signed-in debtor
PUBLIC = {
    # the app's CSS and JavaScript, the same for everyone
    "static",
    # a magic link: the token is the credential, and opening it leads to the identity question
    "links.open_link",
    # its short address: a random code stands for the token
    "links.open_short_link",
    # a creditor's privacy notice, readable before anyone signs in
    "privacy.public_notice",
    # an email's opt-out link: the signed token names one debtor's email and can only turn it off
    "stop.confirm",
    "stop.stop",
    # a helper's own link: the token names one helper, and opening it leads to the code emailed to them
    "helping.open_link",
}


@dataclass
class Things:
    """One of everything a URL can name, all belonging to one debtor: what each URL variable is filled with."""

    account: int
    payment: str
    receipt: str
    plan: str
    plan_payment: str
    budget: int
    quick_budget: int
    dispute: str
    circumstance: str
    thread: int
    #: a proposal still to be agreed, on an account of its own: plan pages answer a draft differently
    draft_plan: str
    draft_account: int
    #: a promise to pay (on its own account, as a promise is not made beside a plan)
    promise: str = ""
    #: someone the debtor trusts to help
    helper: int = 0
    #: a section of the full budget: it exists for every debtor, so the budget id is what is scoped
    position: int = 1

    def both_plans(self) -> list["Things"]:
        """These things, then the same with the draft plan and its account in place of the agreed one's."""
        return [self, replace(self, plan=self.draft_plan, account=self.draft_account)]


def _payment(debtor, account, key: str, *, succeeded: bool) -> str:
    return make_payment(debtor, account, key, status="succeeded" if succeeded else "new").reference


def _everything(debtor, stripe) -> Things:
    account = make_account(debtor)
    disputed = make_account(debtor)
    proposed = make_account(debtor)
    db.session.commit()
    plan = active_plan(debtor, account, stripe)
    draft = submit_proposal(debtor, proposed, 10_000, "monthly", clock.today_for(debtor) + timedelta(days=3))
    dispute = disputes.open_dispute(
        debtor,
        disputed,
        reason=disputes.DISPUTE_REASONS[0],
        details="Not mine.",
        attachment=None,
        attachment_key=None,
        today=clock.today_for(debtor),
    )
    things = Things(
        account=account.id,
        payment=_payment(debtor, account, f"one-off:{debtor.id}", succeeded=False),
        receipt=_payment(debtor, account, f"receipt:{debtor.id}", succeeded=True),
        plan=plan.reference,
        plan_payment=_payment(debtor, account, f"plan:{plan.id}:extra:{debtor.id}", succeeded=True),
        budget=budgets.start_budget(debtor, "full").id,
        quick_budget=budgets.start_budget(debtor, "quick").id,
        dispute=dispute.reference,
        circumstance=circumstances.disclose(
            debtor, kinds=["income"], helps=["more_time"], details="Hours cut."
        ).reference,
        thread=messages.start_thread(debtor, None, "When is my payment due?").id,
        draft_plan=draft.reference,
        draft_account=proposed.id,
        promise=_promise(debtor),
        helper=trusted.invite(
            debtor,
            name="Ana Lopez",
            email="ana@example.org",
            relationship="debt_adviser",
            may_propose=False,
            may_pay=False,
            now=clock.now(),
        ).id,
    )
    db.session.commit()
    return things


def _promise(debtor) -> str:
    account = make_account(debtor)
    promise = Promise(
        reference=new_reference("PR"),
        debtor_id=debtor.id,
        account_id=account.id,
        amount=5_000,
        currency=account.currency,
        due_on=clock.today_for(debtor) + timedelta(days=5),
    )
    db.session.add(promise)
    db.session.flush()
    return promise.reference


def _scoped_rules(app) -> list[Rule]:
    """The debtors' rules; the console's are scoped to a staff user's creditors (test_staff_scoping.py), the
    creditor API's to its key's creditor (test_api_scoping.py)."""
    rules = [
        rule
        for rule in app.url_map.iter_rules()
        if rule.arguments and rule.endpoint not in PUBLIC and not rule.endpoint.startswith(("staff.", "api."))
    ]
    return sorted(rules, key=lambda rule: (rule.rule, rule.endpoint))


def _kind(variable: str, endpoint: str) -> str | None:
    return NAMES.get((variable, endpoint)) or NAMES.get((variable, None))


def _unnamed(rule: Rule) -> list[str]:
    """The rule's variables the table cannot fill."""
    return sorted(name for name in rule.arguments if _kind(name, rule.endpoint) is None)


def _path(rule: Rule, things: Things) -> str:
    return rule.build({name: getattr(things, _kind(name, rule.endpoint)) for name in rule.arguments})[1]


def _methods(rule: Rule) -> list[str]:
    return sorted(rule.methods & {"GET", "POST"})


def _signed_in(app, debtor) -> tuple[Browser, str]:
    browser = Browser(app.test_client())
    browser.sign_in(make_link(debtor), debtor)
    return browser, browser.token()


def _ask(browser: Browser, token: str, method: str, path: str):
    if method == "GET":
        return browser.get(path)
    # filled in as the pages' own forms would be, so a refusal cannot come from a form that is merely incomplete
    form = {"csrf_token": token, "idempotency_key": "x" * 32, "choice": "full", "details": "Mine now.", "body": "Hi."}
    return browser.client.post(path, data=form, headers={"X-CSRFToken": token})


def test_every_route_with_variables_is_checked_here_or_public_by_design(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert not PUBLIC - endpoints, f"public endpoints that no longer exist, remove them: {sorted(PUBLIC - endpoints)}"
    stale = {endpoint for _, endpoint in NAMES if endpoint is not None} - endpoints
    assert not stale, f"endpoints that no longer exist, remove them from NAMES: {sorted(stale)}"
    unchecked = [f"{rule.rule} ({rule.endpoint}): {_unnamed(rule)}" for rule in _scoped_rules(app) if _unnamed(rule)]
    assert not unchecked, (
        "these rules have URL variables this test cannot fill: add them to NAMES "
        "(or to PUBLIC, with the reason, if anyone may open them):\n" + "\n".join(unchecked)
    )


def _uk_creditor():
    return make_uk_creditor(policy=POLICY)


def _us_creditor():
    return make_creditor(policy=POLICY)


@pytest.mark.parametrize(
    ("theirs_at", "ours_at"),
    [
        pytest.param("same", _uk_creditor, id="UK-debtor-at-the-same-creditor"),
        pytest.param("same", _us_creditor, id="US-debtor-at-the-same-creditor"),
        pytest.param(_us_creditor, _uk_creditor, id="UK-debtor-and-a-US-creditors-debtor"),
        pytest.param(_uk_creditor, _us_creditor, id="US-debtor-and-a-UK-creditors-debtor"),
    ],
)
def test_another_debtors_things_are_not_found_on_any_route(app, localstripe, theirs_at, ours_at):
    debtor = make_debtor(ours_at())
    stranger = make_debtor(debtor.creditor if theirs_at == "same" else theirs_at())
    db.session.commit()
    theirs = _everything(stranger, localstripe)
    _everything(debtor, localstripe)
    browser, token = _signed_in(app, debtor)

    answered = {}
    for things in theirs.both_plans():
        for rule in _scoped_rules(app):
            path = _path(rule, things)
            for method in _methods(rule):
                status = _ask(browser, token, method, path).status_code
                if status != 404:
                    answered[f"{method} {path} ({rule.endpoint})"] = status
    assert not answered, "another debtor's things must be 404, but these answered:\n" + "\n".join(
        f"{request}: {status}" for request, status in answered.items()
    )


def test_a_debtors_own_things_are_found_on_every_page(app, localstripe):
    """The other half: the same URLs filled with the debtor's own things open (for one jurisdiction at least,
    as some pages are the law of one), so the test above cannot pass by answering 404 to everything."""
    owners = [make_debtor(_uk_creditor()), make_debtor(_us_creditor())]
    db.session.commit()
    owned = [(debtor, _everything(debtor, localstripe)) for debtor in owners]
    not_found: dict[str, list[str]] = {}
    for debtor, things in owned:
        browser, _ = _signed_in(app, debtor)
        for rule in _scoped_rules(app):
            if "GET" in rule.methods and browser.get(_path(rule, things)).status_code == 404:
                not_found.setdefault(f"{rule.rule} ({rule.endpoint})", []).append(debtor.creditor.jurisdiction)
    nowhere = [rule for rule, where in not_found.items() if len(where) == len(owners)]
    assert not nowhere, "these pages are 404 for their own debtor too, so 404 for another proves nothing:\n" + (
        "\n".join(nowhere)
    )
