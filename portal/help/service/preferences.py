"""Saving how a debtor wants to be contacted; portal.help.service.contact reads it for every message."""

from sqlalchemy import select

from portal.events import emit
from portal.extensions import db
from portal.help.contact import CHANNELS, ContactSettings
from portal.help.service.contact import settings_for
from portal.models import ContactPreference, Debtor
from portal.models.audit import record
from portal.models.contact_preference import CONTACT_WINDOWS

#: what a debtor can change, in the order the audit trail names them
SETTINGS = ("channels", "windows", "discreet", "contact_at_work", "email_is_work")


def save_preferences(
    debtor: Debtor,
    *,
    channels: list[str],
    windows: list[str],
    language: str,
    discreet: bool,
    contact_at_work: bool,
    email_is_work: bool,
) -> list[str]:
    """Store the debtor's choices; returns the names of what changed (audited, so staff can see when)."""
    before = settings_for(debtor)
    after = ContactSettings(
        channels=frozenset(channel for channel in CHANNELS if channel in channels),
        windows=frozenset(name for name in CONTACT_WINDOWS if name in windows),
        discreet=discreet,
        contact_at_work=contact_at_work,
        email_is_work=email_is_work,
    )
    preference = db.session.scalar(select(ContactPreference).where(ContactPreference.debtor_id == debtor.id))
    if preference is None:
        preference = ContactPreference(debtor_id=debtor.id)
        db.session.add(preference)
    preference.email_on = "email" in after.channels
    preference.sms_on = "sms" in after.channels
    preference.post_on = "post" in after.channels
    preference.windows = [name for name in CONTACT_WINDOWS if name in after.windows]
    preference.discreet = discreet
    preference.contact_at_work = contact_at_work
    preference.email_is_work = email_is_work

    changed = [name for name in SETTINGS if getattr(before, name) != getattr(after, name)]
    if language != debtor.locale:
        debtor.locale = language
        changed.append("language")
    if changed:
        record(
            "preferences.changed",
            actor_type="debtor",
            actor_id=debtor.id,
            debtor_id=debtor.id,
            changed=changed,
            channels=sorted(after.channels),
            windows=preference.windows,
            language=language,
            discreet=discreet,
            contact_at_work=contact_at_work,
            email_is_work=email_is_work,
        )
        emit(
            "preferences.changed",
            debtor=debtor,
            changed=changed,
            channels=sorted(after.channels),
            windows=preference.windows,
            language=language,
            discreet=discreet,
        )
    return changed


def switch_off(debtor: Debtor, channel: str) -> list[str]:
    """Stop one channel at once, keeping every other choice (the opt-out link in an email); returns what
    changed, audited like any other change of preferences."""
    settings = settings_for(debtor)
    return save_preferences(
        debtor,
        channels=sorted(settings.channels - {channel}),
        windows=sorted(settings.windows),
        language=debtor.locale,
        discreet=settings.discreet,
        contact_at_work=settings.contact_at_work,
        email_is_work=settings.email_is_work,
    )
