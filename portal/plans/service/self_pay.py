"""A plan the debtor pays each time themselves, no card kept (Plan.pays_by "debtor", issue 16 point 2).

- Same offers, same agreement: the debtor chooses how to pay before agreeing (`choose_how_to_pay`), so the
  words they agree to say it; agreeing starts the plan at once (`start`), with no card.
- Each instalment is reminded with a link to the normal payment page, its amount filled in (`flask remind`,
  through the gate and the outbox, like a collected plan's reminder).
- Paid is read from the ledger, the truth about payments by any channel (our payment page, an item the
  creditor posts): the payments on the account since the plan started cover its instalments in order, so paying
  early, in parts or another way counts. Instalments are marked paid when the debtor's plan page is drawn or
  `flask collect` runs, whichever is first; each change is one conditional UPDATE from "scheduled", so it
  happens once however many look at once.
- Missed by the same rules as a collected plan: not covered by its date plus the plan's `retry_after_days` (the
  days a collected plan waits before trying a declined payment again), it is missed and the debtor told; at
  `missed_payments_to_break` the plan is broken. Only `flask collect` decides that, and never while the gate
  says asking for money has stopped (a hold moves the dates on when it ends).

Functions flush; the caller's unit of work commits (`portal.transaction`).
"""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import update

from portal import gate
from portal.accounts.ledger import balance_of
from portal.events import emit
from portal.extensions import db
from portal.models import Debtor, Instalment, Plan
from portal.models.audit import record
from portal.models.plan import PaysBy
from portal.plans.emails import queue_collection_notice
from portal.plans.service import PlanError
from portal.plans.service.collection import end_plan, finish_if_done, fit_to_balance, note_plan_event, settlement_left
from portal.plans.service.progress import paid_since_start, running_totals


def choose_how_to_pay(plan: Plan, debtor: Debtor, pays_by: str) -> None:
    """Before agreeing: a saved card (collected on each date) or paying each payment themselves."""
    if plan.status != "draft":
        raise PlanError("not_agreeable")
    chosen = str(PaysBy(pays_by))
    if plan.pays_by == chosen:
        return
    plan.pays_by = chosen
    record(
        "plan.pays_by_chosen",
        actor_type="debtor",
        actor_id=debtor.id,
        debtor_id=debtor.id,
        plan=plan.reference,
        pays_by=chosen,
    )


def start(plan: Plan, debtor: Debtor) -> None:
    """Agreed, a plan the debtor pays themselves runs at once: there is no card to wait for."""
    plan.status = "active"
    plan.activated_at = datetime.now(UTC)
    plan.pay_first_now = False
    record(
        "plan.activated",
        actor_type="debtor",
        actor_id=debtor.id,
        debtor_id=debtor.id,
        plan=plan.reference,
        pays_by=plan.pays_by,
    )
    emit("plan.activated", debtor=debtor, account=plan.account, plan=plan.reference, pays_by=plan.pays_by)


def catch_up(plan: Plan, now: datetime | None = None) -> list[Instalment]:
    """Mark paid the instalments the ledger shows covered; returns those this call marked (none if another did)."""
    if not plan.paid_by_debtor or plan.status != "active":
        return []
    now = now or datetime.now(UTC)
    paid = paid_since_start([plan]).get(plan.id, 0)
    marked = []
    for instalment, running in running_totals(plan):
        if running > paid:
            break
        if instalment.status == "scheduled" and _move(instalment, "paid", paid_at=now):
            note_plan_event(plan, "instalment.paid", number=instalment.number, amount=instalment.amount)
            marked.append(instalment)
    if marked:
        finish_if_done(plan)
    balance = balance_of(plan.account)
    left = settlement_left(plan, balance) if plan.kind == "settlement" else balance
    if plan.status == "active" and left <= 0:
        fit_to_balance(plan, balance)  # paid off (interest the instalments allowed for never came): complete it
    return marked


def follow(plan: Plan, today: date, now: datetime) -> list[tuple[str, Instalment]]:
    """`flask collect`'s step for a plan the debtor pays: paid ones marked, then the ones past their grace missed
    (the plan broken at its limit), each told to the debtor through the outbox. Nothing is missed while we may not
    ask for money."""
    happened = [("paid", instalment) for instalment in catch_up(plan, now)]
    if plan.status != "active" or not gate.may_ask_for_money(plan.account, today):
        return happened
    grace = timedelta(days=plan.terms.get("retry_after_days", 3))
    for instalment in list(plan.instalments):
        if instalment.status != "scheduled" or instalment.due_date + grace >= today:
            continue
        if not _move(instalment, "missed", missed_at=now):
            continue
        what = _missed(plan, instalment)
        queue_collection_notice(what, instalment)
        happened.append((what, instalment))
        if what == "broken":
            break
    return happened


def _move(instalment: Instalment, status: str, **values) -> bool:
    """One conditional UPDATE from "scheduled": True for the one caller that moved it."""
    moved = db.session.execute(
        update(Instalment)
        .where(Instalment.id == instalment.id, Instalment.status == "scheduled")
        .values(status=status, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(instalment)
    return moved == 1


def _missed(plan: Plan, instalment: Instalment) -> str:
    """Count a missed instalment on the plan (in the statement, not from what this process read); at the creditor's
    limit the plan is broken."""
    db.session.execute(
        update(Plan)
        .where(Plan.id == plan.id)
        .values(missed_count=Plan.missed_count + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(plan)
    note_plan_event(
        plan,
        "instalment.missed",
        number=instalment.number,
        amount=instalment.amount,
        due=str(instalment.due_date),
    )
    if plan.missed_count >= plan.terms.get("missed_payments_to_break", 2):
        end_plan(plan, "broken")
        return "broken"
    finish_if_done(plan)
    return "missed"
