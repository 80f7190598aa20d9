"""Card payments through Stripe: amount, card entry, receipts, webhooks, reconciliation."""

from flask import Flask


def init_app(app: Flask) -> None:
    from portal.payments.cli import payments_cli
    from portal.payments.views import bp

    app.register_blueprint(bp)
    app.cli.add_command(payments_cli)
