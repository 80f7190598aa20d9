"""Forms of the decisions in the console's queues: a proposal, a pause request, a dispute and its delivery.

Each asks for a tick that the decision was checked (it changes what the debtor pays or is asked for, and
the debtor is told), and a note the debtor reads where saying no or other terms needs one. Errors say
what to do.
"""

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from portal.help.forms import options, summary
from portal.money import amount_example, format_money, parse_money
from portal.plans.forms import parse_day
from portal.plans.policy import Frequency
from portal.plans.review import MIN_DAYS_TO_FIRST
from portal.rights.service.disputes import DELIVERY_CHANNELS

NOTE_MAX = 2000

PROPOSAL_DECISIONS = {
    "accept": _l("Accept the proposal"),
    "counter": _l("Offer a different plan (a counter-offer)"),
    "decline": _l("Decline the proposal"),
}
PAUSE_DECISIONS = {"approve": _l("Approve the pause"), "decline": _l("Decline the pause")}
FREQUENCIES = {
    "weekly": _l("Every week"),
    "fortnightly": _l("Every 2 weeks"),
    "four_weekly": _l("Every 4 weeks"),
    "monthly": _l("Every month"),
}
#: (dispute kind, outcome) → what the choice means, for staff
OUTCOME_LABELS = {
    ("dispute", "confirmed"): _l("Confirmed: the debt is right as it stands"),
    ("dispute", "corrected"): _l("Corrected: it was wrong and has been put right"),
    ("dispute", "upheld"): _l("Upheld: the debtor is right, and the account is closed"),
    ("original_creditor", "answered"): _l("Answered: we have the original creditor's name and address"),
    ("statute_barred", "confirmed"): _l("Confirmed: the debt is not statute-barred"),
    ("statute_barred", "upheld"): _l("Upheld: the debt is statute-barred, and the account is closed"),
}
#: each of DELIVERY_CHANNELS in words
CHANNELS = dict(zip(DELIVERY_CHANNELS, (_l("By post"), _l("By email"), _l("In the portal")), strict=True))

_NOTE_NEEDED = _l("Write a note the debtor can read, saying why")
_NOTE_LENGTH = Length(max=NOTE_MAX, message=_l("Write 2,000 characters or fewer"))


def _note(label) -> TextAreaField:
    return TextAreaField(label, validators=[_NOTE_LENGTH])


def _confirm(message) -> BooleanField:
    return BooleanField(_l("I have checked this decision"), validators=[DataRequired(message)])


class ProposalDecisionForm(FlaskForm):
    decision = RadioField(
        _l("What do you decide?"),
        choices=options(PROPOSAL_DECISIONS),
        validators=[DataRequired(_l("Choose what you decide"))],
    )
    amount = StringField(_l("Amount each time"))
    frequency = RadioField(_l("How often"), choices=options(FREQUENCIES), validate_choice=False)
    start = StringField(_l("Date of the first payment"))
    note = _note(_l("Note for the debtor (they read this)"))
    confirm = _confirm(_l("Tick to confirm you have checked this decision"))

    def check(self, *, currency: str, locale: str, today: date) -> bool:
        """A note to say no or other terms; the counter-offer's terms into `amount_minor`, `chosen_start`."""
        self.amount_minor: int | None = None
        self.chosen_start: date | None = None
        if self.decision.data in ("counter", "decline") and not (self.note.data or "").strip():
            self.note.errors = [*self.note.errors, _NOTE_NEEDED]
        if self.decision.data == "counter":
            self._read_offer(currency, locale, today)
        return not (self.note.errors or self.amount.errors or self.frequency.errors or self.start.errors)

    def _read_offer(self, currency: str, locale: str, today: date) -> None:
        money = parse_money((self.amount.data or "").strip(), currency, locale)
        if money is None or money.minor <= 0:
            whole, exact = amount_example(currency, locale)
            self.amount.errors = [
                _l("Enter an amount in numbers, like %(whole)s or %(exact)s", whole=whole, exact=exact)
            ]
        else:
            self.amount_minor = money.minor
        if self.frequency.data not in {frequency.value for frequency in Frequency}:
            self.frequency.errors = [_l("Choose how often the debtor pays")]
        self.chosen_start = parse_day(self.start.data, locale)
        if self.chosen_start is None:
            self.start.errors = [_l("Enter a real date, for example %(example)s", example="2026-12-01")]
        elif (self.chosen_start - today).days < MIN_DAYS_TO_FIRST:
            self.start.errors = [
                lazy_ngettext(
                    "Enter a date at least %(num)d day from today",
                    "Enter a date at least %(num)d days from today",
                    MIN_DAYS_TO_FIRST,
                )
            ]

    def offer_problem(self, code: str, *, balance: int, currency: str, locale: str) -> None:
        """What the service found wrong with the counter-offer (portal.plans.review.OFFER_PROBLEMS)."""
        if code == "too_soon":
            self.start.errors = [
                lazy_ngettext(
                    "Enter a date at least %(num)d day from today",
                    "Enter a date at least %(num)d days from today",
                    MIN_DAYS_TO_FIRST,
                )
            ]
        elif code == "above_balance":
            owed = format_money(balance, currency, locale)
            self.amount.errors = [_l("Enter an amount of %(balance)s or less. That is what they owe.", balance=owed)]
        else:
            self.amount.errors = [_l("Enter a larger amount: these payments never clear the interest added")]

    @property
    def errors_for_summary(self) -> list[tuple[str, str]]:
        return summary(self.decision, self.amount, self.frequency, self.start, self.note, self.confirm)


