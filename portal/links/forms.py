"""Forms for opening a link and proving who you are."""

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from portal.date_input import DateInputField


class ContinueForm(FlaskForm):
    """Only a CSRF token: the POST is what makes a link do anything."""


class DateOfBirthForm(FlaskForm):
    """GOV.UK date input: Day, Month and Year boxes, one message for the whole date."""

    #: the hint's example: a date no debtor has (not a demo debtor's, nor anyone's we write to)
    example = date(2007, 3, 27)

    date_of_birth = DateInputField(_l("Date of birth"), required=_l("Enter your date of birth"))

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        born = self.date_of_birth.read()
        if born is None:
            return False
        if born >= date.today():
            self.date_of_birth.errors = [_l("Date of birth must be in the past")]
            self.date_of_birth.data = None
            return False
        return True


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
