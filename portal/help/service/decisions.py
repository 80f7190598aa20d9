"""What a supervisor decides about a debtor's circumstances: a pause, lower payments, interest and fees
frozen, or some or all of the debt written off.

Each decision is recorded (the first one also reviews the disclosure, with the note the debtor reads),
audited as the supervisor's, and told to the debtor by their channel (portal.help.decision_emails).
A write-off that waits for a second supervisor reviews the disclosure only once it is approved, so
whatever the debtor asked for (a break from payments) still stands while it waits.

Functions flush; the caller's unit of work commits.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from portal.accounts import write_offs
from portal.domain_errors import NotAllowedNow
from portal.events import emit
from portal.extensions import db
from portal.help.decision_emails import queue_decision
from portal.help.service.circumstances import review
from portal.models import Account, Circumstance, Debtor, Hold, Instalment, InterestFreeze, Plan, StaffUser, WriteOff
from portal.models.audit import record
from portal.plans.dates import add_months
from portal.plans.engine import Frequency, build_schedule
from portal.plans.service.making import payday_from
from portal.plans.service.progress import live_plan
from portal.rights.service.holds import start_hold

#: the longest pause one decision grants
MAX_PAUSE_DAYS = 366


class DecisionRefused(NotAllowedNow):
    """A decision that can't be made as asked; `code` says why (the console words it)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def pause_days(today: date, length: int, unit: str) -> int:
    """How many days a pause of `length` days or months from `today` lasts (months by the calendar)."""
    if length < 1:
        raise DecisionRefused("pause_length")
    days = length if unit == "days" else (add_months(today, length) - today).days
    if days > MAX_PAUSE_DAYS:
        raise DecisionRefused("pause_too_long")
    return days


@dataclass(frozen=True)
class NewSchedule:
    """The unpaid part of a plan at a lower amount: (due date, amount) of each payment."""

    payments: tuple[tuple[date, int], ...]


def lower_schedule(plan: Plan, amount: int) -> NewSchedule:
    """What the plan's scheduled instalments become at `amount`: the same total, the same dates' rhythm
    from the next unpaid one, more payments (the last is what is left)."""
    scheduled = [i for i in plan.instalments if i.status == "scheduled"]
    if plan.kind != "plan" or not scheduled:
        raise DecisionRefused("no_plan_to_lower")
    if not 1 <= amount < plan.instalment_amount:
        raise DecisionRefused("amount_not_lower")
    remaining = sum(i.amount for i in scheduled)
    first = min(i.collect_on for i in scheduled)
    schedule = build_schedule(
        remaining, Frequency(plan.frequency), first, amount=amount, payday=payday_from(plan.payday)
    )
    return NewSchedule(tuple((payment.due, payment.amount) for payment in schedule))


def _account_of(debtor: Debtor, account_id: int | None) -> Account | None:
    """One of the debtor's accounts, or None for all of them; another debtor's account is refused."""
    if account_id is None:
        return None
    account = db.session.get(Account, account_id)
    if account is None or account.debtor_id != debtor.id:
        raise DecisionRefused("not_their_account")
    return account


def _decided(circumstance: Circumstance, staff: StaffUser, decision: str, note: str, **detail) -> None:
    """Audit the decision as the supervisor's and tell the creditor what was decided (never the note); the first
    decision on a disclosure also reviews it."""
    record(
        "circumstances.decided",
        actor_type="staff",
        actor_id=staff.id,
        debtor_id=circumstance.debtor_id,
        staff_name=staff.first_name,
        staff_role=staff.role,
        reference=circumstance.reference,
        decision=decision,
        **detail,
    )
    debtor = db.session.get(Debtor, circumstance.debtor_id)
    reference = detail.pop("account", None)
    account = (
        db.session.scalar(select(Account).where(Account.debtor_id == debtor.id, Account.reference == reference))
        if reference
        else None
    )
    emit(
        "circumstances.decided",
        debtor=debtor,
        account=account,
        reference=circumstance.reference,
        decision=decision,
        **detail,
    )
    if circumstance.status == "new":
        review(circumstance, note=note, staff_id=staff.id, staff_name=staff.name)


def pause(
    circumstance: Circumstance,
    *,
    staff: StaffUser,
    account_id: int | None,
    length: int,
    unit: str,
    note: str,
    today: date,
) -> Hold:
    """A creditor pause: nothing asked for, collected or added, on one account or all, for a while."""
    debtor = db.session.get(Debtor, circumstance.debtor_id)
    account = _account_of(debtor, account_id)
    days = pause_days(today, length, unit)
    hold = start_hold(
        debtor, kind="creditor_pause", starts_on=today, account=account, days=days, note=note, by=staff.name
    )
    db.session.flush()
    _decided(circumstance, staff, "pause", note, account=account.reference if account else None, days=days)
    queue_decision(debtor, "pause", account=account, note=note, hold_id=hold.id)
    return hold


