"""Debtor sign-in sessions: Flask-Login with idle and absolute timeouts and revocation."""

from datetime import UTC, datetime

from flask import Flask, current_app, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from sqlalchemy import update

from portal.extensions import db, login_manager
from portal.models import Debtor


@login_manager.user_loader
def load_debtor(user_id: str) -> Debtor | None:
    """The cookie names a debtor and a session version; a bumped version signs them out."""
    debtor_id, _, version = user_id.partition(":")
    if not debtor_id.isdigit() or not version.isdigit():
        return None
    debtor = db.session.get(Debtor, int(debtor_id))
    if debtor is None or debtor.session_version != int(version):
        return None
    return debtor


def start_session(debtor: Debtor) -> None:
    """Sign in with a fresh session: nothing from before sign-in carries over, but the language."""
    fresh_session()
    login_user(debtor)


def fresh_session() -> None:
    """A new session, under the idle and absolute timeouts, keeping only the language (a debtor's sign-in, or a
    helper's: portal.trusted.access)."""
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    session.permanent = True
    session["signed_in_at"] = datetime.now(UTC).timestamp()


def end_session() -> None:
    """Sign out (and quick exit) on the server: a copy of the cookie is worthless afterwards.

    Bumps the debtor's session version, which ends their sessions on every device too. The caller commits."""
    if current_user.is_authenticated:
        revoke_sessions(current_user.id)
    forget_session()


def revoke_sessions(debtor_id: int) -> None:
    """One UPDATE that adds 1 in the database, so sign-outs at the same moment never undo each other."""
    db.session.execute(update(Debtor).where(Debtor.id == debtor_id).values(session_version=Debtor.session_version + 1))


def forget_session() -> None:
    """Forget who is signed in on this browser; keep the language."""
    locale = session.get("locale")
    logout_user()
    session.clear()
    if locale:
        session["locale"] = locale


#: how far behind the idle clock may fall before a request moves it on (seconds); moving it re-signs and re-sends
#: the cookie, so a debtor clicking through pages gets a new cookie once a minute, not with every page. It can
#: only make the idle timeout end sooner, never later.
IDLE_CLOCK_STEP = 60


def _enforce_timeouts() -> None:
    """Checked on the server too: a copied cookie must not outlive the timeouts.

    The timestamps are signed into the cookie, so an expired one is refused on every copy without
    touching the database; revoking here would let a stale cookie (an old tab on another device)
    sign the debtor out of the session they are using now."""
    if request.endpoint == "static":
        return  # the same CSS and JS for everyone: no session read, so no cookie set and no Vary: Cookie
    started = session.get("signed_in_at")
    if started is None:
        return
    now = datetime.now(UTC).timestamp()
    idle = now - session.get("last_seen", started)
    age = now - started
    if (
        idle > current_app.config["PERMANENT_SESSION_LIFETIME"].total_seconds()
        or age > current_app.config["SESSION_ABSOLUTE_LIFETIME"].total_seconds()
    ):
        forget_session()
        return
    if idle >= IDLE_CLOCK_STEP:
        session["last_seen"] = now


class SessionCookie(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, but a static file never sets the cookie: it is cached for a year by
    anyone (a shared cache too) and must not carry a debtor's session, nor refresh its idle timeout. Nor does the
    creditor API (/api/), which knows callers by their bearer keys and never by a cookie."""

    def save_session(self, app: Flask, session, response) -> None:
        if request.endpoint != "static" and not request.path.startswith("/api/"):
            super().save_session(app, session, response)


def init_app(app: Flask) -> None:
    app.session_interface = SessionCookie()
    login_manager.init_app(app)
    login_manager.login_view = "links.home"
    login_manager.login_message = _l("Your session has ended. Use the link in your message to sign in again.")
    login_manager.session_protection = "basic"
    app.before_request(_enforce_timeouts)
