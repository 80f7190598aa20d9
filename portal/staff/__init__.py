"""Support staff: sign-in with a password and a TOTP code, roles scoped to their creditors, the console (/staff)
and viewing the portal as a debtor.

Rooms: accounts.py (staff users, set-up, sign-in checks), passwords.py, totp.py, sessions.py (server-side staff
sessions), access.py (roles and the creditor scope), view_as.py, search.py, forms.py, views/ (the console),
cli.py (`flask staff`).
"""

from flask import Flask
from flask_babel import lazy_gettext as _l

from portal.models.staff import StaffRole

ROLE_LABELS = {StaffRole.AGENT: _l("Agent"), StaffRole.SUPERVISOR: _l("Supervisor"), StaffRole.ADMIN: _l("Admin")}


def init_app(app: Flask) -> None:
    from portal.staff import debtor_file, sessions, view_as
    from portal.staff.cli import staff_cli
    from portal.staff.views import bp

    sessions.init_app(app)
    view_as.init_app(app)
    app.register_blueprint(bp)
    app.cli.add_command(staff_cli)
    app.add_template_global(lambda role: ROLE_LABELS.get(role, role), "staff_role_label")
    app.add_template_global(debtor_file.without_links, "without_links")
