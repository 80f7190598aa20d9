"""What a ledger entry says, in the language of the page (or letter, or file) being drawn.

The ledger keeps what happened, never the portal's own words: a card payment is kind "payment",
wording "card_payment" and its reference P-…; the words are chosen here, when they are shown, so a
Spanish page says "Pago con tarjeta". What the creditor wrote ("Late payment fee") is its own words,
shown as sent, or in the page's language when the creditor sent that too.
"""

from dataclasses import dataclass

from portal.i18n import translations
from portal.models import LedgerEntry
from portal.models.account import LedgerKind, LedgerWording
from portal.translated import in_language


def _(message: str, **variables) -> str:
    """gettext from the catalog the page already holds (portal.i18n.translations): a history of 20 lines
    asks for 20 or more words, and flask-babel's gettext looks the catalog up again for each."""
    text = translations().ugettext(message)
    return text % variables if variables else text


@dataclass(frozen=True, slots=True)
class Described:
    """A ledger line in words: what it is, and the detail after it (a reference, the creditor's words)."""

    what: str
    detail: str | None = None

    def __str__(self) -> str:
        return f"{self.what}: {self.detail}" if self.detail else self.what


#: each kind's words, translated only when a line shows them (a history of 20 lines translates its 20 words,
#: not 6 kinds for each line: that was a fifth of the account page's time)
_KIND_LABELS = {
    LedgerKind.ITEMIZATION: lambda: _("Balance on the itemization date"),
    LedgerKind.INTEREST: lambda: _("Interest"),
    LedgerKind.FEE: lambda: _("Fee"),
    LedgerKind.PAYMENT: lambda: _("Payment"),
    LedgerKind.CREDIT: lambda: _("Credit"),
    LedgerKind.WRITE_OFF: lambda: _("Written off"),
}


def kind_label(kind: str) -> str:
    """The ledger kind as the debtor reads it."""
    label = _KIND_LABELS.get(kind)
    return label() if label else kind


def describe(entry: LedgerEntry) -> Described:
    """The entry in the current language: the portal's words for what it did, the creditor's for the rest."""
    reference = _("Reference %(reference)s", reference=entry.reference) if entry.reference else None
    if entry.wording == LedgerWording.CARD_PAYMENT:
        return Described(_("Card payment"), reference)
    if entry.wording == LedgerWording.SETTLEMENT_DISCOUNT:
        return Described(_("Settlement discount"), reference)
    if entry.wording == LedgerWording.WRITE_OFF:
        return Described(kind_label(LedgerKind.WRITE_OFF), reference)
    if entry.wording == LedgerWording.CREDITOR_ITEM or entry.kind == LedgerKind.ITEMIZATION:
        # the creditor sent no words of its own (the itemization's "Itemization" was the portal's)
        return Described(kind_label(entry.kind))
    return Described(kind_label(entry.kind), in_language(entry.description, entry.description_translations))
