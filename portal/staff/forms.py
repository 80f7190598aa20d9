"""Forms of the staff console's own pages (sign-in, set-up, find, view as). Errors say what to do."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from portal.help.forms import options, summary
from portal.staff.view_as import REASON_CATEGORIES


class SignInForm(FlaskForm):
    email = EmailField(_l("Email address"), validators=[DataRequired(_l("Enter your email address"))])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password"))])

    @property
    def errors_for_summary(self) -> list[tuple[str, str]]:
        return summary(self.email, self.password)


class CodeForm(FlaskForm):
    code = StringField(_l("Code from your authenticator app"), validators=[DataRequired(_l("Enter the 6-digit code"))])

    @property
    def errors_for_summary(self) -> list[tuple[str, str]]:
        return summary(self.code)


class SetupForm(FlaskForm):
    password = PasswordField(_l("Choose a password"), validators=[DataRequired(_l("Choose a password"))])
    secret = HiddenField()
    code = StringField(_l("Code from your authenticator app"), validators=[DataRequired(_l("Enter the 6-digit code"))])

    @property
    def errors_for_summary(self) -> list[tuple[str, str]]:
        return summary(self.password, self.code)


class FindForm(FlaskForm):
    class Meta:
        csrf = False  # a search changes nothing

    q = StringField(_l("Find a debtor"))


class ViewAsForm(FlaskForm):
    category = RadioField(
        _l("Why do you need to see their account?"),
        choices=options(REASON_CATEGORIES),
        validators=[DataRequired(_l("Choose why you need to see their account"))],
    )
    reason = TextAreaField(
        _l("Say more (the debtor can read this)"),
        validators=[
            DataRequired(_l("Say why you need to see their account")),
            Length(max=500, message=_l("Write 500 characters or fewer")),
        ],
    )

    @property
    def errors_for_summary(self) -> list[tuple[str, str]]:
        return summary(self.category, self.reason)
