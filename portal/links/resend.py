"""A new link at once for someone whose link did not work, when we hold an email address or mobile number for
them: the link goes only to that address or number, never to one the person asking gives us, and opening it
still asks the identity question.

"On file" means what is on the debtor's record: the creditor gave it to us (CSV import or the API) or the
debtor proved it with a code (portal.help.service.details keeps a new one aside until then). Nothing
unconfirmed by either is ever on the record, so everything there counts.

Two ways in:
- the old link is known (expired, revoked, locked, or paused after wrong answers): whoever holds it is told
  where the new one went, partly hidden ("s…@example.co.uk", "the mobile number ending 111");
- no link (the home page, an address that names none): the person types their name and an email address or
  number. If it is one we hold, the link goes there; the page reads the same whether or not anything
  matched, and the message is handed on after the response has gone, so neither the words nor the time
  the page takes say whether someone is on our books. Requests are rate limited per address in the
  portal (links.request_new_link) and a debtor gets one such link per RESEND_EVERY at most.
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from portal import clock, gate, outbox
from portal.extensions import db
from portal.help.service.details import masked, normal_email
from portal.links.service import LinkProblem, issue_link, link_url, request_new_link, short_url
from portal.models import Debtor, MagicLink, OutboundMessage
from portal.models.audit import record
from portal.outbox import Letter, template
from portal.sms.numbers import e164

#: the channels a link can go by, in the order we prefer them
CHANNELS = ("email", "sms")
#: at most one link sent at once to a debtor in this time, however often someone asks
RESEND_EVERY = timedelta(minutes=15)
#: debtors one typed address or number can reach (the same person owing several creditors)
MAX_MATCHES = 5
TEMPLATE = "link.requested"

_EMAILS = re.compile(r"[^@\s,;<>()]+@[^@\s,;<>()]+")
_PHONES = re.compile(r"\+?[\d\s().-]{7,}\d")


@dataclass(frozen=True)
class Sent:
    #: "email" or "sms"
    channel: str
    #: the address or number, partly hidden
    to: str
    #: True: it goes now; False: after the start of contact hours
    now: bool
    #: the message queued, or None when one went to them a moment ago
    message_id: int | None = None


def send_at_once(debtor: Debtor, *, now: datetime | None = None) -> Sent | None:
    """Queue a new link to the debtor's own email address or mobile number, if we may use one; None if not."""
    now = now or clock.now()
    for channel in CHANNELS:
        verdict = gate.delivery(debtor, channel, now, asks_for_money=False).verdict
        if verdict in (gate.Verdict.SEND, gate.Verdict.WAIT):
            break
    else:
        return None
    recent = db.session.scalar(
        select(OutboundMessage.id)
        .where(
            OutboundMessage.debtor_id == debtor.id,
            OutboundMessage.template == TEMPLATE,
            OutboundMessage.created_at > now - RESEND_EVERY,
        )
        .limit(1)
    )
    message_id = None
    if recent is None:
        message = outbox.queue(debtor, TEMPLATE, channel=channel)
        message.created_at = now  # by the same clock as the check above
        message_id = message.id
        record("link.sent_at_once", actor_type="system", debtor_id=debtor.id, channel=channel, message=message_id)
    address = debtor.email if channel == "email" else debtor.phone
    to = masked("email" if channel == "email" else "phone", address)
    return Sent(channel, to, verdict is gate.Verdict.SEND, message_id)


def new_link_for_link(link: MagicLink, reason: LinkProblem, *, now: datetime | None = None) -> Sent | None:
    """Someone with an old link of a debtor's asked for a new one: note it, and send one at once if we can (then
    no one needs to follow the request up)."""
    now = now or clock.now()
    asked = request_new_link(link, reason)
    sent = send_at_once(link.debtor, now=now)
    if sent is not None:
        asked.handled_at = now
    return sent


def new_link_for_typed(contact: str, *, now: datetime | None = None) -> list[int]:
    """Someone without a link typed how to reach them: note it, and queue a link to each debtor whose own
    address or number it names; returns the messages' ids, for `outbox.deliver_after_response`."""
    now = now or clock.now()
    asked = request_new_link(None, LinkProblem.INVALID, contact=contact)
    ids = []
    with outbox.held_for_the_job():
        for debtor in matching_debtors(contact):
            sent = send_at_once(debtor, now=now)
            if sent is not None:
                asked.handled_at = now
                ids += [sent.message_id] if sent.message_id else []
    return ids


def matching_debtors(typed: str) -> list[Debtor]:
    """The debtors whose own email address or mobile number is written in what someone typed."""
    emails = {email for found in _EMAILS.findall(typed) if (email := normal_email(found.strip(".")))}
    numbers = [re.sub(r"\D", "", found) for found in _PHONES.findall(typed)]
    numbers = [digits for digits in numbers if 8 <= len(digits) <= 15]
    if not emails and not numbers:
        return []
    stored_digits = func.replace(
        func.replace(func.replace(func.replace(func.replace(Debtor.phone, " ", ""), "-", ""), "(", ""), ")", ""),
        "+",
        "",
    )
    conditions = [func.lower(Debtor.email).in_([email.lower() for email in emails])] if emails else []
    conditions += [stored_digits.like(f"%{digits[-9:]}") for digits in numbers]
    candidates = db.session.scalars(select(Debtor).where(or_(*conditions)).limit(MAX_MATCHES * 4)).all()
    typed_numbers = {
        (jurisdiction, e164(found, jurisdiction)) for found in _PHONES.findall(typed) for jurisdiction in ("UK", "US")
    }
    found = []
    for debtor in candidates:
        by_email = (
            debtor.email
            and normal_email(debtor.email)
            and normal_email(debtor.email).lower() in {email.lower() for email in emails}
        )
        jurisdiction = debtor.creditor.jurisdiction
        by_phone = debtor.phone and (jurisdiction, e164(debtor.phone, jurisdiction)) in typed_numbers
        if by_email or by_phone:
            found.append(debtor)
    return found[:MAX_MATCHES]


@template(TEMPLATE, asks_for_money=False)
def requested_link_letter(message: OutboundMessage, debtor: Debtor) -> Letter:
    link, token = issue_link(debtor, campaign="requested", channel=message.channel)
    address = short_url(link.short_code) if message.channel == "sms" else link_url(token)
    creditor = debtor.creditor
    return Letter(
        subject=_("Your new link from %(creditor)s", creditor=creditor.name),
        opening=_("You asked for a new link to your account with %(creditor)s.", creditor=creditor.name),
        lines=[
            "",
            _("Open your account here: %(link)s", link=address),
            _("The link is personal to you: please do not share it."),
            _("If you did not ask for a new link, you can ignore this message."),
        ],
        neutral_subject=_("A message from %(creditor)s", creditor=creditor.name),
        neutral_opening=_("There is a message for you from %(creditor)s.", creditor=creditor.name),
    )
