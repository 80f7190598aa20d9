"""The outbox: every message to a debtor is queued here and sent past the gate, at the moment of sending.

Code that decides to write calls `queue()` inside its own unit of work, so a change that is rolled
back sends nothing. Once that work is committed, `deliver()` (straight after the request or command
that queued it; at the end of a job's run; or `flask outbox send` from cron) claims each message that
is due, asks `portal.gate` whether it may go now, renders it in the debtor's language from its
template, and hands it on (email by SMTP, a text by Twilio), each message a unit of work of its own.
Whatever happens is kept on the row: that is the record of every message (who, channel, template, time, outcome).

Templates are registered by the area that owns the words (`@template("receipt")` in payments).
A template returns None when what it would say is no longer true.
"""

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from flask import after_this_request, current_app, g
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import delete, or_, select, update

from portal import clock, gate
from portal.extensions import db
from portal.help.contact import allowed
from portal.help.service.contact import settings_for
from portal.help.service.messages import post_notice
from portal.i18n import language_of
from portal.mail import MailError, send_email
from portal.message_rules import Notices, email_headers, notices
from portal.models import Account, Creditor, Debtor, OutboundMessage
from portal.sms.provider import SmsError
from portal.sms.texts import send_text
from portal.transaction import after_commit, commit_claim, unit_of_work

log = logging.getLogger(__name__)

#: how long a claimed message is ours before another run may try it (a sender that died mid-send)
LEASE = timedelta(minutes=10)
#: a message the mail server or Twilio refused is tried this many times, further apart each time
MAX_ATTEMPTS = 5
#: how long the record of a message is kept unless the creditor's policy says longer
#: ("message_retention_days"): US Regulation F §1006.100 asks for three years; the UK's six-year
#: limitation period is the usual answer there
RETENTION_DAYS = {"US": 3 * 366, "UK": 6 * 366}


@dataclass(frozen=True)
class Letter:
    """A message in words. The subject and the opening line are what a locked phone shows, so each
    has a neutral twin that says nothing about money or debt: for debtors who asked for discretion,
    the neutral ones go first and the message itself follows, for when they open it."""

    subject: str
    opening: str
    lines: Sequence[str]
    neutral_subject: str
    neutral_opening: str
    #: the words alone, with no greeting and no notices: for a message to an address that is not (or no
    #: longer) known to be the debtor's (a code to a new one, a notice to the old one), which must say
    #: nothing about them or their debt to whoever reads it
    bare: bool = False

    def text(self, greeting: str, *, discreet: bool, notices: Notices) -> tuple[str, str]:
        """The subject and body to send, with the words every message must carry (portal.message_rules)
        after the opening and at the end: never in the subject or the first line."""
        if self.bare:
            return self.neutral_subject if discreet else self.subject, "\n".join([self.opening, *self.lines]) + "\n"
        opening = [self.opening, *(["", *notices.after_opening] if notices.after_opening else [])]
        footer = ["", *notices.footer] if notices.footer else []
        if discreet:
            return self.neutral_subject, "\n".join(
                [greeting, "", self.neutral_opening, "", *opening, *self.lines, *footer]
            ) + "\n"
        return self.subject, "\n".join([greeting, "", *opening, *self.lines, *footer]) + "\n"

    def words(self) -> str:
        """Everything the template itself says."""
        return "\n".join([self.subject, self.opening, *self.lines])


Render = Callable[[OutboundMessage, Debtor], Letter | None]


@dataclass(frozen=True)
class Template:
    name: str
    #: reminders, missed payments, requests to confirm a payment: never sent while asking has stopped
    asks_for_money: bool
    render: Render
    #: its words are in the debtor's messages already (a staff answer sent on by text): never posted again
    in_portal_already: bool = False
    #: a code the person is waiting for on the page: sent at once to the address it names (see gate.delivery)
    at_their_request: bool = False


TEMPLATES: dict[str, Template] = {}


def template(
    name: str, *, asks_for_money: bool, in_portal_already: bool = False, at_their_request: bool = False
) -> Callable[[Render], Render]:
    """Register the function that writes a message (called inside the debtor's language)."""

    def register(render: Render) -> Render:
        TEMPLATES[name] = Template(name, asks_for_money, render, in_portal_already, at_their_request)
        return render

    return register


