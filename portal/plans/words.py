"""Plans in the reader's words: frequencies, amounts per period, why a proposal needs a person.

Every function here answers in the current language (call inside a request, or `force_locale` in a
job); money and dates are formatted with a `Formatter` for the reader's locale.
"""

from dataclasses import dataclass
from datetime import date

from babel.dates import format_date
from flask_babel import gettext as _
from flask_babel import ngettext

from portal.i18n import babel_locale, formatting_locale_for
from portal.models import Debtor
from portal.money import format_money


@dataclass(frozen=True)
class Formatter:
    """Money and dates for one reader: a Babel locale such as "en_GB" or "es"."""

    locale: str

    def money(self, minor: int, currency: str) -> str:
        return format_money(minor, currency, babel_locale(self.locale))

    def date(self, day: date) -> str:
        return format_date(day, "long", locale=babel_locale(self.locale))

    @classmethod
    def for_debtor(cls, debtor: Debtor) -> "Formatter":
        """Outside a request (emails)."""
        return cls(formatting_locale_for(debtor))


def how_often(frequency: str | None) -> str:
    """ "every month" (after an amount or a count)."""
    return {
        "weekly": _("every week"),
        "fortnightly": _("every 2 weeks"),
        "four_weekly": _("every 4 weeks"),
        "monthly": _("every month"),
    }.get(frequency or "", _("once"))


def frequency_label(frequency: str) -> str:
    """ "Every month" (a radio label)."""
    return {
        "weekly": _("Every week"),
        "fortnightly": _("Every 2 weeks"),
        "four_weekly": _("Every 4 weeks"),
        "monthly": _("Every month"),
    }[frequency]


def amount_per(amount: str, frequency: str | None) -> str:
    """ "£53.65 a month", "£12.00 every 2 weeks"."""
    return {
        "weekly": _("%(amount)s a week", amount=amount),
        "fortnightly": _("%(amount)s every 2 weeks", amount=amount),
        "four_weekly": _("%(amount)s every 4 weeks", amount=amount),
        "monthly": _("%(amount)s a month", amount=amount),
    }.get(frequency or "", amount)


def payday_label(kind: str) -> str:
    return {
        "same_day": _("The same date each month"),
        "last_day_of_month": _("The last day of each month"),
        "last_friday": _("The last Friday of each month"),
    }[kind]


def interest_on_plan(frozen: bool, monthly: str | None) -> str | None:
    """Whether interest and charges stop during a plan, above its payments; None when none are added.

    `monthly` is the formatted amount the creditor adds each month (empty when nothing is added).
    """
    if frozen:
        return _("Interest and charges stop while you keep to this plan.")
    if monthly:
        return _(
            "Interest and charges of about %(amount)s a month are still added. "
            "They are included in the payments and the end date below.",
            amount=monthly,
        )
    return None


def settlement_on_credit_file(jurisdiction: str) -> str:
    """How a settlement for less than the balance usually shows on a credit file, where the creditor reports it."""
    if jurisdiction == "US":
        return _('Your credit report will usually show this account as "settled for less than the full balance".')
    return _(
        'Your credit file will usually show this account as "partially settled", because you paid less than you owed.'
    )


def reason_text(reason: dict, fmt: Formatter, currency: str) -> str:
    """Why a proposal goes to a person, as a fact the debtor can act on."""
    code, params = reason.get("code"), reason.get("params") or {}
    if code == "term_too_long":
        return _(
            "Your plan would take %(length)s. We can agree plans of up to %(allowed)s straight away.",
            length=ngettext("%(num)d month", "%(num)d months", int(params.get("months") or 0)),
            allowed=ngettext("%(num)d month", "%(num)d months", int(params.get("allowed") or 0)),
        )
    if code == "below_minimum":
        return _(
            "The least we can agree straight away is %(minimum)s each time.",
            minimum=fmt.money(int(params.get("minimum", 0)), currency),
        )
    if code == "frequency_not_allowed":
        return _("We do not usually take payments %(how_often)s.", how_often=how_often(params.get("frequency")))
    if code == "start_too_late":
        return _(
            "Your first payment would be on %(first)s. We can agree a first payment up to %(latest)s straight away.",
            first=fmt.date(date.fromisoformat(params["first"])),
            latest=fmt.date(date.fromisoformat(params["latest"])),
        )
    if code == "start_in_past":
        return _("The date of your first payment has already passed.")
    if code == "amount_above_balance":
        return _(
            "That is more than you owe, which is %(balance)s.",
            balance=fmt.money(int(params.get("balance", 0)), currency),
        )
    if code == "interest_not_covered":
        return _(
            "Interest and charges of about %(interest)s a month are added to this account. "
            "Your payments would not cover them, so what you owe would not go down.",
            interest=fmt.money(int(params.get("interest", 0)), currency),
        )
    return _("A person needs to look at this plan.")
