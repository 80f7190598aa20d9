"""Services raise domain errors; the web answers each exactly as the HTTP error it stands for."""

import re
from datetime import timedelta

import pytest
from flask import abort

from portal import clock
from portal.accounts.service import get_account_for
from portal.budget import service as budgets
from portal.budget.structures import load_structure
from portal.domain_errors import Conflict, DomainError, NotAllowedNow, NotFoundForOwner
from portal.extensions import db
from portal.help.service import circumstances, messages
from portal.models import Account, Dispute, Payment
from portal.ownership import get_owned
from portal.payments import service as payments
from portal.plans.service.changes import pay_extra
from portal.plans.service.collection import extra_key
from portal.plans.service.making import submit_proposal
from portal.plans.service.progress import get_plan_for
from portal.rights.service import disputes
from tests.conftest import main_text
from tests.factories import make_account, make_debtor, make_link, make_uk_creditor
from tests.plan_support import POLICY

#: (domain error, the status abort() gave for the same case)
MAPPING = [(NotFoundForOwner, 404), (NotAllowedNow, 400), (Conflict, 409)]
#: what differs between two requests for the same page
_PER_REQUEST = re.compile(r'(nonce="|value="|"X-CSRFToken": ")[^"]*"')


@pytest.fixture
def app(app):
    """The app with throwaway routes: one raises a domain error, the other aborts with a status."""
    errors = {error.__name__: error for error, _ in MAPPING} | {"DomainError": DomainError}

    def raise_error(name: str):
        raise errors[name]("a message for the log, never for the page")

    def abort_with(code: int):
        abort(code)

    app.add_url_rule("/_test/raise/<name>", view_func=raise_error)
    app.add_url_rule("/_test/abort/<int:code>", view_func=abort_with)
    return app


#: each answer's own request id, on error pages
_REQUEST_ID = re.compile(r"(?<=reference: )[0-9a-f]{12}")


def _same_page(response) -> str:
    return _REQUEST_ID.sub("…", _PER_REQUEST.sub(r'\1…"', response.get_data(as_text=True)))


@pytest.mark.parametrize(("error", "code"), MAPPING)
@pytest.mark.parametrize("accept", ["text/html", "application/json"])
def test_a_domain_error_gets_exactly_the_answer_abort_gave(client, error, code, accept):
    raised = client.get(f"/_test/raise/{error.__name__}", headers={"Accept": accept})
    aborted = client.get(f"/_test/abort/{code}", headers={"Accept": accept})
    assert raised.status_code == aborted.status_code == code
    assert raised.mimetype == aborted.mimetype == accept
    assert _same_page(raised) == _same_page(aborted)
    assert "a message for the log" not in raised.get_data(as_text=True)


@pytest.mark.parametrize(
    ("error", "json"),
    [
        (NotFoundForOwner, {"error": "Not Found", "status": 404}),
        (NotAllowedNow, {"error": "Bad Request", "status": 400}),
        (Conflict, {"error": "Conflict", "status": 409}),
    ],
)
def test_a_client_that_asks_for_json_gets_the_status_and_its_name(client, error, json):
    response = client.get(f"/_test/raise/{error.__name__}", headers={"Accept": "application/json"})
    assert response.get_json() == json


def test_someone_elses_thing_is_the_kind_page_not_found(client):
    response = client.get("/_test/raise/NotFoundForOwner")
    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in response.get_data(as_text=True)