def queue(
    debtor: Debtor,
    name: str,
    *,
    account: Account | None = None,
    params: dict | None = None,
    channel: str = "email",
    due_at: datetime | None = None,
    to_address: str | None = None,
) -> OutboundMessage:
    """Queue a message in the caller's unit of work; it is sent once that is committed (for a job: at the
    end of its run, see `held_for_the_job`). `to_address`: an address or number other than the debtor's own."""
    if name not in TEMPLATES:
        raise ValueError(f"no message template {name!r}")
    message = OutboundMessage(
        debtor_id=debtor.id,
        account_id=account.id if account else None,
        channel=channel,
        template=name,
        params=params or {},
        asks_for_money=TEMPLATES[name].asks_for_money,
        due_at=due_at,
        to_address=to_address,
    )
    db.session.add(message)
    db.session.flush()
    if not g.get("outbox_held_for_the_job"):
        after_commit(partial(deliver, [message.id]))
    return message


@contextmanager
def held_for_the_job() -> Iterator[None]:
    """For a job: what its steps queue waits for the job's own `deliver(now=...)` at the end of its run
    (or for `flask outbox send`)."""
    g.outbox_held_for_the_job = True
    try:
        yield
    finally:
        g.pop("outbox_held_for_the_job", None)


def deliver_after_response(ids: Sequence[int]) -> None:
    """For a request whose timing must not tell what it queued (a link sent to whoever an address typed on a
    public page belongs to): queue inside `held_for_the_job()`, then call this with the ids, matched or not.
    The messages are handed on once the response has gone."""
    app = current_app._get_current_object()
    ids = list(ids)

    @after_this_request
    def _once_sent(response):
        def run() -> None:
            with app.app_context():
                try:
                    if ids:
                        deliver(ids)
                finally:
                    db.session.remove()

        response.call_on_close(run)
        return response


def deliver(ids: Sequence[int] | None = None, now: datetime | None = None) -> dict[str, int]:
    """Send the queued messages that are due (or just these ones); returns how many ended in each state."""
    now = now or clock.now()
    query = select(OutboundMessage.id).where(OutboundMessage.state == "queued", _due(now))
    if ids is not None:
        query = query.where(OutboundMessage.id.in_(ids))
    due = db.session.scalars(query.order_by(OutboundMessage.id)).all()
    db.session.rollback()
    counts: dict[str, int] = {}
    for message_id in due:
        with unit_of_work():
            state = _deliver_one(message_id, now)
        if state:
            counts[state] = counts.get(state, 0) + 1
    return counts


def _due(now: datetime):
    return or_(OutboundMessage.due_at.is_(None), OutboundMessage.due_at <= now)


