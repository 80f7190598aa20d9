"""One answer to "may we ask this debtor for money now?": every charge, message and page asks here.

Asking for money on an account stops while any of these stands:
- the account is closed, or a hold covers the day (Breathing Space, mental-health crisis, creditor pause);
- a dispute, an original-creditor request or a statute-barred claim on it is open, or the debt was
  confirmed and the verification has not yet been delivered to the debtor;
- the debtor told us about their circumstances, asked for a break or lower payments, and no person
  has decided yet;
- a request to pause the account's plan waits for a decision.

A payment the debtor chooses to make is always taken; the pages then call it optional. A message
is sent only by a channel the debtor allows and can be reached on, inside contact hours and the
parts of the day they chose; one that asks for money is never sent while asking is stopped, however
long ago it was queued. Subjects and first lines follow the discreet setting. The one exception is a
one-time code the person asked for this minute to prove a new email address or mobile number: it says
nothing about money and goes at once to the address they typed (see `delivery`).

The answer is worked out at the moment of acting (a charge, a send, a page drawn), never stored.
"""

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import JSON, and_, bindparam, cast, literal, null, or_, select, union_all

from portal import clock
from portal.extensions import db
from portal.help.contact import allowed, usable
from portal.help.service.contact import reachable, reminders_paused_until, settings_for
from portal.models import Account, Circumstance, Debtor, Dispute, Hold, Plan
from portal.models.circumstance import BREAK_HELPS
from portal.models.dispute import OPEN_DISPUTE_STATUSES
from portal.models.plan import LIVE_STATUSES


class Stop(enum.StrEnum):
    """Why asking for money on an account has stopped."""

    CLOSED = "closed"
    HOLD = "hold"
    DISPUTE = "dispute"
    CIRCUMSTANCES = "circumstances"
    PAUSE_REQUESTED = "pause_requested"


@dataclass(frozen=True)
class Standing:
    """Whether we may ask for money on one account on one day; if not, why, and until when if we know."""

    stops: frozenset[Stop] = frozenset()
    #: the first day a hold no longer covers, when the hold that stops asking has an end
    hold_ends_on: date | None = None
    #: the hold that stops asking: of those covering the day, the one that ends last (no end is last of all)
    hold: Hold | None = None

    @property
    def may_ask(self) -> bool:
        return not self.stops

    @property
    def on_hold(self) -> bool:
        return Stop.HOLD in self.stops


def standings(accounts: Sequence[Account], on: date) -> dict[int, Standing]:
    """The standing of each account on a day, in two queries however many accounts there are."""
    if not accounts:
        return {}
    ids = {"account_ids": [account.id for account in accounts], "debtor_ids": list({a.debtor_id for a in accounts})}
    holds = db.session.scalars(_HOLDS, ids | {"on": on}).all()
    disputed, pause_requested, asked_for_a_break = set(), set(), set()
    for stop, owner_id, helps in db.session.execute(_OTHER_STOPS, ids):
        if stop == Stop.DISPUTE:
            disputed.add(owner_id)
        elif stop == Stop.PAUSE_REQUESTED:
            pause_requested.add(owner_id)
        elif BREAK_HELPS & set(helps or []):
            asked_for_a_break.add(owner_id)
    found = {}
    for account in accounts:
        stops = set()
        covering = [
            h
            for h in holds
            if h.account_id == account.id or (h.account_id is None and h.debtor_id == account.debtor_id)
        ]
        if account.status == "closed":
            stops.add(Stop.CLOSED)
        if covering or account.status == "on_hold":
            stops.add(Stop.HOLD)
        if account.id in disputed or account.status == "disputed":
            stops.add(Stop.DISPUTE)
        if account.debtor_id in asked_for_a_break:
            stops.add(Stop.CIRCUMSTANCES)
        if account.id in pause_requested:
            stops.add(Stop.PAUSE_REQUESTED)
        hold = max(covering, key=lambda h: h.ends_on or date.max, default=None)
        found[account.id] = Standing(frozenset(stops), hold.ends_on if hold else None, hold)
    return found


# The gate's two statements are built once, with the accounts, debtors and day as parameters: building them
# again for every page cost more Python than sending them.
_ACCOUNT_IDS, _DEBTOR_IDS = bindparam("account_ids", expanding=True), bindparam("debtor_ids", expanding=True)

