"""All models, imported here so Alembic and the app see every table."""

from portal.models.account import Account, LedgerEntry
from portal.models.audit import AuditEvent
from portal.models.creditor import Creditor
from portal.models.creditor_event import CreditorEvent
from portal.models.debtor import Debtor
from portal.models.magic_link import LinkRequest, MagicLink
from portal.models.payment import Payment, StripeCustomer, StripeEvent

__all__ = [
    "Account",
    "AuditEvent",
    "Creditor",
    "CreditorEvent",
    "Debtor",
    "LedgerEntry",
    "LinkRequest",
    "MagicLink",
    "Payment",
    "StripeCustomer",
    "StripeEvent",
]
