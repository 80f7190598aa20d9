"""Disputes and original-creditor requests: opening one pauses collection; staff answer it.

- A dispute marks the account "disputed": collection_paused() then says no to the collect and
  remind jobs until it is resolved. An original-creditor request leaves the status alone but,
  while it is open, pauses collection all the same (FDCPA section 809(b)).
- An account has at most one open dispute and one open request at a time; sending another
  returns the open one.
- Resolving a dispute: "confirmed" and "corrected" put the account back as it was (or on hold,
  if a hold now covers it); "upheld" means the debtor was right, so the account is closed.

Functions flush nothing themselves and never commit; the caller commits once.
"""

from datetime import UTC, date, datetime

from flask import abort

from portal import events
from portal.extensions import db
from portal.models import Account, Debtor, Dispute
from portal.models.audit import record
from portal.models.dispute import DISPUTE_OUTCOMES, DISPUTE_REASONS
from portal.references import new_reference
from portal.rights import holds
from portal.rights.attachments import CheckedFile
from portal.rights.validation import validation_period_end

#: outcomes that answer each kind
OUTCOMES_FOR = {"dispute": ("confirmed", "corrected", "upheld"), "original_creditor": ("answered",)}


class DisputeError(ValueError):
    """A dispute can't move that way (named, so callers and the CLI can say why)."""


class AlreadyResolved(DisputeError):
    pass


class WrongOutcome(DisputeError):
    pass


def _within_validation_period(account: Account, today: date) -> bool | None:
    if account.debtor.creditor.jurisdiction != "US" or account.validation_notice_sent_on is None:
        return None
    return today <= validation_period_end(account.validation_notice_sent_on)


# Reading


def get_dispute_for(debtor: Debtor, reference: str) -> Dispute:
    """The debtor's own dispute, or 404: another person's dispute does not exist for them."""
    dispute = db.session.scalar(
        db.select(Dispute).where(Dispute.reference == reference, Dispute.debtor_id == debtor.id)
    )
    if dispute is None:
        abort(404)
    return dispute


def find(reference: str) -> Dispute | None:
    """Staff side (CLI, console): any dispute by its reference."""
    return db.session.scalar(db.select(Dispute).where(Dispute.reference == reference.strip().upper()))


def open_one(account: Account, kind: str) -> Dispute | None:
    return db.session.scalar(
        db.select(Dispute).where(Dispute.account_id == account.id, Dispute.kind == kind, Dispute.status == "open")
    )


def for_account(account: Account) -> list[Dispute]:
    """The account's disputes and requests, newest first."""
    return list(
        db.session.scalars(
            db.select(Dispute)
            .where(Dispute.account_id == account.id)
            .order_by(Dispute.created_at.desc(), Dispute.id.desc())
        )
    )


def latest_by_account(account_ids: list[int]) -> dict[int, Dispute]:
    """Each account's most telling dispute (an open one, else the newest), in one query."""
    if not account_ids:
        return {}
    rows = db.session.scalars(
        db.select(Dispute).where(Dispute.account_id.in_(account_ids)).order_by(Dispute.created_at, Dispute.id)
    )
    chosen: dict[int, Dispute] = {}
    for dispute in rows:
        current = chosen.get(dispute.account_id)
        if current is None or dispute.is_open or not current.is_open:
            chosen[dispute.account_id] = dispute
    return chosen


def listing(include_resolved: bool = False) -> list[Dispute]:
    query = db.select(Dispute).order_by(Dispute.created_at, Dispute.id)
    if not include_resolved:
        query = query.where(Dispute.status == "open")
    return list(db.session.scalars(query))


# Changing


