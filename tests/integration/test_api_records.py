"""Debtors, accounts and ledger items through the creditor API: PUT creates or updates, the ledger is never
rewritten, and a ledger item's reference makes a retry harmless."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.extensions import db
from portal.models import Account, Debtor, InterestFreeze, LedgerEntry
from portal.rights.service import holds
from tests.api_support import ACCOUNT, DEBTOR, api_for
from tests.conftest import Browser, main_text
from tests.factories import make_creditor, make_link, make_uk_creditor


@pytest.fixture
def creditor(app):
    creditor = make_creditor(name="Acme Lending")
    db.session.commit()
    return creditor


@pytest.fixture
def api(app, creditor):
    return api_for(app, creditor)


def _with_account(api, debtor="D1", account="A1", **changes):
    assert api.put(f"/api/v1/debtors/{debtor}", DEBTOR).status_code in (200, 201)
    response = api.put(f"/api/v1/debtors/{debtor}/accounts/{account}", ACCOUNT | changes)
    assert response.status_code in (200, 201), response.get_json()
    return response


def test_put_debtor_creates_then_updates_by_the_creditors_reference(api, creditor):
    created = api.put("/api/v1/debtors/D1", DEBTOR)
    updated = api.put("/api/v1/debtors/D1", DEBTOR | {"name": "Ana Ruiz Gómez"})

    assert created.status_code == 201
    assert created.get_json()["reference"] == "D1"
    assert created.get_json()["language"] == "es"
    assert updated.status_code == 200
    debtor = db.session.scalar(select(Debtor).where(Debtor.creditor_id == creditor.id, Debtor.reference == "D1"))
    assert debtor.full_name == "Ana Ruiz Gómez"
    assert debtor.date_of_birth == date(1980, 5, 17)


def test_a_debtor_needs_the_answer_to_the_creditors_identity_question(app):
    api = api_for(app, make_uk_creditor())

    response = api.put("/api/v1/debtors/D1", DEBTOR)

    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert "postcode" in response.get_json()["errors"]


def test_put_debtor_refuses_unknown_time_zones_naming_the_field(api):
    response = api.put("/api/v1/debtors/D1", DEBTOR | {"timezone": "Mars/Olympus"})

    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["timezone"]


def test_an_accounts_itemization_is_its_first_ledger_entry(api):
    response = _with_account(api)

    assert response.status_code == 201
    body = response.get_json()
    assert (body["balance"], body["itemization_amount"], body["currency"]) == (120_000, 120_000, "USD")
    assert body["current_creditor"] == "Acme Lending"
    entries = db.session.scalars(select(LedgerEntry).join(Account).where(Account.reference == "A1")).all()
    assert [(entry.kind, entry.amount) for entry in entries] == [("itemization", 120_000)]


def test_put_account_again_updates_its_details_and_adds_nothing_to_the_ledger(api):
    _with_account(api)

    response = _with_account(api, description="Phone contract", monthly_interest=500)

    assert response.status_code == 200
    assert response.get_json()["description"] == "Phone contract"
    assert response.get_json()["monthly_interest"] == 500
    assert db.session.scalar(select(func.count(LedgerEntry.id))) == 1


@pytest.mark.parametrize(("field", "value"), [("itemization_amount", 99_000), ("itemization_date", "2026-02-01")])
def test_changing_the_itemization_is_refused_naming_the_field(api, field, value):
    _with_account(api)

    response = api.put("/api/v1/debtors/D1/accounts/A1", ACCOUNT | {field: value})

    assert response.status_code == 409
    assert list(response.get_json()["errors"]) == [field]
    assert db.session.scalar(select(func.count(LedgerEntry.id))) == 1


def test_an_account_in_another_currency_is_refused(api):
    api.put("/api/v1/debtors/D1", DEBTOR)

    response = api.put("/api/v1/debtors/D1/accounts/A1", ACCOUNT | {"currency": "EUR"})

    assert response.status_code == 422
    assert "currency" in response.get_json()["errors"]


def test_a_debt_collector_must_say_who_the_debt_is_owed_to_now(app):
    api = api_for(app, make_creditor(is_debt_collector=True))
    api.put("/api/v1/debtors/D1", DEBTOR)

    response = api.put("/api/v1/debtors/D1/accounts/A1", ACCOUNT)

    assert response.status_code == 422
    assert "current_creditor" in response.get_json()["errors"]


def test_an_account_for_an_unknown_debtor_is_a_404(api):
    response = api.put("/api/v1/debtors/NOBODY/accounts/A1", ACCOUNT)

    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


ITEMS = "/api/v1/debtors/D1/accounts/A1/ledger-items"


@pytest.mark.parametrize(
    ("kind", "ledger_kind", "signed"),
    [
        ("charge", "fee", 1_500),
        ("fee", "fee", 1_500),
        ("interest", "interest", 1_500),
        ("adjustment", "credit", -1_500),
        ("payment", "payment", -1_500),
    ],
)
def test_ledger_items_move_the_balance_the_way_their_kind_says(api, kind, ledger_kind, signed):
    _with_account(api)

    response = api.post(ITEMS, {"kind": kind, "amount": 1_500, "effective_date": "2026-02-01", "reference": "T1"})

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["ledger_kind"], body["amount"], body["balance"]) == (ledger_kind, signed, 120_000 + signed)


def test_posting_a_ledger_item_again_by_its_reference_returns_the_same_item(api):
    _with_account(api)
    item = {"kind": "payment", "amount": 2_000, "effective_date": "2026-02-01", "reference": "PAY-1"}

    first = api.post(ITEMS, item)
    again = api.post(ITEMS, item)

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json()
    assert db.session.scalar(select(func.count(LedgerEntry.id))) == 2


def test_a_reference_used_for_another_item_is_refused(api):
    _with_account(api)
    api.post(ITEMS, {"kind": "payment", "amount": 2_000, "effective_date": "2026-02-01", "reference": "PAY-1"})

    response = api.post(
        ITEMS, {"kind": "payment", "amount": 3_000, "effective_date": "2026-02-01", "reference": "PAY-1"}
    )

    assert response.status_code == 409
    assert list(response.get_json()["errors"]) == ["reference"]


def test_the_same_reference_at_two_creditors_is_two_items(app, api):
    other = api_for(app, make_creditor())
    item = {"kind": "fee", "amount": 500, "effective_date": "2026-02-01", "reference": "FEE-1"}
    _with_account(api)
    _with_account(other)

    assert api.post(ITEMS, item).status_code == 201
    assert other.post(ITEMS, item).status_code == 201


def test_amounts_are_positive_minor_units(api):
    _with_account(api)

    response = api.post(ITEMS, {"kind": "fee", "amount": -5, "effective_date": "2026-02-01", "reference": "X"})

    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["amount"]


def _account(creditor) -> Account:
    return db.session.scalar(select(Account).join(Debtor).where(Debtor.creditor_id == creditor.id))


@pytest.mark.parametrize("kind", ["interest", "fee", "charge"])
def test_interest_and_fees_on_an_account_on_hold_are_refused_naming_the_rule(api, creditor, kind):
    _with_account(api)
    account = _account(creditor)
    holds.start_hold(account.debtor, kind="breathing_space", starts_on=clock.today_for(account.debtor), by="tests")
    db.session.commit()

    today = clock.today_for(account.debtor).isoformat()
    response = api.post(ITEMS, {"kind": kind, "amount": 500, "effective_date": today, "reference": "I1"})

    assert response.status_code == 409
    assert response.get_json()["rule"] == "hold"
    assert db.session.scalar(select(func.count(LedgerEntry.id))) == 1


def test_a_payment_on_an_account_on_hold_is_recorded(api, creditor):
    _with_account(api)
    account = _account(creditor)
    holds.start_hold(account.debtor, kind="breathing_space", starts_on=clock.today_for(account.debtor), by="tests")
    db.session.commit()

    today = clock.today_for(account.debtor).isoformat()
    response = api.post(ITEMS, {"kind": "payment", "amount": 500, "effective_date": today, "reference": "P1"})

    assert response.status_code == 201


def test_interest_on_an_account_whose_interest_is_frozen_is_refused_naming_the_rule(api, creditor):
    _with_account(api)
    account = _account(creditor)
    today = clock.today_for(account.debtor)
    db.session.add(
        InterestFreeze(
            debtor_id=account.debtor_id, account_id=account.id, starts_on=today - timedelta(days=1), created_by="tests"
        )
    )
    db.session.commit()

    response = api.post(
        ITEMS, {"kind": "interest", "amount": 500, "effective_date": today.isoformat(), "reference": "I1"}
    )

    assert response.status_code == 409
    assert response.get_json()["rule"] == "interest_freeze"


# Names in Spanish, from the creditor


def _spanish_page(app, creditor, account_reference="A1") -> str:
    """The signed-in debtor D1's account page (D1 reads Spanish)."""
    debtor = db.session.scalar(select(Debtor).where(Debtor.creditor_id == creditor.id, Debtor.reference == "D1"))
    account = db.session.scalar(
        select(Account).where(Account.debtor_id == debtor.id, Account.reference == account_reference)
    )
    browser = Browser(app.test_client())
    browser.sign_in(make_link(debtor), debtor)
    return main_text(browser.get(f"/accounts/{account.id}"))


