"""Telling us about your circumstances: a disclosure, a pause in reminders, and a person who reviews it.

- A debtor can tell us without agreeing to a record of their words: we act on what they chose (what is
  happening, what would help) and keep only that. Their own words are kept only with their explicit
  consent, which they can withdraw later: the words are then deleted, the decision made on it is kept.
- Reminders stop for 30 days from the disclosure, whatever happens to the review, so nobody is chased
  while a person decides how to help.
- The details are sensitive (health, abuse): they stay in this table, shown only to the debtor and to
  staff whose role needs them (`visible_to`). The audit trail and the creditor's event carry the
  reference and dates, never what was said.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal.events import emit
from portal.extensions import db
from portal.help.decision_emails import queue_received
from portal.models import Circumstance, Creditor, Debtor
from portal.models.audit import record
from portal.models.circumstance import CIRCUMSTANCE_HELPS, CIRCUMSTANCE_KINDS
from portal.ownership import get_owned
from portal.references import new_reference

#: how long reminders stop after a disclosure
REMINDER_PAUSE = timedelta(days=30)
#: the most the debtor can write in their own words
DETAILS_MAX = 2000

KIND_LABELS = {
    "illness": _l("Illness or disability"),
    "terminal_illness": _l("A terminal illness"),
    "mental_health": _l("Mental health"),
    "bereavement": _l("Someone close to me has died"),
    "income": _l("I lost my job or have less money coming in"),
    "caring": _l("I look after someone"),
    "abuse": _l("Domestic abuse, including someone controlling my money"),
    "other": _l("Something else"),
}
HELP_LABELS = {
    "more_time": _l("More time to pay"),
    "pause": _l("A break from payments"),
    "lower_payments": _l("Lower payments"),
    "review": _l("Someone to look again at what I owe"),
}


@dataclass(frozen=True)
class SupportLines:
    """Free helplines for someone who tells us about abuse or distress."""

    emergency: str
    abuse_line: str
    abuse_phone: str
    talk_line: str
    talk_phone: str


SUPPORT_LINES = {
    "UK": SupportLines("999", "National Domestic Abuse Helpline", "0808 2000 247", "Samaritans", "116 123"),
    "US": SupportLines(
        "911", "National Domestic Violence Hotline", "1-800-799-7233", "988 Suicide & Crisis Lifeline", "988"
    ),
}


#: kinds that are health information: staff see them only in a role that needs them
HEALTH_KINDS = frozenset({"illness", "terminal_illness", "mental_health"})
#: what each staff role may see of a disclosure (see `visible_to`)
VISIBLE_FIELDS = {
    "agent": frozenset({"flag", "helps", "kinds"}),
    "supervisor": frozenset({"flag", "helps", "kinds", "health_kinds", "details"}),
    # an admin may decide what a supervisor decides, so sees as much
    "admin": frozenset({"flag", "helps", "kinds", "health_kinds", "details"}),
}


class AlreadyReviewed(Exception):
    """A disclosure is reviewed once; a later decision goes in a message to the debtor."""


def disclose(
    debtor: Debtor,
    *,
    kinds: list[str],
    helps: list[str],
    details: str | None,
    consented: bool = False,
    now: datetime | None = None,
) -> Circumstance:
    """Record what the debtor told us, pause reminders, tell the creditor and confirm it to the debtor. Their own
    words are kept only if they consented to a record of them; without consent we keep only what they chose."""
    now = now or datetime.now(UTC)
    circumstance = Circumstance(
        reference=new_reference("C"),
        debtor_id=debtor.id,
        kinds=[kind for kind in CIRCUMSTANCE_KINDS if kind in kinds],
        helps=[help_ for help_ in CIRCUMSTANCE_HELPS if help_ in helps],
        details=((details or "").strip() or None) if consented else None,
        consented_at=now if consented else None,
        reminders_paused_until=now + REMINDER_PAUSE,
        status="new",
        created_at=now,
    )
    db.session.add(circumstance)
    db.session.flush()
    record(
        "circumstances.disclosed",
        actor_type="debtor",
        actor_id=debtor.id,
        debtor_id=debtor.id,
        reference=circumstance.reference,
        consented=consented,
    )
    emit(
        "circumstances.disclosed",
        debtor=debtor,
        reference=circumstance.reference,
        reminders_paused_until=circumstance.reminders_paused_until.isoformat(),
    )
    queue_received(circumstance, debtor)
    return circumstance


def get_circumstance_for(debtor: Debtor, reference: str) -> Circumstance:
    """The debtor's own disclosure; someone else's does not exist for them (NotFoundForOwner)."""
    return get_owned(Circumstance, debtor, "disclosure", reference=reference)


def circumstances_of(debtor: Debtor) -> list[Circumstance]:
    """Everything the debtor has told us, newest first."""
    return list(
        db.session.scalars(
            select(Circumstance)
            .where(Circumstance.debtor_id == debtor.id)
            .order_by(Circumstance.created_at.desc(), Circumstance.id.desc())
        )
    )


class NoConsentToWithdraw(Exception):
    """The debtor never agreed to a record of their words, or already withdrew it."""


def withdraw_consent(circumstance: Circumstance, *, now: datetime | None = None) -> Circumstance:
    """The debtor no longer wants us to keep their words: delete them. What they chose and what a person
    decided stay, because that is what we act on."""
    if circumstance.consented_at is None or circumstance.consent_withdrawn_at is not None:
        raise NoConsentToWithdraw(circumstance.reference)
    circumstance.details = None
    circumstance.consent_withdrawn_at = now or datetime.now(UTC)
    record(
        "circumstances.consent_withdrawn",
        actor_type="debtor",
        actor_id=circumstance.debtor_id,
        debtor_id=circumstance.debtor_id,
        reference=circumstance.reference,
    )
    return circumstance


# Staff: who may see what, and the review queue


def visible_to(role: str) -> frozenset[str]:
    """The parts of a disclosure a staff role may see. Anyone helping sees that there is something to take
    care with and what help was asked for; health (the kinds that are about it, and the debtor's own
    words, which may be about it) only a supervisor, who decides what to do."""
    try:
        return VISIBLE_FIELDS[role]
    except KeyError:
        raise ValueError(f"unknown staff role {role!r}") from None


def kinds_visible(kinds: list[str], fields: frozenset[str]) -> list[str]:
    """The kinds a role may read: health kinds only with "health_kinds"."""
    if "kinds" not in fields:
        return []
    return [kind for kind in kinds if "health_kinds" in fields or kind not in HEALTH_KINDS]


def review_counts() -> list[tuple[str, int]]:
    """(creditor slug, disclosures waiting for review) for every creditor with any: nothing about anyone."""
    rows = db.session.execute(
        select(Creditor.slug, func.count(Circumstance.id))
        .join(Debtor, Debtor.creditor_id == Creditor.id)
        .join(Circumstance, Circumstance.debtor_id == Debtor.id)
        .where(Circumstance.status == "new")
        .group_by(Creditor.slug)
        .order_by(Creditor.slug)
    )
    return [(slug, count) for slug, count in rows]


def details_shown(circumstance: Circumstance, *, staff_name: str) -> None:
    """Audit that a person read the health details of a disclosure: the debtor can see who looked."""
    record(
        "circumstances.details_shown",
        actor_type="staff",
        debtor_id=circumstance.debtor_id,
        reference=circumstance.reference,
        staff_name=staff_name,
    )


# Staff: the review queue


def review_queue(*, include_reviewed: bool = False, creditor_ids: list[int] | None = None):
    """(disclosure, debtor) pairs for staff, oldest first: the person waiting longest is seen first.
    `creditor_ids` limits it to the creditors a staff user is assigned."""
    query = select(Circumstance, Debtor).join(Debtor, Debtor.id == Circumstance.debtor_id)
    if not include_reviewed:
        query = query.where(Circumstance.status == "new")
    if creditor_ids is not None:
        query = query.where(Debtor.creditor_id.in_(creditor_ids))
    return [tuple(row) for row in db.session.execute(query.order_by(Circumstance.created_at, Circumstance.id))]


def find_circumstance(id_or_reference: str) -> Circumstance | None:
    """For staff tools: by number or by the reference the debtor quotes."""
    if id_or_reference.isdigit():
        return db.session.get(Circumstance, int(id_or_reference))
    return db.session.scalar(select(Circumstance).where(Circumstance.reference == id_or_reference.upper()))


def review(
    circumstance: Circumstance,
    *,
    note: str,
    staff_id: int | None = None,
    staff_name: str | None = None,
    now: datetime | None = None,
) -> Circumstance:
    """A person has read it and decided what to do; the note says what, for the next person."""
    if circumstance.status == "reviewed":
        raise AlreadyReviewed(circumstance.reference)
    circumstance.status = "reviewed"
    circumstance.reviewed_at = now or datetime.now(UTC)
    circumstance.reviewed_by_id = staff_id
    circumstance.reviewed_by_name = staff_name
    circumstance.review_note = note.strip()
    record(
        "circumstances.reviewed",
        actor_type="staff",
        actor_id=staff_id,
        debtor_id=circumstance.debtor_id,
        reference=circumstance.reference,
        staff_name=staff_name,
    )
    debtor = db.session.get(Debtor, circumstance.debtor_id)
    emit("circumstances.reviewed", debtor=debtor, reference=circumstance.reference)
    return circumstance