def reduce_payments(
    circumstance: Circumstance, *, staff: StaffUser, account_id: int, amount: int | None, note: str, today: date
) -> Plan | None:
    """Lower payments. A plan being collected is re-planned at `amount` from its next unpaid payment;
    without one, the debtor is asked to propose what they can afford (and returns None)."""
    debtor = db.session.get(Debtor, circumstance.debtor_id)
    account = _account_of(debtor, account_id)
    plan = live_plan(account)
    if plan is None or plan.status not in ("agreed", "active"):
        _decided(circumstance, staff, "propose_lower", note, account=account.reference)
        queue_decision(debtor, "propose_lower", account=account, note=note)
        return None
    if amount is None:
        raise DecisionRefused("amount_needed")
    schedule = lower_schedule(plan, amount)
    _replan(plan, schedule)
    plan.instalment_amount = amount
    detail = {"plan": plan.reference, "amount": amount, "payments": len(schedule.payments)}
    _decided(circumstance, staff, "reduced_payments", note, account=account.reference, **detail)
    emit("plan.payments_lowered", debtor=debtor, account=account, currency=plan.currency, **detail)
    first, last = schedule.payments[0][0], schedule.payments[-1][0]
    queue_decision(
        debtor,
        "reduced_payments",
        account=account,
        note=note,
        plan_id=plan.id,
        amount=amount,
        first=first.isoformat(),
        last=last.isoformat(),
    )
    return plan


def _replan(plan: Plan, schedule: NewSchedule) -> None:
    """The scheduled instalments take the new dates and amounts, in order; more are added after them."""
    scheduled = [i for i in plan.instalments if i.status == "scheduled"]
    number = max(i.number for i in plan.instalments)
    for index, (due, amount) in enumerate(schedule.payments):
        if index < len(scheduled):
            instalment = scheduled[index]
            instalment.due_date, instalment.amount, instalment.retry_on = due, amount, None
        else:
            number += 1
            db.session.add(Instalment(plan=plan, number=number, due_date=due, amount=amount))
    for instalment in scheduled[len(schedule.payments) :]:
        instalment.status = "cancelled"


def freeze_interest(
    circumstance: Circumstance,
    *,
    staff: StaffUser,
    account_id: int,
    starts_on: date,
    ends_on: date | None,
    note: str,
) -> InterestFreeze:
    """No interest or fees on an account from a day, until a day or until ended (portal.models.freeze)."""
    debtor = db.session.get(Debtor, circumstance.debtor_id)
    account = _account_of(debtor, account_id)
    if ends_on is not None and ends_on <= starts_on:
        raise DecisionRefused("freeze_ends_before_start")
    freeze = InterestFreeze(
        debtor_id=debtor.id,
        account_id=account.id,
        circumstance_id=circumstance.id,
        starts_on=starts_on,
        ends_on=ends_on,
        note=note,
        created_by=staff.name,
    )
    db.session.add(freeze)
    db.session.flush()
    dates = {"starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat() if ends_on else None}
    _decided(circumstance, staff, "freeze", note, account=account.reference, **dates)
    emit("interest.frozen", debtor=debtor, account=account, **dates)
    queue_decision(debtor, "freeze", account=account, note=note, freeze_id=freeze.id)
    return freeze


def freezes_of(debtor: Debtor) -> list[InterestFreeze]:
    return list(
        db.session.scalars(
            select(InterestFreeze).where(InterestFreeze.debtor_id == debtor.id).order_by(InterestFreeze.starts_on)
        )
    )


def write_off(
    circumstance: Circumstance,
    *,
    staff: StaffUser,
    account_id: int,
    whole: bool,
    amount: int | None,
    reason: str,
    note: str,
    request_key: str,
    today: date,
) -> WriteOff:
    """Ask to write off some or all of an account's debt: written now, or pending a second supervisor."""
    debtor = db.session.get(Debtor, circumstance.debtor_id)
    account = _account_of(debtor, account_id)
    found = write_offs.request(
        account,
        staff=staff,
        whole=whole,
        amount=amount,
        reason=reason,
        note=note,
        request_key=request_key,
        today=today,
        circumstance=circumstance,
    )
    if found.status == "approved":
        _decided(circumstance, staff, "write_off", note, account=account.reference, write_off=found.reference)
    return found


def approve_write_off(found: WriteOff, *, staff: StaffUser, today: date) -> WriteOff:
    """The second supervisor's approval; the disclosure it came from is then reviewed with its note."""
    write_offs.approve(found, staff=staff, today=today)
    circumstance = db.session.get(Circumstance, found.circumstance_id) if found.circumstance_id else None
    if circumstance is not None:
        _decided(circumstance, staff, "write_off", found.note, write_off=found.reference)
    return found