class PauseDecisionForm(FlaskForm):
    decision = RadioField(
        _l("What do you decide?"),
        choices=options(PAUSE_DECISIONS),
        validators=[DataRequired(_l("Choose what you decide"))],
    )
    note = _note(_l("Note for the debtor (they read this)"))
    confirm = _confirm(_l("Tick to confirm you have checked this decision"))

    def check(self) -> bool:
        if self.decision.data == "decline" and not (self.note.data or "").strip():
            self.note.errors = [*self.note.errors, _NOTE_NEEDED]
        return not self.note.errors

    @property
    def errors_for_summary(self) -> list[tuple[str, str]]:
        return summary(self.decision, self.note, self.confirm)


class ResolveForm(FlaskForm):
    outcome = RadioField(
        _l("What is the answer?"), validators=[DataRequired(_l("Choose the answer"))], validate_choice=False
    )
    note = TextAreaField(
        _l("Note for the debtor (they read this)"), validators=[DataRequired(_NOTE_NEEDED), _NOTE_LENGTH]
    )
    confirm = _confirm(_l("Tick to confirm you have checked this answer"))

    def for_kind(self, kind: str) -> "ResolveForm":
        self.outcome.choices = options(
            {outcome: label for (of_kind, outcome), label in OUTCOME_LABELS.items() if of_kind == kind}
        )
        return self

    def check(self) -> bool:
        if self.outcome.data not in {choice.value for choice in self.outcome.choices}:
            self.outcome.errors = [_l("Choose the answer")]
        return not self.outcome.errors

    @property
    def errors_for_summary(self) -> list[tuple[str, str]]:
        return summary(self.outcome, self.note, self.confirm)


class DeliveryForm(FlaskForm):
    channel = RadioField(
        _l("How did the answer reach the debtor?"),
        choices=options(CHANNELS),
        validators=[DataRequired(_l("Choose how the answer was sent"))],
    )
    on = StringField(_l("Day it was sent (leave empty for today)"))
    confirm = _confirm(_l("Tick to confirm the answer was sent"))

    def check(self, *, locale: str, today: date) -> bool:
        self.day: date | None = None
        if (self.on.data or "").strip():
            self.day = parse_day(self.on.data, locale)
            if self.day is None:
                self.on.errors = [_l("Enter a real date, for example %(example)s", example="2026-12-01")]
            elif self.day > today:
                self.on.errors = [_l("Enter today's date or an earlier one")]
        return not self.on.errors

    @property
    def errors_for_summary(self) -> list[tuple[str, str]]:
        return summary(self.channel, self.on, self.confirm)


class CallBackDoneForm(FlaskForm):
    """The call was made: a short note of what happened, for whoever looks next."""

    note = TextAreaField(
        _l("What happened on the call (optional)"),
        validators=[Length(max=500, message=_l("Write 500 characters or fewer"))],
    )

    @property
    def errors_for_summary(self) -> list[tuple[str, str]]:
        return summary(self.note)
