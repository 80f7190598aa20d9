"""What the privacy notice says for a creditor, and the copy of everything we hold about one debtor.

The copy is built table by table with named fields, every query scoped to the debtor, so that nothing
is in it by accident: no card numbers (we never have them), no sign-in tokens, no attachment contents,
and the debtor's own words about their circumstances only while they consent to our keeping them.
"""

import json
import math
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from portal import clock, outbox
from portal.extensions import db
from portal.models import (
    Account,
    Agreement,
    AuditEvent,
    Budget,
    CallBack,
    Circumstance,
    ContactChange,
    ContactPreference,
    Creditor,
    CreditorEvent,
    Debtor,
    Dispute,
    Hold,
    Instalment,
    LedgerEntry,
    LinkRequest,
    MagicLink,
    Message,
    MessageThread,
    OutboundMessage,
    Payment,
    Plan,
)
from portal.models.audit import record


def retention_years(creditor: Creditor) -> int:
    """How long we keep a debtor's information, in whole years as the notice says it (portal.outbox holds the rule)."""
    return math.ceil(outbox.retention_days(creditor) / 366)


def find_creditor(slug: str) -> Creditor | None:
    return db.session.scalar(select(Creditor).where(Creditor.slug == slug))


def _fields(row, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(row, name) for name in names}


def _all(query) -> list:
    return list(db.session.scalars(query))


