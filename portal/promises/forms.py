"""The promise form: an amount as people type it, and a date in Day, Month and Year boxes (portal.date_input).

The form reads what was typed and puts the policy's answer (portal.promises.service.problems) into words beside
each field: "The amount must be at least £10.00", "The date must be within 30 days".
"""

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from flask_wtf import FlaskForm
from wtforms import StringField

from portal.date_input import DateInputField
from portal.help.forms import summary
from portal.money import amount_example, format_money, parse_money
from portal.promises.service import Limits, Problem, problems


class PromiseForm(FlaskForm):
    amount = StringField(_l("How much will you pay?"))
    due = DateInputField(_l("Date you will pay by"), required=_l("Enter the date you will pay by"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.amount_minor: int | None = None
        self.due_on: date | None = None

    def check(self, limits: Limits, *, currency: str, locale: str) -> bool:
        """Read the amount and the date; say what to change beside each field the policy refuses."""
        self._read_amount(currency, locale)
        self.due_on = self.due.read()
        if self.amount_minor is not None and self.due_on is not None:
            found = problems(limits, self.amount_minor, self.due_on)
            money = lambda minor: format_money(minor, currency, locale)  # noqa: E731
            if Problem.AMOUNT_UNDER_MINIMUM in found:
                self.amount.errors = [_l("The amount must be at least %(least)s", least=money(limits.least))]
            if Problem.AMOUNT_OVER_BALANCE in found:
                self.amount.errors = [
                    _l("The amount must be %(most)s or less. That is what you owe.", most=money(limits.most))
                ]
            if Problem.DATE_PAST in found:
                self.due.errors = [_l("The date must be today or later")]
            if Problem.DATE_TOO_LATE in found:
                days = (limits.last_day - limits.first_day).days
                self.due.errors = [
                    lazy_ngettext("The date must be within %(num)d day", "The date must be within %(num)d days", days)
                ]
        return not self.amount.errors and not self.due.errors

    def _read_amount(self, currency: str, locale: str) -> None:
        typed = (self.amount.data or "").strip()
        if not typed:
            self.amount.errors = [_l("Enter the amount you will pay")]
            return
        money = parse_money(typed, currency, locale)
        if money is None or money.minor <= 0:
            whole, exact = amount_example(currency, locale)
            self.amount.errors = [
                _l("Enter an amount in numbers, like %(whole)s or %(exact)s", whole=whole, exact=exact)
            ]
            return
        self.amount_minor = money.minor

    @property
    def errors_for_summary(self) -> list[tuple[str, str]]:
        pairs = summary(self.amount)
        pairs += [(self.due.summary_id, str(error)) for error in self.due.errors]
        return pairs
