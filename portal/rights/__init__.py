"""Rights: jurisdiction packs (US validation information, UK FCA rights), disputes, holds, what happens next.

Rooms: views.py, forms.py, cli.py (staff), service/ (disputes, holds, the timeline's facts); pure rules in
validation.py and timeline.py; packs.py and texts.py (the packs and their words), attachments.py, emails.py.
"""

from datetime import datetime

from flask import Flask
from flask_babel import get_timezone

from portal.templating import long_date


def day_of(moment: datetime) -> str:
    """A moment as the day it was where the reader is ("November 23, 2026"), without the time."""
    return long_date(moment.astimezone(get_timezone()).date())


def init_app(app: Flask) -> None:
    from portal.rights.cli import disputes_cli, holds_cli
    from portal.rights.texts import say
    from portal.rights.views import account_rights, bp, dashboard_rights

    app.register_blueprint(bp)
    app.cli.add_command(disputes_cli)
    app.cli.add_command(holds_cli)
    # The account and dashboard templates show holds and disputes through these.
    app.jinja_env.globals["account_rights"] = account_rights
    app.jinja_env.globals["dashboard_rights"] = dashboard_rights
    app.jinja_env.globals["say"] = say
    app.jinja_env.filters["day_of"] = day_of
