"""Holds: Breathing Space (60 days, or a mental-health crisis until it is ended) and creditor pauses.

- Starting a hold marks the accounts it covers "on_hold" (unless disputed or closed); the hold
  itself freezes interest and fees at the model layer (portal.models.hold) and pauses collection
  and reminders (portal.gate).
- A hold ends on its `ends_on` (the first day off hold). Ending it early sets that day. Either way
  `finish` then moves the unpaid instalments of the accounts' live plans on by the hold's length,
  puts the accounts back to "open" (unless another hold still covers them) and tells the creditor.
  `flask holds expire` (daily, from cron) finishes holds whose end has come.

Functions never commit; the caller commits once.
"""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import or_, update

from portal import clock, events
from portal.extensions import db
from portal.models import Account, Debtor, Hold, Instalment, Plan
from portal.models.audit import record
from portal.models.hold import HOLD_KINDS, holds_covering
from portal.models.plan import LIVE_STATUSES

#: how long each kind lasts unless told otherwise; None: until it is ended
DEFAULT_DAYS = {"breathing_space": 60, "mental_health_crisis": None, "creditor_pause": None}


class HoldError(ValueError):
    """A hold can't be started or ended that way."""


# Reading


def active_hold(account: Account, on: date) -> Hold | None:
    """The hold covering an account on a day (the one ending last, if several), or None."""
    holds = db.session.scalars(holds_covering(account.id, account.debtor_id, [on]))
    return max(holds, key=lambda hold: hold.ends_on or date.max, default=None)


def covered_accounts(hold: Hold) -> list[Account]:
    query = db.select(Account).where(Account.debtor_id == hold.debtor_id)
    if hold.account_id is not None:
        query = query.where(Account.id == hold.account_id)
    return list(db.session.scalars(query.order_by(Account.id)))


def unfinished(debtor: Debtor, account: Account | None = None, kind: str | None = None) -> list[Hold]:
    """The debtor's holds not yet finished: all of them, or those on one account (or on all accounts)."""
    query = db.select(Hold).where(Hold.debtor_id == debtor.id, Hold.finished_at.is_(None))
    if account is not None:
        query = query.where(or_(Hold.account_id == account.id, Hold.account_id.is_(None)))
    if kind is not None:
        query = query.where(Hold.kind == kind)
    return list(db.session.scalars(query.order_by(Hold.starts_on, Hold.id)))


def listing(include_finished: bool = False) -> list[Hold]:
    query = db.select(Hold).order_by(Hold.starts_on, Hold.id)
    if not include_finished:
        query = query.where(Hold.finished_at.is_(None))
    return list(db.session.scalars(query))


# Changing


#: `by` for a hold the creditor's own systems started or ended through the API
BY_CREDITOR_API = "creditor api"
#: `by` for what the portal does by itself (a hold reaching its end) and for the demo's data
BY_THE_PORTAL = frozenset({"system", "demo"})


def actor_type(by: str) -> str:
    """Who an audit event says did it: the debtor's "Who has viewed your account" lists staff's doings only, so a
    creditor's API call or the portal's own step must not read as someone looking at the account."""
    if by in BY_THE_PORTAL:
        return "system"
    return "creditor" if by == BY_CREDITOR_API else "staff"


def start_hold(
    debtor: Debtor,
    *,
    kind: str,
    starts_on: date,
    account: Account | None = None,
    days: int | None = None,
    note: str | None = None,
    by: str,
) -> Hold:
    """Put one account, or all of the debtor's accounts, on hold from `starts_on` for `days` (or until ended)."""
    if kind not in HOLD_KINDS:
        raise HoldError(f"unknown kind {kind!r}; use one of {', '.join(HOLD_KINDS)}")
    if account is not None and account.debtor_id != debtor.id:
        raise HoldError("that account is not this debtor's")
    days = days if days is not None else DEFAULT_DAYS[kind]
    if kind == "creditor_pause" and days is None:
        raise HoldError("say how many days a creditor pause lasts (--days)")
    if days is not None and days < 1:
        raise HoldError("a hold lasts at least 1 day")
    hold = Hold(
        debtor_id=debtor.id,
        account_id=account.id if account else None,
        kind=kind,
        starts_on=starts_on,
        ends_on=starts_on + timedelta(days=days) if days else None,
        note=note,
        created_by=by,
    )
    db.session.add(hold)
    for covered in covered_accounts(hold):
        if covered.status == "open":
            covered.status = "on_hold"
    events.emit(
        "hold.started",
        debtor=debtor,
        account=account,
        hold_kind=kind,
        starts_on=starts_on.isoformat(),
        ends_on=hold.ends_on.isoformat() if hold.ends_on else None,
    )
    record(
        "hold.started",
        actor_type=actor_type(by),
        debtor_id=debtor.id,
        account=account.reference if account else None,
        kind=kind,
        starts_on=starts_on.isoformat(),
        ends_on=hold.ends_on.isoformat() if hold.ends_on else None,
        by=by,
    )
    return hold


