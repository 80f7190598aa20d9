"""Send each debtor of an opted-in creditor a reminder with their own link, by the channels allowed.

One unit of work per debtor: skipped if asking for money on their account has stopped (portal.gate),
if no channel the creditor uses is one the debtor allows, or if they had a reminder in the last
`every_days`; otherwise the (debtor, day) Reminder row is inserted (the claim: of several runs at
once, one insert lands) and one message per channel is queued. The link is issued when a message is
written, so a withheld or waiting message holds no live link; texts carry the short address.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal import clock, gate, outbox
from portal.extensions import db
from portal.help.service.contact import reachable, reminders_paused_until, settings_for
from portal.links.service import issue_link, link_url, short_url
from portal.models import Account, Creditor, Debtor, LedgerEntry, OutboundMessage, Reminder
from portal.outbox import Letter, template
from portal.transaction import unit_of_work

#: the creditor's policy key that turns reminders on (see portal.reminders)
POLICY_KEY = "portal_sends_reminders"
CHANNELS = ("email", "sms")


class NotSending(ValueError):
    """The creditor named does not exist or has not asked the portal to send reminders."""


@dataclass
class ReminderReport:
    #: queued, paused (asking stopped), no_channel, recent (reminded lately), taken (another run has it)
    counts: Counter = field(default_factory=Counter)
    #: what the outbox did on this run: {"sent": 3, "waiting": 1, ...}
    messages: dict[str, int] = field(default_factory=dict)


def reminder_policy(creditor: Creditor) -> dict[str, Any] | None:
    policy = (creditor.policy or {}).get(POLICY_KEY)
    return policy if isinstance(policy, dict) and policy.get("channels") else None


def creditors_sending(slug: str | None = None) -> list[Creditor]:
    query = select(Creditor).order_by(Creditor.id)
    if slug:
        query = query.where(Creditor.slug == slug)
    found = [creditor for creditor in db.session.scalars(query) if reminder_policy(creditor)]
    if slug and not found:
        raise NotSending(f"creditor {slug!r} does not exist or has no policy[{POLICY_KEY!r}]")
    return found


def _accounts_owing(creditor_ids: list[int]) -> list[tuple[int, int]]:
    """(debtor id, account id) for each debtor's first open account with a balance."""
    rows = db.session.execute(
        select(Account.debtor_id, func.min(Account.id))
        .join(Debtor, Debtor.id == Account.debtor_id)
        .where(Debtor.creditor_id.in_(creditor_ids), Account.status != "closed")
        .where(
            select(func.coalesce(func.sum(LedgerEntry.amount), 0))
            .where(LedgerEntry.account_id == Account.id)
            .scalar_subquery()
            > 0
        )
        .group_by(Account.debtor_id)
        .order_by(Account.debtor_id)
    )
    return [tuple(row) for row in rows]


def send_reminders(
    *, campaign: str | None = None, creditor_slug: str | None = None, now: datetime | None = None
) -> ReminderReport:
    now = now or clock.now()
    report = ReminderReport()
    creditors = creditors_sending(creditor_slug)
    owing = _accounts_owing([creditor.id for creditor in creditors]) if creditors else []
    db.session.rollback()
    with outbox.held_for_the_job():
        for debtor_id, account_id in owing:
            with unit_of_work():
                report.counts[_remind_one(debtor_id, account_id, campaign, now)] += 1
    report.messages = outbox.deliver(now=now)
    return report


def _remind_one(debtor_id: int, account_id: int, campaign: str | None, now: datetime) -> str:
    debtor = db.session.get(Debtor, debtor_id)
    account = db.session.get(Account, account_id)
    policy = reminder_policy(debtor.creditor)
    if not gate.may_ask_for_money(account, clock.today_for(debtor, now)) or reminders_paused_until(debtor, now):
        return "paused"
    switched_on = settings_for(debtor).channels
    channels = [c for c in CHANNELS if c in policy["channels"] and c in switched_on and reachable(debtor, c)]
    if not channels:
        return "no_channel"
    every = int(policy.get("every_days") or current_app.config["REMINDERS_EVERY_DAYS"])
    today = now.date()
    lately = select(Reminder.id).where(Reminder.debtor_id == debtor.id, Reminder.sent_on > today - timedelta(every))
    if db.session.scalar(lately.limit(1)) is not None:
        return "recent"
    claim = Reminder(debtor_id=debtor.id, sent_on=today, campaign=campaign, channels=",".join(channels))
    try:
        with db.session.begin_nested():
            db.session.add(claim)
    except IntegrityError:
        return "taken"
    for channel in channels:
        outbox.queue(
            debtor, "reminder.link", account=account, channel=channel, params={"campaign": campaign or "reminder"}
        )
    return "queued"


@template("reminder.link", asks_for_money=True)
def reminder_letter(message: OutboundMessage, debtor: Debtor) -> Letter:
    """In the debtor's language; the creditor's own wording for it if its policy has one."""
    link, token = issue_link(debtor, campaign=message.params.get("campaign"), channel=message.channel)
    address = short_url(link.short_code) if message.channel == "sms" else link_url(token)
    creditor = debtor.creditor
    wording = ((reminder_policy(creditor) or {}).get("text") or {}).get(str(get_locale().language))
    opening = (
        wording.replace("{creditor}", creditor.name).replace("{link}", address)
        if wording
        else _(
            "%(creditor)s: you can pay, set up a plan or tell us what is going on, here: %(link)s",
            creditor=creditor.name,
            link=address,
        )
    )
    return Letter(
        subject=_("Your account with %(creditor)s", creditor=creditor.name),
        opening=opening,
        lines=[_("The link is personal to you: please do not share it.")],
        neutral_subject=_("A message from %(creditor)s", creditor=creditor.name),
        neutral_opening=_("There is a message for you from %(creditor)s.", creditor=creditor.name),
    )
