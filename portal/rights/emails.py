"""Messages about a dispute (or an original-creditor request, or a statute-barred claim): that we have it
(`dispute.received`), that we have answered it (`dispute.answered`), and that collection may start again
once our answer has reached them (`dispute.resumes`). None asks for money: each says what happened and
what happens next, with the reference, a link to read it, and the offer of help.

The first two confirm what the debtor did and what a person decided, by the channel the debtor chose
(portal.confirmations)."""

from flask import current_app, url_for
from flask_babel import gettext as _

from portal import clock, gate
from portal.confirmations import channel_for, is_text, reference_line, sign_in_link
from portal.extensions import db
from portal.links.service import issue_link, link_url
from portal.models import Debtor, Dispute, OutboundMessage
from portal.outbox import Letter, neutral, queue, template
from portal.plans.words import Formatter


def queue_resumes(dispute: Dispute) -> OutboundMessage:
    account = dispute.account
    return queue(account.debtor, "dispute.resumes", account=account, params={"dispute_id": dispute.id})


def queue_received(dispute: Dispute) -> OutboundMessage:
    account = dispute.account
    return queue(
        account.debtor,
        "dispute.received",
        account=account,
        params={"dispute_id": dispute.id},
        channel=channel_for(account.debtor),
    )


def queue_answered(dispute: Dispute) -> OutboundMessage:
    account = dispute.account
    return queue(
        account.debtor,
        "dispute.answered",
        account=account,
        params={"dispute_id": dispute.id, "outcome": dispute.outcome},
        channel=channel_for(account.debtor),
    )


def _subject(kind: str) -> str:
    return {
        "dispute": _("Our answer to your dispute"),
        "original_creditor": _("The original creditor's name and address"),
        "statute_barred": _("Our answer about a statute-barred debt"),
    }[kind]


@template("dispute.resumes", asks_for_money=False)
def resumes(message: OutboundMessage, debtor: Debtor) -> Letter | None:
    dispute = db.session.get(Dispute, message.params["dispute_id"])
    if dispute is None or dispute.debtor_id != debtor.id or dispute.delivered_at is None:
        return None
    account = dispute.account
    if not gate.standing(account, clock.today_for(debtor)).may_ask:
        return None  # something else (a hold, another dispute) still stops asking: this would not be true
    fmt = Formatter.for_debtor(debtor)
    what = _("%(description)s (account %(reference)s)", description=account.description, reference=account.reference)
    delivered_on = clock.today_for(debtor, dispute.delivered_at)
    with current_app.test_request_context():
        page = url_for("rights.dispute_status", reference=dispute.reference)
    _row, token = issue_link(debtor, campaign="dispute", destination=page)
    creditor = debtor.creditor
    lines = [
        _("From now on, we may ask you for payment on this account again."),
        "",
        _("To read our answer again, sign in here: %(link)s", link=link_url(token)),
        _("If you do not agree with it, tell us. You can call us or write to us."),
        "",
        _("If you are finding it hard to pay, tell us: we can help."),
    ]
    if creditor.phone:
        lines.append(_("Call %(name)s on %(phone)s.", name=creditor.name, phone=creditor.phone))
    subject, opening = neutral(debtor)
    return Letter(
        subject=_subject(dispute.kind),
        opening=_("We sent you our answer about %(what)s on %(date)s.", what=what, date=fmt.date(delivered_on)),
        lines=lines,
        neutral_subject=subject,
        neutral_opening=opening,
    )


def _own(message: OutboundMessage, debtor: Debtor) -> Dispute | None:
    dispute = db.session.get(Dispute, message.params["dispute_id"])
    return dispute if dispute is not None and dispute.debtor_id == debtor.id else None


def _what(dispute: Dispute) -> str:
    account = dispute.account
    return _("%(description)s (account %(reference)s)", description=account.description, reference=account.reference)


def _help(debtor: Debtor) -> list[str]:
    creditor = debtor.creditor
    return (
        ["", _("Questions? Call %(name)s on %(phone)s.", name=creditor.name, phone=creditor.phone)]
        if creditor.phone
        else []
    )


@template("dispute.received", asks_for_money=False)
def received(message: OutboundMessage, debtor: Debtor) -> Letter | None:
    """Thank you, the reference, and what happens next: we stop asking while we look, and write with our answer."""
    dispute = _own(message, debtor)
    if dispute is None or dispute.status != "open":
        return None
    what = _what(dispute)
    if dispute.kind == "dispute":
        subject = _("We have your dispute")
        opening = _("Thank you. We have your dispute about %(what)s.", what=what)
        next_steps = [
            _(
                "We check our records and anything you sent us. While we check, we do not ask you for payment on "
                "this account and we send no reminders about it."
            ),
            _("When we have finished, our answer will be here and we will write to you."),
        ]
    elif dispute.kind == "original_creditor":
        subject = _("We have your request for the original creditor's name and address")
        opening = _("Thank you. We have your request about %(what)s.", what=what)
        next_steps = [
            _(
                "We do not ask you for payment on this account until we have sent you the original creditor's name "
                "and address. They will be here, and we will write to you."
            )
        ]
    else:
        subject = _("We have your message about a statute-barred debt")
        opening = _("Thank you. We have your message about %(what)s.", what=what)
        next_steps = [
            _(
                "While we look at your message, we do not ask you for payment on this account and we send no "
                "reminders about it."
            ),
            _("When we have finished, our answer will be here and we will write to you."),
        ]
    link = sign_in_link(
        message, debtor, campaign="dispute", endpoint="rights.dispute_status", reference=dispute.reference
    )
    neutral_subject, neutral_opening = neutral(debtor)
    return Letter(
        subject=subject,
        opening=opening,
        lines=[
            reference_line(dispute.reference),
            *([] if is_text(message) else next_steps),
            "",
            _("To see it, sign in here: %(link)s", link=link),
            *([] if is_text(message) else _help(debtor)),
        ],
        neutral_subject=neutral_subject,
        neutral_opening=neutral_opening,
    )


@template("dispute.answered", asks_for_money=False)
def answered(message: OutboundMessage, debtor: Debtor) -> Letter | None:
    """Our answer is ready: what it means (upheld: we stop asking; otherwise collection stays paused until the
    answer has reached them), with the reference and a link to read it."""
    dispute = _own(message, debtor)
    if dispute is None or dispute.resolved_at is None or dispute.outcome != message.params["outcome"]:
        return None
    what = _what(dispute)
    if dispute.outcome == "upheld" and dispute.kind == "statute_barred":
        next_steps = [_("We agree that this debt is statute-barred. We will not ask you to pay it.")]
    elif dispute.outcome == "upheld":
        next_steps = [_("You were right. We have closed this account and we will not ask you to pay it.")]
    elif dispute.delivered_at is None:
        next_steps = [
            _("Until our answer has reached you, we do not ask you for payment on this account."),
            _("If you do not agree with it, tell us. You can call us or write to us."),
        ]
    else:
        next_steps = [_("If you do not agree with it, tell us. You can call us or write to us.")]
    link = sign_in_link(
        message, debtor, campaign="dispute", endpoint="rights.dispute_status", reference=dispute.reference
    )
    neutral_subject, neutral_opening = neutral(debtor)
    return Letter(
        subject=_subject(dispute.kind),
        opening=_("We have answered what you sent us about %(what)s.", what=what),
        lines=[
            reference_line(dispute.reference),
            *([] if is_text(message) else next_steps),
            "",
            _("To read our answer, sign in here: %(link)s", link=link),
            *([] if is_text(message) else _help(debtor)),
        ],
        neutral_subject=neutral_subject,
        neutral_opening=neutral_opening,
    )
