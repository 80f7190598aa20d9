"""Texts to and from debtors: sending one for the outbox, and what a reply does.

A reply is matched to the debtor we last texted at that number (Twilio sends the number in E.164, as we
sent to it). STOP and its companions switch texts off for every debtor we text at that number, at
once; START switches them back on; anything else lands in the debtor's message thread, where staff
answer in the console, and the answer goes back by text (`text_back`) so the conversation can stay in
texts. A number we never texted gets no answer and no record beyond a log line without the body.
"""

import logging
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from portal.events import emit
from portal.extensions import db
from portal.help.service import messages
from portal.help.service.contact import reachable, settings_for
from portal.models import ContactPreference, Debtor, Message, MessageThread, OutboundMessage, TextMessage
from portal.models.audit import record
from portal.models.text_message import Direction
from portal.outbox import Letter, queue, template
from portal.sms.numbers import e164

log = logging.getLogger(__name__)

#: the opt-out and opt-in words carriers and Twilio recognise, as the whole reply
STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"})
START_WORDS = frozenset({"START", "UNSTOP"})
#: Twilio answers these itself with the account's help text; they are no message to staff
HELP_WORDS = frozenset({"HELP", "INFO"})


def _debtors_at(number: str) -> list[Debtor]:
    """Everyone we texted at this number, the most recently texted first."""
    latest: dict[int, int] = {}
    for debtor_id, text_id in db.session.execute(
        select(TextMessage.debtor_id, TextMessage.id)
        .where(TextMessage.number == number, TextMessage.direction == Direction.OUT)
        .order_by(TextMessage.id.desc())
    ):
        latest.setdefault(debtor_id, text_id)
    return [db.session.get(Debtor, debtor_id) for debtor_id in latest]


def keyword(body: str) -> str:
    return body.strip().strip(".!").upper()


def receive(sender: str, body: str, sid: str | None, now: datetime) -> str:
    """Act on a text a debtor sent; returns what was done ("stopped", "started", "replied", "unknown", "help")."""
    number = e164(sender, "") or sender
    debtors = _debtors_at(number)
    if not debtors:
        log.info("A text from a number we never texted (ending %s) was ignored", number[-3:])
        return "unknown"
    word = keyword(body)
    if word in STOP_WORDS or word in START_WORDS:
        on = word in START_WORDS
        for debtor in debtors:
            _switch_texts(debtor, on=on, number=number, sid=sid, now=now)
        return "started" if on else "stopped"
    if word in HELP_WORDS:
        return "help"
    debtor = debtors[0]
    thread = _conversation(debtor)
    if thread is None:
        thread = messages.start_thread(debtor, _("Text message"), body, now)
        message = db.session.scalar(select(Message).where(Message.thread_id == thread.id))
    else:
        message = messages.send_as_debtor(thread, body, now)
    db.session.add(
        TextMessage(debtor_id=debtor.id, direction=Direction.IN, number=number, message_id=message.id, provider_sid=sid)
    )
    return "replied"


def _conversation(debtor: Debtor) -> MessageThread | None:
    """The thread of the debtor's last text to us, so a text conversation stays in one thread."""
    return db.session.scalar(
        select(MessageThread)
        .join(Message, Message.thread_id == MessageThread.id)
        .join(TextMessage, TextMessage.message_id == Message.id)
        .where(TextMessage.debtor_id == debtor.id)
        .order_by(TextMessage.id.desc())
        .limit(1)
    )


def _switch_texts(debtor: Debtor, *, on: bool, number: str, sid: str | None, now: datetime) -> None:
    """STOP or START by text: the debtor's own choice, saved and recorded as if made on their preferences page."""
    preference = db.session.scalar(select(ContactPreference).where(ContactPreference.debtor_id == debtor.id))
    if preference is None:
        preference = ContactPreference(debtor_id=debtor.id)
        db.session.add(preference)
    db.session.add(TextMessage(debtor_id=debtor.id, direction=Direction.IN, number=number, provider_sid=sid))
    if preference.sms_on == on:
        return
    preference.sms_on = on
    db.session.flush()
    channels = sorted(settings_for(debtor).channels)
    record(
        "preferences.changed",
        actor_type="debtor",
        actor_id=debtor.id,
        debtor_id=debtor.id,
        changed=["channels"],
        channels=channels,
        by="sms",
    )
    emit("preferences.changed", debtor=debtor, channels=channels, by="sms", at=now.isoformat())


def text_back(thread: MessageThread, answer: Message) -> OutboundMessage | None:
    """After staff answer: if the debtor's last message in the thread came by text, queue the answer as a
    text too (the outbox sends it past the gate). None when it came another way or texts are off."""
    last = db.session.scalar(
        select(Message.id)
        .where(Message.thread_id == thread.id, Message.sender == "debtor")
        .order_by(Message.id.desc())
        .limit(1)
    )
    by_text = last is not None and db.session.scalar(select(TextMessage.id).where(TextMessage.message_id == last))
    debtor = db.session.get(Debtor, thread.debtor_id)
    if not by_text or not reachable(debtor, "sms") or "sms" not in settings_for(debtor).channels:
        return None
    return queue(debtor, "sms.reply", channel="sms", params={"message_id": answer.id})


@template("sms.reply", asks_for_money=False, in_portal_already=True)
def reply_letter(message: OutboundMessage, debtor: Debtor) -> Letter:
    answer = db.session.get(Message, message.params["message_id"])
    name = debtor.creditor.name
    return Letter(
        subject=_("Reply from %(creditor)s", creditor=name),
        opening=answer.body,
        lines=[],
        neutral_subject=_("A message from %(creditor)s", creditor=name),
        neutral_opening=_("A message from %(creditor)s:", creditor=name),
    )