def open_dispute(
    debtor: Debtor,
    account: Account,
    *,
    reason: str,
    details: str | None,
    attachment: CheckedFile | None,
    attachment_key: str | None,
    today: date,
) -> Dispute:
    """Record a dispute and stop collection on the account; tell the creditor. Returns the open one if any."""
    if reason not in DISPUTE_REASONS:
        raise DisputeError(f"unknown reason {reason!r}")
    existing = open_one(account, "dispute")
    if existing is not None:
        return existing
    dispute = Dispute(
        reference=new_reference("D"),
        account=account,
        debtor_id=debtor.id,
        kind="dispute",
        reason=reason,
        details=(details or "").strip() or None,
        account_status_before=account.status,
        within_validation_period=_within_validation_period(account, today),
    )
    if attachment is not None and attachment_key is not None:
        dispute.attachment_key = attachment_key
        dispute.attachment_filename = attachment.filename
        dispute.attachment_content_type = attachment.content_type
        dispute.attachment_size = len(attachment.data)
        dispute.attachment_sha256 = attachment.sha256
    db.session.add(dispute)
    account.status = "disputed"
    events.emit(
        "dispute.opened",
        debtor=debtor,
        account=account,
        reference=dispute.reference,
        reason=reason,
        has_attachment=dispute.attachment_key is not None,
        within_validation_period=dispute.within_validation_period,
    )
    record(
        "dispute.opened",
        actor_type="debtor",
        actor_id=debtor.id,
        debtor_id=debtor.id,
        account=account.reference,
        dispute=dispute.reference,
        reason=reason,
    )
    return dispute


def request_original_creditor(debtor: Debtor, account: Account, *, today: date) -> Dispute:
    """Ask for the original creditor's name and address; collection pauses until staff answer."""
    existing = open_one(account, "original_creditor")
    if existing is not None:
        return existing
    request = Dispute(
        reference=new_reference("D"),
        account=account,
        debtor_id=debtor.id,
        kind="original_creditor",
        account_status_before=account.status,
        within_validation_period=_within_validation_period(account, today),
    )
    db.session.add(request)
    events.emit(
        "original_creditor.requested",
        debtor=debtor,
        account=account,
        reference=request.reference,
        within_validation_period=request.within_validation_period,
    )
    record(
        "original_creditor.requested",
        actor_type="debtor",
        actor_id=debtor.id,
        debtor_id=debtor.id,
        account=account.reference,
        dispute=request.reference,
    )
    return request


def _status_after(dispute: Dispute, outcome: str, today: date) -> str:
    if outcome == "upheld" or dispute.account_status_before == "closed":
        return "closed"
    if holds.active_hold(dispute.account, today) is not None:
        return "on_hold"
    return "open"


def resolve(dispute: Dispute, *, outcome: str, note: str, by: str, today: date) -> Dispute:
    """Staff answer a dispute (or request) with a note the debtor reads; collection may start again."""
    if outcome not in DISPUTE_OUTCOMES or outcome not in OUTCOMES_FOR[dispute.kind]:
        raise WrongOutcome(f"a {dispute.kind} is answered with one of {', '.join(OUTCOMES_FOR[dispute.kind])}")
    if not dispute.is_open:
        raise AlreadyResolved(f"{dispute.reference} was already resolved ({dispute.outcome})")
    if not note.strip():
        raise DisputeError("write a note the debtor can read")
    dispute.status = "resolved"
    dispute.outcome = outcome
    dispute.resolution_note = note.strip()
    dispute.resolved_by = by
    dispute.resolved_at = datetime.now(UTC)
    account = dispute.account
    if dispute.kind == "dispute" and account.status == "disputed":
        account.status = _status_after(dispute, outcome, today)
    debtor = account.debtor
    events.emit(
        "dispute.resolved",
        debtor=debtor,
        account=account,
        reference=dispute.reference,
        dispute_kind=dispute.kind,
        outcome=outcome,
    )
    record(
        "dispute.resolved",
        actor_type="staff",
        debtor_id=debtor.id,
        account=account.reference,
        dispute=dispute.reference,
        outcome=outcome,
        by=by,
    )
    return dispute
