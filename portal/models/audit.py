"""What happened, who did it, to whose account: written once, never changed."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from flask import g, has_request_context, request
from sqlalchemy import JSON, ForeignKey, Index, String, insert
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.append_only import append_only
from portal.models.types import UTCDateTime, utcnow


@append_only
class AuditEvent(db.Model):
    __tablename__ = "audit_event"
    #: a debtor's events of one kind (campaign results look up each link's opens and sign-ins by its debtor):
    #: one probe, where the two single-column indexes made PostgreSQL intersect with every event of the kind
    __table_args__ = (Index("ix_audit_event_debtor_action", "debtor_id", "action"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: "debtor", "staff", "creditor" or "system"
    actor_type: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None]
    debtor_id: Mapped[int | None] = mapped_column(ForeignKey("debtor.id"), index=True)
    #: dotted verb, e.g. "link.opened", "identity.failed", "session.started"
    action: Mapped[str] = mapped_column(String(64), index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ip_address: Mapped[str | None] = mapped_column(String(45))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


#: who may act on the debtor's pages for them: the request's detail about them (on `g`), and their actor type
_ON_BEHALF = (("view_as_detail", "staff"), ("helper_detail", "helper"))


def record(
    action: str, *, actor_type: str, actor_id: int | None = None, debtor_id: int | None = None, **detail
) -> AuditEvent:
    """Add an audit event to the session; the request's single commit writes it.

    While a staff user views as the debtor, what the debtor's pages record as the debtor's own doing was done by
    that staff user on the debtor's behalf, and is recorded so, with who they are and why they were there; the same
    goes for someone the debtor trusts to help (portal.trusted), recorded with their name and relationship. A
    console request's staff events that name no one (services take a name, `by`) name the signed-in staff user."""
    for on_behalf, kind in _ON_BEHALF:
        acting = g.get(on_behalf) if has_request_context() else None
        if acting is not None and actor_type == "debtor":
            actor_type, actor_id = kind, acting[f"{kind}_id"]
            detail = detail | {key: value for key, value in acting.items() if key != f"{kind}_id"} | {"on_behalf": True}
    staff = g.get("staff") if has_request_context() else None
    if staff is not None and actor_type == "staff" and actor_id is None:
        actor_id = staff.id
        detail = {"staff_name": staff.first_name, "staff_role": staff.role} | detail
    event = AuditEvent(
        action=action,
        actor_type=actor_type,
        actor_id=actor_id,
        debtor_id=debtor_id,
        detail=detail,
        ip_address=_ip_address(),
    )
    db.session.add(event)
    return event


def record_many(action: str, *, actor_type: str, events: Iterable[dict[str, Any]]) -> None:
    """The same action many times (a bulk command), in one statement.

    Each event is a dict of `actor_id`, `debtor_id` and `detail`. Building an AuditEvent object for
    each costs more than the rest of a bulk link's work, so the rows go straight to the database.
    """
    rows = [
        {"action": action, "actor_type": actor_type, "ip_address": _ip_address(), "detail": {}, **event}
        for event in events
    ]
    if rows:
        db.session.execute(insert(AuditEvent), rows)


def _ip_address() -> str | None:
    return request.remote_addr if has_request_context() else None
