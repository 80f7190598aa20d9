"""The messages about someone you trust to help: their invitation and their sign-in codes (to the helper's
address), and the messages to the debtor that access was given, ends soon (portal.trusted.job) or ended.

The helper's messages are bare (portal.outbox.Letter): they go to an address that is not the debtor's, so they
carry no notices about debt or money, only whose account it is (the debtor asked us to say so), the creditor's
name and the link or code. Both are sent at once: the debtor asked for the invitation this minute, and the
helper is waiting on the page for the code.
"""

from zoneinfo import ZoneInfo

from babel.dates import format_date
from flask_babel import gettext as _

from portal import clock
from portal.confirmations import sign_in_link
from portal.extensions import db
from portal.help.details_messages import code_words
from portal.i18n import babel_locale, formatting_locale_for
from portal.models import Debtor, HelperCode, OutboundMessage, TrustedHelper
from portal.outbox import Letter, template
from portal.trusted import service


def _until(helper: TrustedHelper) -> str:
    """The last day of their access, in the debtor's time zone and language (a message is written off any page)."""
    day = helper.expires_at.astimezone(ZoneInfo(helper.debtor.effective_timezone)).date()
    return format_date(day, "long", locale=babel_locale(formatting_locale_for(helper.debtor)))


def _helper(message: OutboundMessage, debtor: Debtor) -> TrustedHelper | None:
    helper = db.session.get(TrustedHelper, message.params.get("helper_id"))
    return helper if helper is not None and helper.debtor_id == debtor.id else None


@template("trusted.invitation", asks_for_money=False, at_their_request=True)
def invitation_letter(message: OutboundMessage, debtor: Debtor) -> Letter | None:
    helper = _helper(message, debtor)
    if helper is None or not service.is_active(helper, clock.now()):
        return None
    creditor = debtor.creditor.name
    subject = _("%(person)s asked you to help with their account", person=debtor.full_name)
    return Letter(
        subject=subject,
        opening=_(
            "Hello %(helper)s, %(person)s asked you to help with their account with %(creditor)s.",
            helper=helper.first_name,
            person=debtor.full_name,
            creditor=creditor,
        ),
        lines=[
            "",
            _("Open your own link to see their account. We will email you a code to check it is you:"),
            service.link_for(helper),
            "",
            _("You can use it until %(date)s, unless they end it sooner.", date=_until(helper)),
            _("If you do not know %(person)s, ignore this message.", person=debtor.full_name),
        ],
        neutral_subject=subject,
        neutral_opening=subject,
        bare=True,
    )


@template("trusted.code", asks_for_money=False, at_their_request=True)
def code_letter(message: OutboundMessage, debtor: Debtor) -> Letter | None:
    code = db.session.get(HelperCode, message.params.get("code_id"))
    if code is None or code.used_at is not None or code.cancelled_at is not None:
        return None
    return code_words(debtor.creditor.name, service.new_code(code, now=clock.now()))


@template("trusted.invited", asks_for_money=False)
def invited_letter(message: OutboundMessage, debtor: Debtor) -> Letter | None:
    helper = _helper(message, debtor)
    if helper is None:
        return None
    subject = _("You asked %(helper)s to help with your account", helper=helper.name)
    return Letter(
        subject=subject,
        opening=_(
            "%(helper)s can now see your account with %(creditor)s, until %(date)s.",
            helper=helper.name,
            creditor=debtor.creditor.name,
            date=_until(helper),
        ),
        lines=[
            "",
            _(
                "We have emailed them their own link. You can see each visit they make, and end their access at "
                "any time, in your account under “Someone you trust to help”."
            ),
            _("If you did not do this, contact %(creditor)s straight away.", creditor=debtor.creditor.name),
        ],
        neutral_subject=subject,
        neutral_opening=subject,
    )


@template("trusted.ended", asks_for_money=False)
def ended_letter(message: OutboundMessage, debtor: Debtor) -> Letter | None:
    helper = _helper(message, debtor)
    if helper is None:
        return None
    subject = _("%(helper)s can no longer see your account", helper=helper.name)
    return Letter(
        subject=subject,
        opening=_(
            "%(helper)s can no longer see your account with %(creditor)s.",
            helper=helper.name,
            creditor=debtor.creditor.name,
        ),
        lines=[
            "",
            *(
                [_("Their access ended by itself on %(date)s.", date=_until(helper))]
                if helper.ended_by == "expired"
                else []
            ),
            _("You can ask someone you trust to help again at any time, in your account."),
        ],
        neutral_subject=subject,
        neutral_opening=subject,
    )


@template("trusted.ending_soon", asks_for_money=False)
def ending_soon_letter(message: OutboundMessage, debtor: Debtor) -> Letter | None:
    helper = _helper(message, debtor)
    if helper is None or helper.expiry_warned_at is None or not service.is_active(helper, clock.now()):
        return None  # renewed or ended since it was queued: it has nothing true to say
    subject = _("%(helper)s can see your account until %(date)s", helper=helper.name, date=_until(helper))
    link = sign_in_link(message, debtor, campaign="trusted", endpoint="trusted.helpers")
    return Letter(
        subject=subject,
        opening=_(
            "%(helper)s can see your account with %(creditor)s until %(date)s. Then their access ends by itself.",
            helper=helper.name,
            creditor=debtor.creditor.name,
            date=_until(helper),
        ),
        lines=[
            "",
            _("If you want them to go on helping, renew their access here: %(link)s", link=link),
            _("If not, you do not need to do anything."),
        ],
        neutral_subject=_("Access for %(helper)s ends soon", helper=helper.name),
        neutral_opening=_("Access for %(helper)s ends soon", helper=helper.name),
    )
