"""The call back in words, on pages and in the confirmation sent through the outbox (portal.outbox)."""

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from flask import current_app, url_for
from flask_babel import gettext as _

from portal.extensions import db
from portal.i18n import babel_locale, formatting_locale_for
from portal.links.service import issue_link, link_url
from portal.models import CallBack, Debtor, OutboundMessage
from portal.models.call_back import CallBackStatus
from portal.outbox import Letter, template


def slot_in_words(start: datetime, end: datetime, timezone: str, locale: str) -> str:
    """ "Tuesday, 1 December 2026, between 10:00 and 12:00", where the debtor lives, in their language."""
    zone, where = ZoneInfo(timezone), babel_locale(locale)
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    return _(
        "%(day)s, between %(start)s and %(end)s",
        day=format_date(local_start, "full", locale=where),
        start=format_time(local_start, "short", locale=where),
        end=format_time(local_end, "short", locale=where),
    )


def day_in_words(day, locale: str) -> str:
    """ "Tuesday, 1 December 2026"."""
    return format_date(day, "full", locale=babel_locale(locale))


def time_range(start: datetime, end: datetime, timezone: str, locale: str) -> str:
    """ "10:00 to 12:00" where the debtor lives."""
    zone, where = ZoneInfo(timezone), babel_locale(locale)
    return _(
        "%(start)s to %(end)s",
        start=format_time(start.astimezone(zone), "short", locale=where),
        end=format_time(end.astimezone(zone), "short", locale=where),
    )


@template("callback.booked", asks_for_money=False)
def booked_letter(message: OutboundMessage, debtor: Debtor) -> Letter | None:
    """The confirmation: when we will call, on which number, and how to cancel. Nothing when it was
    cancelled or done before the message went."""
    call_back = db.session.get(CallBack, message.params.get("call_back_id"))
    if call_back is None or call_back.debtor_id != debtor.id or call_back.status != CallBackStatus.BOOKED:
        return None
    creditor = debtor.creditor
    when = slot_in_words(
        call_back.slot_start, call_back.slot_end, debtor.effective_timezone, formatting_locale_for(debtor)
    )
    with current_app.test_request_context():
        page = url_for("help.call_back")
    _row, token = issue_link(debtor, campaign="call_back", destination=page)
    subject = _("Your call back from %(creditor)s is booked", creditor=creditor.name)
    neutral = _("Your call back is booked")
    return Letter(
        subject=subject,
        opening=_("%(creditor)s will call you on %(when)s.", creditor=creditor.name, when=when),
        lines=[
            _("We will call %(phone)s.", phone=call_back.phone),
            "",
            _(
                "If you no longer need the call, or the time does not suit you, cancel it here: %(link)s",
                link=link_url(token),
            ),
        ],
        neutral_subject=neutral,
        neutral_opening=_("We have booked the call you asked for. The time is below."),
    )
