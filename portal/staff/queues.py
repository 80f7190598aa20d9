"""What waits for a person, for one staff user: call backs to make, proposals and pause requests to decide,
disputes to answer or to deliver, circumstances to review and messages to reply to, of their creditors only; the oldest
promise to answer first, with the days left.

The day we promised to answer by:
- a proposal or a pause request: `Plan.review_by`, the day the debtor was told (5 working days);
- circumstances: reminders stop for 30 days, as the debtor is told, and a person reviews it before they
  start again, so `reminders_paused_until`;
- a call back: the day of its slot, where the debtor lives (the queue shows the slot itself, earliest first);
- disputes and messages: the debtor is given no date ("our answer will be here", "we will reply here"),
  so we keep the promise we make for proposals, 5 working days in the creditor's jurisdiction from the
  day it came (for an answer still to be delivered, from the day it was answered). `told` is False for
  these, and the page says the date is our own.
"""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from portal import clock
from portal.domain_errors import NotFoundForOwner
from portal.extensions import db
from portal.help.service import call_backs
from portal.help.service.circumstances import review_queue
from portal.help.service.messages import staff_threads
from portal.models import Debtor, Dispute, Plan, StaffUser
from portal.plans import review
from portal.plans.service.making import review_deadline
from portal.rights.service.disputes import listing
from portal.staff.access import their_creditors

#: the queues, in the order the page shows their counts
QUEUES = ("callbacks", "plans", "disputes", "circumstances", "messages")


@dataclass(frozen=True)
class Item:
    """One thing waiting: `kind` is proposal, pause, dispute, delivery, circumstance or message; `thing` the row."""

    kind: str
    queue: str
    thing: object
    debtor: Debtor
    received: datetime
    #: the day it came, where the debtor lives
    received_on: date
    answer_by: date
    #: negative when the promise has passed
    days_left: int
    #: True when the debtor was given `answer_by`; False when it is our own target
    told: bool
    #: a call back's slot start: call backs are in slot order
    at: datetime | None = None


@dataclass(frozen=True)
class Queues:
    items: list[Item]

    def count(self, queue: str) -> int:
        return sum(1 for item in self.items if item.queue == queue)


def _item(
    kind: str,
    queue: str,
    thing,
    debtor: Debtor,
    received: datetime,
    answer_by: date,
    told: bool,
    at: datetime | None = None,
) -> Item:
    days_left = (answer_by - clock.today_for(debtor)).days
    return Item(kind, queue, thing, debtor, received, clock.today_for(debtor, received), answer_by, days_left, told, at)


def _our_target(debtor: Debtor, received: datetime) -> date:
    """No date was given to the debtor: the working days we promise for a proposal, from the day it came."""
    return review_deadline(clock.today_for(debtor, received), debtor.creditor.jurisdiction)


def _debtors(ids: set[int]) -> dict[int, Debtor]:
    return {debtor.id: debtor for debtor in db.session.scalars(select(Debtor).where(Debtor.id.in_(ids)))} if ids else {}


def waiting_for(user: StaffUser) -> Queues:
    """Everything waiting for a person at the staff user's creditors, the oldest promise first."""
    creditor_ids = sorted(user.creditor_ids)
    plans = review.waiting(creditor_ids=creditor_ids)
    disputes = listing(creditor_ids=creditor_ids)
    debtors = _debtors({plan.debtor_id for plan in plans} | {dispute.debtor_id for dispute in disputes})
    items = []
    for plan in plans:
        debtor = debtors[plan.debtor_id]
        if review.is_pause_request(plan):
            items.append(_item("pause", "plans", plan, debtor, plan.pause_requested_at, plan.review_by, True))
        else:
            items.append(_item("proposal", "plans", plan, debtor, plan.created_at, plan.review_by, True))
    for dispute in disputes:
        debtor = debtors[dispute.debtor_id]
        if dispute.status == "awaiting_delivery":
            received, kind = dispute.resolved_at, "delivery"
        else:
            received, kind = dispute.created_at, "dispute"
        items.append(_item(kind, "disputes", dispute, debtor, received, _our_target(debtor, received), False))
    for circumstance, debtor in review_queue(creditor_ids=creditor_ids):
        promised = clock.today_for(debtor, circumstance.reminders_paused_until)
        items.append(
            _item("circumstance", "circumstances", circumstance, debtor, circumstance.created_at, promised, True)
        )
    for thread, debtor in staff_threads(waiting_only=True, creditor_ids=creditor_ids):
        received = thread.last_message_at
        items.append(_item("message", "messages", thread, debtor, received, _our_target(debtor, received), False))
    for call_back, debtor in call_backs.waiting(creditor_ids):
        slot_day = clock.today_for(debtor, call_back.slot_start)
        items.append(
            _item(
                "callback", "callbacks", call_back, debtor, call_back.created_at, slot_day, True, call_back.slot_start
            )
        )
    items.sort(key=lambda item: (item.answer_by, item.at or item.received, item.received))
    return Queues(items)


def plan_for_staff(user: StaffUser, reference: str) -> Plan:
    """A plan of one of the staff user's creditors' debtors; any other is not found."""
    plan = db.session.scalar(
        select(Plan)
        .join(Debtor, Debtor.id == Plan.debtor_id)
        .where(Plan.reference == reference.strip().upper(), their_creditors(user))
    )
    if plan is None:
        raise NotFoundForOwner(f"no plan {reference} for staff user {user.id}")
    return plan


def dispute_for_staff(user: StaffUser, reference: str) -> Dispute:
    """A dispute of one of the staff user's creditors' debtors; any other is not found."""
    dispute = db.session.scalar(
        select(Dispute)
        .join(Debtor, Debtor.id == Dispute.debtor_id)
        .where(Dispute.reference == reference.strip().upper(), their_creditors(user))
    )
    if dispute is None:
        raise NotFoundForOwner(f"no dispute {reference} for staff user {user.id}")
    return dispute
