"""The message that tells a debtor collection may start again, once our answer to their dispute
(or request, or claim) has reached them. It asks for nothing: it says what happened and what may
happen next, with a link to read the answer again and the offer of help first."""

from flask import current_app, url_for
from flask_babel import gettext as _

from portal import clock, gate
from portal.extensions import db
from portal.links.service import issue_link, link_url
from portal.models import Debtor, Dispute, OutboundMessage
from portal.outbox import Letter, neutral, queue, template
from portal.plans.words import Formatter


def queue_resumes(dispute: Dispute) -> OutboundMessage:
    account = dispute.account
    return queue(account.debtor, "dispute.resumes", account=account, params={"dispute_id": dispute.id})


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