def everything_about(debtor: Debtor) -> dict[str, Any]:
    """Everything we hold about the debtor, as plain data (dates stay dates until `as_json`)."""
    creditor = debtor.creditor
    accounts = _all(select(Account).where(Account.debtor_id == debtor.id).order_by(Account.id))
    references = {account.id: account.reference for account in accounts}
    entries = _all(
        select(LedgerEntry)
        .where(LedgerEntry.account_id.in_(select(Account.id).where(Account.debtor_id == debtor.id)))
        .order_by(LedgerEntry.id)
    )
    plans = _all(select(Plan).where(Plan.debtor_id == debtor.id).order_by(Plan.id))
    plan_references = {plan.id: plan.reference for plan in plans}
    instalments = _all(
        select(Instalment)
        .where(Instalment.plan_id.in_(select(Plan.id).where(Plan.debtor_id == debtor.id)))
        .order_by(Instalment.plan_id, Instalment.number)
    )
    threads = _all(select(MessageThread).where(MessageThread.debtor_id == debtor.id).order_by(MessageThread.id))
    messages = _all(select(Message).where(Message.debtor_id == debtor.id).order_by(Message.id))
    preference = db.session.scalar(select(ContactPreference).where(ContactPreference.debtor_id == debtor.id))

    def account_of(row) -> str | None:
        return references.get(row.account_id)

    return {
        "about_this_file": {
            "made_at": clock.now(),
            "held_by": _fields(creditor, ("name", "mailing_address", "email", "phone", "website")),
        },
        "your_details": _fields(
            debtor,
            (
                "reference",
                "full_name",
                "date_of_birth",
                "postcode",
                "address",
                "email",
                "phone",
                "locale",
                "timezone",
                "created_at",
            ),
        ),
        "contact_preferences": preference
        and _fields(
            preference,
            ("email_on", "sms_on", "post_on", "windows", "discreet", "contact_at_work", "email_is_work", "updated_at"),
        ),
        "accounts": [
            _fields(
                account,
                (
                    "reference",
                    "description",
                    "description_translations",
                    "original_creditor",
                    "original_reference",
                    "currency",
                    "status",
                    "itemization_date",
                    "itemization_creditor",
                    "current_creditor",
                    "validation_notice_sent_on",
                    "time_barred",
                    "statute_barred",
                    "monthly_interest",
                    "created_at",
                ),
            )
            | {
                "balance": sum(entry.amount for entry in entries if entry.account_id == account.id),
                "ledger": [
                    _fields(
                        entry,
                        (
                            "kind",
                            "amount",
                            "effective_date",
                            "wording",
                            "reference",
                            "description",
                            "description_translations",
                            "created_at",
                        ),
                    )
                    for entry in entries
                    if entry.account_id == account.id
                ],
            }
            for account in accounts
        ],
        "payments": [
            {"account": account_of(payment)}
            | _fields(
                payment,
                (
                    "reference",
                    "amount",
                    "currency",
                    "status",
                    "card_brand",
                    "card_last4",
                    "failure_code",
                    "created_at",
                    "succeeded_at",
                ),
            )
            for payment in _all(select(Payment).where(Payment.debtor_id == debtor.id).order_by(Payment.id))
        ],
        "plans": [
            {"account": account_of(plan)}
            | _fields(
                plan,
                (
                    "reference",
                    "status",
                    "kind",
                    "source",
                    "frequency",
                    "payday",
                    "currency",
                    "balance_at_start",
                    "total",
                    "instalment_amount",
                    "saving",
                    "first_date",
                    "proposed_amount",
                    "review_reasons",
                    "review_by",
                    "pay_first_now",
                    "card_brand",
                    "card_last4",
                    "missed_count",
                    "pause_requested_at",
                    "pause_months",
                    "pause_reason",
                    "review_outcome",
                    "review_note",
                    "reviewed_by",
                    "reviewed_at",
                    "created_at",
                    "agreed_at",
                    "activated_at",
                    "ended_at",
                ),
            )
            | {
                "instalments": [
                    _fields(
                        instalment,
                        (
                            "number",
                            "due_date",
                            "amount",
                            "status",
                            "attempts",
                            "declines",
                            "retry_on",
                            "failure_code",
                            "paid_at",
                            "missed_at",
                            "reminded_at",
                        ),
                    )
                    for instalment in instalments
                    if instalment.plan_id == plan.id
                ]
            }
            for plan in plans
        ],
        "agreements": [
            {"plan": plan_references.get(agreement.plan_id)}
            | _fields(agreement, ("version", "language", "text", "agreed_at", "ip_address"))
            for agreement in _all(select(Agreement).where(Agreement.debtor_id == debtor.id).order_by(Agreement.id))
        ],
        "budgets": [
            _fields(
                budget,
                (
                    "jurisdiction",
                    "currency",
                    "mode",
                    "adults",
                    "children",
                    "vehicles",
                    "lines",
                    "explanations",
                    "essentials_confirmed_at",
                    "completed_at",
                    "created_at",
                    "updated_at",
                ),
            )
            for budget in _all(select(Budget).where(Budget.debtor_id == debtor.id).order_by(Budget.id))
        ],
        "disputes": [
            {"account": account_of(dispute)}
            | _fields(
                dispute,
                (
                    "reference",
                    "kind",
                    "reason",
                    "details",
                    "status",
                    "within_validation_period",
                    "outcome",
                    "resolution_note",
                    "resolved_by",
                    "resolved_at",
                    "delivered_at",
                    "delivered_by",
                    "created_at",
                ),
            )
            | {
                "attachment": dispute.attachment_key
                and {
                    "filename": dispute.attachment_filename,
                    "size": dispute.attachment_size,
                    "type": dispute.attachment_content_type,
                }
            }
            for dispute in _all(select(Dispute).where(Dispute.debtor_id == debtor.id).order_by(Dispute.id))
        ],
        "circumstances": [
            _fields(
                circumstance,
                (
                    "reference",
                    "kinds",
                    "helps",
                    "consented_at",
                    "consent_withdrawn_at",
                    "reminders_paused_until",
                    "status",
                    "reviewed_at",
                    "reviewed_by_name",
                    "review_note",
                    "created_at",
                ),
            )
            | {"details": circumstance.details if _still_consented(circumstance) else None}
            for circumstance in _all(
                select(Circumstance).where(Circumstance.debtor_id == debtor.id).order_by(Circumstance.id)
            )
        ],
        "holds": [
            {"account": account_of(hold)}
            | _fields(hold, ("kind", "starts_on", "ends_on", "finished_at", "note", "created_by", "created_at"))
            for hold in _all(select(Hold).where(Hold.debtor_id == debtor.id).order_by(Hold.id))
        ],
        "messages": [
            _fields(thread, ("subject", "created_at"))
            | {
                "messages": [
                    _fields(message, ("sender", "staff_name", "body", "created_at"))
                    for message in messages
                    if message.thread_id == thread.id
                ]
            }
            for thread in threads
        ],
        "emails_and_texts_to_you": [
            {"account": account_of(outbound)}
            | _fields(outbound, ("channel", "to_address", "template", "state", "outcome", "created_at", "finished_at"))
            for outbound in _all(
                select(OutboundMessage).where(OutboundMessage.debtor_id == debtor.id).order_by(OutboundMessage.id)
            )
        ],
        "updates_to_the_creditor": [
            {"account": account_of(event)} | _fields(event, ("kind", "data", "created_at", "delivered_at"))
            for event in _all(
                select(CreditorEvent).where(CreditorEvent.debtor_id == debtor.id).order_by(CreditorEvent.id)
            )
        ],
        "sign_in_links": [
            _fields(
                link,
                (
                    "campaign",
                    "created_at",
                    "expires_at",
                    "revoked_at",
                    "open_count",
                    "last_opened_at",
                    "failed_attempts",
                    "locked_at",
                    "sign_in_count",
                ),
            )
            for link in _all(select(MagicLink).where(MagicLink.debtor_id == debtor.id).order_by(MagicLink.id))
        ],
        "contact_details_given": [
            _fields(change, ("kind", "new_value", "created_at", "confirmed_at", "cancelled_at"))
            for change in _all(
                select(ContactChange).where(ContactChange.debtor_id == debtor.id).order_by(ContactChange.id)
            )
        ],
        "call_backs": [
            _fields(
                call_back,
                (
                    "status",
                    "slot_start",
                    "slot_end",
                    "reason",
                    "note",
                    "phone",
                    "created_at",
                    "cancelled_at",
                    "done_at",
                    "done_note",
                ),
            )
            for call_back in _all(select(CallBack).where(CallBack.debtor_id == debtor.id).order_by(CallBack.id))
        ],
        "new_link_requests": [
            _fields(request, ("reason", "contact", "created_at", "handled_at"))
            for request in _all(select(LinkRequest).where(LinkRequest.debtor_id == debtor.id).order_by(LinkRequest.id))
        ],
        "activity": [
            _fields(event, ("action", "actor_type", "detail", "created_at"))
            | {"ip_address": event.ip_address if event.actor_type == "debtor" else None}
            for event in _all(select(AuditEvent).where(AuditEvent.debtor_id == debtor.id).order_by(AuditEvent.id))
        ],
    }


def _still_consented(circumstance: Circumstance) -> bool:
    return circumstance.consented_at is not None and circumstance.consent_withdrawn_at is None


def _plain(value: Any) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not in the copy's vocabulary")


def as_json(data: dict[str, Any]) -> str:
    return json.dumps(data, default=_plain, ensure_ascii=False, indent=2)


def download(debtor: Debtor) -> str:
    """The debtor's copy, as JSON, with an audit event (the request commits it): a copy of someone's
    data leaving us is something staff must be able to see happened."""
    text = as_json(everything_about(debtor))
    record("privacy.data_downloaded", actor_type="debtor", actor_id=debtor.id, debtor_id=debtor.id)
    return text
