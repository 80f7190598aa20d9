"""The messages about contact details: a code to a new address or number, a notice to the old one, and the
confirmation to the debtor.

The code and the notice go to an address that is not (or no longer) known to be the debtor's, so they are
bare (portal.outbox.Letter): no greeting with their name, no notices about debt, nothing about money:
the creditor's name, the code or the fact of a change, and what to do if it was not them.
"""

from flask_babel import gettext as _
from flask_babel import ngettext

from portal.extensions import db
from portal.help.service.details import CODE_MINUTES, masked, new_code
from portal.models import ContactChange, Debtor, OutboundMessage
from portal.models.contact_change import ContactKind
from portal.outbox import Letter, template


def _what(kind: str) -> str:
    return {
        ContactKind.EMAIL: _("email address"),
        ContactKind.PHONE: _("mobile number"),
        "address": _("postal address"),
    }[kind]


@template("contact.code", asks_for_money=False, at_their_request=True)
def code_letter(message: OutboundMessage, debtor: Debtor) -> Letter | None:
    change = db.session.get(ContactChange, message.params.get("change_id"))
    if change is None or change.confirmed_at is not None or change.cancelled_at is not None:
        return None
    return code_words(debtor.creditor.name, new_code(change))


def code_words(creditor: str, code: str) -> Letter:
    """A one-time code, bare: the creditor's name, the code and how long it works (a helper's code says it too)."""
    subject = _("Your code for %(creditor)s", creditor=creditor)
    return Letter(
        subject=subject,
        opening=_("Your code for %(creditor)s is %(code)s", creditor=creditor, code=code),
        lines=[
            ngettext(
                "It works for %(num)d minute. If you did not ask for it, ignore this message.",
                "It works for %(num)d minutes. If you did not ask for it, ignore this message.",
                CODE_MINUTES,
            )
        ],
        neutral_subject=subject,
        neutral_opening=subject,
        bare=True,
    )


@template("contact.old_told", asks_for_money=False)
def old_told_letter(message: OutboundMessage, debtor: Debtor) -> Letter:
    creditor = debtor.creditor
    kind = message.params["kind"]
    change = db.session.get(ContactChange, message.params.get("change_id"))
    subject = _("Your contact details with %(creditor)s have changed", creditor=creditor.name)
    if kind == ContactKind.EMAIL:
        opening = _(
            "The email address for your account with %(creditor)s was changed to %(new)s. "
            "We will not email this address any more.",
            creditor=creditor.name,
            new=masked(kind, change.new_value),
        )
    else:
        opening = _(
            "The mobile number for your account with %(creditor)s was changed to one ending %(new)s. "
            "We will not text this number any more.",
            creditor=creditor.name,
            new=change.new_value[-3:],
        )
    lines = [_("If you did not make this change, contact %(creditor)s straight away.", creditor=creditor.name)]
    if creditor.phone:
        lines = [
            _(
                "If you did not make this change, call %(creditor)s on %(phone)s straight away.",
                creditor=creditor.name,
                phone=creditor.phone,
            )
        ]
    return Letter(
        subject=subject, opening=opening, lines=lines, neutral_subject=subject, neutral_opening=subject, bare=True
    )


@template("contact.changed", asks_for_money=False)
def changed_letter(message: OutboundMessage, debtor: Debtor) -> Letter:
    creditor = debtor.creditor
    what = _what(message.params["kind"])
    subject = _("You changed your %(what)s", what=what)
    return Letter(
        subject=subject,
        opening=_("You changed your %(what)s in your %(creditor)s account.", what=what, creditor=creditor.name),
        lines=[
            "",
            _("We will use it from now on. You can see and change your contact details at any time in your account."),
            _("If you did not make this change, contact %(creditor)s straight away.", creditor=creditor.name),
        ],
        neutral_subject=subject,
        neutral_opening=subject,
    )
