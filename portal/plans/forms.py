"""The plan forms: options (how often, when), the debtor's own proposal, agreeing, and managing a plan.

Each form reads what a person typed, and on a problem puts a message that says what to do beside
the field (`errors_for_summary` feeds the error summary).
"""

import re
from collections.abc import Callable
from datetime import date

from babel.dates import format_skeleton, parse_date
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Form, HiddenField, StringField, TextAreaField

from portal.date_input import DateInputField
from portal.money import amount_example, format_money, parse_money
from portal.payments.forms import IdempotentForm, read_amount
from portal.plans.dates import Payday
from portal.plans.policy import Frequency

_KEY = re.compile(r"[A-Za-z0-9_-]{16,40}")
#: a date as people type it: day and month of one or two digits, a four-digit year first or last,
#: with separators between (1/12/2026, 1.12.2026, 1-12-2026, 2026/12/1)
_TYPED_DATE = re.compile(r"(\d{1,2}[/.\- ]+\d{1,2}[/.\- ]+\d{4}|\d{4}[/.\- ]+\d{1,2}[/.\- ]+\d{1,2})\.?")
#: the paydays a debtor can name for monthly plans (form value → Payday)
PAYDAYS = {
    "same_day": None,
    "last_day_of_month": Payday("last_day_of_month"),
    "last_friday": Payday("last_weekday_of_month", weekday=4),
}


def parse_day(text: str | None, locale: str) -> date | None:
    """A date as a date field sends it (2026-12-01), or as a person types it on a page in `locale`.

    Babel reads the numbers in the locale's order: 1/12/2026 is 1 December in en_GB and es,
    12/1/2026 is in en_US. None for anything else, or a day that does not exist. Babel would read
    13/1/2026 on a US page as 13 January (a month over 12 must be the day); we would rather ask
    again than guess, so the date Babel finds must write back, in the locale's way, as the numbers
    typed.
    """
    text = (text or "").strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    if not _TYPED_DATE.fullmatch(text):
        return None
    try:
        day = parse_date(text, locale=locale)
    except ValueError:  # babel.dates.ParseError: not a real day
        return None
    if _numbers(format_skeleton("yMd", day, locale=locale)) != _numbers(text):
        return None
    return day


def _numbers(text: str) -> list[int]:
    return [int(number) for number in re.findall(r"\d+", text)]


def payday_key(payday: Payday | None) -> str:
    return next((key for key, value in PAYDAYS.items() if value == payday), "same_day")


class _Errors:
    """(field id, message) pairs for the error summary, in the order of the page."""

    summary_ids: dict[str, str] = {}

    @property
    def errors_for_summary(self) -> list[tuple[str, str]]:
        pairs = []
        for name, field in self._fields.items():
            target = getattr(field, "summary_id", None) or self.summary_ids.get(name, field.id)
            for message in field.errors or []:
                pairs.append((target, str(message)))
        return pairs


class OptionsForm(_Errors, Form):
    """How often and from when (a GET form: it only changes what is shown)."""

    summary_ids = {"frequency": "frequency-0"}

    frequency = StringField(_l("How often do you want to pay?"))
    start = DateInputField(_l("Date of your first payment"))
    payday = StringField(_l("For monthly payments, the day you get paid"))

    def read(
        self,
        allowed: tuple[Frequency, ...],
        earliest: date,
        latest: date,
        default_start: date,
        show: Callable[[date], str],
        locale: str,
    ) -> None:
        """Fill `chosen_*` with what was asked, or the defaults; complain about a date outside the window."""
        self.chosen_frequency = (
            Frequency(self.frequency.data)
            if self.frequency.data in {f.value for f in allowed}
            else (Frequency.MONTHLY if Frequency.MONTHLY in allowed else allowed[0])
        )
        self.frequency.data = self.chosen_frequency.value
        self.chosen_payday = PAYDAYS.get(self.payday.data or "same_day")
        self.payday.data = payday_key(self.chosen_payday)
        self.chosen_start = default_start
        day = self.start.read()
        if day is not None and not earliest <= day <= latest:
            self.start.errors = [
                _l("Choose a date from %(earliest)s to %(latest)s", earliest=show(earliest), latest=show(latest))
            ]
        elif day is not None:
            self.chosen_start = day
        if not self.start.errors:
            self.start.show(self.chosen_start)
        # what the offers are worked out from, whatever the boxes say (the hidden field of the choose form)
        self.start.data = self.chosen_start


class ChooseForm(_Errors, FlaskForm):
    """The offer picked, with the options it was worked out from (hidden)."""

    summary_ids = {"offer": "offer-0"}

    offer = StringField(_l("Choose a plan"))
    frequency = HiddenField()
    start = HiddenField()
    payday = HiddenField()

    def check(self) -> bool:
        if not self.offer.data:
            self.offer.errors = [_l("Choose a plan, or propose your own")]
            return False
        return True


