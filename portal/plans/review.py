"""A person's answer to a proposal outside the policy, or to a request to pause a plan.

The staff side: `flask plans ...` calls these now, the staff console will later. No request needed.

- Approving a proposal makes it a `draft`: the debtor then agrees it and saves a card, as for a
  proposal accepted at once. A first payment that has passed, or is under 2 days away, moves on
  (and every later one with it, by the same days) to a week from today, so nobody is asked to pay
  before they have had time to agree.
- A counter-offer answers a proposal with other terms (an amount, how often, a first date): the plan
  keeps its reference and the debtor's proposed amount, takes a schedule built by the plan engine on
  what is owed now, and becomes a `draft` like an approved proposal, which the debtor agrees or not.
- Declining a proposal ends it (`declined`): the account is free for another plan.
- Approving a pause moves every instalment still waiting for its date on by the months asked for
  (calendar months: 31 January becomes 28 February); declining leaves the plan as it was. Either
  way the request is cleared.

Each decision keeps the reviewer's note (the debtor reads it on the plan page), who decided and
when; it is audited, the creditor is told, and it is emailed to the debtor. The email is queued in
the caller's unit of work and sent after its commit, so a decision that did not stick is never announced.
"""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import and_, or_, select

from portal.accounts.ledger import balance_of
from portal.events import emit
from portal.extensions import db
from portal.models import Debtor, Instalment, Plan
from portal.models.audit import record
from portal.plans.dates import add_months
from portal.plans.emails import queue_review_answer
from portal.plans.engine import build_schedule, interest_during_plan
from portal.plans.policy import Frequency
from portal.plans.service.making import policy_for

#: a first payment closer than this when a proposal is approved is too soon to agree and pay for
MIN_DAYS_TO_FIRST = 2
#: ... so it moves to this many days from today
MOVED_FIRST_DAYS = 7


class ReviewError(ValueError):
    """A decision the plan can't take (named, so the command line and the console can say why)."""


class NotWaiting(ReviewError):
    """The plan is not waiting for this decision: already decided, withdrawn, or never asked."""


class NoteNeeded(ReviewError):
    """Saying no needs a note the debtor can read."""


