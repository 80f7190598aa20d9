"""The creditor settings form: amounts as people type them in the creditor's currency, whole numbers, choices.

The form only reads what was typed (an amount that isn't one, a number that isn't whole); what the values may be
is portal.creditors.settings.problems's to say.
"""

import re
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from portal.creditors.settings import LABELS, MONEY, OPTIONAL_POLICY_KEYS, parse_guidelines
from portal.help.call_backs import opening_hours_text, parse_opening_hours
from portal.help.forms import summary
from portal.i18n import formatting_locale
from portal.models import Creditor
from portal.models.creditor import IdentityMethod
from portal.money import amount_input, format_money, parse_money
from portal.plans.policy import Frequency
from portal.plans.words import frequency_label

IDENTITY_LABELS = {
    IdentityMethod.DATE_OF_BIRTH: _l("Date of birth"),
    IdentityMethod.POSTCODE: _l("Postcode or ZIP code"),
}
#: fields typed as whole numbers; an empty one is None (optional discounts) or a problem (the rest)
WHOLE_NUMBERS = (
    "link_lifetime_days",
    "max_term_months",
    "auto_accept_max_term_months",
    "settlement_discount_min_pct",
    "settlement_discount_max_pct",
    "settlement_instalments_max",
    "first_payment_within_days",
    "move_payment_later_days",
    "missed_payments_to_break",
    "retry_attempts",
    "retry_after_days",
    "promise_latest_days",
    "promise_max_open",
)
OPTIONAL_TEXT = ("phone", "email", "website", "mailing_address", "quick_exit_url")
_WHOLE = re.compile(r"-?\d+")


def _text(field: str) -> StringField:
    return StringField(LABELS[field])


