"""Forms of the actions on a debtor's page in the console: a reply, a new message, a hold. Errors say what to do."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from portal.help.forms import options, summary
from portal.help.service.messages import BODY_MAX, SUBJECT_MAX

HOLD_KIND_LABELS = {
    "breathing_space": _l("Breathing Space (60 days unless you say otherwise)"),
    "mental_health_crisis": _l("Mental health crisis Breathing Space (until it is ended)"),
    "creditor_pause": _l("A pause the creditor grants (say how many days)"),
}
#: the value of the account choice that means every account
ALL_ACCOUNTS = "all"


class StaffReplyForm(FlaskForm):
    body = TextAreaField(
        _l("Your reply (the debtor reads this, with your first name)"),
        validators=[
            DataRequired(_l("Write your reply")),
            Length(max=BODY_MAX, message=_l("Write 5,000 characters or fewer")),
        ],
    )

    @property
    def errors_for_summary(self) -> list[tuple[str, str]]:
        return summary(self.body)


class StaffMessageForm(StaffReplyForm):
    subject = StringField(
        _l("What is it about?"),
        validators=[
            DataRequired(_l("Say what the message is about")),
            Length(max=SUBJECT_MAX, message=_l("Write 120 characters or fewer")),
        ],
    )
    body = TextAreaField(
        _l("Your message (the debtor reads this, with your first name)"),
        validators=[
            DataRequired(_l("Write your message")),
            Length(max=BODY_MAX, message=_l("Write 5,000 characters or fewer")),
        ],
    )

    @property
    def errors_for_summary(self) -> list[tuple[str, str]]:
        return summary(self.subject, self.body)


class HoldForm(FlaskForm):
    kind = RadioField(
        _l("What kind of hold?"),
        choices=options(HOLD_KIND_LABELS),
        validators=[DataRequired(_l("Choose the kind of hold"))],
    )
    #: ALL_ACCOUNTS or an account's id; the choices are the debtor's accounts (set by the view)
    account = RadioField(_l("Which accounts?"), validators=[DataRequired(_l("Choose which accounts"))])
    days = IntegerField(
        _l("How many days? (optional for Breathing Space and a crisis)"),
        validators=[Optional(), NumberRange(min=1, max=3650, message=_l("Enter a number of days from 1 to 3650"))],
    )
    note = TextAreaField(
        _l("Why, for the record (staff only)"),
        validators=[Length(max=500, message=_l("Write 500 characters or fewer"))],
    )
    #: "yes" once the supervisor has seen the check page
    confirmed = HiddenField()

    def validate(self, extra_validators=None) -> bool:
        """A creditor pause has no length of its own: the supervisor says how long."""
        valid = super().validate(extra_validators)
        if valid and self.kind.data == "creditor_pause" and self.days.data is None:
            self.days.errors = [*self.days.errors, _l("Say how many days the pause lasts")]
            return False
        return valid

    @property
    def errors_for_summary(self) -> list[tuple[str, str]]:
        return summary(self.kind, self.account, self.days, self.note)


class EndHelperForm(FlaskForm):
    """Why staff end the access of someone the debtor trusted to help."""

    reason = StringField(
        _l("Why are you ending their access?"),
        validators=[
            DataRequired(message=_l("Say why you are ending their access")),
            Length(max=500, message=_l("Write 500 characters or fewer")),
        ],
    )

    @property
    def errors_for_summary(self) -> list[tuple[str, str]]:
        return summary(self.reason)
