"""Call backs: a debtor books a slot for a person to phone them, may cancel it, and a staff user marks it done.

- What may be booked is portal.help.call_backs's rule, read here from the creditor's policy and the debtor's
  contact settings; a slot posted by a form is booked only if that rule still offers it now.
- One open call back per debtor: the database's unique partial index decides, so two requests at the same
  moment book one, on SQLite and PostgreSQL alike. Cancelling and marking done are one conditional UPDATE
  each: a call back is cancelled or done once.
- Each step is audited and told to the creditor as an event (the slot and the reason's code; never the
  debtor's note nor the staff user's), and booking queues a confirmation through the outbox.
"""

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from portal import events, outbox
from portal.confirmations import channel_for
from portal.domain_errors import Conflict, NotAllowedNow, NotFoundForOwner
from portal.extensions import db
from portal.help.call_backs import Slot, Where, days_offered, opening_hours
from portal.help.service.contact import settings_for
from portal.models import CallBack, Debtor, StaffUser
from portal.models.audit import record
from portal.models.call_back import CallBackReason, CallBackStatus
from portal.staff.access import their_creditors

REASON_LABELS = {
    CallBackReason.PLAN: _l("Talk about a payment plan"),
    CallBackReason.CANT_PAY: _l("I can't pay right now"),
    CallBackReason.ACCOUNT: _l("A question about my account"),
    CallBackReason.OTHER: _l("Something else"),
}
#: the most a debtor, or a staff user marking it done, may write
NOTE_MAX = 500


class NoPhone(NotAllowedNow):
    """There is no phone number on file to call."""


class SlotNotOffered(NotAllowedNow):
    """The slot is not (or no longer) one we offer: past, too soon, or outside the hours."""


class AlreadyBooked(Conflict):
    """The debtor already has an open call back."""


class NotOpen(Conflict):
    """The call back was already cancelled or done."""


def where_for(debtor: Debtor) -> Where:
    creditor = debtor.creditor
    return Where(
        debtor_timezone=debtor.effective_timezone,
        creditor_timezone=creditor.timezone,
        jurisdiction=creditor.jurisdiction,
        hours=opening_hours(creditor.policy),
        windows=settings_for(debtor).windows,
    )


def days_for(debtor: Debtor, now: datetime) -> list[tuple[date, list[Slot]]]:
    return days_offered(where_for(debtor), now)


def slots_for(debtor: Debtor, day: date, now: datetime) -> list[Slot]:
    """The slots of `day` if it is one of the days offered (a day further ahead has none)."""
    return dict(days_for(debtor, now)).get(day, [])


def open_call_back(debtor: Debtor) -> CallBack | None:
    return db.session.scalar(
        select(CallBack).where(CallBack.debtor_id == debtor.id, CallBack.status == CallBackStatus.BOOKED)
    )


def call_backs_of(debtor: Debtor) -> list[CallBack]:
    """Every call back the debtor asked for, the latest slot first."""
    return list(
        db.session.scalars(
            select(CallBack).where(CallBack.debtor_id == debtor.id).order_by(CallBack.slot_start.desc(), CallBack.id)
        )
    )


def _event_data(call_back: CallBack) -> dict:
    return {
        "call_back_id": call_back.id,
        "slot_start": call_back.slot_start.isoformat().replace("+00:00", "Z"),
        "slot_end": call_back.slot_end.isoformat().replace("+00:00", "Z"),
        "reason": call_back.reason,
    }


