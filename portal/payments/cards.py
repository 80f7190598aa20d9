"""How a card is named to a person, everywhere: "Visa ending 4242".

One wording for pages, emails, texts and the staff console, so the debtor recognises the same card wherever it is
named. Stripe gives the brand as a lower-case code (`visa`, `amex`, ...); a brand is a name, not a word to translate,
so it is written as its owner writes it, and the sentence around it is translated.
"""

from flask_babel import gettext as _

#: Stripe's card brand codes and how each brand writes its name
BRAND_NAMES = {
    "amex": "American Express",
    "american_express": "American Express",
    "cartes_bancaires": "Cartes Bancaires",
    "diners": "Diners Club",
    "diners_club": "Diners Club",
    "discover": "Discover",
    "eftpos_au": "eftpos",
    "interac": "Interac",
    "jcb": "JCB",
    "mastercard": "Mastercard",
    "unionpay": "UnionPay",
    "visa": "Visa",
}


def brand_name(brand: str | None) -> str | None:
    """The brand as its owner writes it, or None when Stripe did not say (or said `unknown`)."""
    code = (brand or "").strip().lower().replace(" ", "_")
    if not code or code == "unknown":
        return None
    return BRAND_NAMES.get(code, code.replace("_", " ").title())


def card_words(brand: str | None, last4: str | None, *, in_sentence: bool = False) -> str:
    """'Visa ending 4242' in the reader's language; 'Card ending 4242' when the brand is not known.

    `in_sentence` is for the middle of a sentence ("We will use your card ending 4242"), where a word that is not a
    name starts in lower case.
    """
    name = brand_name(brand)
    if name is None and in_sentence:
        return _("card ending %(last4)s", last4=last4) if last4 else _("card")
    if not last4:
        return name or _("Card")
    if name is None:
        return _("Card ending %(last4)s", last4=last4)
    return _("%(brand)s ending %(last4)s", brand=name, last4=last4)


def card_of(thing, *, in_sentence: bool = False) -> str | None:
    """The card words for anything with `card_brand` and `card_last4` (a payment or a plan), or None without a card."""
    if thing is None or not getattr(thing, "card_last4", None):
        return None
    return card_words(thing.card_brand, thing.card_last4, in_sentence=in_sentence)