class CreditorSettingsForm(FlaskForm):
    name = _text("name")
    brand_colour = _text("brand_colour")
    phone = _text("phone")
    email = _text("email")
    website = _text("website")
    mailing_address = TextAreaField(LABELS["mailing_address"])
    quick_exit_url = _text("quick_exit_url")
    identity_method = RadioField(
        LABELS["identity_method"],
        choices=[SelectChoice(str(key), label) for key, label in IDENTITY_LABELS.items()],
        validate_choice=False,
    )
    link_lifetime_days = _text("link_lifetime_days")
    min_instalment = _text("min_instalment")
    max_term_months = _text("max_term_months")
    auto_accept_max_term_months = _text("auto_accept_max_term_months")
    frequencies = SelectMultipleField(LABELS["frequencies"], validate_choice=False)
    settlement_discount_min_pct = _text("settlement_discount_min_pct")
    settlement_discount_max_pct = _text("settlement_discount_max_pct")
    settlement_instalments_max = _text("settlement_instalments_max")
    first_payment_within_days = _text("first_payment_within_days")
    move_payment_later_days = _text("move_payment_later_days")
    missed_payments_to_break = _text("missed_payments_to_break")
    retry_attempts = _text("retry_attempts")
    retry_after_days = _text("retry_after_days")
    freeze_interest_on_plan = BooleanField(LABELS["freeze_interest_on_plan"])
    reports_to_credit_files = BooleanField(LABELS["reports_to_credit_files"])
    min_payment = _text("min_payment")
    write_off_approval_above = _text("write_off_approval_above")
    budget_guidelines = TextAreaField(LABELS["budget_guidelines"])
    opening_hours = TextAreaField(LABELS["opening_hours"])
    promise_latest_days = _text("promise_latest_days")
    promise_min_amount = _text("promise_min_amount")
    promise_max_open = _text("promise_max_open")

    def __init__(self, creditor: Creditor, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.creditor = creditor
        self.locale = formatting_locale(creditor.locale)
        self.frequencies.choices = [SelectChoice(str(f), frequency_label(f)) for f in Frequency]

    def fill(self, values: dict[str, Any]) -> None:
        """Show stored settings as the fields would be typed."""
        for name, value in values.items():
            field = getattr(self, name)
            if name in MONEY:
                field.data = "" if value is None else self.amount_text(value)
            elif name == "budget_guidelines":
                field.data = guidelines_text(value, self.amount_text)
            elif name == "opening_hours":
                field.data = opening_hours_text(value)
            elif isinstance(value, bool | list):
                field.data = value
            else:
                field.data = "" if value is None else str(value)

    def amount_text(self, minor: int) -> str:
        return amount_input(minor, self.creditor.currency, self.locale)

    def amount(self, text: str) -> int | None:
        money = parse_money(text, self.creditor.currency, self.locale)
        return None if money is None else money.minor

    def values(self) -> dict[str, Any] | None:
        """The typed settings, or None after putting an error on each field that can't be read."""
        values: dict[str, Any] = {
            "name": (self.name.data or "").strip(),
            "brand_colour": (self.brand_colour.data or "").strip().lower(),
            "identity_method": self.identity_method.data,
            "frequencies": [str(f) for f in Frequency if str(f) in (self.frequencies.data or [])],
            "freeze_interest_on_plan": bool(self.freeze_interest_on_plan.data),
            "reports_to_credit_files": bool(self.reports_to_credit_files.data),
        }
        values |= {name: (getattr(self, name).data or "").strip() or None for name in OPTIONAL_TEXT}
        for name in WHOLE_NUMBERS:
            text = (getattr(self, name).data or "").strip()
            if _WHOLE.fullmatch(text):
                values[name] = int(text)
            elif text or not (name.startswith("settlement_discount") or name in OPTIONAL_POLICY_KEYS):
                getattr(self, name).errors = [_("Enter a whole number, like 12")]
            else:
                values[name] = None
        for name in MONEY:
            text = (getattr(self, name).data or "").strip()
            values[name] = self.amount(text) if text else None
            if text and values[name] is None:
                getattr(self, name).errors = [_("Enter an amount, like 50 or %(exact)s", exact=self.amount_text(5000))]
            elif not text and name not in OPTIONAL_POLICY_KEYS:
                getattr(self, name).errors = [_("Enter an amount")]
        values["budget_guidelines"], problem = parse_guidelines(
            self.budget_guidelines.data or "", self.creditor, self.amount
        )
        if problem:
            self.budget_guidelines.errors = [str(problem)]
        values["opening_hours"], bad_line = parse_opening_hours(self.opening_hours.data or "")
        if bad_line:
            self.opening_hours.errors = [
                _(
                    'Line %(number)d: write a day and the hours it is open, like "mon 09:00-17:00", each day once',
                    number=bad_line,
                )
            ]
        return None if any(field.errors for field in self) else values

    def refuse(self, problems: dict[str, Any]) -> None:
        for name, message in problems.items():
            getattr(self, name).errors = [str(message)]

    @property
    def errors_for_summary(self) -> list[tuple[str, str]]:
        return summary(*(getattr(self, name) for name in LABELS))


def guidelines_text(figures: dict[str, dict[str, int]], amount_text) -> str:
    """Guideline figures as the form's lines: "food persons:2 450.00"."""
    return "\n".join(
        f"{item} {household} {amount_text(amount)}"
        for item, households in figures.items()
        for household, amount in households.items()
    )


def describe(field: str, value: Any, form: CreditorSettingsForm) -> str:
    """A setting's value in words, for the review and history."""
    if field == "opening_hours" and value == {}:
        return _("Closed every day: no call backs")
    if value is None or value == [] or value == {}:
        return _("Not set")
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if field in MONEY:
        return format_money(value, form.creditor.currency, form.locale)
    if field == "frequencies":
        return ", ".join(frequency_label(f) for f in value)
    if field == "identity_method":
        return str(IDENTITY_LABELS.get(value, value))
    if field == "budget_guidelines":
        return guidelines_text(value, form.amount_text)
    if field == "opening_hours":
        return opening_hours_text(value) if value else _("Closed every day: no call backs")
    return str(value)
