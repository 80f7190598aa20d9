"""The receipt: what the receipt page shows, and the email, sent once per payment."""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from flask_babel import gettext as _

from portal.accounts.ledger import balance_after
from portal.extensions import db
from portal.i18n import formatting_locale_for
from portal.models import Account, Creditor, Debtor, LedgerEntry, OutboundMessage, Payment
from portal.money import format_money
from portal.outbox import Letter, neutral, template
from portal.payments.cards import card_words
from portal.plans.service.progress import live_plan

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Receipt:
    payment: Payment
    account: Account
    creditor: Creditor
    #: the account's balance just after this payment, in minor units
    balance_after: int
    #: the account has a plan, or a proposal waiting for a decision: the receipt does not offer to set one up
    has_plan: bool = False
    #: the reference of the plan the debtor pays each time themselves, whose page shows what this payment paid
    paid_towards_plan: str | None = None


def receipt_for(payment: Payment) -> Receipt:
    entry = db.session.get(LedgerEntry, payment.ledger_entry_id)
    debtor = db.session.get(Debtor, payment.debtor_id)
    plan = live_plan(payment.account)
    return Receipt(
        payment=payment,
        account=payment.account,
        creditor=debtor.creditor,
        balance_after=balance_after(entry),
        has_plan=plan is not None,
        paid_towards_plan=plan.reference if plan is not None and plan.paid_by_debtor else None,
    )


@template("receipt", asks_for_money=False)
def receipt_letter(message: OutboundMessage, debtor: Debtor) -> Letter | None:
    """The receipt email, in the debtor's language."""
    payment = db.session.get(Payment, message.params["payment_id"])
    if payment is None or payment.debtor_id != debtor.id or payment.status != "succeeded":
        return None
    receipt = receipt_for(payment)
    account, creditor = receipt.account, receipt.creditor
    locale = formatting_locale_for(debtor)
    amount = format_money(payment.amount, payment.currency, locale)
    when = format_datetime(
        (payment.succeeded_at or datetime.now(UTC)).astimezone(ZoneInfo(debtor.effective_timezone)),
        "long",
        locale=locale,
    )
    lines = [
        "",
        _("Amount paid: %(amount)s", amount=amount),
        _("Account: %(description)s (%(reference)s)", description=account.description, reference=account.reference),
        _("Paid to: %(creditor)s", creditor=creditor.name),
        _("Date: %(date)s", date=when),
        _("Card: %(card)s", card=card_words(payment.card_brand, payment.card_last4)),
        _("Payment reference: %(reference)s", reference=payment.reference),
        _("You now owe: %(balance)s", balance=format_money(receipt.balance_after, payment.currency, locale)),
        "",
        _("It can take a few days for the payment to show on your bank statement."),
    ]
    if creditor.phone:
        lines += ["", _("Questions? Call %(name)s on %(phone)s.", name=creditor.name, phone=creditor.phone)]
    neutral_subject, neutral_opening = neutral(debtor)
    return Letter(
        subject=_("Your payment of %(amount)s to %(creditor)s", amount=amount, creditor=creditor.name),
        opening=_("Thank you. We have received your payment. This email is your receipt."),
        lines=lines,
        neutral_subject=neutral_subject,
        neutral_opening=neutral_opening,
    )
