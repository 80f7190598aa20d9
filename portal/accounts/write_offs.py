"""Write-offs: a person at the creditor decides the debtor need not pay some or all of what they owe.

- A write-off is one append-only ledger entry of kind "write_off" (negative), written only once it is
  approved; the `WriteOff` row keeps its reason and who asked and who approved.
- Above the creditor's amount (policy "write_off_approval_above", minor units; without one, every
  whole-debt write-off) a second supervisor must approve it, never the one who asked. Approval is
  claimed in one conditional UPDATE, so two clicks or two supervisors at once write one entry.
- Once written off, nothing more is collected on it: the live plans of the account are fitted to the
  new balance (instalments cut from the last, or cancelled; at nothing owed the plan is complete), so
  the gate and the collect job ask for nothing beyond what is still owed.
- The debtor is told in plain, kind words (an outbox message); the creditor hears an event, which
  carries amounts and references, never the reason.

Functions flush; the caller's unit of work commits.
"""

from datetime import UTC, date, datetime

from sqlalchemy import exists, select, update
from sqlalchemy.exc import IntegrityError

from portal.accounts.ledger import balance_of
from portal.domain_errors import Conflict, NotAllowedNow
from portal.events import emit
from portal.extensions import db
from portal.help.decision_emails import queue_written_off
from portal.models import Account, Circumstance, Debtor, LedgerEntry, Payment, Plan, StaffUser, WriteOff
from portal.models.account import LedgerWording
from portal.models.audit import record
from portal.models.plan import LIVE_STATUSES
from portal.payments.service import IN_FLIGHT
from portal.plans.service.collection import fit_to_balance
from portal.references import new_reference


class WriteOffRefused(NotAllowedNow):
    """A write-off that can't be asked for or decided now; `code` says why (the console words it)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


class AlreadyDecided(Conflict):
    """Someone else approved or declined it first."""


class AlreadyRequested(Conflict):
    """The same form was sent twice: the first one's write-off stands, and nothing more is written."""

    def __init__(self, write_off: WriteOff):
        super().__init__(write_off.reference)
        self.write_off = write_off


def approval_needed(amount: int, *, whole: bool, policy: dict | None) -> bool:
    """Whether a second supervisor must approve: above the creditor's amount, or, when it set none,
    whenever the whole debt is written off."""
    threshold = (policy or {}).get("write_off_approval_above")
    if threshold is None:
        return whole
    return amount > int(threshold)


def pending_for(account: Account) -> WriteOff | None:
    return db.session.scalar(select(WriteOff).where(WriteOff.account_id == account.id, WriteOff.status == "pending"))


def write_offs_of(debtor: Debtor) -> list[WriteOff]:
    """Every write-off asked for on the debtor's accounts, newest first."""
    return list(
        db.session.scalars(
            select(WriteOff).where(WriteOff.debtor_id == debtor.id).order_by(WriteOff.requested_at.desc(), WriteOff.id)
        )
    )


def request(
    account: Account,
    *,
    staff: StaffUser,
    whole: bool,
    amount: int | None,
    reason: str,
    note: str,
    request_key: str,
    today: date,
    circumstance: Circumstance | None = None,
) -> WriteOff:
    """Ask to write off `amount` (or the whole balance); written at once unless it needs a second supervisor.

    The same form sent twice (`request_key`) raises AlreadyRequested and writes nothing more."""
    earlier = db.session.scalar(select(WriteOff).where(WriteOff.request_key == request_key))
    if earlier is not None:
        raise AlreadyRequested(earlier)
    _lock(account)
    balance = balance_of(account)
    if balance <= 0:
        raise WriteOffRefused("nothing_owed")
    if whole:
        amount = balance
    elif amount is None or amount < 1:
        raise WriteOffRefused("amount")
    elif amount > balance:
        raise WriteOffRefused("more_than_owed")
    if pending_for(account) is not None:
        raise WriteOffRefused("already_pending")
    debtor = db.session.get(Debtor, account.debtor_id)
    needs_approval = approval_needed(amount, whole=whole, policy=debtor.creditor.policy)
    if not needs_approval and db.session.scalar(select(_payment_in_flight(account))):
        raise WriteOffRefused("payment_in_flight")
    now = datetime.now(UTC)
    write_off = WriteOff(
        reference=new_reference("W"),
        debtor_id=account.debtor_id,
        account_id=account.id,
        circumstance_id=circumstance.id if circumstance else None,
        whole=whole,
        amount=amount,
        reason=reason.strip(),
        note=note.strip(),
        status="pending" if needs_approval else "approved",
        request_key=request_key,
        requested_by_id=staff.id,
        requested_by_name=staff.name,
        requested_at=now,
    )
    if not needs_approval:
        write_off.decided_by_id, write_off.decided_by_name, write_off.decided_at = staff.id, staff.name, now
    try:
        with db.session.begin_nested():
            db.session.add(write_off)
    except IntegrityError:
        # the same form, sent twice at once: the other request stored it
        raise AlreadyRequested(db.session.scalar(select(WriteOff).where(WriteOff.request_key == request_key))) from None
    _audit("write_off.requested", write_off, staff, amount=amount, whole=whole, needs_approval=needs_approval)
    if not needs_approval:
        _write(write_off, debtor, today)
    return write_off


