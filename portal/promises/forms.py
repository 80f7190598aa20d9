"""The promise form: an amount as people type it, and a date in Day, Month and Year boxes.

The form reads what was typed and puts the policy's answer (portal.promises.service.problems) into words beside
each field: "The amount must be at least £10.00", "The date must be within 30 days".
"""

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField

from portal.help.forms import summary
from portal.money import amount_example, format_money, parse_money
from portal.promises.service import Limits, Problem, problems


class PromiseForm(FlaskForm):
    amount = StringField(_l("How much will you pay?"))
    day = StringField(_l("Day"))
    month = StringField(_l("Month"))
    year = StringField(_l("Year"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.amount_minor: int | None = None
        self.due_on: date | None = None
        #: the message beside the date boxes (one for the three), and the boxes it is about
        self.date_error: str | None = None
        self.date_fields: list[str] = []

    def check(self, limits: Limits, *, currency: str, locale: str) -> bool:
        """Read the amount and the date; say what to change beside each field the policy refuses."""
        self._read_amount(currency, locale)
        self._read_date(limits)
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
                self._date_problem(_l("The date must be today or later"))
            if Problem.DATE_TOO_LATE in found:
                days = (limits.last_day - limits.first_day).days
                self._date_problem(_l("The date must be within %(days)d days", days=days))
        return not self.amount.errors and self.date_error is None

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

    def _read_date(self, limits: Limits) -> None:
        parts = {name: (getattr(self, name).data or "").strip() for name in ("day", "month", "year")}
        missing = [name for name, value in parts.items() if not value]
        if len(missing) == 3:
            self._date_problem(_l("Enter the date you will pay by"))
            return
        if missing:
            self._date_problem(_l("The date must include a %(part)s", part=_PARTS[missing[0]]), missing)
            return
        try:
            self.due_on = date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
        except ValueError:
            example = limits.last_day
            self._date_problem(
                _l(
                    "The date must be a real date, like %(example)s",
                    example=f"{example.day} {example.month} {example.year}",
                )
            )

    def _date_problem(self, message, fields: list[str] | None = None) -> None:
        self.date_error = str(message)
        self.date_fields = fields or ["day", "month", "year"]

    def fill_date(self, day: date) -> None:
        self.day.data, self.month.data, self.year.data = str(day.day), str(day.month), str(day.year)

    @property
    def errors_for_summary(self) -> list[tuple[str, str]]:
        pairs = summary(self.amount)
        if self.date_error:
            pairs.append((self.date_fields[0], self.date_error))
        return pairs


_PARTS = {"day": _l("day"), "month": _l("month"), "year": _l("year")}
