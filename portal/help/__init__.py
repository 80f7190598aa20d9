"""Help for the debtor: circumstances, messages, contact preferences, who has viewed the account, quick exit.

Rooms: views.py, forms.py, cli.py (staff), service/ (one module a concept), contact.py (the contact rule).
"""

from flask import Flask

#: where "Exit this page" goes unless QUICK_EXIT_URL says otherwise: a neutral site that says nothing about debt
DEFAULT_QUICK_EXIT_URL = "https://www.bbc.co.uk/weather"
#: where it goes for a US creditor's debtors unless QUICK_EXIT_URL_US says otherwise
DEFAULT_QUICK_EXIT_URL_US = "https://www.weather.gov/"


def init_app(app: Flask) -> None:
    from portal.help.cli import circumstances_cli, messages_cli
    from portal.help.quick_exit import quick_exit_url
    from portal.help.views import bp

    app.register_blueprint(bp)
    app.add_template_global(quick_exit_url)
    app.cli.add_command(circumstances_cli)
    app.cli.add_command(messages_cli)
