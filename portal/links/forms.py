"""Forms for opening a link and proving who you are."""

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length


class ContinueForm(FlaskForm):
    """Only a CSRF token: the POST is what makes a link do anything."""


class DateOfBirthForm(FlaskForm):
    """GOV.UK date input: three boxes, one error message for the whole date."""

    day = StringField(_l("Day"))
    month = StringField(_l("Month"))
    year = StringField(_l("Year"))

    #: the boxes the error is about: the summary links to the first, each gets a red border
    error_fields: tuple[str, ...] = ("day", "month", "year")
    date_error: str | None = None

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        self.date_error = self._date_problem()
        return self.date_error is None

    def _date_problem(self) -> str | None:
        parts = {"day": self.day.data, "month": self.month.data, "year": self.year.data}
        parts = {name: (value or "").strip() for name, value in parts.items()}
        missing = [name for name, value in parts.items() if not value]
        if len(missing) == 3:
            return str(_l("Enter your date of birth"))
        if missing:
            self.error_fields = (missing[0],)
            names = {"day": _l("a day"), "month": _l("a month"), "year": _l("a year")}
            return str(_l("Date of birth must include %(part)s", part=names[missing[0]]))
        for name, value in parts.items():
            if not value.isdigit():
                self.error_fields = (name,)
                return str(_l("Date of birth must be a real date"))
        if len(parts["year"]) != 4:
            self.error_fields = ("year",)
            return str(_l("Year must include 4 numbers"))
        try:
            born = date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
        except ValueError:
            return str(_l("Date of birth must be a real date"))
        if born >= date.today():
            return str(_l("Date of birth must be in the past"))
        self.date_of_birth = born
        return None


class PostcodeForm(FlaskForm):
    postcode = StringField(_l("Postcode"), validators=[DataRequired(_l("Enter your postcode")), Length(max=16)])


class ZipCodeForm(FlaskForm):
    postcode = StringField(_l("ZIP code"), validators=[DataRequired(_l("Enter your ZIP code")), Length(max=16)])


class NewLinkForm(FlaskForm):
    """We know whose link it was: one button is enough."""


class UnknownLinkForm(FlaskForm):
    """We can't tell whose link it was, so we ask how to reach them."""

    contact = TextAreaField(
        _l("Your name, and a phone number or email address we can use"),
        validators=[
            DataRequired(_l("Enter your name and a phone number or email address")),
            Length(max=500, message=_l("Write 500 characters or fewer")),
        ],
    )