#: the holds covering the accounts (or the whole of their debtors) on the day
_HOLDS = select(Hold).where(
    or_(Hold.account_id.in_(_ACCOUNT_IDS), and_(Hold.account_id.is_(None), Hold.debtor_id.in_(_DEBTOR_IDS))),
    Hold.starts_on <= bindparam("on"),
    or_(Hold.ends_on.is_(None), Hold.ends_on > bindparam("on")),
)

#: open disputes and pause requests (by account) and circumstances awaiting a decision (by debtor), as
#: (stop, account or debtor id, helps asked for) rows: one round trip instead of three
_OTHER_STOPS = union_all(
    select(literal(Stop.DISPUTE.value), Dispute.account_id, cast(null(), JSON)).where(
        Dispute.account_id.in_(_ACCOUNT_IDS), Dispute.status.in_(OPEN_DISPUTE_STATUSES)
    ),
    select(literal(Stop.PAUSE_REQUESTED.value), Plan.account_id, cast(null(), JSON)).where(
        Plan.account_id.in_(_ACCOUNT_IDS), Plan.status.in_(LIVE_STATUSES), Plan.pause_requested_at.is_not(None)
    ),
    select(literal(Stop.CIRCUMSTANCES.value), Circumstance.debtor_id, Circumstance.helps).where(
        Circumstance.debtor_id.in_(_DEBTOR_IDS), Circumstance.status == "new"
    ),
)


def standing(account: Account, on: date) -> Standing:
    return standings([account], on)[account.id]


def may_ask_for_money(account: Account, on: date) -> bool:
    """Whether a charge may be taken, or a payment asked for, on this account today."""
    return standing(account, on).may_ask


class Verdict(enum.StrEnum):
    """What to do with a message now."""

    #: send it, now, by its channel
    SEND = "send"
    #: not now (outside contact hours, or the debtor asked for a quiet spell): try again later
    WAIT = "wait"
    #: never: it asks for money and asking has stopped (it can't become true again as written)
    WITHHOLD = "withhold"
    #: the channel is switched off or we have no address for it: show it in the portal instead
    IN_PORTAL = "in_portal"


@dataclass(frozen=True)
class Delivery:
    verdict: Verdict
    #: subjects and first lines must not mention money or debt
    discreet: bool
    #: in words, for the message record
    reason: str = ""


def delivery(
    debtor: Debtor,
    channel: str,
    now: datetime,
    *,
    asks_for_money: bool,
    accounts: Sequence[Account] = (),
    address: str | None = None,
    at_their_request: bool = False,
) -> Delivery:
    """May this message go to this debtor by this channel now? `now` is timezone-aware.

    `address`: the message goes there rather than to the debtor's own address or number (a notice to the
    one they just replaced is judged by that one). `at_their_request`: a one-time code the person asked for
    this minute and is waiting for on the page, sent to the address they typed to prove it is theirs. It
    says nothing about money, so no hold stops it; their channel switches and contact hours are about
    messages we decide to send, and a code that waits for tomorrow or goes to the portal instead is no code
    at all, so they do not stop it either (Regulation F §1006.6(b)(1) lets a consumer's own request for
    a communication set the time)."""
    settings = settings_for(debtor)
    if at_their_request and not asks_for_money:
        return Delivery(Verdict.SEND, settings.discreet)
    if asks_for_money:
        stopped = sorted({stop for s in standings(accounts, clock.today_for(debtor, now)).values() for stop in s.stops})
        if stopped:
            return Delivery(Verdict.WITHHOLD, settings.discreet, "asking stopped: " + ", ".join(stopped))
        if reminders_paused_until(debtor, now) is not None:
            return Delivery(Verdict.WITHHOLD, settings.discreet, "asking stopped: circumstances told")
    can_reach = (
        usable(channel, email=address, phone=address, settings=settings) if address else reachable(debtor, channel)
    )
    if not can_reach or channel not in settings.channels:
        return Delivery(Verdict.IN_PORTAL, settings.discreet, f"{channel} off or unknown")
    if not allowed(
        channel, now, timezone=debtor.effective_timezone, settings=settings, reachable=True, paused_until=None
    ):
        return Delivery(Verdict.WAIT, settings.discreet, "outside contact hours")
    return Delivery(Verdict.SEND, settings.discreet)
