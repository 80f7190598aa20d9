"""Messages about a promise to pay, as outbox templates, each by the channel the debtor chose
(portal.confirmations.channel_for): a confirmation when it is made, a reminder the day before its date with a
fresh link to pay, and what happened: kept, or broken (with free debt advice, as a missed plan payment is).

The reminder and the broken message ask for money, so the gate withholds them while asking has stopped (a
hold, a dispute...); each says nothing when what it would say is no longer true.
"""

from flask_babel import gettext as _

from portal.accounts.ledger import balance_of
from portal.confirmations import channel_for, is_text, reference_line, sign_in_link
from portal.extensions import db
from portal.models import Debtor, OutboundMessage, Promise
from portal.outbox import Letter, neutral, queue, template
from portal.plans.emails import _advice_lines, _help_lines
from portal.plans.words import Formatter

#: what a message is sent about (promise.<what>)
MESSAGES = ("made", "reminder", "kept", "broken")


def queue_message(what: str, promise: Promise, debtor: Debtor) -> OutboundMessage:
    if what not in MESSAGES:
        raise ValueError(f"no promise message {what!r}")
    return queue(
        debtor,
        f"promise.{what}",
        account=promise.account,
        params={"promise_id": promise.id},
        channel=channel_for(debtor),
    )


def _promise(message: OutboundMessage, debtor: Debtor, status: str) -> Promise | None:
    promise = db.session.get(Promise, message.params["promise_id"])
    if promise is None or promise.debtor_id != debtor.id or promise.status != status:
        return None
    return promise


def _what(promise: Promise) -> str:
    account = promise.account
    return _("%(description)s (account %(reference)s)", description=account.description, reference=account.reference)


def _pay_link(message: OutboundMessage, debtor: Debtor, promise: Promise) -> str:
    return sign_in_link(message, debtor, campaign="promise", endpoint="payments.amount", account_id=promise.account_id)


def _letter(
    message: OutboundMessage,
    debtor: Debtor,
    promise: Promise,
    subject: str,
    opening: str,
    body: list[str],
    link_line: str,
    tail: list[str] | None = None,
) -> Letter:
    """The reference, what to know, the link, then help: a text keeps to the reference and the link."""
    neutral_subject, neutral_opening = neutral(debtor)
    if is_text(message):
        lines = [reference_line(promise.reference), link_line]
    else:
        lines = [reference_line(promise.reference), *body, "", link_line, *(tail or [])]
    return Letter(subject, opening, lines, neutral_subject, neutral_opening)


@template("promise.made", asks_for_money=False)
def made(message: OutboundMessage, debtor: Debtor) -> Letter | None:
    promise = _promise(message, debtor, "open")
    if promise is None:
        return None
    fmt = Formatter.for_debtor(debtor)
    amount, when = fmt.money(promise.amount, promise.currency), fmt.date(promise.due_on)
    link = sign_in_link(message, debtor, campaign="promise", endpoint="accounts.account", account_id=promise.account_id)
    return _letter(
        message,
        debtor,
        promise,
        _("Your promise to pay %(amount)s by %(date)s", amount=amount, date=when),
        _("You promised to pay %(amount)s for %(what)s by %(date)s.", amount=amount, what=_what(promise), date=when),
        [_("We will remind you the day before. You can pay by card in the portal, or any way you usually pay us.")],
        _("To see your account or pay now, sign in here: %(link)s", link=link),
        _help_lines(debtor),
    )


@template("promise.reminder", asks_for_money=True)
def reminder(message: OutboundMessage, debtor: Debtor) -> Letter | None:
    promise = _promise(message, debtor, "open")
    if promise is None:
        return None
    fmt = Formatter.for_debtor(debtor)
    amount, when = fmt.money(promise.amount, promise.currency), fmt.date(promise.due_on)
    return _letter(
        message,
        debtor,
        promise,
        _("Reminder: you promised to pay %(amount)s by %(date)s", amount=amount, date=when),
        _(
            "This is a reminder that you promised to pay %(amount)s for %(what)s by tomorrow, %(date)s.",
            amount=amount,
            what=_what(promise),
            date=when,
        ),
        [],
        _("To pay now, sign in here: %(link)s", link=_pay_link(message, debtor, promise)),
        _help_lines(debtor),
    )


@template("promise.kept", asks_for_money=False)
def kept(message: OutboundMessage, debtor: Debtor) -> Letter | None:
    promise = _promise(message, debtor, "kept")
    if promise is None:
        return None
    fmt = Formatter.for_debtor(debtor)
    amount = fmt.money(promise.amount, promise.currency)
    link = sign_in_link(message, debtor, campaign="promise", endpoint="accounts.account", account_id=promise.account_id)
    balance = balance_of(promise.account)
    return _letter(
        message,
        debtor,
        promise,
        _("Thank you: you kept your promise to pay %(amount)s", amount=amount),
        _("Thank you. We have received the %(amount)s you promised for %(what)s.", amount=amount, what=_what(promise)),
        [
            _("You now owe %(balance)s.", balance=fmt.money(balance, promise.currency))
            if balance > 0
            else _("You have paid all you owe on this account.")
        ],
        _("To see your account, sign in here: %(link)s", link=link),
    )


@template("promise.broken", asks_for_money=True)
def broken(message: OutboundMessage, debtor: Debtor) -> Letter | None:
    promise = _promise(message, debtor, "broken")
    if promise is None:
        return None
    fmt = Formatter.for_debtor(debtor)
    amount, when = fmt.money(promise.amount, promise.currency), fmt.date(promise.due_on)
    return _letter(
        message,
        debtor,
        promise,
        _("We have not received the %(amount)s you promised", amount=amount),
        _(
            "You promised to pay %(amount)s for %(what)s by %(date)s, and we have not received all of it.",
            amount=amount,
            what=_what(promise),
            date=when,
        ),
        [_("You still owe %(balance)s.", balance=fmt.money(balance_of(promise.account), promise.currency))],
        _(
            "You can pay now, make a new promise or set up a plan. Sign in here: %(link)s",
            link=_pay_link(message, debtor, promise),
        ),
        [*_help_lines(debtor), *_advice_lines(debtor)],
    )