def book(debtor: Debtor, *, day: date, slot_key: str, reason: str, note: str | None, now: datetime) -> CallBack:
    """Book the slot named `slot_key` on the debtor's `day`. Raises NoPhone, SlotNotOffered or AlreadyBooked."""
    if not debtor.phone:
        raise NoPhone(f"debtor {debtor.id} has no phone number")
    if reason not in set(CallBackReason):
        raise NotAllowedNow(f"no call back reason {reason!r}")
    slot = next((slot for slot in slots_for(debtor, day, now) if slot.key == slot_key), None)
    if slot is None:
        raise SlotNotOffered(f"slot {slot_key} on {day} is not offered to debtor {debtor.id}")
    call_back = CallBack(
        debtor_id=debtor.id,
        status=CallBackStatus.BOOKED,
        slot_start=slot.start,
        slot_end=slot.end,
        reason=reason,
        note=(note or "").strip()[:NOTE_MAX] or None,
        phone=debtor.phone,
        created_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(call_back)
    except IntegrityError:
        raise AlreadyBooked(f"debtor {debtor.id} already has an open call back") from None
    record("callback.requested", actor_type="debtor", actor_id=debtor.id, debtor_id=debtor.id, call_back=call_back.id)
    events.emit("callback.requested", debtor=debtor, **_event_data(call_back))
    outbox.queue(debtor, "callback.booked", channel=channel_for(debtor), params={"call_back_id": call_back.id})
    return call_back


def cancel(debtor: Debtor, *, now: datetime) -> CallBack:
    """Cancel the debtor's open call back, once. Raises NotOpen when there is none."""
    call_back = open_call_back(debtor)
    if call_back is None:
        raise NotOpen(f"debtor {debtor.id} has no open call back")
    changed = db.session.execute(
        update(CallBack)
        .where(CallBack.id == call_back.id, CallBack.status == CallBackStatus.BOOKED)
        .values(status=CallBackStatus.CANCELLED, cancelled_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        raise NotOpen(f"call back {call_back.id} is no longer open")
    db.session.refresh(call_back)
    record("callback.cancelled", actor_type="debtor", actor_id=debtor.id, debtor_id=debtor.id, call_back=call_back.id)
    events.emit("callback.cancelled", debtor=debtor, **_event_data(call_back))
    return call_back


# The console


def waiting(creditor_ids: list[int]) -> list[tuple[CallBack, Debtor]]:
    """Open call backs of these creditors' debtors, the earliest slot first."""
    rows = db.session.execute(
        select(CallBack, Debtor)
        .join(Debtor, Debtor.id == CallBack.debtor_id)
        .where(CallBack.status == CallBackStatus.BOOKED, Debtor.creditor_id.in_(creditor_ids))
        .order_by(CallBack.slot_start, CallBack.id)
    )
    return [(call_back, debtor) for call_back, debtor in rows]


def call_back_for_staff(user: StaffUser, call_back_id: int) -> CallBack:
    """A call back of one of the staff user's creditors' debtors; any other is not found."""
    call_back = db.session.scalar(
        select(CallBack)
        .join(Debtor, Debtor.id == CallBack.debtor_id)
        .where(CallBack.id == call_back_id, their_creditors(user))
    )
    if call_back is None:
        raise NotFoundForOwner(f"no call back {call_back_id} for staff user {user.id}")
    return call_back


def mark_done(call_back: CallBack, *, staff: StaffUser, note: str | None, now: datetime) -> CallBack:
    """The staff user called: done, once, with their short note. Raises NotOpen if cancelled or done already."""
    changed = db.session.execute(
        update(CallBack)
        .where(CallBack.id == call_back.id, CallBack.status == CallBackStatus.BOOKED)
        .values(
            status=CallBackStatus.DONE,
            done_at=now,
            done_by_id=staff.id,
            done_note=(note or "").strip()[:NOTE_MAX] or None,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        raise NotOpen(f"call back {call_back.id} is no longer open")
    db.session.refresh(call_back)
    debtor = db.session.get(Debtor, call_back.debtor_id)
    record(
        "callback.done",
        actor_type="staff",
        actor_id=staff.id,
        debtor_id=debtor.id,
        staff_name=staff.first_name,
        call_back=call_back.id,
    )
    events.emit("callback.done", debtor=debtor, **_event_data(call_back))
    return call_back
