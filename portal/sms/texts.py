"""Sending an outbox message by text, and keeping the number it went to (replies are matched by it)."""

from portal.extensions import db
from portal.models import Debtor, OutboundMessage, TextMessage
from portal.models.text_message import Direction
from portal.sms.numbers import e164
from portal.sms.provider import SmsError, send_sms


def send_text(debtor: Debtor, body: str, message: OutboundMessage, *, number: str | None = None) -> TextMessage:
    """Send an outbox message by text (to the debtor's phone, or to `number`) and record the number it went
    to; raises SmsError."""
    number = e164(number or debtor.phone, debtor.creditor.jurisdiction)
    if number is None:
        raise SmsError("the phone number is not one a text can be sent to")
    sid = send_sms(number, body)
    text = TextMessage(
        debtor_id=debtor.id, direction=Direction.OUT, number=number, outbound_message_id=message.id, provider_sid=sid
    )
    db.session.add(text)
    return text
