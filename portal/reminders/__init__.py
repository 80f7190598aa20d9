"""Link reminders the portal sends for creditors that ask it to (`flask reminders send`).

A creditor opts in with its policy JSON:

    "portal_sends_reminders": {
        "channels": ["email", "sms"],      # which to use, each only where the debtor allows it
        "every_days": 14,                  # at most one reminder per debtor in this many days
                                           #   (default: REMINDERS_EVERY_DAYS, 7)
        "text": {"en": "...{link}...", "es": "...{link}..."}   # optional wording, per language
    }
"""

from flask import Flask


def init_app(app: Flask) -> None:
    from portal.reminders.cli import reminders_cli

    app.cli.add_command(reminders_cli)
