"""All models, imported here so Alembic and the app see every table."""

from portal.models.account import Account, LedgerEntry
from portal.models.api_key import ApiKey, IdempotentRequest
from portal.models.audit import AuditEvent
from portal.models.budget import Budget
from portal.models.call_back import CallBack
from portal.models.circumstance import Circumstance
from portal.models.contact_change import ContactChange
from portal.models.contact_preference import ContactPreference
from portal.models.creditor import Creditor
from portal.models.creditor_event import CreditorEvent
from portal.models.creditor_settings_version import CreditorSettingsVersion
from portal.models.debtor import Debtor
from portal.models.dispute import Dispute
from portal.models.freeze import InterestFreeze
from portal.models.hold import Hold
from portal.models.magic_link import LinkRequest, MagicLink
from portal.models.message import Message, MessageThread
from portal.models.outbound_message import OutboundMessage
from portal.models.payment import Payment, StripeCustomer, StripeEvent
from portal.models.plan import Agreement, Instalment, Plan
from portal.models.promise import Promise
from portal.models.reminder import Reminder
from portal.models.staff import DebtorView, StaffSession, StaffUser
from portal.models.text_message import TextMessage
from portal.models.trusted_helper import HelperCode, TrustedHelper
from portal.models.webhook_delivery import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from portal.models.write_off import WriteOff

__all__ = [
    "Account",
    "Agreement",
    "ApiKey",
    "AuditEvent",
    "Budget",
    "CallBack",
    "Circumstance",
    "ContactChange",
    "ContactPreference",
    "Creditor",
    "CreditorEvent",
    "CreditorSettingsVersion",
    "Debtor",
    "DebtorView",
    "Dispute",
    "HelperCode",
    "Hold",
    "IdempotentRequest",
    "Instalment",
    "InterestFreeze",
    "LedgerEntry",
    "LinkRequest",
    "MagicLink",
    "Message",
    "MessageThread",
    "OutboundMessage",
    "Payment",
    "Plan",
    "Promise",
    "Reminder",
    "StaffSession",
    "StaffUser",
    "StripeCustomer",
    "StripeEvent",
    "TextMessage",
    "TrustedHelper",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WriteOff",
]
