"""Staff users as an admin manages them in the console: list, create, change role and creditors, deactivate,
give a new set-up link, end sessions. Built on portal.staff.accounts; the caller's unit of work commits.

An admin manages only staff users who serve nobody but the admin's own creditors: anyone else (who also serves
a creditor the admin does not) is "not found", as another creditor's debtor is. An admin cannot deactivate
themselves or take away their own admin role: another admin must.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select

from portal.domain_errors import NotAllowedNow, NotFoundForOwner
from portal.extensions import db
from portal.models import Creditor, StaffSession, StaffUser
from portal.models.audit import record
from portal.models.staff import STAFF_ROLES, StaffRole, staff_creditor
from portal.staff import accounts


class StaffChangeRefused(NotAllowedNow):
    """An admin asked for something they may not do; `message` says why, for the page."""

    def __init__(self, message: str):
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class StaffRow:
    """A line of the staff users list."""

    user: StaffUser
    #: sessions signed in (code given) and not ended or timed out
    open_sessions: int
    #: the last request in any of their sessions
    last_seen_at: datetime | None


def managed_by(admin: StaffUser):
    """A WHERE clause: staff users serving at least one creditor, and none the admin does not serve."""
    link = staff_creditor.c
    return exists().where(link.staff_user_id == StaffUser.id) & ~exists().where(
        link.staff_user_id == StaffUser.id, link.creditor_id.not_in(admin.creditor_ids)
    )


def user_for_admin(admin: StaffUser, user_id: int) -> StaffUser:
    user = db.session.scalar(select(StaffUser).where(StaffUser.id == user_id, managed_by(admin)))
    if user is None:
        raise NotFoundForOwner(f"no staff user {user_id} for admin {admin.id}")
    return user


def _open(now: datetime):
    config = current_app.config
    return (
        StaffSession.ended_at.is_(None),
        StaffSession.verified_at.is_not(None),
        StaffSession.last_seen_at > now - timedelta(minutes=config["STAFF_SESSION_IDLE_MINUTES"]),
        StaffSession.created_at > now - timedelta(hours=config["STAFF_SESSION_ABSOLUTE_HOURS"]),
    )


def staff_list(admin: StaffUser, now: datetime) -> list[StaffRow]:
    """The staff users this admin manages, by name, with their open sessions and last activity."""
    users = list(db.session.scalars(select(StaffUser).where(managed_by(admin)).order_by(StaffUser.name)))
    ids = [user.id for user in users]
    open_counts = dict(
        db.session.execute(
            select(StaffSession.staff_user_id, func.count())
            .where(StaffSession.staff_user_id.in_(ids), *_open(now))
            .group_by(StaffSession.staff_user_id)
        ).all()
    )
    last_seen = dict(
        db.session.execute(
            select(StaffSession.staff_user_id, func.max(StaffSession.last_seen_at))
            .where(StaffSession.staff_user_id.in_(ids), StaffSession.verified_at.is_not(None))
            .group_by(StaffSession.staff_user_id)
        ).all()
    )
    return [StaffRow(user, open_counts.get(user.id, 0), last_seen.get(user.id)) for user in users]


def open_sessions(user: StaffUser, now: datetime) -> int:
    return db.session.scalar(select(func.count()).where(StaffSession.staff_user_id == user.id, *_open(now)))


def _creditors(admin: StaffUser, creditor_ids: Iterable[int]) -> list[Creditor]:
    """The admin's own creditors among `creditor_ids`; any other is refused, and at least one is needed."""
    wanted = set(creditor_ids)
    if not wanted:
        raise StaffChangeRefused(_l("Choose at least one creditor"))
    if not wanted <= admin.creditor_ids:
        raise NotFoundForOwner(f"admin {admin.id} does not serve creditors {wanted - admin.creditor_ids}")
    return [creditor for creditor in admin.creditors if creditor.id in wanted]


def _audit(action: str, admin: StaffUser, user: StaffUser, **detail) -> None:
    record(
        action,
        actor_type="staff",
        actor_id=admin.id,
        staff_name=admin.first_name,
        staff_role=admin.role,
        staff_user=user.id,
        **detail,
    )


def create_user(admin: StaffUser, *, email: str, name: str, role: str, creditor_ids: Iterable[int], now: datetime):
    """A new staff user for some of the admin's creditors; returns (user, set-up token), the token shown once."""
    creditors = _creditors(admin, creditor_ids)
    return accounts.create_staff(email, name, role, creditors, by=admin.name, now=now, actor_id=admin.id)


def new_setup_link(admin: StaffUser, user: StaffUser, *, now: datetime) -> str:
    """A fresh set-up link (the old one stops working); their password and authenticator go once it is used."""
    if not user.active:
        raise StaffChangeRefused(_l("Reactivate this account before giving a set-up link"))
    token = accounts.new_setup_token(user, now=now)
    _audit("staff.set_up_link", admin, user)
    return token


def change_access(admin: StaffUser, user: StaffUser, *, role: str, creditor_ids: Iterable[int]) -> bool:
    """A new role and creditors; False when both are as they were."""
    if role not in STAFF_ROLES:
        raise StaffChangeRefused(_l("Choose a role"))
    if user.id == admin.id and role != StaffRole.ADMIN:
        raise StaffChangeRefused(_l("You cannot take away your own admin role. Ask another admin."))
    creditors = _creditors(admin, creditor_ids)
    before_role, before_creditors = user.role, sorted(c.slug for c in user.creditors)
    after_creditors = sorted(c.slug for c in creditors)
    if (before_role, before_creditors) == (role, after_creditors):
        return False
    user.role = role
    user.creditors = creditors
    _audit(
        "staff.access_changed",
        admin,
        user,
        role=[before_role, role],
        creditors=[before_creditors, after_creditors],
    )
    return True


def deactivate(admin: StaffUser, user: StaffUser, *, now: datetime) -> None:
    """They can no longer sign in, and every session they have open ends now; their history stays."""
    if user.id == admin.id:
        raise StaffChangeRefused(_l("You cannot deactivate your own account. Ask another admin."))
    user.active = False
    ended = accounts.end_sessions(user.id, reason="deactivated", now=now)
    _audit("staff.deactivated", admin, user, sessions_ended=ended)


def reactivate(admin: StaffUser, user: StaffUser) -> None:
    user.active = True
    _audit("staff.reactivated", admin, user)


def end_sessions(admin: StaffUser, user: StaffUser, *, now: datetime) -> int:
    """Sign them out everywhere (a lost laptop); they can sign in again."""
    ended = accounts.end_sessions(user.id, reason="ended_by_admin", now=now)
    _audit("staff.sessions_ended", admin, user, sessions_ended=ended)
    return ended
