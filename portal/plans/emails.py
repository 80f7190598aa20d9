"""Emails about a plan: a reminder before each payment, what happened when we tried to collect one,
and what a person decided about a proposal or a pause request.

Each is written in the debtor's language and carries a fresh sign-in link, because a link in an
email is how a debtor gets back to the portal. Sending collection emails is the jobs' business (they
keep to contact hours); a decision is the answer the debtor is waiting for, sent when it is made.
"""

from flask import current_app, url_for
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _

from portal.help.contact import settings_for, subject_for
from portal.i18n import language_of
from portal.links.service import issue_link, link_url
from portal.mail import send_email
from portal.models import Debtor, Instalment, Plan
from portal.payments.service import balance_of
from portal.plans.words import Formatter


def _sign_in_link(debtor: Debtor, destination: str | None = None) -> str:
    _, token = issue_link(debtor, campaign="plan", destination=destination)
    return link_url(token)


def _destination(kind: str, instalment: Instalment) -> str | None:
    """A request to confirm a payment opens that payment's page; other emails open the accounts."""
    if kind == "requires_action" and instalment.payment is not None:
        with current_app.test_request_context():
            return url_for("plans.confirm_payment", reference=instalment.payment.reference)
    return None


def _help_lines(debtor: Debtor) -> list[str]:
    creditor = debtor.creditor
    lines = ["", _("If you are finding it hard to pay, tell us: we can help.")]
    if creditor.phone:
        lines.append(_("Call %(name)s on %(phone)s.", name=creditor.name, phone=creditor.phone))
    return lines


def _texts(kind: str, instalment: Instalment, debtor: Debtor, link: str) -> tuple[str, list[str]]:
    plan: Plan = instalment.plan
    account = plan.account
    fmt = Formatter.for_debtor(debtor)
    amount = fmt.money(instalment.amount, plan.currency)
    when = fmt.date(instalment.due_date)
    what = _("%(description)s (account %(reference)s)", description=account.description, reference=account.reference)
    if kind == "reminder":
        subject = _("Your next payment of %(amount)s is on %(date)s", amount=amount, date=when)
        lines = [
            _("Your next plan payment for %(what)s is %(amount)s on %(date)s.", what=what, amount=amount, date=when),
            _("We will take it from your card ending %(last4)s.", last4=plan.card_last4 or "????"),
            "",
            _("To see your plan, change the date or pay another way, sign in here: %(link)s", link=link),
        ]
    elif kind == "requires_action":
        subject = _("Please confirm your payment of %(amount)s", amount=amount)
        lines = [
            _(
                "Your bank wants to check it is you before we take your payment of %(amount)s for %(what)s.",
                amount=amount,
                what=what,
            ),
            _("No money has been taken yet."),
            "",
            _("To confirm the payment, sign in here: %(link)s", link=link),
        ]
    elif kind == "retry":
        subject = _("Your payment of %(amount)s did not go through", amount=amount)
        lines = [
            _("We could not take your plan payment of %(amount)s for %(what)s.", amount=amount, what=what),
            _("No money was taken. We will try again on %(date)s.", date=fmt.date(instalment.collect_on)),
            "",
            _("To use another card, sign in here: %(link)s", link=link),
        ]
    elif kind == "missed":
        left = max(plan.terms.get("missed_payments_to_break", 2) - plan.missed_count, 0)
        subject = _("We could not take your payment of %(amount)s", amount=amount)
        lines = [
            _("We could not take your plan payment of %(amount)s for %(what)s.", amount=amount, what=what),
            _("This payment is now missed. Your plan carries on with the next payment."),
            _("If %(count)d more payments are missed, the plan will end.", count=left),
            "",
            _("To pay the missed amount or use another card, sign in here: %(link)s", link=link),
        ]
    else:  # broken
        subject = _("Your payment plan has ended")
        lines = [
            _(
                "Because %(count)d payments were missed, your plan for %(what)s has ended.",
                count=plan.missed_count,
                what=what,
            ),
            _("You still owe %(balance)s.", balance=fmt.money(balance_of(account), plan.currency)),
            "",
            _("You can set up a new plan or pay another way. Sign in here: %(link)s", link=link),
        ]
    return subject, lines