def shift_plans(hold: Hold, accounts: list[Account]) -> int:
    """Move the unpaid instalments of the accounts' live plans on by the hold's length; return the days moved."""
    days = hold.length_days
    if days <= 0 or not accounts:
        return 0
    plans = db.session.scalars(
        db.select(Plan).where(Plan.account_id.in_([a.id for a in accounts]), Plan.status.in_(LIVE_STATUSES))
    ).all()
    step = timedelta(days=days)
    for plan in plans:
        unpaid = [instalment for instalment in plan.instalments if instalment.status == "scheduled"]
        for instalment in unpaid:
            _move(instalment, step)
        if unpaid and unpaid[0].number == 1:
            plan.first_date = unpaid[0].due_date
    return days


def _move(instalment: Instalment, step: timedelta) -> None:
    instalment.due_date += step
    if instalment.retry_on is not None:
        instalment.retry_on += step


def finish(hold: Hold, *, today: date, by: str) -> Hold:
    """Deal with a hold's end: plans move on, accounts reopen, the creditor hears. Once only."""
    if hold.finished_at is not None:
        return hold
    if hold.ends_on is None or hold.ends_on > today:
        raise HoldError("this hold has not ended yet")
    if not _claim(hold):
        return hold
    accounts = covered_accounts(hold)
    hold.plan_days_shifted = shift_plans(hold, accounts)
    for account in accounts:
        if account.status == "on_hold" and active_hold(account, today) is None:
            account.status = "open"
    debtor = db.session.get(Debtor, hold.debtor_id)
    single = accounts[0] if hold.account_id is not None and accounts else None
    events.emit(
        "hold.ended",
        debtor=debtor,
        account=single,
        hold_kind=hold.kind,
        starts_on=hold.starts_on.isoformat(),
        ends_on=hold.ends_on.isoformat(),
        plan_days_shifted=hold.plan_days_shifted,
    )
    record(
        "hold.ended",
        actor_type=actor_type(by),
        debtor_id=hold.debtor_id,
        account=single.reference if single else None,
        kind=hold.kind,
        ends_on=hold.ends_on.isoformat(),
        plan_days_shifted=hold.plan_days_shifted,
        by=by,
    )
    return hold


def _claim(hold: Hold) -> bool:
    """Mark the hold finished unless another job got there first, so plan dates move on only once."""
    claimed = db.session.execute(
        update(Hold)
        .where(Hold.id == hold.id, Hold.finished_at.is_(None))
        .values(finished_at=datetime.now(UTC))
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(hold)
    return claimed == 1


def end_hold(hold: Hold, *, on: date, by: str) -> Hold:
    """End a hold on a day (the first day off hold; not before it started), then finish it."""
    if hold.finished_at is not None:
        raise HoldError("this hold has already ended")
    end = max(on, hold.starts_on)
    if hold.ends_on is None or hold.ends_on > end:
        hold.ends_on = end
    return finish(hold, today=on, by=by)


def expire_due(today: date | None = None) -> list[Hold]:
    """Finish every hold whose end has come (a daily job), by each debtor's own date unless `today` is given."""
    horizon = today or (datetime.now(UTC).date() + timedelta(days=1))
    due = db.session.scalars(
        db.select(Hold).where(Hold.finished_at.is_(None), Hold.ends_on.is_not(None), Hold.ends_on <= horizon)
    ).all()
    finished = []
    for hold in due:
        day = today or clock.today_for(db.session.get(Debtor, hold.debtor_id))
        if hold.ends_on <= day:
            finished.append(finish(hold, today=day, by="system"))
    return finished
