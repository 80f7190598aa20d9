"""Build test data with as little ceremony as a test needs."""

from datetime import UTC, date, datetime, timedelta
from itertools import count

from portal import clock
from portal.extensions import db
from portal.links import service
from portal.models import Account, Creditor, Debtor, LedgerEntry, Payment
from portal.models.account import LedgerWording
from portal.references import new_reference

_ids = count(1)


def make_creditor(**overrides) -> Creditor:
    n = next(_ids)
    fields = {
        "slug": f"creditor-{n}",
        "name": f"Creditor {n}",
        "jurisdiction": "US",
        "currency": "USD",
        "locale": "en_US",
        "timezone": "America/New_York",
        "identity_method": "date_of_birth",
        "link_lifetime_days": 30,
        "phone": "(555) 010-0100",
        "policy": {},
    }
    fields.update(overrides)
    creditor = Creditor(**fields)
    db.session.add(creditor)
    db.session.flush()
    return creditor


def make_uk_creditor(**overrides) -> Creditor:
    fields = {
        "jurisdiction": "UK",
        "currency": "GBP",
        "locale": "en_GB",
        "timezone": "Europe/London",
        "identity_method": "postcode",
    }
    return make_creditor(**(fields | overrides))


def make_debtor(creditor: Creditor | None = None, **overrides) -> Debtor:
    n = next(_ids)
    fields = {
        "creditor": creditor or make_creditor(),
        "reference": f"D-{n}",
        "full_name": f"Debtor Number{n}",
        "date_of_birth": date(1980, 5, 17),
        "postcode": "LS6 2AB",
    }
    fields.update(overrides)
    debtor = Debtor(**fields)
    db.session.add(debtor)
    db.session.flush()
    return debtor


def make_account(debtor: Debtor, entries: list[tuple[str, int]] | None = None, **overrides) -> Account:
    """An account with ledger entries given as (kind, amount), a day apart from the itemization date."""
    n = next(_ids)
    fields = {
        "debtor": debtor,
        "reference": f"ACC-{n}",
        "description": f"Account {n}",
        "original_creditor": "Original Bank",
        "currency": debtor.creditor.currency,
        "itemization_date": date(2026, 1, 15),
    }
    fields.update(overrides)
    # Owed to the creditor itself, unless it is a debt collector: then to the debt's owner.
    creditor = debtor.creditor
    fields.setdefault("current_creditor", fields["original_creditor"] if creditor.is_debt_collector else creditor.name)
    account = Account(**fields)
    db.session.add(account)
    for day, (kind, amount) in enumerate(entries or [("itemization", 100_000)]):
        db.session.add(
            LedgerEntry(
                account=account,
                kind=kind,
                amount=amount,
                effective_date=account.itemization_date + timedelta(days=day),
                external_ref=f"test:{n}:{day}",
            )
        )
    db.session.flush()
    return account


def make_payment(debtor: Debtor, account: Account, key: str, *, status: str = "new", amount: int = 2_000) -> Payment:
    """A card payment on the account with this idempotency key; a succeeded one has its ledger entry."""
    payment = Payment(
        reference=new_reference("P"),
        idempotency_key=key,
        account_id=account.id,
        debtor_id=debtor.id,
        amount=amount,
        currency=account.currency,
        status=status,
    )
    if status == "succeeded":
        payment.succeeded_at = datetime.now(UTC)
        payment.ledger_entry = LedgerEntry(
            account=account,
            kind="payment",
            amount=-amount,
            effective_date=clock.today_for(debtor),
            wording=LedgerWording.CARD_PAYMENT,
            reference=payment.reference,
            external_ref=f"pi_{payment.reference}",
        )
    db.session.add(payment)
    db.session.flush()
    return payment


def make_link(debtor: Debtor, **kwargs) -> str:
    """A new link for the debtor; returns the path to open it."""
    _, token = service.issue_link(debtor, **kwargs)
    db.session.commit()
    return f"/l/{token}"


def make_card_debtor(policy: dict | None = None, **overrides) -> Debtor:
    """Sarah Jones, who owes Harbour Credit (UK, with a phone number) and has an email address: the card
    and plan tests' debtor, under the creditor `policy` the test is about."""
    creditor = make_uk_creditor(name="Harbour Credit", phone="0113 496 0321", policy=policy or {})
    return make_debtor(creditor, **({"full_name": "Sarah Jones", "email": "sarah@example.co.uk"} | overrides))