def approve(write_off: WriteOff, *, staff: StaffUser, today: date) -> WriteOff:
    """A second supervisor approves: claim it in one conditional UPDATE, then write the ledger entry once."""
    if write_off.requested_by_id == staff.id:
        raise WriteOffRefused("own_request")
    account = db.session.get(Account, write_off.account_id)
    _lock(account)
    now = datetime.now(UTC)
    claimed = db.session.execute(
        update(WriteOff)
        .where(
            WriteOff.id == write_off.id,
            WriteOff.status == "pending",
            WriteOff.requested_by_id != staff.id,
            ~_payment_in_flight(account),
        )
        .values(status="approved", decided_by_id=staff.id, decided_by_name=staff.name, decided_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(write_off)
    if claimed != 1:
        if write_off.status != "pending":
            raise AlreadyDecided(write_off.reference)
        raise WriteOffRefused("payment_in_flight")
    _audit("write_off.approved", write_off, staff)
    _write(write_off, db.session.get(Debtor, write_off.debtor_id), today)
    return write_off


def decline(write_off: WriteOff, *, staff: StaffUser, note: str) -> WriteOff:
    """A second supervisor says no: nothing is written off, and the disclosure waits for another decision."""
    if write_off.requested_by_id == staff.id:
        raise WriteOffRefused("own_request")
    claimed = db.session.execute(
        update(WriteOff)
        .where(WriteOff.id == write_off.id, WriteOff.status == "pending", WriteOff.requested_by_id != staff.id)
        .values(
            status="declined",
            decided_by_id=staff.id,
            decided_by_name=staff.name,
            decided_at=datetime.now(UTC),
            decline_note=note.strip(),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(write_off)
    if claimed != 1:
        raise AlreadyDecided(write_off.reference)
    _audit("write_off.declined", write_off, staff)
    return write_off


def _write(write_off: WriteOff, debtor: Debtor, today: date) -> None:
    """The ledger entry (once: its external_ref is unique), plans fitted, the creditor and the debtor told."""
    account = db.session.get(Account, write_off.account_id)
    balance = balance_of(account)
    amount = balance if write_off.whole else min(write_off.amount, balance)
    if amount <= 0:
        raise WriteOffRefused("nothing_owed")
    entry = LedgerEntry(
        account_id=account.id,
        kind="write_off",
        amount=-amount,
        effective_date=today,
        wording=LedgerWording.WRITE_OFF,
        reference=write_off.reference,
        external_ref=f"write-off:{write_off.reference}",
    )
    db.session.add(entry)
    db.session.flush()
    write_off.written_off, write_off.ledger_entry_id = amount, entry.id
    left = balance - amount
    for plan in db.session.scalars(
        select(Plan).where(Plan.account_id == account.id, Plan.status.in_(LIVE_STATUSES)).order_by(Plan.id)
    ):
        fit_to_balance(plan, left)
    emit(
        "account.written_off",
        debtor=debtor,
        account=account,
        write_off=write_off.reference,
        amount=amount,
        currency=account.currency,
        whole=write_off.whole,
        balance=left,
        decided_by=write_off.decided_by_name,
    )
    queue_written_off(write_off, debtor)


def _lock(account: Account) -> None:
    """Take turns with payment claims on the account (PostgreSQL), so the balance read here stays true."""
    db.session.execute(select(Account.id).where(Account.id == account.id).with_for_update(key_share=True))


def _payment_in_flight(account: Account):
    """EXISTS a payment on the account that may be taking money right now: a write-off waits for it."""
    return exists().where(Payment.account_id == account.id, Payment.status.in_(IN_FLIGHT))


def _audit(action: str, write_off: WriteOff, staff: StaffUser, **detail) -> None:
    record(
        action,
        actor_type="staff",
        actor_id=staff.id,
        debtor_id=write_off.debtor_id,
        staff_name=staff.first_name,
        staff_role=staff.role,
        write_off=write_off.reference,
        account=write_off.account.reference if write_off.account else None,
        **detail,
    )
