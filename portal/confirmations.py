"""What the messages confirming a debtor's own actions share: the channel they chose, and a sign-in link that
suits it.

Every confirmation (a plan agreed, cancelled or paused, a proposal, a dispute, circumstances told) is an outbox
template owned by its area (portal.plans.emails, portal.rights.emails, portal.help.decision_emails), queued in
the same unit of work as the action, so an action rolled back confirms nothing. It goes by the channel the
debtor chose (their contact preferences), is written in their language and sent from the creditor's name
(portal.outbox), repeats the reference and says what happens next. None asks for money.
"""

from flask import current_app, url_for
from flask_babel import gettext as _

from portal.help.service.contact import reachable, settings_for
from portal.links.service import issue_link, link_url, short_url
from portal.models import Debtor, OutboundMessage

#: the channels a confirmation can go by, the first the debtor has switched on and we can use winning
CHANNELS = ("email", "sms")


def channel_for(debtor: Debtor) -> str:
    """The channel the debtor chose: email if it is on and we have an address we may use, else a text if that
    is; with neither, email, which the outbox then puts in their messages in the portal (gate.Verdict.IN_PORTAL)."""
    switched_on = settings_for(debtor).channels
    for channel in CHANNELS:
        if channel in switched_on and reachable(debtor, channel):
            return channel
    return CHANNELS[0]


def is_text(message: OutboundMessage) -> bool:
    """A text carries the opening, the reference and a short link: nothing longer (a text should stay short)."""
    return message.channel == "sms"


def sign_in_link(message: OutboundMessage, debtor: Debtor, *, campaign: str, endpoint: str, **values) -> str:
    """A fresh sign-in link that opens a page of the portal: the short address in a text, the full one in an email."""
    with current_app.test_request_context():
        path = url_for(endpoint, **values)
    return link_to(message, debtor, campaign=campaign, destination=path)


def link_to(message: OutboundMessage, debtor: Debtor, *, campaign: str, destination: str | None) -> str:
    """A fresh sign-in link to a path (None: their accounts) that suits the message's channel."""
    row, token = issue_link(debtor, campaign=campaign, channel=message.channel, destination=destination)
    return short_url(row.short_code) if is_text(message) else link_url(token)


def reference_line(reference: str) -> str:
    return _("Your reference: %(reference)s", reference=reference)
