"""Forms of the console's admin pages: a new staff user, and a staff user's role and creditors."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, RadioField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from portal.help.forms import options, summary
from portal.models import StaffUser
from portal.staff import ROLE_LABELS


class AccessForm(FlaskForm):
    role = RadioField(
        _l("Role"),
        choices=options({str(role): label for role, label in ROLE_LABELS.items()}),
        validators=[DataRequired(_l("Choose a role"))],
    )
    creditors = SelectMultipleField(
        _l("Creditors they serve"),
        coerce=int,
        validate_choice=False,
        validators=[DataRequired(_l("Choose at least one creditor"))],
    )

    def __init__(self, admin: StaffUser, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.creditors.choices = [SelectChoice(creditor.id, creditor.name) for creditor in admin.creditors]

    @property
    def errors_for_summary(self) -> list[tuple[str, str]]:
        return summary(self.role, self.creditors)


class NewStaffForm(AccessForm):
    name = StringField(
        _l("Full name"),
        validators=[DataRequired(_l("Enter their name")), Length(max=120, message=_l("Write 120 characters or fewer"))],
    )
    email = EmailField(
        _l("Email address"),
        validators=[
            DataRequired(_l("Enter their email address")),
            Length(max=200, message=_l("Write 200 characters or fewer")),
        ],
    )

    @property
    def errors_for_summary(self) -> list[tuple[str, str]]:
        return summary(self.name, self.email, self.role, self.creditors)
