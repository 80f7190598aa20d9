"""The receipt: what the receipt page shows, and the email, sent once per payment."""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import update

from portal.extensions import db
from portal.i18n import formatting_locale_for, language_of
from portal.mail import MailError, send_email
from portal.models import Account, Creditor, Debtor, LedgerEntry, Payment
from portal.money import format_money
from portal.payments.service import balance_after

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Receipt:
    payment: Payment
    account: Account
    creditor: Creditor
    #: the account's balance just after this payment, in minor units
    balance_after: int


def receipt_for(payment: Payment) -> Receipt:
    entry = db.session.get(LedgerEntry, payment.ledger_entry_id)
    debtor = db.session.get(Debtor, payment.debtor_id)
    return Receipt(
        payment=payment, account=payment.account, creditor=debtor.creditor, balance_after=balance_after(entry)
    )


def card_words(brand: str | None, last4: str | None) -> str:
    """'Visa ending 4242' in the reader's language."""
    names = {"visa": "Visa", "mastercard": "Mastercard", "amex": "American Express", "discover": "Discover"}
    name = names.get((brand or "").lower(), (brand or _("Card")).title())
    return _("%(brand)s ending %(last4)s", brand=name, last4=last4 or "????")


def email_text(receipt: Receipt, debtor: Debtor) -> tuple[str, str]:
    """Subject and body of the receipt email, in the debtor's language (call inside force_locale)."""
    payment, account, creditor = receipt.payment, receipt.account, receipt.creditor
    locale = formatting_locale_for(debtor)
    amount = format_money(payment.amount, payment.currency, locale)
    balance = format_money(receipt.balance_after, payment.currency, locale)
    when = format_datetime(
        (payment.succeeded_at or datetime.now(UTC)).astimezone(ZoneInfo(debtor.effective_timezone)),
        "long",
        locale=locale,
    )
    subject = _("Your payment of %(amount)s to %(creditor)s", amount=amount, creditor=creditor.name)
    lines = [
        _("Hello %(name)s,", name=debtor.full_name),
        "",
        _("Thank you. We have received your payment. This email is your receipt."),
        "",
        _("Amount paid: %(amount)s", amount=amount),
        _("Account: %(description)s (%(reference)s)", description=account.description, reference=account.reference),
        _("Paid to: %(creditor)s", creditor=creditor.name),
        _("Date: %(date)s", date=when),
        _("Card: %(card)s", card=card_words(payment.card_brand, payment.card_last4)),
        _("Payment reference: %(reference)s", reference=payment.reference),
        _("You now owe: %(balance)s", balance=balance),
        "",
        _("It can take a few days for the payment to show on your bank statement."),
    ]
    if creditor.phone:
        lines += ["", _("Questions? Call %(name)s on %(phone)s.", name=creditor.name, phone=creditor.phone)]
    return subject, "\n".join(lines) + "\n"


def send_receipt(payment: Payment) -> bool:
    """Email the receipt if the debtor has an address and it hasn't gone yet. Commits.

    Claims the payment first (receipt_sent_at from NULL), so two callers never both send it;
    gives the claim back if the mail server refuses, so `payments reconcile` tries again.
    """
    debtor = db.session.get(Debtor, payment.debtor_id)
    if payment.status != "succeeded" or not debtor.email:
        return False
    claimed = db.session.execute(
        update(Payment)
        .where(Payment.id == payment.id, Payment.status == "succeeded", Payment.receipt_sent_at.is_(None))
        .values(receipt_sent_at=datetime.now(UTC))
    ).rowcount
    db.session.commit()
    if claimed != 1:
        return False
    db.session.refresh(payment)
    try:
        with force_locale(language_of(debtor)):
            subject, body = email_text(receipt_for(payment), debtor)
        send_email(debtor.email, subject, body)
    except MailError as error:
        log.error("Receipt for payment %s not sent: %s", payment.reference, error)
        db.session.execute(update(Payment).where(Payment.id == payment.id).values(receipt_sent_at=None))
        db.session.commit()
        return False
    return True