def send_plan_email(kind: str, instalment: Instalment, debtor: Debtor) -> None:
    """Send one plan email ("reminder", "requires_action", "retry", "missed", "broken"). Raises MailError."""
    with force_locale(language_of(debtor)):
        link = _sign_in_link(debtor, _destination(kind, instalment))
        subject, lines = _texts(kind, instalment, debtor, link)
        body = [_("Hello %(name)s,", name=debtor.full_name), "", *lines, *_help_lines(debtor)]
    send_email(debtor.email, subject, "\n".join(body) + "\n")


#: what a person decided (Plan.review_outcome), each with its own email
REVIEW_EMAILS = ("approved", "declined", "pause_approved", "pause_declined")


def _review_texts(plan: Plan, debtor: Debtor, link: str, moved: bool) -> tuple[str, list[str]]:
    account = plan.account
    fmt = Formatter.for_debtor(debtor)
    what = _("%(description)s (account %(reference)s)", description=account.description, reference=account.reference)
    pending = [i for i in plan.instalments if i.status in ("scheduled", "processing", "requires_action")]
    upcoming = min(pending, key=lambda i: (i.collect_on, i.number)) if pending else None
    outcome = plan.review_outcome
    if outcome == "approved":
        first = plan.instalments[0]
        subject = _("We can agree the payment plan you proposed")
        lines = [
            _("We have looked at the plan you proposed for %(what)s, and we can agree it.", what=what),
            _(
                "Your first payment would be %(amount)s on %(date)s.",
                amount=fmt.money(first.amount, plan.currency),
                date=fmt.date(first.due_date),
            ),
        ]
        if moved:
            lines.append(_("We moved your payment dates on, so that you have time to agree the plan first."))
        closing = _("To agree the plan and save a card, sign in here: %(link)s", link=link)
    elif outcome == "declined":
        subject = _("We could not agree the payment plan you proposed")
        lines = [_("We have looked at the plan you proposed for %(what)s. We cannot agree it.", what=what)]
        closing = _("You can set up a different plan or pay another way. Sign in here: %(link)s", link=link)
    elif outcome == "pause_approved":
        subject = _("We have paused your payment plan")
        lines = [
            ngettext(
                "We have paused your plan for %(what)s for %(num)d month, as you asked.",
                "We have paused your plan for %(what)s for %(num)d months, as you asked.",
                plan.pause_months or 0,
                what=what,
            )
        ]
        closing = _("To see your new payment dates, sign in here: %(link)s", link=link)
    else:  # pause_declined
        subject = _("We could not agree a pause in your payment plan")
        lines = [
            _("We have looked at your request to pause your plan for %(what)s. We cannot agree a pause.", what=what),
            _("Your payments carry on as before."),
        ]
        closing = _("To see your plan, sign in here: %(link)s", link=link)
    if outcome in ("pause_approved", "pause_declined") and upcoming is not None:
        lines.append(
            _(
                "Your next payment is %(amount)s on %(date)s.",
                amount=fmt.money(upcoming.amount, plan.currency),
                date=fmt.date(upcoming.collect_on),
            )
        )
    if plan.review_note:
        lines += ["", _("What we said:"), plan.review_note]
    return subject, [*lines, "", closing]


def send_review_email(plan: Plan, debtor: Debtor, *, moved: bool = False) -> bool:
    """Tell the debtor what a person decided (plan.review_outcome), with a link that opens the plan.

    Returns False when there is no way to email them (no address, or email switched off).
    `moved`: an approved proposal's dates were moved on. Raises MailError.
    """
    if plan.review_outcome not in REVIEW_EMAILS:
        raise ValueError(f"no email for a review outcome of {plan.review_outcome!r}")
    if not debtor.email or "email" not in settings_for(debtor).channels:
        return False
    with current_app.test_request_context():
        destination = url_for("plans.plan", reference=plan.reference)
    with force_locale(language_of(debtor)):
        link = _sign_in_link(debtor, destination)
        subject, lines = _review_texts(plan, debtor, link, moved)
        subject = subject_for(debtor, subject, _("We have an answer for you"))
        body = [_("Hello %(name)s,", name=debtor.full_name), "", *lines, *_help_lines(debtor)]
    send_email(debtor.email, subject, "\n".join(body) + "\n")
    return True
