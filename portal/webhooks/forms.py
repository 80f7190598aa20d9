"""The console's webhook address form."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import URLField
from wtforms.validators import DataRequired

from portal.help.forms import summary


class WebhookForm(FlaskForm):
    url = URLField(_l("Webhook address"), validators=[DataRequired(_l("Enter the address of the creditor's receiver"))])

    @property
    def errors_for_summary(self) -> list[tuple[str, str]]:
        return summary(self.url)
