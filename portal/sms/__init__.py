"""Text messages: the Twilio adapter (provider.py), sending for the outbox (texts.py), replies and STOP
(service.py) through the signed inbound webhook (views.py), phone numbers in E.164 (numbers.py)."""

from flask import Flask


def init_app(app: Flask) -> None:
    from portal.sms.views import bp

    app.register_blueprint(bp)