def test_a_bare_domain_error_is_a_mistake_in_our_code_so_a_500(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # answer as production does, instead of raising into the test
    response = client.get("/_test/raise/DomainError")
    assert response.status_code == 500
    assert "Sorry, something went wrong on our side" in response.get_data(as_text=True)


# The services


@pytest.fixture
def debtor(app):
    debtor = make_debtor(make_uk_creditor(policy=POLICY))
    db.session.commit()
    return debtor


@pytest.mark.parametrize(
    "load",
    [
        lambda debtor: get_plan_for(debtor, "PL-NOPE"),
        lambda debtor: payments.get_payment_for(debtor, "P-NOPE"),
        lambda debtor: disputes.get_dispute_for(debtor, "D-NOPE"),
        lambda debtor: budgets.get_budget_for(debtor, 999_999),
        lambda debtor: circumstances.get_circumstance_for(debtor, "C-NOPE"),
        lambda debtor: messages.get_thread_for(debtor, 999_999),
        lambda debtor: get_account_for(debtor, 999_999),
    ],
    ids=["plan", "payment", "dispute", "budget", "circumstance", "thread", "account"],
)
def test_every_loader_says_not_found_for_this_owner(debtor, load):
    with pytest.raises(NotFoundForOwner):
        load(debtor)


def test_another_persons_account_is_not_found_for_this_debtor(debtor):
    someone_else = make_debtor(debtor.creditor)
    theirs = make_account(someone_else)
    db.session.commit()
    with pytest.raises(NotFoundForOwner):
        get_account_for(debtor, theirs.id)
    assert get_account_for(someone_else, theirs.id) is theirs


def test_the_one_loader_names_what_it_did_not_find_for_whom(debtor):
    someone_else = make_debtor(debtor.creditor)
    theirs = make_account(someone_else)
    db.session.commit()
    with pytest.raises(NotFoundForOwner, match=rf"^No account {theirs.id} for debtor {debtor.id}\.$"):
        get_owned(Account, debtor, "account", id=theirs.id)
    with pytest.raises(NotFoundForOwner, match=rf"^No dispute 'D-NOPE' for debtor {debtor.id}\.$"):
        get_owned(Dispute, debtor, "dispute", reference="D-NOPE")
    assert get_owned(Account, someone_else, "account", id=theirs.id) is theirs


@pytest.mark.parametrize("position", [0, -1, 10_000])
def test_a_budget_step_that_does_not_exist_is_not_found(position):
    structure = load_structure("UK")
    with pytest.raises(NotFoundForOwner):
        budgets.section_at(structure, position)


def test_a_payment_key_used_for_another_account_is_a_conflict(debtor):
    first, second = make_account(debtor), make_account(debtor)
    payment = payments.start_payment(debtor, first, 5_000, "k" * 32)
    assert payments.start_payment(debtor, first, 5_000, "k" * 32) is payment  # the same payment again
    with pytest.raises(Conflict):
        payments.start_payment(debtor, second, 5_000, "k" * 32)
    with pytest.raises(Conflict):
        payments.start_payment(make_debtor(debtor.creditor), first, 5_000, "k" * 32)
    assert db.session.scalar(db.select(db.func.count(Payment.id))) == 1


def test_a_payment_whose_reference_clashes_gets_another_not_a_conflict(debtor, monkeypatch):
    account = make_account(debtor)
    taken = payments.start_payment(debtor, account, 5_000, "t" * 32)
    references = iter([taken.reference, "P-FRESH"])
    monkeypatch.setattr(payments, "new_reference", lambda prefix: next(references))
    payment = payments.start_payment(debtor, account, 5_000, "k" * 32)
    assert (payment.reference, payment.idempotency_key) == ("P-FRESH", "k" * 32)
    assert db.session.scalar(db.select(db.func.count(Payment.id))) == 2


def test_an_extra_payment_key_used_by_someone_else_is_a_conflict(debtor):
    account = make_account(debtor, [("itemization", 60_000)])
    plan = submit_proposal(debtor, account, 10_000, "monthly", clock.today_for(debtor) + timedelta(days=7))
    someone_else = make_debtor(debtor.creditor)
    theirs = make_account(someone_else)
    db.session.add(
        Payment(
            reference="P-THEIRS",
            idempotency_key=extra_key(plan, "k" * 32),
            account_id=theirs.id,
            debtor_id=someone_else.id,
            amount=1_000,
            currency=theirs.currency,
            status="new",
        )
    )
    db.session.commit()
    with pytest.raises(Conflict):
        pay_extra(plan, debtor, 1_000, "k" * 32, gateway=None)


# Through the web


def test_reusing_a_payment_key_on_another_account_is_refused_with_409(debtor, browser):
    first, second = make_account(debtor), make_account(debtor)
    db.session.commit()
    browser.sign_in(make_link(debtor), debtor)
    page = browser.get(f"/accounts/{first.id}/pay").get_data(as_text=True)
    key = re.search(r'name="idempotency_key" type="hidden" value="([^"]+)"', page).group(1)
    form = {"choice": "other", "amount": "50", "idempotency_key": key}
    paid = browser.post(f"/accounts/{first.id}/pay", form)
    assert paid.status_code == 303
    payment = db.session.scalar(db.select(Payment).where(Payment.account_id == first.id))
    assert paid.headers["Location"] == f"/pay/{payment.reference}"
    refused = browser.post(f"/accounts/{second.id}/pay", form)
    assert refused.status_code == 409
    assert "Sorry, there is a problem" in refused.get_data(as_text=True)
    assert "Sorry, there is a problem Nothing has changed on your account." in main_text(refused)
    assert db.session.scalar(db.select(db.func.count(Payment.id)).where(Payment.account_id == second.id)) == 0


def test_another_persons_plan_is_still_a_404_page(debtor, browser):
    db.session.commit()
    browser.sign_in(make_link(debtor), debtor)
    response = browser.get("/plans/PL-SOMEONE-ELSES")
    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in response.get_data(as_text=True)
