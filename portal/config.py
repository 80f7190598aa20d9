"""Settings, read once from the environment."""

import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

INSTANCE_DIR = Path(os.environ.get("PORTAL_INSTANCE_DIR", Path(__file__).resolve().parent.parent / "instance"))


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _development_secret_key() -> str:
    """A key kept in the instance folder, so demo links survive a restart."""
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    path = INSTANCE_DIR / "dev-secret-key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
    return path.read_text().strip()


class Config:
    PORTAL_ENV = os.environ.get("PORTAL_ENV", "production")
    DEVELOPMENT = PORTAL_ENV in {"development", "testing"}

    SECRET_KEY = os.environ.get("SECRET_KEY") or (_development_secret_key() if DEVELOPMENT else None)
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'portal.db'}")
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    # Base URL printed in magic links (creditors send them by SMS, email, letter).
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")

    # How many proxies in front of the portal set X-Forwarded-For and -Proto (0: believe none of them).
    # Behind one TLS proxy, 1: the debtor's own address is then what rate limits count.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
    # Strict-Transport-Security: after one visit, browsers only use HTTPS for this long (0: not sent).
    HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", "0" if DEVELOPMENT else str(365 * 24 * 3600)))

    SESSION_COOKIE_NAME = "portal_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", not DEVELOPMENT)
    # Idle timeout: the cookie expires this long after the last request.
    PERMANENT_SESSION_LIFETIME = timedelta(minutes=int(os.environ.get("SESSION_IDLE_MINUTES", "15")))
    SESSION_REFRESH_EACH_REQUEST = True
    # Absolute timeout: a sign-in never lasts longer than this, however active.
    SESSION_ABSOLUTE_LIFETIME = timedelta(hours=int(os.environ.get("SESSION_ABSOLUTE_HOURS", "4")))

    # Static URLs carry a version (see templating.static_url), so they can be cached long.
    SEND_FILE_MAX_AGE_DEFAULT = 365 * 24 * 3600

    WTF_CSRF_TIME_LIMIT = None  # the session lifetime already bounds a form's life
    # Our pages send no Referer (Referrer-Policy: no-referrer keeps link tokens out of logs), so
    # Flask-WTF's HTTPS referrer check would refuse every form; the token and SameSite cookie remain.
    WTF_CSRF_SSL_STRICT = False

    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    LANGUAGES = {"en": "English", "es": "Español"}

    # Shared by every worker and host in production (redis://…); memory:// counts per process.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    # Wrong identity answers allowed per address, per link and per debtor (right answers never count:
    # thousands of people share one mobile-network address). Each link also locks after IDENTITY_MAX_FAILURES.
    IDENTITY_ATTEMPTS_PER_IP = os.environ.get("IDENTITY_ATTEMPTS_PER_IP", "20 per hour")
    IDENTITY_ATTEMPTS_PER_LINK = os.environ.get("IDENTITY_ATTEMPTS_PER_LINK", "10 per hour")
    IDENTITY_ATTEMPTS_PER_DEBTOR = os.environ.get("IDENTITY_ATTEMPTS_PER_DEBTOR", "10 per day")
    IDENTITY_MAX_FAILURES = 5

    # Card payments through Stripe. Both URLs are settings so tests and `make demo` can use localstripe.
    STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY")
    STRIPE_PUBLISHABLE_KEY = os.environ.get("STRIPE_PUBLISHABLE_KEY")
    STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET")
    STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "https://api.stripe.com")
    STRIPE_JS_URL = os.environ.get("STRIPE_JS_URL", "https://js.stripe.com/v3/")
    # The least a debtor may pay at once (minor units) unless they clear the balance;
    # a creditor's policy["min_payment"] overrides it.
    PAYMENT_MINIMUM_DEFAULT = int(os.environ.get("PAYMENT_MINIMUM_DEFAULT", "100"))
    # `flask payments reconcile` looks at payments left unfinished for longer than this.
    PAYMENT_RECONCILE_AFTER_MINUTES = int(os.environ.get("PAYMENT_RECONCILE_AFTER_MINUTES", "10"))

    # Email. "smtp" sends through MAIL_SERVER; "file" writes each email to MAIL_DIR (development and the demo).
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "file" if DEVELOPMENT else "smtp")
    MAIL_DIR = os.environ.get("MAIL_DIR", str(INSTANCE_DIR / "mail"))
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "587"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", True)
    MAIL_USE_SSL = _env_bool("MAIL_USE_SSL", False)
    MAIL_TIMEOUT = int(os.environ.get("MAIL_TIMEOUT", "10"))
    MAIL_FROM = os.environ.get("MAIL_FROM", "Debtor portal <no-reply@portal.example>")

    # Dispute attachments: stored in UPLOAD_FOLDER/disputes (inside instance/, never served to debtors).
    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER", str(INSTANCE_DIR / "uploads"))
    DISPUTE_ATTACHMENT_MAX_BYTES = int(os.environ.get("DISPUTE_ATTACHMENT_MAX_BYTES", str(5 * 1024 * 1024)))
    # Any request body larger than this is refused (413) before it is read: the attachment plus the form.
    MAX_CONTENT_LENGTH = DISPUTE_ATTACHMENT_MAX_BYTES + 512 * 1024


def production_problems(config: Mapping[str, Any]) -> list[str]:
    """Why these settings must not serve real debtors; production refuses to start while there are any."""
    if config["PORTAL_ENV"] != "production":
        return []
    problems = []
    if not str(config["SQLALCHEMY_DATABASE_URI"]).startswith("postgresql"):
        problems.append(
            "DATABASE_URL must name a PostgreSQL database (postgresql+psycopg://user@host/name): "
            "SQLite lets one writer in at a time and is for the demo and the tests."
        )
    if str(config["RATELIMIT_STORAGE_URI"]).startswith("memory://"):
        problems.append(
            "RATELIMIT_STORAGE_URI must name a Redis server (redis://host:6379/0): in memory, each "
            "worker process counts wrong identity answers on its own, so the limits multiply."
        )
    return problems
