"""Messages about a debtor's circumstances, as outbox templates: that we have what they told us
(`circumstances.received`, by the channel they chose: portal.confirmations), and what a person decided:
a pause, lower payments, interest and fees frozen, and a write-off.

Kind and plain: what we decided, what it means for them, what happens next, the supervisor's own
note, and how to reach us. None asks for money. Each says nothing when what it would say is no longer
true, and carries a fresh sign-in link, from the creditor's name (portal.outbox).
"""

from datetime import date

from flask import current_app, url_for
from flask_babel import gettext as _

from portal import clock
from portal.accounts.ledger import balance_of
from portal.confirmations import channel_for, is_text, reference_line, sign_in_link
from portal.extensions import db
from portal.links.service import issue_link, link_url
from portal.models import Account, Circumstance, Debtor, Hold, InterestFreeze, OutboundMessage, Plan, WriteOff
from portal.outbox import Letter, queue, template
from portal.plans.words import Formatter, how_often

#: the decisions `circumstances.decision` words
DECISIONS = ("pause", "reduced_payments", "propose_lower", "freeze")


#: what a debtor may tell us that a message to them must never hint at: someone else may read their email or texts
UNSAFE_TO_CONFIRM = frozenset({"abuse"})


def queue_received(circumstance: Circumstance, debtor: Debtor) -> OutboundMessage | None:
    """Confirm that we have what they told us; never when they told us about abuse (someone controlling their
    money may read their messages: the page they saw confirmed it, with the helplines)."""
    if UNSAFE_TO_CONFIRM.intersection(circumstance.kinds):
        return None
    return queue(
        debtor,
        "circumstances.received",
        params={"circumstance_id": circumstance.id},
        channel=channel_for(debtor),
    )


def queue_decision(debtor: Debtor, decision: str, *, account: Account | None, note: str, **params) -> OutboundMessage:
    if decision not in DECISIONS:
        raise ValueError(f"no message for a decision of {decision!r}")
    return queue(
        debtor, "circumstances.decision", account=account, params={"decision": decision, "note": note, **params}
    )


def queue_written_off(write_off: WriteOff, debtor: Debtor) -> OutboundMessage:
    return queue(debtor, "account.written_off", account=write_off.account, params={"write_off_id": write_off.id})


def _link(debtor: Debtor, endpoint: str, **values) -> str:
    with current_app.test_request_context():
        page = url_for(endpoint, **values)
    _row, token = issue_link(debtor, campaign="circumstances", destination=page)
    return link_url(token)


def _what(account: Account | None, debtor: Debtor) -> str:
    if account is None:
        return _("all your accounts with %(creditor)s", creditor=debtor.creditor.name)
    return _("%(description)s (account %(reference)s)", description=account.description, reference=account.reference)


def _closing(debtor: Debtor, note: str | None) -> list[str]:
    """The supervisor's own words, then how to reach us."""
    lines = ["", _("What we said:"), note] if note else []
    creditor = debtor.creditor
    lines += ["", _("If anything changes, or you want to talk to someone, tell us.")]
    if creditor.phone:
        lines.append(_("Call %(name)s on %(phone)s.", name=creditor.name, phone=creditor.phone))
    return lines


def _neutral() -> tuple[str, str]:
    return (
        _("We have an answer for you"),
        _("We have looked at what you told us. Please sign in to read our answer."),
    )


