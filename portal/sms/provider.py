"""Sending a text through Twilio's official library, at TWILIO_API_BASE (Twilio itself, or the local stand-in).

Settings (portal.config): TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM_NUMBER, TWILIO_API_BASE,
TWILIO_TIMEOUT. The library's REST domain keeps its address in `base_url`, which is the one thing the
stand-in needs changed; edge and region only pick among Twilio's own hosts.
"""

import logging

from flask import current_app
from requests import RequestException
from twilio.base.exceptions import TwilioException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

#: the library logs each request and response at INFO; the text and its link must never reach a log
_quiet = logging.getLogger(__name__ + ".twilio")
_quiet.setLevel(logging.WARNING)


class SmsError(Exception):
    """The text could not be handed to Twilio."""


def client() -> Client:
    config = current_app.config
    if not (config["TWILIO_ACCOUNT_SID"] and config["TWILIO_AUTH_TOKEN"] and config["TWILIO_FROM_NUMBER"]):
        raise SmsError("Twilio is not configured (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM_NUMBER)")
    twilio = Client(
        config["TWILIO_ACCOUNT_SID"],
        config["TWILIO_AUTH_TOKEN"],
        http_client=TwilioHttpClient(timeout=config["TWILIO_TIMEOUT"], logger=_quiet),
    )
    twilio.api.base_url = config["TWILIO_API_BASE"].rstrip("/")
    return twilio


def send_sms(to: str, body: str) -> str:
    """Send a text to an E.164 number; returns Twilio's id for it, or raises SmsError."""
    twilio = client()
    try:
        message = twilio.messages.create(to=to, from_=current_app.config["TWILIO_FROM_NUMBER"], body=body)
    except (TwilioException, RequestException) as error:
        raise SmsError(f"{type(error).__name__}: {getattr(error, 'msg', error)}") from error
    finally:
        twilio.http_client.session.close()
    return message.sid
