"""A creditor's own records, one at a time: create or update a debtor or an account by the creditor's
reference, and add ledger items that a retry cannot double. The creditor API calls these; the CSV import
writes its own bulk path.

Rules:
- An account's itemization (date and amount) becomes its first ledger entry. The ledger is append-only, so
  an update that would change the itemization is refused (RecordConflict naming the field): the creditor
  posts an adjustment instead.
- A ledger item's reference is unique per creditor. The same reference again, for the same account, kind and
  amount, is the same item (returned, not added); with anything else it is refused.
- Interest and fees on an account on hold, or whose interest is frozen, are refused by the models
  (portal.models.hold, portal.models.freeze); `add_ledger_item` turns that into LedgerItemRefused.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import available_timezones

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.accounts.ledger import sums_by_kind
from portal.domain_errors import Conflict, NotAllowedNow, NotFoundForOwner
from portal.extensions import db
from portal.models import Account, Creditor, Debtor, LedgerEntry
from portal.models.account import LedgerKind, LedgerWording
from portal.models.freeze import LedgerEntryFrozen
from portal.models.hold import LedgerEntryOnHold
from portal.ownership import get_owned
from portal.translated import clean_translations


class InvalidRecord(NotAllowedNow):
    """A field's value can't be stored as sent."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


class RecordConflict(Conflict):
    """The request clashes with what is already recorded (a field that may not change, a reused reference)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


class LedgerItemRefused(Conflict):
    """A rule of the account refuses the item now: `rule` is "hold" or "interest_freeze"."""

    def __init__(self, rule: str, message: str):
        super().__init__(message)
        self.rule = rule
        self.message = message


DEBTOR_FIELDS = ("full_name", "date_of_birth", "postcode", "email", "phone", "address", "locale", "timezone")


def put_debtor(creditor: Creditor, reference: str, fields: dict[str, Any]) -> tuple[Debtor, bool]:
    """Create the creditor's debtor with this reference, or replace its details; returns it and whether it is new.

    Absent optional fields are cleared (a PUT says everything); the creditor's identity question needs its
    answer (date of birth or postcode), or no one could sign in.
    """
    identity = creditor.identity_method
    if not fields.get(identity):
        raise InvalidRecord(identity, f"{creditor.name} asks debtors for their {identity.replace('_', ' ')}")
    if fields.get("locale") and fields["locale"] not in current_app.config["LANGUAGES"]:
        raise InvalidRecord("locale", f"use one of {', '.join(current_app.config['LANGUAGES'])}")
    if fields.get("timezone") and fields["timezone"] not in available_timezones():
        raise InvalidRecord("timezone", "use an IANA time zone, e.g. Europe/London")
    debtor = db.session.scalar(select(Debtor).where(Debtor.creditor_id == creditor.id, Debtor.reference == reference))
    created = debtor is None
    if created:
        debtor = Debtor(creditor_id=creditor.id, reference=reference)
        db.session.add(debtor)
    for name in DEBTOR_FIELDS:
        setattr(debtor, name, fields.get(name))
    db.session.flush()
    return debtor, created


def get_debtor(creditor: Creditor, reference: str) -> Debtor:
    """The creditor's own debtor; another creditor's debtor is not found."""
    debtor = db.session.scalar(select(Debtor).where(Debtor.creditor_id == creditor.id, Debtor.reference == reference))
    if debtor is None:
        raise NotFoundForOwner(f"No debtor {reference!r} for creditor {creditor.id}.")
    return debtor


def get_account(debtor: Debtor, reference: str) -> Account:
    return get_owned(Account, debtor, "account", reference=reference)


ACCOUNT_FIELDS = (
    "description",
    "description_translations",
    "original_creditor",
    "original_reference",
    "itemization_creditor",
    "current_creditor",
    "monthly_interest",
    "validation_notice_sent_on",
    "time_barred",
    "payment_restarts_time_limit",
    "statute_barred",
)


def put_account(debtor: Debtor, reference: str, fields: dict[str, Any]) -> tuple[Account, bool]:
    """Create the debtor's account with its itemization as the first ledger entry, or update its details.

    The itemization never changes once recorded: an update with another date or amount is refused.
    """
    creditor = debtor.creditor
    currency = fields.get("currency") or creditor.currency
    if currency != creditor.currency:
        raise InvalidRecord("currency", f"accounts are in {creditor.currency}, the creditor's currency")
    fields = dict(fields)
    if not fields.get("current_creditor"):
        if creditor.is_debt_collector:
            raise InvalidRecord("current_creditor", "say who the debt is owed to now (Regulation F)")
        fields["current_creditor"] = creditor.name
    account = db.session.scalar(select(Account).where(Account.debtor_id == debtor.id, Account.reference == reference))
    created = account is None
    if created:
        account = Account(
            debtor=debtor,
            reference=reference,
            currency=currency,
            itemization_date=fields["itemization_date"],
        )
        db.session.add(account)
        db.session.add(
            LedgerEntry(
                account=account,
                kind=LedgerKind.ITEMIZATION,
                amount=fields["itemization_amount"],
                effective_date=fields["itemization_date"],
            )
        )
    else:
        _refuse_itemization_change(account, fields["itemization_date"], fields["itemization_amount"])
    for name in ACCOUNT_FIELDS:
        default = False if name in ("time_barred", "payment_restarts_time_limit", "statute_barred") else None
        value = fields.get(name, default)
        if name == "description_translations":
            value = clean_translations(value)
        setattr(account, name, 0 if name == "monthly_interest" and value is None else value)
    db.session.flush()
    return account, created


def _refuse_itemization_change(account: Account, on: date, amount: int) -> None:
    if on != account.itemization_date:
        raise RecordConflict("itemization_date", "the itemization is recorded; post an adjustment instead")
    if amount != sums_by_kind(account).get(LedgerKind.ITEMIZATION, 0):
        raise RecordConflict("itemization_amount", "the itemization is recorded; post an adjustment instead")


@dataclass(frozen=True)
class ItemKind:
    """How a creditor's kind of ledger item is stored: the portal's ledger kind, and which way it moves the
    balance (the creditor always sends a positive amount)."""

    ledger_kind: LedgerKind
    sign: int


ITEM_KINDS = {
    "charge": ItemKind(LedgerKind.FEE, +1),
    "fee": ItemKind(LedgerKind.FEE, +1),
    "interest": ItemKind(LedgerKind.INTEREST, +1),
    "adjustment": ItemKind(LedgerKind.CREDIT, -1),
    "payment": ItemKind(LedgerKind.PAYMENT, -1),
}


def _external_ref(creditor_id: int, reference: str) -> str:
    """Ledger references are unique across the portal; a creditor's are unique within its own name space."""
    return f"creditor:{creditor_id}:{reference}"


