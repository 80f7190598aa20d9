"""The rules of a promise to pay, as plain functions: the views, the job and the console call these.

- What a creditor allows is in its policy (portal.plans.policy.PlanPolicy: promise_latest_days,
  promise_min_amount, promise_max_open), read in one place, edited on the console's settings page.
- No promise while the gate says we must not ask for money on the account (a hold, a dispute, a pause asked
  for...), while a plan stands for it (a plan is the promise then), or when nothing is owed.
- The open limit is claimed in one statement: the account row is locked (PostgreSQL), then the promise is
  inserted only if fewer than the limit are open (`INSERT ... SELECT ... WHERE count < limit`, atomic on SQLite,
  whose writers take turns). Two tabs at once make one promise.
- Kept or broken is read from the ledger, the truth about payments by any channel (a card here, an item the
  creditor posts through the API): the payments recorded since the promise was made, taking effect by its date,
  add up to its amount. A promise is marked kept as soon as anyone looks (the debtor's pages, the console) or the
  job runs, whichever is first; broken only by the job, the day after its date. Each change of status is one
  conditional UPDATE from `open`, so it happens once however many look at once. Payments code does not call in
  here: the ledger is read, so a payment by any route counts without each route knowing about promises.
- A broken promise never blocks a new one by itself: only open ones count towards the limit.
"""

import enum
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import Date, Integer, String, func, insert, literal, select, update

from portal import clock, gate
from portal.accounts.ledger import balance_of
from portal.domain_errors import NotAllowedNow
from portal.events import emit
from portal.extensions import db
from portal.models import Account, Debtor, LedgerEntry, Plan, Promise
from portal.models.audit import record
from portal.models.promise import PromiseStatus
from portal.models.types import UTCDateTime, utcnow
from portal.plans.policy import PlanPolicy
from portal.promises.emails import queue_message
from portal.references import new_reference

#: a plan in one of these stands for the account, and a promise would compete with it
PLAN_STANDS = ("pending_review", "agreed", "active")


class Unavailable(enum.StrEnum):
    """Why a promise can't be made on an account now (the page says each in words)."""

    NOTHING_OWED = "nothing_owed"
    NOT_ASKING = "not_asking"
    PLAN = "plan"
    OPEN_LIMIT = "open_limit"


class PromiseRefused(NotAllowedNow):
    def __init__(self, why: Unavailable):
        super().__init__(f"no promise now: {why}")
        self.why = why


class Problem(enum.StrEnum):
    """What is wrong with a promise's amount or date."""

    AMOUNT_UNDER_MINIMUM = "amount_under_minimum"
    AMOUNT_OVER_BALANCE = "amount_over_balance"
    DATE_PAST = "date_past"
    DATE_TOO_LATE = "date_too_late"


@dataclass(frozen=True)
class Limits:
    """What the creditor allows for one account today."""

    #: the least the promise may be for (the balance, when that is less than the policy's minimum)
    least: int
    most: int
    first_day: date
    last_day: date
    max_open: int


def policy_for(debtor: Debtor) -> PlanPolicy:
    return PlanPolicy.from_dict(debtor.creditor.policy, default_minimum=current_app.config["PAYMENT_MINIMUM_DEFAULT"])


def limits_for(debtor: Debtor, balance: int, today: date | None = None) -> Limits:
    policy = policy_for(debtor)
    today = today or clock.today_for(debtor)
    return Limits(
        least=min(policy.least_promise, balance),
        most=balance,
        first_day=today,
        last_day=today + timedelta(days=policy.promise_latest_days),
        max_open=policy.promise_max_open,
    )


def problems(limits: Limits, amount: int, due_on: date) -> list[Problem]:
    """What is wrong with promising `amount` by `due_on` under `limits` (nothing: it can be made)."""
    found = []
    if amount < limits.least:
        found.append(Problem.AMOUNT_UNDER_MINIMUM)
    elif amount > limits.most:
        found.append(Problem.AMOUNT_OVER_BALANCE)
    if due_on < limits.first_day:
        found.append(Problem.DATE_PAST)
    elif due_on > limits.last_day:
        found.append(Problem.DATE_TOO_LATE)
    return found


def open_promises(account: Account) -> list[Promise]:
    return list(
        db.session.scalars(
            select(Promise).where(Promise.account_id == account.id, Promise.status == "open").order_by(Promise.due_on)
        )
    )


def unavailable(debtor: Debtor, account: Account, balance: int, standing: gate.Standing) -> Unavailable | None:
    """Why a promise can't be made on the account now, or None when it can (see `Board.unavailable`)."""
    return board_for(debtor, account).unavailable(account, balance, standing)


