"""`Idempotency-Key` on every POST: the same key and body get the same answer and nothing is done twice; the
same key with another body is a 409."""

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import ApiKey, Hold, IdempotentRequest, LedgerEntry, MagicLink
from tests.api_support import ACCOUNT, DEBTOR, api_for
from tests.factories import make_creditor


@pytest.fixture
def api(app):
    api = api_for(app, make_creditor())
    api.put("/api/v1/debtors/D1", DEBTOR)
    api.put("/api/v1/debtors/D1/accounts/A1", ACCOUNT)
    return api


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize(
    ("path", "body", "model"),
    [
        ("/api/v1/debtors/D1/links", {"campaign": "spring"}, MagicLink),
        ("/api/v1/debtors/D1/holds", {"kind": "breathing_space"}, Hold),
        (
            "/api/v1/debtors/D1/accounts/A1/ledger-items",
            {"kind": "fee", "amount": 500, "effective_date": "2026-02-01", "reference": "F1"},
            LedgerEntry,
        ),
    ],
)
def test_a_retry_with_the_same_key_gets_the_same_answer_and_does_nothing_twice(api, path, body, model):
    before = _count(model)

    first = api.post(path, body, headers={"Idempotency-Key": "retry-1"})
    again = api.post(path, body, headers={"Idempotency-Key": "retry-1"})

    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert _count(model) == before + 1


def test_the_same_key_with_another_body_is_a_conflict(api):
    api.post("/api/v1/debtors/D1/links", {"campaign": "spring"}, headers={"Idempotency-Key": "k"})

    response = api.post("/api/v1/debtors/D1/links", {"campaign": "autumn"}, headers={"Idempotency-Key": "k"})

    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"
    assert list(response.get_json()["errors"]) == ["Idempotency-Key"]
    assert _count(MagicLink) == 1


def test_the_same_key_on_another_url_is_a_conflict(api):
    api.post("/api/v1/debtors/D1/links", {}, headers={"Idempotency-Key": "k"})

    response = api.post("/api/v1/debtors/D1/holds", {"kind": "breathing_space"}, headers={"Idempotency-Key": "k"})

    assert response.status_code == 409
    assert _count(Hold) == 0


def test_keys_of_different_api_keys_do_not_meet(app, api):
    other = api_for(app, make_creditor())
    other.put("/api/v1/debtors/D1", DEBTOR)

    api.post("/api/v1/debtors/D1/links", {}, headers={"Idempotency-Key": "k"})
    response = other.post("/api/v1/debtors/D1/links", {}, headers={"Idempotency-Key": "k"})

    assert response.status_code == 201
    assert _count(MagicLink) == 2


def test_a_refused_request_is_not_stored_so_its_retry_runs_again(api):
    refused = api.post("/api/v1/debtors/NOBODY/links", {}, headers={"Idempotency-Key": "k"})
    api.put("/api/v1/debtors/NOBODY", DEBTOR)

    retried = api.post("/api/v1/debtors/NOBODY/links", {}, headers={"Idempotency-Key": "k"})

    assert (refused.status_code, retried.status_code) == (404, 201)


def test_a_key_still_being_handled_elsewhere_is_a_conflict(api):
    key = db.session.scalar(select(ApiKey))
    db.session.add(IdempotentRequest(api_key_id=key.id, idempotency_key="k", request_hash="0" * 64))
    db.session.commit()

    response = api.post("/api/v1/debtors/D1/links", {}, headers={"Idempotency-Key": "k"})

    assert response.status_code == 409
    assert _count(MagicLink) == 0


def test_an_overlong_idempotency_key_is_a_problem_naming_it(api):
    response = api.post("/api/v1/debtors/D1/links", {}, headers={"Idempotency-Key": "k" * 256})

    assert response.status_code == 400
    assert list(response.get_json()["errors"]) == ["Idempotency-Key"]