def add_ledger_item(
    account: Account,
    *,
    kind: str,
    amount: int,
    effective_date: date,
    reference: str,
    description: str | None = None,
    description_translations: dict[str, str] | None = None,
) -> tuple[LedgerEntry, bool]:
    """Add a ledger item once: returns it and whether it is new (False: this reference was already posted).

    `description` is the creditor's own words for it, `description_translations` the same in other languages
    ({"es": "…"}); with no words, pages name the item by its kind, in their own language.

    The unique external reference decides between two racing posts: the loser finds the winner's item.
    """
    item = ITEM_KINDS[kind]
    external_ref = _external_ref(account.debtor.creditor_id, reference)
    signed = item.sign * amount
    existing = _item_by_ref(external_ref)
    if existing is None:
        entry = LedgerEntry(
            account_id=account.id,
            kind=item.ledger_kind,
            amount=signed,
            effective_date=effective_date,
            description=description or None,
            description_translations=clean_translations(description_translations) if description else None,
            wording=None if description else LedgerWording.CREDITOR_ITEM,
            external_ref=external_ref,
        )
        try:
            with db.session.begin_nested():
                db.session.add(entry)
                db.session.flush()
            return entry, True
        except LedgerEntryFrozen as refused:
            raise LedgerItemRefused("interest_freeze", str(refused)) from refused
        except LedgerEntryOnHold as refused:
            raise LedgerItemRefused("hold", str(refused)) from refused
        except IntegrityError:
            existing = _item_by_ref(external_ref)
            if existing is None:
                raise
    if (existing.account_id, existing.kind, existing.amount) != (account.id, item.ledger_kind, signed):
        raise RecordConflict("reference", "this reference was already used for another ledger item")
    return existing, False


def _item_by_ref(external_ref: str) -> LedgerEntry | None:
    return db.session.scalar(select(LedgerEntry).where(LedgerEntry.external_ref == external_ref))
