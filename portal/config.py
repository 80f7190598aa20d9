"""Settings, computed from an environment each time an app is built (create_app), never on import."""

import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from portal.help import DEFAULT_QUICK_EXIT_URL, DEFAULT_QUICK_EXIT_URL_US

#: the values of PORTAL_ENV that allow a generated SECRET_KEY, plain-HTTP cookies and emails kept in files
DEVELOPMENT_ENVIRONMENTS = frozenset({"development", "testing"})


def instance_dir(environ: Mapping[str, str]) -> Path:
    """Where the development database, secret key, mail and uploads go unless told otherwise."""
    return Path(environ.get("PORTAL_INSTANCE_DIR", Path(__file__).resolve().parent.parent / "instance"))


def _flag(environ: Mapping[str, str], name: str, default: bool) -> bool:
    value = environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def settings_from(environ: Mapping[str, str]) -> dict[str, Any]:
    """Every setting from this environment, so a test can build an app with any settings in-process.

    SECRET_KEY stays None when the environment has none: create_app decides whether a development
    key may be generated, after the test settings are applied.
    """
    instance = instance_dir(environ)
    portal_env = environ.get("PORTAL_ENV", "production")
    development = portal_env in DEVELOPMENT_ENVIRONMENTS
    attachment_max_bytes = int(environ.get("DISPUTE_ATTACHMENT_MAX_BYTES", str(5 * 1024 * 1024)))
    return {
        "PORTAL_ENV": portal_env,
        "SECRET_KEY": environ.get("SECRET_KEY") or None,
        "SQLALCHEMY_DATABASE_URI": environ.get("DATABASE_URL", f"sqlite:///{instance / 'portal.db'}"),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # Base URL printed in magic links (creditors send them by SMS, email, letter).
        "PUBLIC_BASE_URL": environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000"),
        # How many proxies in front of the portal set X-Forwarded-For and -Proto (0: believe none of them).
        # Behind one TLS proxy, 1: the debtor's own address is then what rate limits count.
        "TRUSTED_PROXIES": int(environ.get("TRUSTED_PROXIES", "0")),
        # "json": one JSON object a line on stdout, with the request id (production); "text": for people.
        "LOG_FORMAT": environ.get("LOG_FORMAT", "text" if development else "json"),
        # Strict-Transport-Security: after one visit, browsers only use HTTPS for this long (0: not sent).
        "HSTS_SECONDS": int(environ.get("HSTS_SECONDS", "0" if development else str(365 * 24 * 3600))),
        "SESSION_COOKIE_NAME": "portal_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _flag(environ, "SESSION_COOKIE_SECURE", not development),
        # Idle timeout: the cookie expires this long after the last request (portal.sessions moves it on).
        "PERMANENT_SESSION_LIFETIME": timedelta(minutes=int(environ.get("SESSION_IDLE_MINUTES", "15"))),
        # The cookie is sent again only when the session changed (sessions.IDLE_CLOCK_STEP), not on every page.
        "SESSION_REFRESH_EACH_REQUEST": False,
        # Absolute timeout: a sign-in never lasts longer than this, however active.
        "SESSION_ABSOLUTE_LIFETIME": timedelta(hours=int(environ.get("SESSION_ABSOLUTE_HOURS", "4"))),
        # Static URLs carry a version (see templating.static_url), so they can be cached long.
        "SEND_FILE_MAX_AGE_DEFAULT": 365 * 24 * 3600,
        # Responses compressed for browsers that accept it (Flask-Compress): brotli first, then gzip; static
        # files are sent as streams, which Flask-Compress cannot gzip, so deflate stands in (plain HTTP
        # browsers offer no brotli). Versioned static files are cached for a year, so this is rare work.
        "COMPRESS_ALGORITHM": ["br", "gzip"],
        "COMPRESS_ALGORITHM_STREAMING": ["br", "deflate"],
        "WTF_CSRF_TIME_LIMIT": None,  # the session lifetime already bounds a form's life
        # Our pages send no Referer (Referrer-Policy: no-referrer keeps link tokens out of logs), so
        # Flask-WTF's HTTPS referrer check would refuse every form; the token and SameSite cookie remain.
        "WTF_CSRF_SSL_STRICT": False,
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        "LANGUAGES": {"en": "English", "es": "Español"},
        # Shared by every worker and host in production (redis://…); memory:// counts per process.
        "RATELIMIT_STORAGE_URI": environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        # Wrong identity answers allowed per address, per link and per debtor (right answers never count:
        # thousands of people share one mobile-network address). Each link also locks after IDENTITY_MAX_FAILURES.
        "IDENTITY_ATTEMPTS_PER_IP": environ.get("IDENTITY_ATTEMPTS_PER_IP", "20 per hour"),
        "IDENTITY_ATTEMPTS_PER_LINK": environ.get("IDENTITY_ATTEMPTS_PER_LINK", "10 per hour"),
        "IDENTITY_ATTEMPTS_PER_DEBTOR": environ.get("IDENTITY_ATTEMPTS_PER_DEBTOR", "10 per day"),
        "IDENTITY_MAX_FAILURES": 5,
        # Short addresses (/s/<code>) opened per address: enough for a household, too few to guess codes with.
        "SHORT_LINK_OPENS_PER_IP": environ.get("SHORT_LINK_OPENS_PER_IP", "30 per hour"),
        # asking for a new link sends one at once to an address we hold: a page anyone can post to
        "NEW_LINK_REQUESTS_PER_IP": environ.get("NEW_LINK_REQUESTS_PER_IP", "10 per hour"),
        # booking and cancelling call backs, per debtor: plenty for a person, too few to fill the queue
        "CALL_BACK_POSTS_PER_HOUR": environ.get("CALL_BACK_POSTS_PER_HOUR", "30 per hour"),
        # Creditor API requests per key (portal.api).
        "API_RATE_LIMIT": environ.get("API_RATE_LIMIT", "600 per minute"),
        # Staff console: a staff sign-in ends after STAFF_SESSION_IDLE_MINUTES without a request, and after
        # STAFF_SESSION_ABSOLUTE_HOURS however busy; STAFF_MAX_FAILURES wrong passwords or codes lock the
        # account for STAFF_LOCK_MINUTES; a set-up link lasts STAFF_SETUP_HOURS; "view as" a debtor lasts
        # VIEW_AS_MINUTES. The staff cookie is separate from the debtor's and only ever holds a random token.
        "STAFF_COOKIE_NAME": "portal_staff",
        "STAFF_SESSION_IDLE_MINUTES": int(environ.get("STAFF_SESSION_IDLE_MINUTES", "30")),
        "STAFF_SESSION_ABSOLUTE_HOURS": int(environ.get("STAFF_SESSION_ABSOLUTE_HOURS", "10")),
        "STAFF_MAX_FAILURES": 5,
        "STAFF_LOCK_MINUTES": int(environ.get("STAFF_LOCK_MINUTES", "15")),
        "STAFF_SETUP_HOURS": 24,
        "VIEW_AS_MINUTES": int(environ.get("VIEW_AS_MINUTES", "30")),
        # how long a helper the debtor invited keeps their access, from the invitation or the last renewal
        "TRUSTED_HELPER_DAYS": int(environ.get("TRUSTED_HELPER_DAYS", "90")),
        # Card payments through Stripe. Both URLs are settings so tests and `make demo` can use localstripe.
        "STRIPE_SECRET_KEY": environ.get("STRIPE_SECRET_KEY"),
        "STRIPE_PUBLISHABLE_KEY": environ.get("STRIPE_PUBLISHABLE_KEY"),
        "STRIPE_WEBHOOK_SECRET": environ.get("STRIPE_WEBHOOK_SECRET"),
        "STRIPE_API_BASE": environ.get("STRIPE_API_BASE", "https://api.stripe.com"),
        "STRIPE_JS_URL": environ.get("STRIPE_JS_URL", "https://js.stripe.com/v3/"),
        # The least a debtor may pay at once (minor units) unless they clear the balance;
        # a creditor's policy["min_payment"] overrides it.
        "PAYMENT_MINIMUM_DEFAULT": int(environ.get("PAYMENT_MINIMUM_DEFAULT", "100")),
        # `flask payments reconcile` looks at payments left unfinished for longer than this.
        "PAYMENT_RECONCILE_AFTER_MINUTES": int(environ.get("PAYMENT_RECONCILE_AFTER_MINUTES", "10")),
        # Email. "smtp" sends through MAIL_SERVER; "file" writes each email to MAIL_DIR (development and the demo).
        "MAIL_BACKEND": environ.get("MAIL_BACKEND", "file" if development else "smtp"),
        "MAIL_DIR": environ.get("MAIL_DIR", str(instance / "mail")),
        "MAIL_SERVER": environ.get("MAIL_SERVER", "localhost"),
        "MAIL_PORT": int(environ.get("MAIL_PORT", "587")),
        "MAIL_USERNAME": environ.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": environ.get("MAIL_PASSWORD"),
        "MAIL_USE_TLS": _flag(environ, "MAIL_USE_TLS", True),
        "MAIL_USE_SSL": _flag(environ, "MAIL_USE_SSL", False),
        "MAIL_TIMEOUT": int(environ.get("MAIL_TIMEOUT", "10")),
        "MAIL_FROM": environ.get("MAIL_FROM", "Debtor portal <no-reply@portal.example>"),
        # Text messages through Twilio's library. TWILIO_API_BASE is a setting so tests and `make demo` can use a
        # local stand-in (tests/twilio_server.py); without an account SID no text is sent (the outbox retries).
        # Twilio signs inbound webhooks with the auth token over PUBLIC_BASE_URL + /sms/inbound.
        "TWILIO_ACCOUNT_SID": environ.get("TWILIO_ACCOUNT_SID"),
        "TWILIO_AUTH_TOKEN": environ.get("TWILIO_AUTH_TOKEN"),
        "TWILIO_FROM_NUMBER": environ.get("TWILIO_FROM_NUMBER"),
        "TWILIO_API_BASE": environ.get("TWILIO_API_BASE", "https://api.twilio.com"),
        "TWILIO_TIMEOUT": int(environ.get("TWILIO_TIMEOUT", "10")),
        # Creditors' webhooks may go to private, loopback and link-local addresses (a receiver on this machine or
        # the office network) only when this is on; in production they must be on the internet (portal.webhooks).
        "WEBHOOK_ALLOW_PRIVATE": _flag(environ, "WEBHOOK_ALLOW_PRIVATE", development),
        # `flask reminders send` writes to a debtor at most once in this many days, unless the creditor's
        # policy["portal_sends_reminders"]["every_days"] says otherwise.
        "REMINDERS_EVERY_DAYS": int(environ.get("REMINDERS_EVERY_DAYS", "7")),
        # Exit this page goes to a neutral site: QUICK_EXIT_URL_US for a US creditor's debtors, QUICK_EXIT_URL
        # for the rest and before a creditor is known, unless the creditor's policy["quick_exit_url"] says.
        "QUICK_EXIT_URL": environ.get("QUICK_EXIT_URL", DEFAULT_QUICK_EXIT_URL),
        "QUICK_EXIT_URL_US": environ.get("QUICK_EXIT_URL_US", DEFAULT_QUICK_EXIT_URL_US),
        # Dispute attachments: stored in UPLOAD_FOLDER/disputes (inside instance/, never served to debtors).
        "UPLOAD_FOLDER": environ.get("UPLOAD_FOLDER", str(instance / "uploads")),
        "DISPUTE_ATTACHMENT_MAX_BYTES": attachment_max_bytes,
        #: where the PDF documents' font (DejaVu Sans, regular and bold) is: Debian's fonts-dejavu-core puts it here
        "PDF_FONT_DIR": environ.get("PDF_FONT_DIR", "/usr/share/fonts/truetype/dejavu"),
        # Any request body larger than this is refused (413) before it is read: the attachment plus the form.
        "MAX_CONTENT_LENGTH": attachment_max_bytes + 512 * 1024,
    }


def development_secret_key(instance: Path) -> str:
    """A key kept in the instance folder, so demo links survive a restart."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "dev-secret-key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
    return path.read_text().strip()


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
