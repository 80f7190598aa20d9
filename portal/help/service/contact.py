"""Whether we may contact a debtor now, from what we hold: their saved choices and any running pause.

The rule itself is portal.help.contact (plain data in, yes or no out); this module reads its input.
"""

from datetime import datetime

from sqlalchemy import func, select

from portal.extensions import db
from portal.help.contact import ContactSettings, allowed, usable
from portal.models import Circumstance, ContactPreference, Debtor
from portal.models.contact_preference import CONTACT_WINDOWS


def settings_for(debtor: Debtor) -> ContactSettings:
    preference = db.session.scalar(select(ContactPreference).where(ContactPreference.debtor_id == debtor.id))
    if preference is None:
        return ContactSettings()
    switched_on = {"email": preference.email_on, "sms": preference.sms_on, "post": preference.post_on}
    return ContactSettings(
        channels=frozenset(channel for channel, on in switched_on.items() if on),
        windows=frozenset(name for name in preference.windows or [] if name in CONTACT_WINDOWS),
        discreet=preference.discreet,
        contact_at_work=preference.contact_at_work,
        email_is_work=preference.email_is_work,
    )


def reminders_paused_until(debtor: Debtor, now: datetime) -> datetime | None:
    """The end of the latest pause that comes from telling us about their circumstances, if it is still running."""
    until = db.session.scalar(
        select(func.max(Circumstance.reminders_paused_until)).where(Circumstance.debtor_id == debtor.id)
    )
    return until if until is not None and until > now else None


def reachable(debtor: Debtor, channel: str) -> bool:
    return usable(channel, email=debtor.email, phone=debtor.phone, settings=settings_for(debtor))


def may_contact(debtor: Debtor, channel: str, now: datetime) -> bool:
    """`now` is timezone-aware (UTC). Two small queries: the debtor's preferences and any running pause."""
    return allowed(
        channel,
        now,
        timezone=debtor.effective_timezone,
        settings=settings_for(debtor),
        reachable=reachable(debtor, channel),
        paused_until=reminders_paused_until(debtor, now),
    )


def subject_for(debtor: Debtor, subject: str, neutral_subject: str) -> str:
    """The subject line (or SMS opening) to send: the neutral one when they asked us not to mention the debt,
    because a preview on a locked phone can be read by anyone nearby."""
    return neutral_subject if settings_for(debtor).discreet else subject