def make_promise(
    debtor: Debtor, account: Account, amount: int, due_on: date, *, made_by_staff_id: int | None = None
) -> Promise:
    """Promise `amount` by `due_on` on the debtor's own account, in the caller's unit of work: audited, the
    creditor told (promise.made), a confirmation queued. `made_by_staff_id`: the staff user viewing as the debtor
    who made it for them, the debtor agreeing. Raises PromiseRefused, or ValueError for an amount or date the
    limits refuse (the view checks `problems` first and shows them)."""
    balance = balance_of(account)
    standing = gate.standing(account, clock.today_for(debtor))
    why = unavailable(debtor, account, balance, standing)
    if why is not None:
        raise PromiseRefused(why)
    limits = limits_for(debtor, balance)
    if problems(limits, amount, due_on):
        raise ValueError(f"a promise of {amount} by {due_on} is outside the creditor's policy")
    promise = _claim(debtor, account, amount, due_on, limits.max_open, made_by_staff_id)
    record(
        "promise.made",
        actor_type="debtor",
        actor_id=debtor.id,
        debtor_id=debtor.id,
        promise=promise.reference,
        account=account.reference,
        amount=amount,
        due_on=due_on.isoformat(),
    )
    emit(
        "promise.made",
        debtor=debtor,
        account=account,
        promise=promise.reference,
        amount=amount,
        currency=account.currency,
        due_on=due_on.isoformat(),
        made_by_staff=promise.made_by_staff_id is not None,
    )
    queue_message("made", promise, debtor)
    return promise


def _claim(debtor: Debtor, account: Account, amount: int, due_on: date, max_open: int, staff_id: int | None) -> Promise:
    """Insert the promise only while fewer than `max_open` are open on the account, in one statement."""
    db.session.execute(select(Account.id).where(Account.id == account.id).with_for_update())
    # the real time, as a ledger entry's created_at is: "paid since it was made" compares the two
    reference, now = new_reference("PR"), utcnow()
    still_open = (
        select(func.count(Promise.id))
        .where(Promise.account_id == account.id, Promise.status == "open")
        .scalar_subquery()
    )
    row = select(
        literal(reference, String()),
        literal(debtor.id, Integer()),
        literal(account.id, Integer()),
        literal(amount, Integer()),
        literal(account.currency, String()),
        literal(due_on, Date()),
        literal("open", String()),
        literal(now, UTCDateTime()),
        literal(staff_id, Integer()),
    ).where(still_open < max_open)
    columns = ["reference", "debtor_id", "account_id", "amount", "currency", "due_on", "status", "made_at"]
    # RETURNING, not rowcount: psycopg reports no row count for an INSERT ... SELECT
    inserted = db.session.execute(
        insert(Promise).from_select([*columns, "made_by_staff_id"], row).returning(Promise.id)
    ).scalar()
    if inserted is None:
        raise PromiseRefused(Unavailable.OPEN_LIMIT)
    return db.session.get(Promise, inserted)


def paid_towards(promise: Promise) -> int:
    """What the ledger shows paid on the account since the promise was made, taking effect by its date (minor
    units): payments by any channel, the creditor's own items included."""
    paid = db.session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(
            LedgerEntry.account_id == promise.account_id,
            LedgerEntry.kind == "payment",
            LedgerEntry.created_at >= promise.made_at,
            LedgerEntry.effective_date <= promise.due_on,
        )
    )
    return -int(paid)


