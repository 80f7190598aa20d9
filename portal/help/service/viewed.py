"""Who has viewed my account: the staff visits, and those of people the debtor trusts to help, recorded in the
audit trail, in words the debtor can read.

The staff console writes an audit event with actor_type "staff" and the debtor's id for everything staff
do with an account ("staff.viewed" for each page seen while viewing as the debtor, with `staff_name` and
`reason` in the detail); a helper's events have actor_type "helper" and name them and their relationship
("helper.viewed" for each page seen, portal.trusted.access). A visit is a run of one person's events with no
gap longer than VISIT_GAP, so twenty pages seen in one sitting read as one visit.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEvent, Debtor

VISIT_GAP = timedelta(minutes=30)
#: actions the page describes in their own words; every other staff action reads "looked at your account"
DESCRIBED_ACTIONS = frozenset(
    {
        "circumstances.reviewed",
        "circumstances.details_shown",
        "message.replied",
        "staff.acted_for_debtor",
        "helper.acted",
        "helper.signed_in",
    }
)
#: who visits: staff, and the people the debtor invited to help
VISITORS = ("staff", "helper")
#: the newest staff events read; more than enough for years of ordinary use
EVENT_LIMIT = 1000


@dataclass
class Visit:
    staff_id: int | None
    staff_name: str | None
    #: "agent", "supervisor" or "admin", when the event says
    staff_role: str | None
    started_at: datetime
    ended_at: datetime
    #: what was done, in the order it first happened: DESCRIBED_ACTIONS, or "viewed"
    actions: list[str]
    reason: str | None
    #: "staff", or "helper" for someone the debtor invited (then staff_name is theirs)
    visitor: str = "staff"
    #: a helper's relationship to the debtor (portal.models.trusted_helper.Relationship)
    relationship: str | None = None


def group_visits(events: list[AuditEvent]) -> list[Visit]:
    """Events newest first in, visits newest first out."""
    visits: list[Visit] = []
    open_visits: dict[tuple[str, int | None, str | None], Visit] = {}
    for event in events:
        detail = event.detail or {}
        name = detail.get("staff_name") or detail.get("helper_name")
        key = (event.actor_type, event.actor_id, name)
        visit = open_visits.get(key)
        if visit is None or visit.started_at - event.created_at > VISIT_GAP:
            visit = Visit(
                event.actor_id,
                name,
                detail.get("staff_role"),
                event.created_at,
                event.created_at,
                [],
                None,
                event.actor_type,
                detail.get("relationship"),
            )
            visits.append(visit)
            open_visits[key] = visit
        visit.started_at = event.created_at
        action = event.action if event.action in DESCRIBED_ACTIONS else "viewed"
        if action in visit.actions:
            visit.actions.remove(action)
        visit.actions.insert(0, action)
        visit.reason = detail.get("reason") or visit.reason
    return visits


def visits_for(debtor: Debtor) -> list[Visit]:
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.debtor_id == debtor.id, AuditEvent.actor_type.in_(VISITORS))
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .limit(EVENT_LIMIT)
    )
    return group_visits(list(events))