def test_an_accounts_spanish_name_is_accepted_and_shown_on_the_debtors_spanish_page(app, api, creditor):
    response = _with_account(api, description_translations={"es": "Contrato de teléfono móvil"})

    body = response.get_json()
    assert body["description"] == "Mobile phone contract"
    assert body["description_translations"] == {"es": "Contrato de teléfono móvil"}
    spanish = api.get("/api/v1/debtors/D1/accounts/A1", headers={"Accept-Language": "es"}).get_json()
    assert spanish["description"] == "Mobile phone contract"  # the API answers with what was sent
    text = _spanish_page(app, creditor)
    assert "Contrato de teléfono móvil" in text and "Mobile phone contract" not in text


def test_an_accounts_name_in_a_language_the_portal_does_not_speak_is_refused_naming_the_field(api):
    assert api.put("/api/v1/debtors/D1", DEBTOR).status_code == 201
    response = api.put("/api/v1/debtors/D1/accounts/A1", ACCOUNT | {"description_translations": {"fr": "Contrat"}})

    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["description_translations.fr.key"]


def test_a_put_without_the_spanish_name_leaves_the_creditors_name_alone(app, api, creditor):
    _with_account(api, description_translations={"es": "Contrato de teléfono móvil"})
    _with_account(api)

    assert "Mobile phone contract" in _spanish_page(app, creditor)


def test_a_ledger_items_spanish_words_are_accepted_and_shown_on_the_debtors_spanish_page(app, api, creditor):
    _with_account(api)
    item = {
        "kind": "fee",
        "amount": 1_500,
        "effective_date": "2026-02-01",
        "reference": "F-1",
        "description": "Late payment fee",
        "description_translations": {"es": "Cargo por pago atrasado"},
    }

    response = api.post(ITEMS, item)

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["description_translations"] == {"es": "Cargo por pago atrasado"}
    text = _spanish_page(app, creditor)
    assert "Cargo : Cargo por pago atrasado" in text and "Late payment fee" not in text


def test_a_ledger_item_without_words_is_named_by_its_kind_on_the_debtors_page(app, api, creditor):
    _with_account(api)
    item = {"kind": "charge", "amount": 1_500, "effective_date": "2026-02-01", "reference": "C-1"}

    response = api.post(ITEMS, item)

    assert response.get_json()["description"] is None
    entry = db.session.scalar(select(LedgerEntry).where(LedgerEntry.external_ref.like("%:C-1")))
    assert entry.wording == "creditor_item"
    text = _spanish_page(app, creditor)
    assert "Cargo $15.00" in text
    assert "Charge" not in text