def _decide(promise: Promise, status: PromiseStatus, now: datetime) -> bool:
    """Change an open promise's status, once: a conditional UPDATE from open (a second caller changes nothing)."""
    changed = db.session.execute(
        update(Promise)
        .where(Promise.id == promise.id, Promise.status == "open")
        .values(status=str(status), settled_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(promise)
    return changed == 1


def _told(promise: Promise, what: str, debtor: Debtor, paid: int) -> None:
    account = promise.account
    record(f"promise.{what}", actor_type="system", debtor_id=debtor.id, promise=promise.reference, paid=paid)
    emit(
        f"promise.{what}",
        debtor=debtor,
        account=account,
        promise=promise.reference,
        amount=promise.amount,
        paid=paid,
        currency=promise.currency,
        due_on=promise.due_on.isoformat(),
    )
    queue_message(what, promise, debtor)


def keep_if_paid(promise: Promise, now: datetime | None = None) -> bool:
    """Mark an open promise kept when the ledger shows it paid; True when this call did."""
    if promise.status != "open":
        return False
    paid = paid_towards(promise)
    if paid < promise.amount or not _decide(promise, PromiseStatus.KEPT, now or clock.now()):
        return False
    _told(promise, "kept", db.session.get(Debtor, promise.debtor_id), paid)
    return True


def settle(promise: Promise, now: datetime) -> str | None:
    """The job's step for one open promise: kept if paid, broken once its day has passed in the debtor's
    calendar; returns what it became (None: still open, or decided by someone else first).

    A promise whose day passes while we may not ask for money on the account (a hold came, a dispute was opened,
    the debtor asked for a break) is not broken but cancelled: nobody is held to a promise we stopped asking for."""
    if keep_if_paid(promise, now):
        return "kept"
    debtor = db.session.get(Debtor, promise.debtor_id)
    today = clock.today_for(debtor, now)
    if promise.status != "open" or today <= promise.due_on:
        return None
    if not gate.may_ask_for_money(promise.account, today):
        if not _decide(promise, PromiseStatus.CANCELLED, now):
            return None
        record("promise.cancelled", actor_type="system", debtor_id=debtor.id, promise=promise.reference, why="gate")
        return "cancelled"
    if not _decide(promise, PromiseStatus.BROKEN, now):
        return None
    _told(promise, "broken", debtor, paid_towards(promise))
    return "broken"


def claim_reminder(promise: Promise, now: datetime) -> bool:
    """Take the one reminder of an open promise due tomorrow in the debtor's calendar (a conditional UPDATE)."""
    debtor = db.session.get(Debtor, promise.debtor_id)
    if promise.status != "open" or promise.due_on - clock.today_for(debtor, now) != timedelta(days=1):
        return False
    return (
        db.session.execute(
            update(Promise)
            .where(Promise.id == promise.id, Promise.status == "open", Promise.reminded_at.is_(None))
            .values(reminded_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )


@dataclass
class Board:
    """A debtor's promises as their pages show them, worked out in three statements however many accounts."""

    #: {account id: its promise to show}: the open one due first, else the latest decided in the last 30 days
    shown: dict[int, Promise]
    #: {account id: how many promises are open on it}
    open_count: dict[int, int]
    #: the accounts a plan stands for
    with_plan: set[int]
    max_open: int

    def unavailable(self, account: Account, balance: int, standing: gate.Standing) -> Unavailable | None:
        """Why a promise can't be made on the account now, or None when it can (the limit is checked again,
        atomically, when it is made)."""
        if balance <= 0 or gate.Stop.CLOSED in standing.stops:
            return Unavailable.NOTHING_OWED
        if not standing.may_ask:
            return Unavailable.NOT_ASKING
        if account.id in self.with_plan:
            return Unavailable.PLAN
        if self.open_count.get(account.id, 0) >= self.max_open:
            return Unavailable.OPEN_LIMIT
        return None


def board_for(debtor: Debtor, account: Account | None = None) -> Board:
    """The debtor's promises (on one account, or all), open ones the ledger shows paid marked kept on the way (see
    the module's notes)."""
    mine = [Promise.debtor_id == debtor.id] + ([Promise.account_id == account.id] if account else [])
    since = clock.now() - timedelta(days=30)
    rows = db.session.scalars(
        select(Promise)
        .where(*mine, Promise.status != "cancelled")
        .where((Promise.status == "open") | (Promise.settled_at >= since))
        .order_by(Promise.id.desc())
    ).all()
    paid = _paid_towards_each([promise for promise in rows if promise.status == "open"])
    shown: dict[int, Promise] = {}
    open_count: dict[int, int] = {}
    for promise in rows:
        if promise.status == "open" and paid.get(promise.id, 0) >= promise.amount:
            keep_if_paid(promise)
        if promise.status == "open":
            open_count[promise.account_id] = open_count.get(promise.account_id, 0) + 1
        first = shown.get(promise.account_id)
        if first is None or (promise.status == "open" and (first.status != "open" or promise.due_on < first.due_on)):
            shown[promise.account_id] = promise
    plans = select(Plan.account_id).where(Plan.debtor_id == debtor.id, Plan.status.in_(PLAN_STANDS))
    if account is not None:
        plans = plans.where(Plan.account_id == account.id)
    return Board(shown, open_count, set(db.session.scalars(plans)), policy_for(debtor).promise_max_open)


def _paid_towards_each(promises: list[Promise]) -> dict[int, int]:
    """`paid_towards` for many promises in one statement."""
    if not promises:
        return {}
    rows = db.session.execute(
        select(Promise.id, func.coalesce(func.sum(LedgerEntry.amount), 0))
        .join(LedgerEntry, LedgerEntry.account_id == Promise.account_id)
        .where(
            Promise.id.in_([promise.id for promise in promises]),
            LedgerEntry.kind == "payment",
            LedgerEntry.created_at >= Promise.made_at,
            LedgerEntry.effective_date <= Promise.due_on,
        )
        .group_by(Promise.id)
    )
    return {promise_id: -int(total) for promise_id, total in rows}


def promises_of(debtor: Debtor) -> list[Promise]:
    """Every promise of a debtor, newest first (the console)."""
    return list(db.session.scalars(select(Promise).where(Promise.debtor_id == debtor.id).order_by(Promise.id.desc())))
