"""An agent sends a debtor a new sign-in link from the console, through the outbox like every other message.

The link is issued when the message is written (as in every plan message), so it exists only once the
gate lets the message go (contact hours, their channels) and its token is never stored or shown to
anyone but the debtor. The outbox sends email only, so the link goes by email, to an address we may
use; without one there is nothing to send it by, and the page says so.
"""

from flask_babel import gettext as _

from portal.help.service.contact import reachable, settings_for
from portal.links.service import issue_link, link_url
from portal.models import Debtor, OutboundMessage, StaffUser
from portal.models.audit import record
from portal.outbox import Letter, queue, template

#: the one channel the outbox can send a link by
CHANNEL = "email"


class NoChannel(ValueError):
    """There is no email address we may write to for this debtor."""


def channel_for(debtor: Debtor) -> str | None:
    """How a new link would reach the debtor: by email if they have an address we may use and email is on."""
    if reachable(debtor, CHANNEL) and CHANNEL in settings_for(debtor).channels:
        return CHANNEL
    return None


def send_new_link(debtor: Debtor, staff: StaffUser) -> OutboundMessage:
    """Queue the message with a new link (sent once the request commits) and record who asked for it."""
    channel = channel_for(debtor)
    if channel is None:
        raise NoChannel(f"debtor {debtor.id} has no email address we may use")
    message = queue(debtor, "link.new", channel=channel, params={"staff_name": staff.first_name})
    record(
        "link.sent_by_staff",
        actor_type="staff",
        actor_id=staff.id,
        debtor_id=debtor.id,
        staff_name=staff.first_name,
        staff_role=staff.role,
        channel=channel,
        outbound_message=message.id,
    )
    return message


@template("link.new", asks_for_money=False)
def new_link_letter(message: OutboundMessage, debtor: Debtor) -> Letter:
    _row, token = issue_link(debtor, campaign="staff")
    creditor = debtor.creditor
    return Letter(
        subject=_("Your new link from %(creditor)s", creditor=creditor.name),
        opening=_(
            "%(person)s at %(creditor)s has sent you a new link to your account.",
            person=message.params.get("staff_name") or creditor.name,
            creditor=creditor.name,
        ),
        lines=[
            "",
            _("Open your account here: %(link)s", link=link_url(token)),
            _("The link is personal to you: please do not share it."),
        ],
        neutral_subject=_("A message from %(creditor)s", creditor=creditor.name),
        neutral_opening=_("There is a message for you from %(creditor)s.", creditor=creditor.name),
    )