def _claim(message_id: int, now: datetime) -> OutboundMessage | None:
    """Take a message for this run in one atomic statement: two runs never both send it."""
    claimed = db.session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.id == message_id, OutboundMessage.state == "queued", _due(now))
        .values(due_at=now + LEASE, attempts=OutboundMessage.attempts + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    commit_claim()
    return db.session.get(OutboundMessage, message_id) if claimed else None


def _deliver_one(message_id: int, now: datetime) -> str | None:
    message = _claim(message_id, now)
    if message is None:
        return None
    debtor = db.session.get(Debtor, message.debtor_id)
    accounts = _accounts_of(message, debtor)
    decided = gate.delivery(
        debtor,
        message.channel,
        now,
        asks_for_money=message.asks_for_money,
        accounts=accounts,
        address=message.to_address,
        at_their_request=TEMPLATES[message.template].at_their_request,
    )
    if decided.verdict is gate.Verdict.WITHHOLD:
        return _finish(message, "withheld", now, decided.reason)
    if decided.verdict is gate.Verdict.WAIT:
        message.state, message.due_at, message.outcome = (
            "queued",
            _next_allowed(debtor, message.channel, now),
            decided.reason,
        )
        return "waiting"
    with force_locale(language_of(debtor)):
        letter = TEMPLATES[message.template].render(message, debtor)
        if letter is None:
            return _finish(message, "stale", now, "no longer true")
        channel = "portal" if decided.verdict is gate.Verdict.IN_PORTAL else message.channel
        subject, body = letter.text(
            _("Hello %(name)s,", name=debtor.full_name),
            discreet=decided.discreet,
            notices=notices(debtor, channel, already_said=letter.words()),
        )
        if decided.verdict is gate.Verdict.IN_PORTAL:
            if not TEMPLATES[message.template].in_portal_already:
                post_notice(debtor, subject, body, signed=debtor.creditor.name, now=now)
            return _finish(message, "in_portal", now, decided.reason)
    commit_claim()  # anything the template made (a fresh sign-in link) exists before the email does
    try:
        _hand_on(message, debtor, subject, body, bare=letter.bare)
    except (MailError, SmsError) as error:
        log.warning("Message %s (%s) not sent: %s", message.id, message.template, error)
        if message.attempts >= MAX_ATTEMPTS:
            return _finish(message, "failed", now, str(error)[:200])
        message.due_at = now + timedelta(minutes=10 * message.attempts)
        message.outcome = str(error)[:200]
        return "retrying"
    return _finish(message, "sent", now, None)


def _hand_on(message: OutboundMessage, debtor: Debtor, subject: str, body: str, *, bare: bool = False) -> None:
    """By the message's channel. A text is the body alone: its first words are the discreet ones. A bare letter
    (to an address not, or no longer, known to be the debtor's) carries no opt-out headers, as no opt-out link."""
    if message.channel == "sms":
        send_text(debtor, body, message, number=message.to_address)
        return
    headers = None if bare or message.to_address else email_headers(debtor)
    send_email(message.to_address or debtor.email, subject, body, sender=debtor.creditor.name, headers=headers)


def _finish(message: OutboundMessage, state: str, now: datetime, outcome: str | None) -> str:
    message.state, message.finished_at, message.outcome = state, now, outcome
    return state


def _accounts_of(message: OutboundMessage, debtor: Debtor) -> list[Account]:
    """The accounts a message is about: its own, or every account of the debtor's."""
    query = select(Account).where(Account.debtor_id == debtor.id)
    if message.account_id is not None:
        query = query.where(Account.id == message.account_id)
    return list(db.session.scalars(query))


def _next_allowed(debtor: Debtor, channel: str, now: datetime) -> datetime:
    """The next quarter hour at which the debtor may be contacted on the channel (within two days)."""
    settings = settings_for(debtor)
    moment = now.replace(second=0, microsecond=0) + timedelta(minutes=15 - now.minute % 15)
    for _step in range(2 * 24 * 4):
        if allowed(
            channel, moment, timezone=debtor.effective_timezone, settings=settings, reachable=True, paused_until=None
        ):
            return moment
        moment += timedelta(minutes=15)
    return moment


def retention_days(creditor: Creditor) -> int:
    """How long the records of a creditor's messages are kept: its policy, never less than the law's minimum."""
    minimum = RETENTION_DAYS.get(creditor.jurisdiction, max(RETENTION_DAYS.values()))
    return max(int((creditor.policy or {}).get("message_retention_days", minimum)), minimum)


def purge_records(now: datetime | None = None) -> int:
    """Remove the records of finished messages older than their creditor's retention; returns how many."""
    now = now or clock.now()
    removed = 0
    for creditor in db.session.scalars(select(Creditor)):
        cutoff = now - timedelta(days=retention_days(creditor))
        debtors = select(Debtor.id).where(Debtor.creditor_id == creditor.id)
        removed += db.session.execute(
            delete(OutboundMessage)
            .where(
                OutboundMessage.debtor_id.in_(debtors),
                OutboundMessage.state != "queued",
                OutboundMessage.finished_at < cutoff,
            )
            .execution_options(synchronize_session=False)
        ).rowcount
    return removed


def neutral(debtor: Debtor) -> tuple[str, str]:
    """A neutral subject and opening, for templates with nothing more particular to say discreetly."""
    name = debtor.creditor.name
    return (
        _("A message from %(creditor)s", creditor=name),
        _(
            "There is a message for you from %(creditor)s. Please read it when you are somewhere private.",
            creditor=name,
        ),
    )
