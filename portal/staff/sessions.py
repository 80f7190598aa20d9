"""Staff sign-in sessions, kept on the server and apart from debtors' sessions.

The staff cookie holds a random token and nothing else; its hash names a StaffSession row, which says who it
is, whether the TOTP code was given, and when it ends. A debtor's cookie never opens a staff page (it is a
different cookie, read by different code), and a staff cookie never opens a debtor's page except through a
view as that debtor (portal.staff.view_as). Signing out, an admin, a new set-up or a timeout ends the row,
so a copied cookie is worthless afterwards.
"""

import secrets
from datetime import datetime, timedelta

from flask import Flask, Response, current_app, g, request
from sqlalchemy import select

from portal import clock
from portal.extensions import db
from portal.models import StaffSession, StaffUser
from portal.staff.accounts import token_hash

#: how long the password step waits for the code
CODE_STAGE = timedelta(minutes=10)
#: last_seen_at is written at most this often (the idle timeout is minutes, so seconds do not matter)
SEEN_EVERY = timedelta(seconds=30)


def start(user: StaffUser) -> StaffSession:
    """After the password: a session that opens nothing until the code is given."""
    row = StaffSession(staff_user_id=user.id, token_hash="", created_at=clock.now(), last_seen_at=clock.now())
    _give_token(row)
    db.session.add(row)
    return row


def verified(row: StaffSession) -> None:
    """The code was right: the session opens the console, under a new token (a token seen before the code
    was given is worth nothing afterwards)."""
    row.verified_at = clock.now()
    _give_token(row)


def end(row: StaffSession, reason: str) -> None:
    from portal.staff import view_as

    view_as.end_views_of(row.staff_user_id, reason="signed_out", now=clock.now(), session_id=row.id)
    row.ended_at = clock.now()
    row.ended_reason = reason
    g.staff_cookie = ""


def pending() -> StaffSession | None:
    """The session waiting for its code, if this browser has one."""
    row = g.get("staff_session")
    return row if row is not None and row.verified_at is None else None


def current_session() -> StaffSession | None:
    return g.get("staff_session")


def current_staff() -> StaffUser | None:
    """The signed-in staff user (code given), or None."""
    return g.get("staff")


def _give_token(row: StaffSession) -> None:
    token = secrets.token_urlsafe(32)
    row.token_hash = token_hash(token)
    g.staff_cookie = token


def _load() -> None:
    """Before every request but static files: who is signed in to the console on this browser, if anyone."""
    if request.endpoint == "static":
        return
    token = request.cookies.get(current_app.config["STAFF_COOKIE_NAME"])
    if not token:
        return
    row = db.session.scalar(
        select(StaffSession).where(StaffSession.token_hash == token_hash(token), StaffSession.ended_at.is_(None))
    )
    if row is None:
        g.staff_cookie = ""
        return
    reason = _ended_by_time(row, clock.now())
    if reason:
        end(row, reason)
        return
    g.staff_session = row
    if row.verified_at is not None and row.staff_user.active:
        g.staff = row.staff_user
        if clock.now() - row.last_seen_at > SEEN_EVERY:
            row.last_seen_at = clock.now()


def _ended_by_time(row: StaffSession, now: datetime) -> str | None:
    config = current_app.config
    if row.verified_at is None:
        return "code_not_given" if now - row.created_at > CODE_STAGE else None
    if now - row.created_at > timedelta(hours=config["STAFF_SESSION_ABSOLUTE_HOURS"]):
        return "expired"
    if now - row.last_seen_at > timedelta(minutes=config["STAFF_SESSION_IDLE_MINUTES"]):
        return "idle"
    return None


def _set_cookie(response: Response) -> Response:
    """A new token is sent once; an ended session's cookie is removed."""
    token = g.pop("staff_cookie", None)
    if token is None:
        return response
    name = current_app.config["STAFF_COOKIE_NAME"]
    if token:
        response.set_cookie(
            name, token, httponly=True, secure=current_app.config["SESSION_COOKIE_SECURE"], samesite="Strict"
        )
    else:
        response.delete_cookie(
            name, httponly=True, secure=current_app.config["SESSION_COOKIE_SECURE"], samesite="Strict"
        )
    return response


def init_app(app: Flask) -> None:
    app.before_request(_load)
    app.after_request(_set_cookie)
