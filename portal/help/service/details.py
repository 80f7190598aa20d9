"""Your contact details: a new email address or mobile number is proved with a code sent to it; a postal
address is kept as typed.

Debtor.email and Debtor.phone change only after the right code, so whatever is on the record is either
what the creditor gave us or what the debtor proved they read. Each try at a code is claimed in one
atomic UPDATE before the code is compared, so a burst of wrong codes through many workers gets
MAX_TRIES comparisons between them at most; a code works for CODE_MINUTES, and only the newest one for
each kind of detail works.

Every change is audited, the old address or number is told it changed (without the new one in full),
and the debtor gets a confirmation by their usual channel.
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from portal import clock, outbox
from portal.confirmations import channel_for
from portal.domain_errors import NotAllowedNow
from portal.extensions import db
from portal.models import ContactChange, Debtor
from portal.models.audit import record
from portal.models.contact_change import ContactKind
from portal.one_time_codes import CODE_MINUTES as CODE_MINUTES  # the pages and messages say how long it works
from portal.one_time_codes import CodeRefused, use_code, write_code
from portal.sms.numbers import e164

#: codes a debtor may ask for in an hour (each is a message we pay for and they must read)
CODES_PER_HOUR = 5
#: the channel a code for each kind of detail goes by
CHANNEL = {ContactKind.EMAIL: "email", ContactKind.PHONE: "sms"}
ADDRESS_MAX = 500

_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")


class TooManyCodes(NotAllowedNow):
    """They asked for CODES_PER_HOUR codes in the last hour already."""


def normal_email(text: str | None) -> str | None:
    """The address as we keep it (trimmed, the domain in lower case), or None if it can't be one."""
    text = (text or "").strip()
    if len(text) > 200 or not _EMAIL.fullmatch(text):
        return None
    local, domain = text.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def normal_phone(text: str | None, jurisdiction: str) -> str | None:
    return e164(text, jurisdiction)


def masked(kind: str, value: str) -> str:
    """Enough to recognise an address or number, not enough to learn it: "s…@example.co.uk", "…982"."""
    if kind == ContactKind.EMAIL:
        local, _at, domain = value.partition("@")
        return f"{local[:1]}…@{domain}"
    return f"…{value[-3:]}"


def is_current(debtor: Debtor, kind: str, value: str) -> bool:
    """Whether the (normalised) address or number is the one we have already."""
    if kind == ContactKind.EMAIL:
        return normal_email(debtor.email) == value
    return normal_phone(debtor.phone, debtor.creditor.jurisdiction) == value


def pending(debtor: Debtor, kind: str) -> ContactChange | None:
    """The newest change of this kind still waiting for its code."""
    return db.session.scalar(
        select(ContactChange)
        .where(
            ContactChange.debtor_id == debtor.id,
            ContactChange.kind == kind,
            ContactChange.confirmed_at.is_(None),
            ContactChange.cancelled_at.is_(None),
        )
        .order_by(ContactChange.id.desc())
        .limit(1)
    )


def start_change(debtor: Debtor, kind: str, value: str, *, now: datetime | None = None) -> ContactChange:
    """Keep the new address or number (already normalised) and send a code to it; earlier codes stop working."""
    now = now or clock.now()
    asked = db.session.scalar(
        select(func.count(ContactChange.id)).where(
            ContactChange.debtor_id == debtor.id, ContactChange.created_at > now - timedelta(hours=1)
        )
    )
    if asked >= CODES_PER_HOUR:
        raise TooManyCodes(f"debtor {debtor.id} asked for {asked} codes in the last hour")
    db.session.execute(
        update(ContactChange)
        .where(
            ContactChange.debtor_id == debtor.id,
            ContactChange.kind == kind,
            ContactChange.confirmed_at.is_(None),
            ContactChange.cancelled_at.is_(None),
        )
        .values(cancelled_at=now)
        .execution_options(synchronize_session=False)
    )
    change = ContactChange(debtor_id=debtor.id, kind=kind, new_value=value, created_at=now)
    db.session.add(change)
    db.session.flush()
    outbox.queue(debtor, "contact.code", channel=CHANNEL[kind], to_address=value, params={"change_id": change.id})
    record(
        "contact.code_sent",
        actor_type="debtor",
        actor_id=debtor.id,
        debtor_id=debtor.id,
        kind=kind,
        to=masked(kind, value),
        change=change.id,
    )
    return change


def new_code(change: ContactChange, *, now: datetime | None = None) -> str:
    """Write the change's code (when its message is written, so it exists only once it can be sent)."""
    return write_code(change, _PURPOSE, change.new_value, now=now or clock.now())


_PURPOSE = "contact-code"


@dataclass(frozen=True)
class Changed:
    kind: str
    old: str | None
    new: str


def confirm(debtor: Debtor, kind: str, code: str, *, now: datetime | None = None) -> Changed:
    """Compare a code for the debtor's newest change of this kind; the right one makes it theirs.

    Raises CodeRefused (portal.one_time_codes.use_code claims each try before comparing it)."""
    now = now or clock.now()
    change = pending(debtor, kind)
    if change is None:
        raise CodeRefused("none")
    use_code(
        change,
        code,
        done=(ContactChange.confirmed_at, ContactChange.cancelled_at),
        purpose=_PURPOSE,
        parts=(change.new_value,),
        now=now,
        on_wrong=lambda attempt: record(
            "contact.code_wrong",
            actor_type="debtor",
            actor_id=debtor.id,
            debtor_id=debtor.id,
            kind=kind,
            change=change.id,
            attempt=attempt,
        ),
    )
    field = "email" if kind == ContactKind.EMAIL else "phone"
    old = getattr(debtor, field)
    setattr(debtor, field, change.new_value)
    _changed(debtor, kind, old, change.new_value, change_id=change.id)
    return Changed(kind, old, change.new_value)


def save_address(debtor: Debtor, address: str) -> None:
    """A postal address is kept as typed (trimmed), at once: letters are not a way into the account."""
    address = "\n".join(line.strip() for line in address.strip().splitlines() if line.strip())
    if address == (debtor.address or ""):
        return
    old = debtor.address
    debtor.address = address
    _changed(debtor, "address", old, address)


def _changed(debtor: Debtor, kind: str, old: str | None, new: str, *, change_id: int | None = None) -> None:
    """Audit it, tell the old address or number (if there was one) and confirm it to the debtor."""
    record(
        "contact.changed",
        actor_type="debtor",
        actor_id=debtor.id,
        debtor_id=debtor.id,
        kind=kind,
        old=old,
        new=new,
    )
    if old and kind in CHANNEL:
        outbox.queue(
            debtor,
            "contact.old_told",
            channel=CHANNEL[ContactKind(kind)],
            to_address=old,
            params={"kind": kind, "change_id": change_id},
        )
    outbox.queue(debtor, "contact.changed", channel=channel_for(debtor), params={"kind": kind})