@template("circumstances.decision", asks_for_money=False)
def decision(message: OutboundMessage, debtor: Debtor) -> Letter | None:
    params = message.params
    account = db.session.get(Account, message.account_id) if message.account_id else None
    fmt, what = Formatter.for_debtor(debtor), _what(account, debtor)
    kind = params["decision"]
    if kind == "pause":
        hold = db.session.get(Hold, params["hold_id"])
        if hold is None or hold.debtor_id != debtor.id or hold.ends_on is None or hold.finished_at is not None:
            return None
        subject = _("We have paused your payments")
        opening = _(
            "We have read what you told us, and we have paused payments on %(what)s until %(date)s.",
            what=what,
            date=fmt.date(hold.last_day),
        )
        lines = [
            _("Until then we will not ask you for money, and no interest or fees will be added."),
            _("If you have a payment plan, its payment dates will move on by the same time."),
            "",
            _("To see your accounts, sign in here: %(link)s", link=_link(debtor, "accounts.dashboard")),
        ]
    elif kind == "reduced_payments":
        plan = db.session.get(Plan, params["plan_id"])
        if plan is None or plan.debtor_id != debtor.id:
            return None
        money = fmt.money(params["amount"], plan.currency)
        subject = _("We have agreed lower payments")
        opening = _("We have read what you told us, and we have lowered your plan payments for %(what)s.", what=what)
        lines = [
            _(
                "From %(date)s you will pay %(amount)s %(how_often)s.",
                date=fmt.date(date.fromisoformat(params["first"])),
                amount=money,
                how_often=how_often(plan.frequency),
            ),
            _("Your plan now runs until %(date)s.", date=fmt.date(date.fromisoformat(params["last"]))),
            "",
            _(
                "To see your new payment dates, sign in here: %(link)s",
                link=_link(debtor, "plans.plan", reference=plan.reference),
            ),
        ]
    elif kind == "propose_lower":
        if account is None:
            return None
        subject = _("We can agree lower payments")
        opening = _("We have read what you told us, and we can agree lower payments for %(what)s.", what=what)
        lines = [
            _("Tell us what you can afford each month, and we will look at it."),
            "",
            _(
                "To tell us, sign in here: %(link)s",
                link=_link(debtor, "plans.propose", account_id=account.id),
            ),
        ]
    else:
        freeze = db.session.get(InterestFreeze, params["freeze_id"])
        if freeze is None or freeze.debtor_id != debtor.id:
            return None
        subject = _("We have stopped adding interest and fees")
        opening = _(
            "We have read what you told us, and we have stopped adding interest and fees to %(what)s from %(date)s.",
            what=what,
            date=fmt.date(freeze.starts_on),
        )
        lines = [
            _("This lasts until %(date)s.", date=fmt.date(freeze.ends_on))
            if freeze.ends_on
            else _("This lasts until we tell you otherwise."),
            _("What you owe will not grow while it lasts."),
        ]
    neutral_subject, neutral_opening = _neutral()
    return Letter(
        subject=subject,
        opening=opening,
        lines=[*lines, *_closing(debtor, params.get("note"))],
        neutral_subject=neutral_subject,
        neutral_opening=neutral_opening,
    )


@template("account.written_off", asks_for_money=False)
def written_off(message: OutboundMessage, debtor: Debtor) -> Letter | None:
    write_off = db.session.get(WriteOff, message.params["write_off_id"])
    if write_off is None or write_off.debtor_id != debtor.id or write_off.status != "approved":
        return None
    account = write_off.account
    fmt, what = Formatter.for_debtor(debtor), _what(account, debtor)
    amount = fmt.money(write_off.written_off or 0, account.currency)
    balance = balance_of(account)
    if balance <= 0:
        subject = _("You do not have to pay anything more on this account")
        opening = _("We have read what you told us, and we have written off what you owed on %(what)s.", what=what)
        lines = [
            _("You do not have to pay the %(amount)s. Your balance is now nothing.", amount=amount),
            _("We will not ask you for payment on this account again, and any payments planned have been stopped."),
        ]
    else:
        subject = _("We have reduced what you owe")
        opening = _(
            "We have read what you told us, and we have written off %(amount)s of what you owed on %(what)s.",
            amount=amount,
            what=what,
        )
        lines = [
            _("You now owe %(balance)s.", balance=fmt.money(balance, account.currency)),
            _("If you have a payment plan, we have changed it so that it adds up to what you still owe."),
        ]
    link = _link(debtor, "accounts.account", account_id=account.id)
    neutral_subject, neutral_opening = _neutral()
    return Letter(
        subject=subject,
        opening=opening,
        lines=[
            *lines,
            "",
            _("To see your account, sign in here: %(link)s", link=link),
            *_closing(debtor, write_off.note),
        ],
        neutral_subject=neutral_subject,
        neutral_opening=neutral_opening,
    )


@template("circumstances.received", asks_for_money=False)
def received(message: OutboundMessage, debtor: Debtor) -> Letter | None:
    """Thank you, the reference, and what happens next, never what they told us (it stays in the portal)."""
    circumstance = db.session.get(Circumstance, message.params["circumstance_id"])
    if circumstance is None or circumstance.debtor_id != debtor.id:
        return None
    fmt = Formatter.for_debtor(debtor)
    link = sign_in_link(
        message, debtor, campaign="circumstances", endpoint="help.circumstance", reference=circumstance.reference
    )
    paused_until = clock.today_for(debtor, circumstance.reminders_paused_until)
    next_steps = [
        _(
            "A person at %(name)s will read what you told us and contact you about how we can help.",
            name=debtor.creditor.name,
        ),
        _("We will not send you any reminders until %(date)s.", date=fmt.date(paused_until)),
    ]
    neutral_subject, neutral_opening = _neutral_received()
    return Letter(
        subject=_("We have received what you told us"),
        opening=_("Thank you for telling us about your circumstances."),
        lines=[
            reference_line(circumstance.reference),
            *([] if is_text(message) else next_steps),
            "",
            _("To see what you told us, sign in here: %(link)s", link=link),
            *([] if is_text(message) else _closing(debtor, None)),
        ],
        neutral_subject=neutral_subject,
        neutral_opening=neutral_opening,
    )


def _neutral_received() -> tuple[str, str]:
    return _("Thank you for your message"), _("We have your message. Please sign in to see the details.")
