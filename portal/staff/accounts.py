"""Staff users: created with a one-time set-up link, signed in with a password and a TOTP code, locked after
too many wrong answers. Plain functions; the caller's unit of work commits."""

import hashlib
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import case, literal, or_, select, update

from portal.domain_errors import Conflict, NotAllowedNow
from portal.extensions import db
from portal.models import Creditor, StaffSession, StaffUser
from portal.models.audit import record
from portal.models.staff import STAFF_ROLES
from portal.staff import passwords, totp


class SignInRefused(NotAllowedNow):
    """The password or code was wrong, or the account is locked or not usable: say so without saying which."""

    def __init__(self, locked: bool = False):
        super().__init__("locked" if locked else "wrong")
        self.locked = locked


class SetupProblem(NotAllowedNow):
    """The set-up form's answer can't be used; `field` names what to change and `message` says why."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_staff(
    email: str,
    name: str,
    role: str,
    creditors: Sequence[Creditor],
    *,
    by: str,
    now: datetime,
    actor_id: int | None = None,
):
    """A new staff user who cannot sign in until they follow the set-up link; returns (user, token).
    `actor_id` is the admin who made them in the console (None from the command line)."""
    email = email.strip().lower()
    if role not in STAFF_ROLES:
        raise NotAllowedNow(f"role must be one of {', '.join(STAFF_ROLES)}")
    if "@" not in email or not name.strip():
        raise NotAllowedNow("an email address and a name are needed")
    if not creditors:
        raise NotAllowedNow("a staff user serves at least one creditor")
    if db.session.scalar(select(StaffUser.id).where(StaffUser.email == email)) is not None:
        raise Conflict(f"{email} already has a staff account")
    user = StaffUser(email=email, name=name.strip(), role=role, creditors=list(creditors))
    db.session.add(user)
    token = new_setup_token(user, now=now)
    db.session.flush()
    record("staff.created", actor_type="staff", actor_id=actor_id, staff_user=user.id, role=role, by=by)
    return user, token


def new_setup_token(user: StaffUser, *, now: datetime) -> str:
    """A fresh set-up link (the old one stops working); set-up also resets the password and authenticator."""
    token = secrets.token_urlsafe(32)
    user.setup_token_hash = token_hash(token)
    user.setup_expires_at = now + timedelta(hours=current_app.config["STAFF_SETUP_HOURS"])
    return token


def user_for_setup(token: str, now: datetime) -> StaffUser | None:
    user = db.session.scalar(select(StaffUser).where(StaffUser.setup_token_hash == token_hash(token)))
    if user is None or not user.active or user.setup_expires_at is None or user.setup_expires_at <= now:
        return None
    return user


def finish_setup(user: StaffUser, *, password: str, secret: str, code: str, now: datetime) -> None:
    """Store the password and the authenticator once the code shows the app was set up; the link is used up."""
    problem = passwords.password_problem(password, user.email)
    if problem:
        raise SetupProblem("password", str(problem))
    step = totp.matching_step(secret, code, now)
    if step is None:
        raise SetupProblem("code", "code")
    used = db.session.execute(
        update(StaffUser)
        .where(StaffUser.id == user.id, StaffUser.setup_token_hash == user.setup_token_hash)
        .values(
            password_hash=passwords.hash_password(password),
            totp_secret=secret,
            totp_last_step=step,
            setup_token_hash=None,
            setup_expires_at=None,
            failed_attempts=0,
            locked_until=None,
        )
    ).rowcount
    if not used:
        raise Conflict("this set-up link has just been used")
    end_sessions(user.id, reason="set_up_again", now=now)
    record("staff.set_up", actor_type="staff", actor_id=user.id, staff_user=user.id)


def check_password(email: str, password: str, *, now: datetime) -> StaffUser:
    """The first step of signing in. A try is claimed before the password is compared (see _claim_try)."""
    user = db.session.scalar(select(StaffUser).where(StaffUser.email == email.strip().lower()))
    if user is None or not user.active or not user.is_set_up:
        passwords.password_matches(None, password)
        raise SignInRefused()
    _claim_try(user, now)
    if not passwords.password_matches(user.password_hash, password):
        _wrong(user, "password", now)
    right_answer(user)
    return user


def check_code(user: StaffUser, code: str, *, now: datetime) -> None:
    """The second step: a code from the authenticator, each time step good once. Wrong codes count too."""
    _claim_try(user, now)
    step = totp.matching_step(user.totp_secret or "", code, now)
    used = (
        step is not None
        and db.session.execute(
            update(StaffUser)
            .where(StaffUser.id == user.id, StaffUser.totp_last_step < step)
            .values(totp_last_step=step, failed_attempts=0, locked_until=None)
        ).rowcount
    )
    if not used:
        _wrong(user, "code", now)


def _claim_try(user: StaffUser, now: datetime) -> None:
    """Take one of the account's tries in one atomic statement, locking it with the last one; a right answer
    gives it back. Answers racing each other through many workers get STAFF_MAX_FAILURES checks at most."""
    limit = current_app.config["STAFF_MAX_FAILURES"]
    lock_until = now + timedelta(minutes=current_app.config["STAFF_LOCK_MINUTES"])
    expired_lock = StaffUser.locked_until <= now
    claimed = db.session.execute(
        update(StaffUser)
        .where(StaffUser.id == user.id, or_(StaffUser.locked_until.is_(None), expired_lock))
        .values(
            failed_attempts=case((expired_lock, 1), else_=StaffUser.failed_attempts + 1),
            locked_until=case(
                (or_(expired_lock, StaffUser.failed_attempts + 1 < limit), None),
                else_=literal(lock_until, StaffUser.locked_until.type),
            ),
        )
        .returning(StaffUser.failed_attempts)
    ).scalar_one_or_none()
    if claimed is None:
        raise SignInRefused(locked=True)


def _wrong(user: StaffUser, what: str, now: datetime) -> None:
    record("staff.sign_in_failed", actor_type="staff", actor_id=user.id, staff_user=user.id, what=what)
    locked = db.session.scalar(select(StaffUser.locked_until).where(StaffUser.id == user.id))
    if locked is not None and locked > now:
        record("staff.locked", actor_type="system", staff_user=user.id)
    raise SignInRefused(locked=locked is not None and locked > now)


def right_answer(user: StaffUser) -> None:
    """The password was right: its try is given back, and with it the lock if it held the last one (a right
    code then clears the count)."""
    db.session.execute(
        update(StaffUser)
        .where(StaffUser.id == user.id)
        .values(
            failed_attempts=case((StaffUser.failed_attempts > 0, StaffUser.failed_attempts - 1), else_=0),
            locked_until=None,
        )
    )


def end_sessions(staff_user_id: int, *, reason: str, now: datetime) -> int:
    """End every open session of a staff user (and so any view as a debtor they had open)."""
    from portal.staff import view_as

    view_as.end_views_of(staff_user_id, reason="signed_out", now=now)
    return db.session.execute(
        update(StaffSession)
        .where(StaffSession.staff_user_id == staff_user_id, StaffSession.ended_at.is_(None))
        .values(ended_at=now, ended_reason=reason)
    ).rowcount
