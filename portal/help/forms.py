"""Forms for the help pages. Most fields are optional; errors say what to do."""

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from portal.help.service import call_backs, details
from portal.help.service.circumstances import DETAILS_MAX, HELP_LABELS, KIND_LABELS
from portal.help.service.messages import BODY_MAX, SUBJECT_MAX
from portal.one_time_codes import CodeRefused


def options(labels: dict) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in labels.items()]


def summary(*fields) -> list[tuple[str, str]]:
    """(id to link to, message) pairs for the error summary; checkboxes link to their first box."""
    pairs = []
    for field in fields:
        target = f"{field.id}-{field.choices[0].value}" if getattr(field, "choices", None) else field.id
        pairs += [(target, str(message)) for message in field.errors]
    return pairs


class CircumstancesForm(FlaskForm):
    kinds = SelectMultipleField(_l("What is happening in your life?"), choices=options(KIND_LABELS))
    helps = SelectMultipleField(_l("What would help you?"), choices=options(HELP_LABELS))
    details = TextAreaField(
        _l("Anything else you want to tell us (optional)"),
        validators=[Length(max=DETAILS_MAX, message=_l("Write 2,000 characters or fewer"))],
    )
    #: optional: without it we act on what they chose but do not keep their words
    consent = BooleanField()

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not (self.kinds.data or self.helps.data or (self.details.data or "").strip()):
            self.kinds.errors = [*self.kinds.errors, _l("Choose what is happening or what would help, or write to us")]
            return False
        return valid

    @property
    def errors_for_summary(self) -> list[tuple[str, str]]:
        return summary(self.kinds, self.helps, self.details, self.consent)


class PreferencesForm(FlaskForm):
    channels = SelectMultipleField(
        _l("How can we contact you?"),
        choices=options({"email": _l("Email"), "sms": _l("Text message"), "post": _l("Letter")}),
    )
    windows = SelectMultipleField(
        _l("When can we contact you?"),
        choices=options(
            {
                "morning": _l("Morning, 8am to 12 noon"),
                "afternoon": _l("Afternoon, 12 noon to 5pm"),
                "evening": _l("Evening, 5pm to 9pm"),
            }
        ),
    )
    language = RadioField(
        _l("Which language do you want us to use?"), validators=[DataRequired(_l("Choose a language"))]
    )
    discreet = BooleanField(_l("Don't mention money owed in the subject or preview of emails and texts"))
    not_at_work = BooleanField(_l("Do not contact me at work"))
    email_is_work = BooleanField(_l("This email address is a work email"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = options(current_app.config["LANGUAGES"])

    @property
    def errors_for_summary(self) -> list[tuple[str, str]]:
        return summary(self.channels, self.windows, self.language)


class NewMessageForm(FlaskForm):
    subject = StringField(
        _l("What is it about? (optional)"),
        validators=[Length(max=SUBJECT_MAX, message=_l("Write 120 characters or fewer"))],
    )
    body = TextAreaField(
        _l("Your message"),
        validators=[
            DataRequired(_l("Write your message")),
            Length(max=BODY_MAX, message=_l("Write 5,000 characters or fewer")),
        ],
    )

    @property
    def errors_for_summary(self) -> list[tuple[str, str]]:
        return summary(self.subject, self.body)


class ReplyForm(FlaskForm):
    body = TextAreaField(
        _l("Your reply"),
        validators=[
            DataRequired(_l("Write your reply")),
            Length(max=BODY_MAX, message=_l("Write 5,000 characters or fewer")),
        ],
    )

    @property
    def errors_for_summary(self) -> list[tuple[str, str]]:
        return summary(self.body)


class EmailForm(FlaskForm):
    """A new email address; `normal` holds it as we keep it once valid."""

    email = StringField(_l("Email address"))
    normal: str | None = None

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        typed = (self.email.data or "").strip()
        if not typed:
            self.email.errors = [_l("Enter your email address")]
        elif len(typed) > 200:
            self.email.errors = [_l("Enter an email address of 200 characters or fewer")]
        else:
            self.normal = details.normal_email(typed)
            if self.normal is None:
                self.email.errors = [_l("Enter an email address in the correct format, like name@example.com")]
        return not self.email.errors

    @property
    def errors_for_summary(self) -> list[tuple[str, str]]:
        return summary(self.email)


class PhoneForm(FlaskForm):
    """A new mobile number, read as a number of the creditor's country unless it starts with +."""

    phone = StringField(_l("Mobile number"))
    normal: str | None = None

    def __init__(self, *args, jurisdiction: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.jurisdiction = jurisdiction

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        typed = (self.phone.data or "").strip()
        if not typed:
            self.phone.errors = [_l("Enter your mobile number")]
        else:
            self.normal = details.normal_phone(typed, self.jurisdiction)
            if self.normal is None:
                example = "07700 900 982" if self.jurisdiction == "UK" else "(201) 555-0123"
                self.phone.errors = [
                    _l("Enter a mobile number in the correct format, like %(example)s", example=example)
                ]
        return not self.phone.errors

    @property
    def errors_for_summary(self) -> list[tuple[str, str]]:
        return summary(self.phone)


class CodeForm(FlaskForm):
    """A six-digit code we sent (portal.one_time_codes): to a new contact detail, or to a helper."""

    code = StringField(_l("Code"))

    def refused(self, refused: CodeRefused) -> None:
        """Say why the code did not work, and what to do."""
        if refused.reason == "wrong":
            message = ngettext(
                "The code is not right. Check it and try again. You can try %(num)d more time.",
                "The code is not right. Check it and try again. You can try %(num)d more times.",
                refused.tries_left,
            )
        else:
            message = {
                "expired": _("This code has expired. Ask for a new code."),
                "too_many": _("You have entered a wrong code too many times. Ask for a new code."),
                "none": _("There is no code waiting. Ask for a new code."),
            }[refused.reason]
        self.code.errors = [message]

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        typed = "".join((self.code.data or "").split())
        if not typed:
            self.code.errors = [_l("Enter the code we sent you")]
        elif not (typed.isdigit() and len(typed) == 6):
            self.code.errors = [_l("The code is 6 numbers, like 123456")]
        return not self.code.errors

    @property
    def errors_for_summary(self) -> list[tuple[str, str]]:
        return summary(self.code)


class AddressForm(FlaskForm):
    address = TextAreaField(
        _l("Postal address"),
        validators=[
            DataRequired(_l("Enter your postal address")),
            Length(max=details.ADDRESS_MAX, message=_l("Write 500 characters or fewer")),
        ],
    )

    @property
    def errors_for_summary(self) -> list[tuple[str, str]]:
        return summary(self.address)


class CallBackForm(FlaskForm):
    """A slot (its choices are the slots offered on the day), a reason and a few words if they want."""

    slot = RadioField(
        _l("What time suits you?"),
        validate_choice=False,
        validators=[DataRequired(message=_l("Choose a time for us to call you"))],
    )
    reason = RadioField(
        _l("What would you like to talk about?"),
        choices=options(call_backs.REASON_LABELS),
        validators=[DataRequired(message=_l("Choose what you would like to talk about"))],
    )
    note = TextAreaField(
        _l("Anything we should know before we call (optional)"),
        validators=[Length(max=call_backs.NOTE_MAX, message=_l("Write 500 characters or fewer"))],
    )

    def offer(self, slots: list[SelectChoice]) -> None:
        self.slot.choices = slots

    @property
    def errors_for_summary(self) -> list[tuple[str, str]]:
        return summary(self.slot, self.reason, self.note)


class CancelCallBackForm(FlaskForm):
    """Only the CSRF token: the button says what it does."""
