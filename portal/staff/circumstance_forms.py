"""Forms for a supervisor's decisions on a debtor's circumstances. Each has a note the debtor reads.

The account choices are the debtor's own accounts, set by the view; amounts are read as the page's
locale writes money (portal.money.parse_money) into minor units in `minor`.
"""

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.help.forms import options, summary
from portal.money import parse_money

NOTE_MAX = 1000

#: every decision's note: what the debtor reads in our message
NOTE_LABEL = _l("Your note to the debtor (they will read this)")


def _note() -> TextAreaField:
    return TextAreaField(
        NOTE_LABEL,
        validators=[
            DataRequired(_l("Write a note to the debtor")),
            Length(max=NOTE_MAX, message=_l("Write 1,000 characters or fewer")),
        ],
    )


class DecisionForm(FlaskForm):
    """Fields every decision shares; `accounts` are the choices of the debtor's accounts (SelectChoice)."""

    class Meta:
        csrf = False  # CSRFProtect checks every POST's token; a prefixed form would look for its own

    account = RadioField(_l("Which account?"), validators=[DataRequired(_l("Choose an account"))])

    def __init__(self, accounts: list[SelectChoice], currency: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.account.choices = accounts
        self.currency = currency
        #: the amount typed, in minor units, once validated
        self.minor: int | None = None

    def read_amount(self, field, *, required: bool) -> bool:
        """Parse a money field into `minor`; say what to type when it isn't money."""
        typed = (field.data or "").strip()
        if not typed:
            if required:
                field.errors = [*field.errors, _l("Enter an amount")]
            return not required
        money = parse_money(typed, self.currency, str(get_locale() or "en"))
        if money is None or money.minor < 1:
            field.errors = [*field.errors, _l("Enter an amount in pounds or dollars and pence or cents, like 50.00")]
            return False
        self.minor = money.minor
        return True


class PauseForm(DecisionForm):
    length = IntegerField(
        _l("How long?"),
        validators=[
            InputRequired(_l("Enter how long the pause lasts")),
            NumberRange(min=1, max=366, message=_l("Enter a number from 1 to 366")),
        ],
    )
    unit = RadioField(
        _l("Days or months"),
        choices=options({"days": _l("Days"), "months": _l("Months")}),
        default="months",
        validators=[DataRequired(_l("Choose days or months"))],
    )
    note = _note()

    @property
    def errors_for_summary(self) -> list[tuple[str, str]]:
        return summary(self.account, self.length, self.unit, self.note)


class ReduceForm(DecisionForm):
    amount = StringField(_l("The lower payment (only if they have a plan)"))
    note = _note()

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        return self.read_amount(self.amount, required=False) and valid

    @property
    def errors_for_summary(self) -> list[tuple[str, str]]:
        return summary(self.account, self.amount, self.note)


class FreezeForm(DecisionForm):
    starts_on = DateField(_l("Frozen from"), validators=[InputRequired(_l("Enter the first day frozen"))])
    ends_on = DateField(_l("Until (leave empty: until someone ends it)"), validators=[Optional()])
    note = _note()

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid and self.ends_on.data and self.ends_on.data <= self.starts_on.data:
            self.ends_on.errors = [*self.ends_on.errors, _l("Enter an end date after the first day frozen")]
            return False
        return valid

    @property
    def errors_for_summary(self) -> list[tuple[str, str]]:
        return summary(self.account, self.starts_on, self.ends_on, self.note)


class WriteOffForm(DecisionForm):
    extent = RadioField(
        _l("How much?"),
        choices=options({"part": _l("Part of the debt"), "whole": _l("The whole debt")}),
        validators=[DataRequired(_l("Choose part or the whole debt"))],
    )
    amount = StringField(_l("Amount to write off (for part of the debt)"))
    reason = TextAreaField(
        _l("Why (for the record; the debtor does not see this)"),
        validators=[
            DataRequired(_l("Say why the debt is written off")),
            Length(max=NOTE_MAX, message=_l("Write 1,000 characters or fewer")),
        ],
    )
    note = _note()
    #: one per form shown: the same form sent twice writes off once
    request_key = HiddenField(validators=[DataRequired(), Length(min=16, max=64)])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.extent.data == "part":
            return self.read_amount(self.amount, required=True) and valid
        return valid

    @property
    def errors_for_summary(self) -> list[tuple[str, str]]:
        return summary(self.account, self.extent, self.amount, self.reason, self.note)


class DeclineForm(FlaskForm):
    decline_note = TextAreaField(
        _l("Why not (for the supervisor who asked)"),
        validators=[
            DataRequired(_l("Say why you are declining it")),
            Length(max=NOTE_MAX, message=_l("Write 1,000 characters or fewer")),
        ],
    )
