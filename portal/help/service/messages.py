"""Secure messages: the debtor writes, the creditor's staff answer, and every message is kept.

Messages are append-only (portal.models.append_only): a message is never edited or removed, so the
thread is a true record of what each side said and when. The thread only remembers who wrote last,
which tells the debtor there is a reply to read and tells staff who is waiting for one.

Staff reply through `reply_as_staff` (the staff console, and `flask messages reply` until it exists).
"""

from datetime import UTC, datetime

from sqlalchemy import select

from portal.events import emit
from portal.extensions import db
from portal.models import Debtor, Message, MessageThread
from portal.models.audit import record
from portal.ownership import get_owned

SUBJECT_MAX = 120
BODY_MAX = 5000


def default_subject(body: str) -> str:
    """A subject from the first words of the message, when the debtor gave none."""
    first_line = " ".join(body.split())
    if len(first_line) <= 60:
        return first_line
    return first_line[:57].rsplit(" ", 1)[0] + "…"


def threads_for(debtor: Debtor) -> list[MessageThread]:
    """The debtor's conversations, the latest first."""
    return list(
        db.session.scalars(
            select(MessageThread)
            .where(MessageThread.debtor_id == debtor.id)
            .order_by(MessageThread.last_message_at.desc(), MessageThread.id.desc())
        )
    )


def get_thread_for(debtor: Debtor, thread_id: int) -> MessageThread:
    """The debtor's own conversation; someone else's does not exist for them (NotFoundForOwner)."""
    return get_owned(MessageThread, debtor, "conversation", id=thread_id)


def messages_in(thread: MessageThread) -> list[Message]:
    """Oldest first, as a conversation is read."""
    return list(db.session.scalars(select(Message).where(Message.thread_id == thread.id).order_by(Message.id)))


def _add(thread: MessageThread, sender: str, body: str, now: datetime, **staff) -> Message:
    message = Message(
        thread_id=thread.id, debtor_id=thread.debtor_id, sender=sender, body=body.strip(), created_at=now, **staff
    )
    db.session.add(message)
    thread.last_sender = sender
    thread.last_message_at = now
    db.session.flush()
    return message


def _new_thread(debtor: Debtor, subject: str, sender: str, now: datetime) -> MessageThread:
    thread = MessageThread(
        debtor_id=debtor.id, subject=subject[:SUBJECT_MAX], last_sender=sender, last_message_at=now, created_at=now
    )
    db.session.add(thread)
    db.session.flush()
    return thread


def start_thread(debtor: Debtor, subject: str | None, body: str, now: datetime | None = None) -> MessageThread:
    """The debtor writes about something new."""
    now = now or datetime.now(UTC)
    thread = _new_thread(debtor, (subject or "").strip() or default_subject(body), "debtor", now)
    send_as_debtor(thread, body, now)
    return thread


def send_as_debtor(thread: MessageThread, body: str, now: datetime | None = None) -> Message:
    message = _add(thread, "debtor", body, now or datetime.now(UTC))
    record(
        "message.sent",
        actor_type="debtor",
        actor_id=thread.debtor_id,
        debtor_id=thread.debtor_id,
        thread_id=thread.id,
        message_id=message.id,
    )
    debtor = db.session.get(Debtor, thread.debtor_id)
    # The creditor hears that someone is waiting for an answer; what they wrote stays in the portal.
    emit("message.received", debtor=debtor, thread_id=thread.id, message_id=message.id)
    return message


def reply_as_staff(
    thread: MessageThread,
    body: str,
    *,
    staff_id: int | None = None,
    staff_name: str | None = None,
    now: datetime | None = None,
) -> Message:
    """A staff answer in the debtor's thread; the debtor sees it the next time they look."""
    message = _add(thread, "staff", body, now or datetime.now(UTC), staff_id=staff_id, staff_name=staff_name)
    record(
        "message.replied",
        actor_type="staff",
        actor_id=staff_id,
        debtor_id=thread.debtor_id,
        thread_id=thread.id,
        message_id=message.id,
        staff_name=staff_name,
    )
    return message


def start_thread_as_staff(
    debtor: Debtor,
    subject: str,
    body: str,
    *,
    staff_id: int | None = None,
    staff_name: str | None = None,
    now: datetime | None = None,
) -> MessageThread:
    """Staff write first, e.g. after reviewing what the debtor told us about their circumstances."""
    now = now or datetime.now(UTC)
    thread = _new_thread(debtor, subject.strip() or default_subject(body), "staff", now)
    reply_as_staff(thread, body, staff_id=staff_id, staff_name=staff_name, now=now)
    return thread


def post_notice(debtor: Debtor, subject: str, body: str, *, signed: str, now: datetime) -> MessageThread:
    """A message the outbox could not send by the debtor's channel, shown here instead. It is no staff
    visit, so it is recorded as the system's, not as staff reading the account."""
    thread = _new_thread(debtor, subject.strip() or default_subject(body), "staff", now)
    message = _add(thread, "staff", body, now, staff_name=signed)
    record("message.notice", actor_type="system", debtor_id=debtor.id, thread_id=thread.id, message_id=message.id)
    return thread


def staff_threads(*, waiting_only: bool = False, creditor_ids: list[int] | None = None):
    """(thread, debtor) pairs for staff. Waiting ones (the debtor wrote last) oldest first, so the person
    waiting longest is answered first; otherwise the latest first."""
    query = select(MessageThread, Debtor).join(Debtor, Debtor.id == MessageThread.debtor_id)
    if creditor_ids is not None:
        query = query.where(Debtor.creditor_id.in_(creditor_ids))
    if waiting_only:
        query = query.where(MessageThread.last_sender == "debtor").order_by(MessageThread.last_message_at)
    else:
        query = query.order_by(MessageThread.last_message_at.desc())
    return [tuple(row) for row in db.session.execute(query)]