class ProposalForm(_Errors, FlaskForm):
    """The debtor's own plan: an amount, how often, and the first date."""

    summary_ids = {"frequency": "frequency-0"}

    amount = StringField(_l("How much can you pay each time?"))
    frequency = StringField(_l("How often?"))
    start = DateInputField(_l("Date of your first payment"), required=_l("Enter the date of your first payment"))

    def check(self, *, currency: str, locale: str) -> bool:
        """Read the proposal into `amount_minor`, `chosen_frequency`, `chosen_start`; messages on problems."""
        self.amount_minor: int | None = None
        self.chosen_frequency: Frequency | None = None
        self.chosen_start: date | None = None
        typed = (self.amount.data or "").strip()
        if not typed:
            self.amount.errors = [_l("Enter the amount you can pay each time")]
        else:
            money = parse_money(typed, currency, locale)
            if money is None:
                whole, exact = amount_example(currency, locale)
                self.amount.errors = [
                    _l("Enter an amount in numbers, like %(whole)s or %(exact)s", whole=whole, exact=exact)
                ]
            elif money.minor <= 0:
                self.amount.errors = [_l("Enter an amount more than %(zero)s", zero=format_money(0, currency, locale))]
            else:
                self.amount_minor = money.minor
        if self.frequency.data in {f.value for f in Frequency}:
            self.chosen_frequency = Frequency(self.frequency.data)
        else:
            self.frequency.errors = [_l("Choose how often you want to pay")]
        self.chosen_start = self.start.read()
        return not (self.amount.errors or self.frequency.errors or self.start.errors)

    def reject_past(self, today: date) -> bool:
        if self.chosen_start is not None and self.chosen_start < today:
            self.start.errors = [_l("Enter a date from today onwards")]
            return True
        return False


class AgreeForm(_Errors, FlaskForm):
    """Agree, and say when to take the first payment."""

    summary_ids = {"first": "first-now"}

    first = StringField(_l("When do you want to make the first payment?"))

    def check(self, choice_needed: bool) -> bool:
        if choice_needed and self.first.data not in ("now", "later"):
            self.first.errors = [_l("Choose when to make the first payment")]
            return False
        return True


class HowToPayForm(_Errors, FlaskForm):
    """A saved card, taken on each date, or each payment paid by the debtor themselves."""

    summary_ids = {"pays_by": "pays_by-card"}

    pays_by = StringField(_l("How do you want to pay?"))

    def check(self) -> bool:
        if self.pays_by.data not in ("card", "debtor"):
            self.pays_by.errors = [_l("Choose how you want to pay")]
            return False
        return True


class PaymentDayForm(_Errors, FlaskForm):
    next_date = DateInputField(
        _l("New date for your next payment"), required=_l("Enter the new date for your next payment")
    )

    def check(self, locale: str) -> date | None:
        return self.next_date.read()


class ExtraForm(_Errors, IdempotentForm):
    """Pay more now with the saved card: what is left, or an amount of their own."""

    key_pattern = _KEY
    summary_ids = {"choice": "choice-rest"}

    choice = StringField(_l("How much do you want to pay now?"))
    amount = StringField(_l("Amount you want to pay now"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.amount_minor: int | None = None

    def check(self, *, balance: int, minimum: int, currency: str, locale: str) -> bool:
        choice = self.choice.data
        if choice == "rest":
            self.amount_minor = balance
            return True
        if choice != "other":
            self.choice.errors = [_l("Choose to pay off the rest or another amount")]
            return False
        self.amount_minor = read_amount(
            self.amount,
            balance=balance,
            minimum=minimum,
            currency=currency,
            locale=locale,
            empty=_l("Enter the amount you want to pay now"),
            under_minimum=lambda least: _l(
                "Enter an amount of %(minimum)s or more, or pay off the rest", minimum=least
            ),
        )
        return self.amount_minor is not None


class PauseForm(_Errors, FlaskForm):
    summary_ids = {"months": "months-1"}

    months = StringField(_l("How long do you need a pause for?"))
    reason = TextAreaField(_l("Tell us why (optional)"))

    def check(self) -> bool:
        if self.months.data not in ("1", "2", "3"):
            self.months.errors = [_l("Choose how long you need a pause for")]
            return False
        if len(self.reason.data or "") > 2000:
            self.reason.errors = [_l("Use 2000 characters or fewer")]
            return False
        return True


class ConfirmForm(FlaskForm):
    """A button that changes something (cancel the plan): the CSRF token is all it carries."""