class OfferNotPossible(ReviewError):
    """A counter-offer the debtor could not agree: `code` says why (OFFER_PROBLEMS)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


#: why a counter-offer can't be made: its first payment is too soon to agree, it is more than is owed,
#: or its payments never clear what is owed with the interest added meanwhile
OFFER_PROBLEMS = ("too_soon", "above_balance", "never_clears")


# Reading


def waiting(creditor_ids: list[int] | None = None) -> list[Plan]:
    """Proposals waiting for a person and plans with a pause request, the soonest promised answer first."""
    query = select(Plan).where(
        or_(
            Plan.status == "pending_review",
            and_(Plan.status == "active", Plan.pause_requested_at.is_not(None)),
        )
    )
    if creditor_ids is not None:
        query = query.join(Debtor, Debtor.id == Plan.debtor_id).where(Debtor.creditor_id.in_(creditor_ids))
    return list(db.session.scalars(query.order_by(Plan.review_by, Plan.created_at, Plan.id)))


def find(reference: str) -> Plan | None:
    """Staff side: any plan by its reference."""
    return db.session.scalar(select(Plan).where(Plan.reference == reference.strip().upper()))


def is_pause_request(plan: Plan) -> bool:
    return plan.status == "active" and plan.pause_requested_at is not None


# Deciding


def approve_proposal(plan: Plan, *, by: str, note: str | None = None, today: date) -> Plan:
    """Agree a proposal: it becomes a draft for the debtor to agree. Commits, then emails the debtor."""
    plan = _lock(plan)
    if plan.status != "pending_review":
        raise NotWaiting(f"{plan.reference} is not a proposal waiting for review (it is {plan.status})")
    moved = _days_to_move(plan, today)
    if moved:
        for instalment in plan.instalments:
            instalment.due_date += timedelta(days=moved)
        plan.first_date += timedelta(days=moved)
        plan.payday = None
    plan.status = "draft"
    _decided(plan, "approved", by=by, note=note)
    dates = [{"number": i.number, "due": i.due_date.isoformat(), "amount": i.amount} for i in plan.instalments]
    _tell(plan, "plan.approved", by=by, today=today, moved_days=moved, instalments=dates)
    return _tell_debtor(plan, moved=bool(moved))


def counter_offer(plan: Plan, *, amount: int, frequency: str, first: date, by: str, note: str, today: date) -> Plan:
    """Answer a proposal with other terms: `amount` (minor units) `frequency` from `first`, on what is owed now.

    The engine builds the schedule (it adds up to what is owed, with any interest added until the last
    payment); the plan becomes a draft for the debtor to agree, as an approved proposal does. The note
    says why, in the debtor's words. Commits, then emails.
    """
    _require_note(note)
    plan = _lock(plan)
    if plan.status != "pending_review":
        raise NotWaiting(f"{plan.reference} is not a proposal waiting for review (it is {plan.status})")
    if (first - today).days < MIN_DAYS_TO_FIRST:
        raise OfferNotPossible("too_soon")
    account, debtor = plan.account, db.session.get(Debtor, plan.debtor_id)
    balance = balance_of(account)
    if amount < 1 or amount > balance:
        raise OfferNotPossible("above_balance")
    policy = policy_for(debtor)
    interest = interest_during_plan(policy, account.monthly_interest, today)
    try:
        schedule = build_schedule(balance, Frequency(frequency), first, amount=amount, interest=interest)
    except ValueError as error:
        raise OfferNotPossible("never_clears") from error
    for instalment in plan.instalments:
        db.session.delete(instalment)  # never due: a proposal waiting for review is collected on no date
    db.session.flush()
    plan.instalments = [Instalment(number=s.number, due_date=s.due, amount=s.amount) for s in schedule]
    plan.kind, plan.frequency, plan.payday, plan.first_date = "plan", str(Frequency(frequency)), None, first
    plan.balance_at_start, plan.instalment_amount = balance, amount
    plan.total = sum(s.amount for s in schedule)
    plan.terms = plan.terms | {
        "interest_frozen": policy.freeze_interest_on_plan,
        "monthly_interest": account.monthly_interest,
        "interest_since": today.isoformat(),
    }
    plan.status = "draft"
    _decided(plan, "countered", by=by, note=note)
    dates = [{"number": s.number, "due": s.due.isoformat(), "amount": s.amount} for s in schedule]
    _tell(plan, "plan.countered", by=by, today=today, frequency=plan.frequency, instalments=dates)
    return _tell_debtor(plan)


def decline_proposal(plan: Plan, *, by: str, note: str, today: date) -> Plan:
    """Say no to a proposal, with a note saying why; the account can have another plan. Commits, then emails."""
    _require_note(note)
    plan = _lock(plan)
    if plan.status != "pending_review":
        raise NotWaiting(f"{plan.reference} is not a proposal waiting for review (it is {plan.status})")
    plan.status = "declined"
    plan.ended_at = datetime.now(UTC)
    for instalment in plan.instalments:
        if instalment.status == "scheduled":
            instalment.status = "cancelled"
    _decided(plan, "declined", by=by, note=note)
    _tell(plan, "plan.declined", by=by, today=today)
    return _tell_debtor(plan)


def approve_pause(plan: Plan, *, by: str, note: str | None = None, today: date) -> Plan:
    """Pause a plan: every instalment waiting for its date moves on by the months asked for. Commits, then emails."""
    plan = _lock(plan)
    if not is_pause_request(plan):
        raise NotWaiting(f"{plan.reference} has no pause request waiting (it is {plan.status})")
    months = plan.pause_months or 0
    moved = []
    for instalment in plan.instalments:
        if instalment.status != "scheduled":
            continue
        instalment.due_date = add_months(instalment.due_date, months)
        if instalment.retry_on is not None:
            instalment.retry_on = add_months(instalment.retry_on, months)
        moved.append(
            {"number": instalment.number, "due": instalment.collect_on.isoformat(), "amount": instalment.amount}
        )
    plan.payday = None
    _clear_pause_request(plan)
    _decided(plan, "pause_approved", by=by, note=note)
    _tell(plan, "plan.pause_approved", by=by, today=today, months=months, instalments=moved)
    return _tell_debtor(plan)


def decline_pause(plan: Plan, *, by: str, note: str, today: date) -> Plan:
    """Say no to a pause, with a note saying why; payments carry on as they were. Commits, then emails."""
    _require_note(note)
    plan = _lock(plan)
    if not is_pause_request(plan):
        raise NotWaiting(f"{plan.reference} has no pause request waiting (it is {plan.status})")
    months = plan.pause_months
    _clear_pause_request(plan)
    _decided(plan, "pause_declined", by=by, note=note)
    _tell(plan, "plan.pause_declined", by=by, today=today, months=months)
    return _tell_debtor(plan)


# The parts


def _lock(plan: Plan) -> Plan:
    """Two people deciding at once take turns (PostgreSQL); the second finds it already decided."""
    return db.session.execute(
        select(Plan).where(Plan.id == plan.id).with_for_update(of=Plan).execution_options(populate_existing=True)
    ).scalar_one()


def _require_note(note: str | None) -> None:
    if not (note or "").strip():
        raise NoteNeeded("write a note the debtor can read, saying why")


def _days_to_move(plan: Plan, today: date) -> int:
    """How many days the dates move on so the first payment is not too soon to agree (0: they stay)."""
    first = plan.instalments[0].due_date
    if (first - today).days >= MIN_DAYS_TO_FIRST:
        return 0
    return (today + timedelta(days=MOVED_FIRST_DAYS) - first).days


def _clear_pause_request(plan: Plan) -> None:
    """The request is answered; the months and reason stay as what was asked."""
    plan.pause_requested_at = None
    plan.review_by = None


def _decided(plan: Plan, outcome: str, *, by: str, note: str | None) -> None:
    plan.review_outcome = outcome
    plan.review_note = (note or "").strip() or None
    plan.reviewed_by = by
    plan.reviewed_at = datetime.now(UTC)


def _tell(plan: Plan, kind: str, *, by: str, today: date, **data) -> None:
    """The audit event (a person did it) and the creditor's event."""
    debtor = db.session.get(Debtor, plan.debtor_id)
    record(
        kind,
        actor_type="staff",
        debtor_id=debtor.id,
        plan=plan.reference,
        account=plan.account.reference,
        by=by,
        note=plan.review_note,
        on=today.isoformat(),
        **data,
    )
    emit(kind, debtor=debtor, account=plan.account, plan=plan.reference, **data)


def _tell_debtor(plan: Plan, *, moved: bool = False) -> Plan:
    """Queue the answer for the debtor: sent once the decision is committed (the outbox keeps to the rules)."""
    queue_review_answer(plan, moved=moved)
    return plan
