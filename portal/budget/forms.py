"""The budget's forms: which budget to start, the household, a page of amounts, the explanations.

The amounts page is built from the structure (data), so it reads the posted fields itself rather than
declaring WTForms fields; CSRFProtect checks every POST all the same.
"""

from collections.abc import Iterable, Mapping
from datetime import date, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from wtforms import StringField

from portal.budget.engine import BudgetLine, GuidelineFlag, Household, LineFrequency
from portal.budget.labels import label
from portal.budget.service import MAX_LINE_AMOUNT
from portal.budget.structures import Section
from portal.date_input import DateInputField
from portal.models.budget import BUDGET_MODES
from portal.money import amount_example, amount_input, format_money, parse_money

#: the longest explanation kept: "a short explanation", as an adviser would write in the margin
MAX_EXPLANATION = 500


def choose_mode(value: str | None) -> str | None:
    """ "quick" or "full" from the start page's radios; None when nothing was chosen."""
    return value if value in BUDGET_MODES else None


class HouseholdForm(FlaskForm):
    adults = StringField(_l("Adults, including you"))
    children = StringField(_l("Children"))
    vehicles = StringField(_l("Cars, vans and motorbikes"))

    def __init__(self, *args, household: Household | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if household is not None and not self.is_submitted():
            self.adults.data = str(household.adults)
            self.children.data = str(household.children)
            self.vehicles.data = str(household.vehicles)
        self.household: Household | None = None

    def check(self) -> bool:
        """Read the three counts; a message beside any field that is not a sensible whole number."""
        adults = _count(self.adults, 1, 20, _l("Enter how many adults live with you, including you, like 1 or 2"))
        children = _count(self.children, 0, 20, _l("Enter how many children live with you, or 0"))
        vehicles = _count(self.vehicles, 0, 10, _l("Enter how many cars, vans or motorbikes you use, or 0"))
        if adults is None or children is None or vehicles is None:
            return False
        self.household = Household(adults=adults, children=children, vehicles=vehicles)
        return True

    @property
    def errors_for_summary(self) -> list[tuple[str, str]]:
        return [
            (field.id, str(field.errors[0])) for field in (self.adults, self.children, self.vehicles) if field.errors
        ]


def _count(field, lowest: int, highest: int, message) -> int | None:
    text = (field.data or "").strip()
    if not text and lowest == 0:
        field.data = "0"
        return 0
    if not text.isdigit() or not lowest <= int(text) <= highest:
        field.errors = [message]
        return None
    return int(text)


class LinesForm:
    """A page of amounts, each with how often it is paid: ``<line>-amount`` and ``<line>-frequency``.

    A blank amount means nothing is paid. ``lines`` holds what could be read, even when other fields
    have errors, so live totals can add up whatever is valid so far.
    """

    def __init__(
        self,
        sections: Iterable[Section],
        currency: str,
        locale: str,
        formdata: Mapping[str, str] | None = None,
        saved: Mapping[str, BudgetLine] | None = None,
    ):
        self.sections = tuple(sections)
        self.currency = currency
        self.locale = locale
        self.lines: dict[str, BudgetLine] = {}
        #: {line_id: (amount as typed or saved, frequency value)} to draw the fields again
        self.values: dict[str, tuple[str, str]] = {}
        #: {line_id: message}
        self.errors: dict[str, str] = {}
        if formdata is None:
            self._fill(saved or {})
        else:
            self._read(formdata)

    def _fill(self, saved: Mapping[str, BudgetLine]) -> None:
        for section in self.sections:
            for line in section.lines:
                entry = saved.get(line.id)
                if entry is None:
                    self.values[line.id] = ("", str(LineFrequency.MONTHLY))
                else:
                    self.lines[line.id] = entry
                    amount = amount_input(entry.amount_minor, self.currency, self.locale)
                    self.values[line.id] = (amount, str(entry.frequency))

    def _read(self, formdata: Mapping[str, str]) -> None:
        for section in self.sections:
            for line in section.lines:
                typed = (formdata.get(f"{line.id}-amount") or "").strip()
                chosen = formdata.get(f"{line.id}-frequency") or str(LineFrequency.MONTHLY)
                self.values[line.id] = (typed, chosen)
                problem = self._problem(line.label, typed, chosen)
                if problem is not None:
                    self.errors[line.id] = problem
                elif typed:
                    money = parse_money(typed, self.currency, self.locale)
                    self.lines[line.id] = BudgetLine(line.id, money.minor, LineFrequency(chosen))

    def _problem(self, line_label: str, typed: str, chosen: str) -> str | None:
        name = label(line_label)
        if chosen not in {str(frequency) for frequency in LineFrequency}:
            return _("Choose how often you pay or get %(item)s", item=name)
        if not typed:
            return None
        money = parse_money(typed, self.currency, self.locale)
        if money is None:
            whole, exact = amount_example(self.currency, self.locale)
            return _(
                "Enter the amount for %(item)s in numbers, like %(whole)s or %(exact)s",
                item=name,
                whole=whole,
                exact=exact,
            )
        if money.minor < 0:
            return _("Enter the amount for %(item)s as 0 or more", item=name)
        if money.minor > MAX_LINE_AMOUNT:
            limit = format_money(MAX_LINE_AMOUNT, self.currency, self.locale)
            return _("Enter an amount for %(item)s of less than %(limit)s", item=name, limit=limit)
        return None

    def validate(self) -> bool:
        return not self.errors

    @property
    def errors_for_summary(self) -> list[tuple[str, str]]:
        return [
            (f"{line.id}-amount", self.errors[line.id])
            for section in self.sections
            for line in section.lines
            if line.id in self.errors
        ]


class ExplanationsForm:
    """Why an amount is above the guideline: a short answer for each flag, ``explain-<id>``."""

    def __init__(
        self,
        flags: Iterable[GuidelineFlag],
        labels: Mapping[str, str],
        formdata: Mapping[str, str] | None = None,
        saved: Mapping[str, str] | None = None,
    ):
        self.flags = list(flags)
        self.texts: dict[str, str] = {}
        self.errors: dict[str, str] = {}
        for flag in self.flags:
            if formdata is None:
                self.texts[flag.item_id] = (saved or {}).get(flag.item_id, "")
                continue
            text = (formdata.get(f"explain-{flag.item_id}") or "").strip()
            self.texts[flag.item_id] = text
            name = labels[flag.item_id]
            if not text:
                self.errors[flag.item_id] = _("Tell us in a few words why you spend this on %(item)s", item=name)
            elif len(text) > MAX_EXPLANATION:
                self.errors[flag.item_id] = ngettext(
                    "Keep your answer about %(item)s to %(num)d character or fewer",
                    "Keep your answer about %(item)s to %(num)d characters or fewer",
                    MAX_EXPLANATION,
                    item=name,
                )

    def validate(self) -> bool:
        return not self.errors

    @property
    def errors_for_summary(self) -> list[tuple[str, str]]:
        return [
            (f"explain-{flag.item_id}", self.errors[flag.item_id]) for flag in self.flags if flag.item_id in self.errors
        ]


class FirstPaymentForm(FlaskForm):
    """When the first payment of the proposals would be: a GOV.UK date input, filled in with a suggestion."""

    first = DateInputField(_l("Date of your first payment"), required=_l("Enter the date of your first payment"))

    def __init__(self, *args, suggested: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.suggested = suggested
        if not self.is_submitted():
            self.first.show(suggested)

    def check(self, today: date) -> bool:
        """Read the date: a real day, from today to a year ahead (the plan rules decide the rest)."""
        first = self.first.read()
        if first is None:
            return False
        if first < today:
            self.first.errors = [_("The date of your first payment must be today or later")]
            return False
        if first > today + timedelta(days=366):
            self.first.errors = [_("The date of your first payment must be within a year")]
            return False
        return True

    @property
    def errors_for_summary(self) -> list[tuple[str, str]]:
        return [(self.first.summary_id, str(error)) for error in self.first.errors]


class OfferAmountForm(FlaskForm):
    """How much to offer each month: the suggestion filled in, any amount up to what the budget leaves."""

    amount = StringField(_l("How much can you offer each month?"))

    def __init__(self, *args, suggested: str, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_submitted():
            self.amount.data = suggested
        self.minor: int | None = None

    def check(self, available: int, currency: str, locale: str) -> bool:
        """Read the amount; a message beside the field that says what to type when it can't be offered."""
        typed = (self.amount.data or "").strip()
        money = parse_money(typed, currency, locale) if typed else None
        if not typed:
            self.amount.errors = [_l("Enter how much you can offer each month")]
        elif money is None:
            whole, exact = amount_example(currency, locale)
            self.amount.errors = [
                _l("Enter an amount in numbers, like %(whole)s or %(exact)s", whole=whole, exact=exact)
            ]
        elif money.minor < 1:
            self.amount.errors = [_l("Enter an amount more than %(zero)s", zero=format_money(0, currency, locale))]
        elif money.minor > available:
            self.amount.errors = [
                _l(
                    "Enter an amount of %(left)s or less. That is what your budget leaves each month.",
                    left=format_money(available, currency, locale),
                )
            ]
        else:
            self.minor = money.minor
        return self.minor is not None

    @property
    def errors_for_summary(self) -> list[tuple[str, str]]:
        return [("amount", str(self.amount.errors[0]))] if self.amount.errors else []


class EssentialsForm(FlaskForm):
    """ "Is that right?": yes (go on to the result) or no (change the answers)."""

    answer = StringField(_l("Is that right?"))

    def check(self) -> bool:
        if self.answer.data in ("yes", "no"):
            return True
        self.answer.errors = [_l("Choose yes if that is right, or no to change your answers")]
        return False

    @property
    def errors_for_summary(self) -> list[tuple[str, str]]:
        return [("answer-yes", str(self.answer.errors[0]))] if self.answer.errors else []
