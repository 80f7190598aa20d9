"""Emails about a plan: a reminder before each payment, and what happened when we tried to collect one.

Each is written in the debtor's language and carries a fresh sign-in link, because a link in an
email is how a debtor gets back to the portal. Sending is the jobs' business (they keep to contact hours).
"""

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from portal.links.service import issue_link, link_url
from portal.mail import send_email
from portal.models import Debtor, Instalment, Plan
from portal.payments.service import balance_of
from portal.plans.words import Formatter, language_of


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
