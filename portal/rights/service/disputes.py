"""Disputes, original-creditor requests and statute-barred claims: each pauses collection; staff answer it.

- A dispute marks the account "disputed": the gate (portal.gate) then says no to the collect and
  remind jobs until it is resolved. An original-creditor request leaves the status alone but,
  while it is open, pauses collection all the same (FDCPA section 809(b)).
- A UK debtor may tell us a debt is statute-barred (CONC 7.15): the claim marks the account
  "disputed" like a dispute; "upheld" means it is, and, as they told us so, we stop asking them to
  pay it (CONC 7.15.8): the account is closed and marked statute-barred.
- An account has at most one of each kind in progress at a time; sending another returns it.
- Answering: "upheld" means the debtor was right, so the account is closed. Any other answer
  ("confirmed", "corrected", "answered") lets collection start again, but only once it has reached
  the debtor (the verification, or the original creditor's name and address): until staff record
  its delivery the dispute is "awaiting_delivery" and the account stays as it is. Then the
  account is put back as it was (or on hold, if a hold now covers it) and the debtor is told
  that we may ask for payment again.

The debtor is told by message when we have what they sent, when it is answered, and when collection
may start again (portal.rights.emails). Functions never commit (only queueing the debtor's messages
flushes); the caller commits once.
"""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from portal import clock, events
from portal.extensions import db
from portal.models import Account, Debtor, Dispute, OutboundMessage
from portal.models.audit import record
from portal.models.dispute import DISPUTE_OUTCOMES, DISPUTE_REASONS, OPEN_DISPUTE_STATUSES
from portal.ownership import get_owned
from portal.references import new_reference
from portal.rights.attachments import CheckedFile
from portal.rights.emails import queue_answered, queue_received, queue_resumes
from portal.rights.service import holds
from portal.rights.validation import validation_period_end

#: outcomes that answer each kind
OUTCOMES_FOR = {
    "dispute": ("confirmed", "corrected", "upheld"),
    "original_creditor": ("answered",),
    "statute_barred": ("confirmed", "upheld"),
}
#: how an answer reached the debtor
DELIVERY_CHANNELS = ("post", "email", "portal")
#: kinds that mark the account "disputed" while they are in progress
MARKING_KINDS = ("dispute", "statute_barred")


class DisputeError(ValueError):
    """A dispute can't move that way (named, so callers and the CLI can say why)."""


class AlreadyResolved(DisputeError):
    pass


class WrongOutcome(DisputeError):
    pass


class NotAwaitingDelivery(DisputeError):
    pass


def _within_validation_period(account: Account, today: date) -> bool | None:
    if account.debtor.creditor.jurisdiction != "US" or account.validation_notice_sent_on is None:
        return None
    return today <= validation_period_end(account.validation_notice_sent_on)


# Reading


def get_dispute_for(debtor: Debtor, reference: str) -> Dispute:
    """The debtor's own dispute; another person's dispute does not exist for them (NotFoundForOwner)."""
    return get_owned(Dispute, debtor, "dispute", reference=reference)


def find(reference: str) -> Dispute | None:
    """Staff side (CLI, console): any dispute by its reference."""
    return db.session.scalar(db.select(Dispute).where(Dispute.reference == reference.strip().upper()))


