"""Twilio's inbound webhook: a debtor's text (a reply, STOP or START), signed with our auth token."""

import logging

from flask import Blueprint, Response, abort, current_app, request
from twilio.request_validator import RequestValidator

from portal import clock
from portal.extensions import csrf
from portal.sms.service import receive

log = logging.getLogger(__name__)

bp = Blueprint("sms", __name__)

#: an empty TwiML answer: Twilio sends nothing back (it answers STOP and HELP itself)
NOTHING = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def signed_by_twilio() -> bool:
    """Twilio signs the address it was told to call (PUBLIC_BASE_URL's, whatever proxy is in front) and
    the form fields, with the account's auth token."""
    token = current_app.config["TWILIO_AUTH_TOKEN"]
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not signature:
        return False
    url = current_app.config["PUBLIC_BASE_URL"].rstrip("/") + request.full_path.rstrip("?")
    return RequestValidator(token).validate(url, request.form, signature)


@bp.post("/sms/inbound")
@csrf.exempt
def inbound():
    if not signed_by_twilio():
        log.warning("Refused an inbound text: the Twilio signature is missing or wrong")
        abort(403)
    done = receive(
        request.form.get("From", ""), request.form.get("Body", ""), request.form.get("MessageSid"), clock.now()
    )
    log.info("Inbound text %s: %s", request.form.get("MessageSid", "?"), done)
    return Response(NOTHING, mimetype="text/xml")
