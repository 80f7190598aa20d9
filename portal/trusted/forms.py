"""Forms for someone you trust to help: the debtor's invitation, and the one-button forms (end, renew, send a code).
The helper's code is typed into the contact-details CodeForm."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, StringField

from portal.help.forms import options, summary
from portal.help.service.details import normal_email
from portal.trusted.words import RELATIONSHIPS

NAME_MAX = 100


class InviteForm(FlaskForm):
    """Who to invite and what they may do; `normal_email` holds the address as we keep it once valid."""

    name = StringField(_l("Their full name"))
    email = StringField(_l("Their email address"))
    relationship = RadioField(_l("Who are they to you?"), choices=options(RELATIONSHIPS), validate_choice=False)
    may_propose = BooleanField(_l("They can also work on your budget, send it to us and suggest payment plans"))
    may_pay = BooleanField(_l("They can also pay by card for you"))
    normal_email: str | None = None

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        name = (self.name.data or "").strip()
        if not name:
            self.name.errors = [_l("Enter their full name")]
        elif len(name) > NAME_MAX:
            self.name.errors = [_l("Enter a name of 100 characters or fewer")]
        typed = (self.email.data or "").strip()
        self.normal_email = normal_email(typed)
        if not typed:
            self.email.errors = [_l("Enter their email address")]
        elif self.normal_email is None:
            self.email.errors = [_l("Enter an email address in the correct format, like name@example.com")]
        if self.relationship.data not in RELATIONSHIPS:
            self.relationship.errors = [_l("Choose who they are to you")]
        return not (self.name.errors or self.email.errors or self.relationship.errors)

    @property
    def errors_for_summary(self) -> list[tuple[str, str]]:
        return summary(self.name, self.email, self.relationship)


class ConfirmForm(FlaskForm):
    """Only a CSRF token: the POST is what ends access, renews it or sends a code."""