def in_progress(account: Account, kind: str) -> Dispute | None:
    """The account's dispute of this kind that is not finished: open, or answered and awaiting delivery."""
    return db.session.scalar(
        db.select(Dispute).where(
            Dispute.account_id == account.id, Dispute.kind == kind, Dispute.status.in_(OPEN_DISPUTE_STATUSES)
        )
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
    """Each account's most telling dispute (one in progress, else the newest), in one query."""
    if not account_ids:
        return {}
    rows = db.session.scalars(
        db.select(Dispute).where(Dispute.account_id.in_(account_ids)).order_by(Dispute.created_at, Dispute.id)
    )
    chosen: dict[int, Dispute] = {}
    for dispute in rows:
        current = chosen.get(dispute.account_id)
        if current is None or dispute.status in OPEN_DISPUTE_STATUSES or current.status not in OPEN_DISPUTE_STATUSES:
            chosen[dispute.account_id] = dispute
    return chosen


def listing(include_resolved: bool = False, creditor_ids: list[int] | None = None) -> list[Dispute]:
    """For staff: the ones still to answer or to deliver (or all of them), oldest first.
    `creditor_ids` limits it to the creditors a staff user is assigned."""
    query = db.select(Dispute).order_by(Dispute.created_at, Dispute.id)
    if not include_resolved:
        query = query.where(Dispute.status.in_(OPEN_DISPUTE_STATUSES))
    if creditor_ids is not None:
        query = query.join(Debtor, Debtor.id == Dispute.debtor_id).where(Debtor.creditor_id.in_(creditor_ids))
    return list(db.session.scalars(query))


# Changing


def _new(debtor: Debtor, account: Account, kind: str, **fields) -> Dispute:
    """A new dispute, request or claim on the account, remembering the status to put back when it is finished."""
    dispute = Dispute(
        reference=new_reference("D"),
        account=account,
        debtor_id=debtor.id,
        kind=kind,
        account_status_before=account.status,
        **fields,
    )
    db.session.add(dispute)
    return dispute


def _record_for_debtor(action: str, dispute: Dispute, **detail) -> None:
    """The audit event of something the debtor started on an account, named by its reference."""
    record(
        action,
        actor_type="debtor",
        actor_id=dispute.debtor_id,
        debtor_id=dispute.debtor_id,
        account=dispute.account.reference,
        dispute=dispute.reference,
        **detail,
    )


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
    """Record a dispute and stop collection on the account; tell the creditor. Returns the one in progress if any."""
    if reason not in DISPUTE_REASONS:
        raise DisputeError(f"unknown reason {reason!r}")
    existing = in_progress(account, "dispute")
    if existing is not None:
        return existing
    dispute = _new(
        debtor,
        account,
        "dispute",
        reason=reason,
        details=(details or "").strip() or None,
        within_validation_period=_within_validation_period(account, today),
    )
    if attachment is not None and attachment_key is not None:
        dispute.attachment_key = attachment_key
        dispute.attachment_filename = attachment.filename
        dispute.attachment_content_type = attachment.content_type
        dispute.attachment_size = len(attachment.data)
        dispute.attachment_sha256 = attachment.sha256
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
    _record_for_debtor("dispute.opened", dispute, reason=reason)
    db.session.flush()
    queue_received(dispute)
    return dispute


def request_original_creditor(debtor: Debtor, account: Account, *, today: date) -> Dispute:
    """Ask for the original creditor's name and address; collection pauses until the answer reaches the debtor."""
    existing = in_progress(account, "original_creditor")
    if existing is not None:
        return existing
    request = _new(
        debtor, account, "original_creditor", within_validation_period=_within_validation_period(account, today)
    )
    events.emit(
        "original_creditor.requested",
        debtor=debtor,
        account=account,
        reference=request.reference,
        within_validation_period=request.within_validation_period,
    )
    _record_for_debtor("original_creditor.requested", request)
    db.session.flush()
    queue_received(request)
    return request


def claim_statute_barred(debtor: Debtor, account: Account, *, details: str | None) -> Dispute:
    """The debtor tells us the debt is statute-barred (or, if it is, that they will not pay it): asking
    for money stops until a person answers (CONC 7.15.8). Returns the claim in progress if any."""
    existing = in_progress(account, "statute_barred")
    if existing is not None:
        return existing
    claim = _new(debtor, account, "statute_barred", details=(details or "").strip() or None)
    account.status = "disputed"
    events.emit(
        "statute_barred.claimed",
        debtor=debtor,
        account=account,
        reference=claim.reference,
        marked_statute_barred=account.statute_barred,
    )
    _record_for_debtor("statute_barred.claimed", claim)
    db.session.flush()
    queue_received(claim)
    return claim


def _status_after(dispute: Dispute, outcome: str, today: date) -> str:
    if outcome == "upheld" or dispute.account_status_before == "closed":
        return "closed"
    if holds.active_hold(dispute.account, today) is not None:
        return "on_hold"
    return "open"


def _settle_account(dispute: Dispute, today: date) -> None:
    """Once a dispute is finished, take the account out of "disputed", unless another one still marks it."""
    account = dispute.account
    if dispute.kind not in MARKING_KINDS or account.status != "disputed":
        return
    others = db.session.scalar(
        db.select(Dispute.id).where(
            Dispute.account_id == account.id,
            Dispute.id != dispute.id,
            Dispute.kind.in_(MARKING_KINDS),
            Dispute.status.in_(OPEN_DISPUTE_STATUSES),
        )
    )
    if others is None or dispute.outcome == "upheld":
        account.status = _status_after(dispute, dispute.outcome, today)


def resolve(dispute: Dispute, *, outcome: str, note: str, by: str, today: date) -> Dispute:
    """Staff answer a dispute (or request, or claim) with a note the debtor reads. "upheld" finishes it;
    any other answer waits for `record_delivery` before collection may start again."""
    if outcome not in DISPUTE_OUTCOMES or outcome not in OUTCOMES_FOR[dispute.kind]:
        raise WrongOutcome(f"a {dispute.kind} is answered with one of {', '.join(OUTCOMES_FOR[dispute.kind])}")
    if not dispute.is_open:
        raise AlreadyResolved(f"{dispute.reference} was already resolved ({dispute.outcome})")
    if not note.strip():
        raise DisputeError("write a note the debtor can read")
    dispute.outcome = outcome
    dispute.resolution_note = note.strip()
    dispute.resolved_by = by
    dispute.resolved_at = datetime.now(UTC)
    account = dispute.account
    if outcome == "upheld":
        dispute.status = "resolved"
        if dispute.kind == "statute_barred":
            account.statute_barred = True
        _settle_account(dispute, today)
    else:
        dispute.status = "awaiting_delivery"
    debtor = account.debtor
    events.emit(
        "dispute.resolved",
        debtor=debtor,
        account=account,
        reference=dispute.reference,
        dispute_kind=dispute.kind,
        outcome=outcome,
        awaiting_delivery=dispute.status == "awaiting_delivery",
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
    queue_answered(dispute)
    return dispute


def record_delivery(dispute: Dispute, *, channel: str, on: date | None, by: str, today: date) -> OutboundMessage:
    """Staff record that the answer reached the debtor (by post, email or in the portal) on a day: the
    dispute is finished, the account goes back as it was, and the debtor is told we may ask again
    (the message queued for that is returned)."""
    if channel not in DELIVERY_CHANNELS:
        raise DisputeError(f"delivered by one of {', '.join(DELIVERY_CHANNELS)}")
    if dispute.status != "awaiting_delivery":
        raise NotAwaitingDelivery(f"{dispute.reference} has no answer waiting to be delivered ({dispute.status})")
    account = dispute.account
    debtor = account.debtor
    day = on or today
    if day > today:
        raise DisputeError(f"{day} has not come yet")
    dispute.delivered_at = (
        clock.now()
        if day == today
        else datetime.combine(day, time(12), ZoneInfo(debtor.effective_timezone)).astimezone(UTC)
    )
    dispute.delivered_by = channel
    dispute.status = "resolved"
    _settle_account(dispute, today)
    events.emit(
        "dispute.delivered",
        debtor=debtor,
        account=account,
        reference=dispute.reference,
        dispute_kind=dispute.kind,
        outcome=dispute.outcome,
        delivered_by=channel,
        delivered_on=day.isoformat(),
    )
    record(
        "dispute.delivered",
        actor_type="staff",
        debtor_id=debtor.id,
        account=account.reference,
        dispute=dispute.reference,
        channel=channel,
        on=day.isoformat(),
        by=by,
    )
    return queue_resumes(dispute)
