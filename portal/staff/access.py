"""What each staff role may do, and the one rule for what a staff user may see: their creditors' debtors only.

Someone else's creditor's debtor is "not found" (never "forbidden"), exactly as for debtors; a thing of their
own creditor that their role may not act on is forbidden (403), with the page saying who can.
"""

from collections.abc import Callable
from enum import StrEnum
from functools import wraps

from flask import abort, redirect, request, url_for
from sqlalchemy import ColumnElement, select

from portal.domain_errors import NotFoundForOwner
from portal.extensions import db
from portal.models import Creditor, Debtor, StaffUser
from portal.models.staff import StaffRole
from portal.staff.sessions import current_staff

RANK = {StaffRole.AGENT: 0, StaffRole.SUPERVISOR: 1, StaffRole.ADMIN: 2}


class Permission(StrEnum):
    FIND = "find"
    VIEW_AS = "view_as"
    REPLY_TO_MESSAGES = "reply_to_messages"
    SEND_LINK = "send_link"
    ACT_ON_BEHALF = "act_on_behalf"
    DECIDE_PLANS = "decide_plans"
    RESOLVE_DISPUTES = "resolve_disputes"
    READ_ATTACHMENTS = "read_attachments"
    REVIEW_CIRCUMSTANCES = "review_circumstances"
    HOLDS = "holds"
    WRITE_OFF = "write_off"
    MANAGE_STAFF = "manage_staff"
    CREDITOR_SETTINGS = "creditor_settings"


#: the least role that has each permission
LEAST_ROLE = {
    Permission.FIND: StaffRole.AGENT,
    Permission.VIEW_AS: StaffRole.AGENT,
    Permission.REPLY_TO_MESSAGES: StaffRole.AGENT,
    Permission.SEND_LINK: StaffRole.AGENT,
    Permission.ACT_ON_BEHALF: StaffRole.AGENT,
    Permission.DECIDE_PLANS: StaffRole.SUPERVISOR,
    Permission.RESOLVE_DISPUTES: StaffRole.SUPERVISOR,
    Permission.READ_ATTACHMENTS: StaffRole.SUPERVISOR,
    Permission.REVIEW_CIRCUMSTANCES: StaffRole.SUPERVISOR,
    Permission.HOLDS: StaffRole.SUPERVISOR,
    Permission.WRITE_OFF: StaffRole.SUPERVISOR,
    Permission.MANAGE_STAFF: StaffRole.ADMIN,
    Permission.CREDITOR_SETTINGS: StaffRole.ADMIN,
}


def may(user: StaffUser | None, permission: Permission) -> bool:
    return user is not None and RANK[StaffRole(user.role)] >= RANK[LEAST_ROLE[permission]]


def staff_required(permission: Permission = Permission.FIND) -> Callable:
    """A console view: signed in with password and code (else to sign-in), and holding `permission` (else 403)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args, **kwargs):
            user = current_staff()
            if user is None:
                return redirect(url_for("staff.sign_in", next=request.full_path.rstrip("?")))
            if not may(user, permission):
                abort(403)
            return view(*args, **kwargs)

        guarded.staff_permission = permission
        return guarded

    return decorator


def their_creditors(user: StaffUser) -> ColumnElement[bool]:
    """A WHERE clause for queries about debtors: only the staff user's creditors'."""
    return Debtor.creditor_id.in_(user.creditor_ids)


def debtor_for_staff(user: StaffUser, debtor_id: int) -> Debtor:
    debtor = db.session.scalar(select(Debtor).where(Debtor.id == debtor_id, their_creditors(user)))
    if debtor is None:
        raise NotFoundForOwner(f"no debtor {debtor_id} for staff user {user.id}")
    return debtor


def creditor_for_staff(user: StaffUser, slug: str) -> Creditor:
    creditor = next((creditor for creditor in user.creditors if creditor.slug == slug), None)
    if creditor is None:
        raise NotFoundForOwner(f"no creditor {slug} for staff user {user.id}")
    return creditor
