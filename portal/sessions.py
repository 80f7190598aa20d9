"""Debtor sign-in sessions: Flask-Login with idle and absolute timeouts and revocation."""

from datetime import UTC, datetime

from flask import Flask, current_app, session
from flask_babel import lazy_gettext as _l
from flask_login import login_user, logout_user

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
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    session.permanent = True
    session["signed_in_at"] = datetime.now(UTC).timestamp()
    login_user(debtor)


def end_session() -> None:
    locale = session.get("locale")
    logout_user()
    session.clear()
    if locale:
        session["locale"] = locale


def _enforce_timeouts() -> None:
    """Checked on the server too: a copied cookie must not outlive the timeouts."""
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
        end_session()
        return
    session["last_seen"] = now


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "links.home"
    login_manager.login_message = _l("Your session has ended. Use the link in your message to sign in again.")
    login_manager.session_protection = "basic"
    app.before_request(_enforce_timeouts)
