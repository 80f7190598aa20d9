"""A creditor's webhook endpoint, as an admin sets it in the console: URL, secret, rotation; each change audited."""

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.extensions import db
from portal.models import Creditor, StaffUser, WebhookEndpoint
from portal.models.audit import record
from portal.webhooks import addresses
from portal.webhooks.signing import new_secret

#: hosts that may be called over plain HTTP outside production (a receiver on the developer's machine)
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


class WebhookRefused(ValueError):
    """The URL cannot be used; `message` says why, for the form."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def endpoint_of(creditor: Creditor) -> WebhookEndpoint | None:
    return db.session.scalar(select(WebhookEndpoint).where(WebhookEndpoint.creditor_id == creditor.id))


def check_url(url: str) -> str:
    """The URL, trimmed, if a receiver may be called there: https, or http to this machine outside production;
    on the internet unless WEBHOOK_ALLOW_PRIVATE (the address is checked again at each delivery)."""
    url = url.strip()
    parts = urlsplit(url)
    if not parts.hostname or parts.username or parts.password or len(url) > 500:
        raise WebhookRefused(_l("Enter a full address like https://example.com/webhooks"))
    local = parts.hostname in LOCAL_HOSTS and current_app.config["PORTAL_ENV"] != "production"
    if parts.scheme != "https" and not (parts.scheme == "http" and local):
        raise WebhookRefused(_l("The address must start with https://"))
    if not current_app.config["WEBHOOK_ALLOW_PRIVATE"]:
        _check_public(parts.hostname)
    return url


def _check_public(host: str) -> None:
    try:
        addresses.resolve(host, allow_private=False)
    except addresses.NotFound as error:
        raise WebhookRefused(_l("We could not find this address. Check it and try again.")) from error
    except addresses.NotPublic as error:
        raise WebhookRefused(
            _l("This address is on a private network. Enter an address our servers can reach on the internet.")
        ) from error


@dataclass(frozen=True)
class Saved:
    endpoint: WebhookEndpoint
    #: the new secret, to show once; None when the URL changed and the secret stayed
    secret: str | None


def save_url(creditor: Creditor, url: str, *, staff: StaffUser, now: datetime) -> Saved:
    """Set the receiver's address; the first time, a secret is made with it."""
    url = check_url(url)
    endpoint = endpoint_of(creditor)
    if endpoint is None:
        secret = new_secret()
        endpoint = WebhookEndpoint(creditor_id=creditor.id, url=url, secret=secret, created_at=now)
        endpoint.secret_rotated_at = now
        db.session.add(endpoint)
        _audit("webhook.created", creditor, staff, url=url)
        return Saved(endpoint, secret)
    if endpoint.url != url:
        _audit("webhook.url_changed", creditor, staff, before=endpoint.url, after=url)
        endpoint.url = url
    return Saved(endpoint, None)


def rotate_secret(creditor: Creditor, *, staff: StaffUser, now: datetime) -> str:
    """A new secret, used from the next attempt on; the old one stops at once. Returned to show once."""
    endpoint = endpoint_of(creditor)
    if endpoint is None:
        raise WebhookRefused(_l("Set the webhook address first."))
    endpoint.secret = new_secret()
    endpoint.secret_rotated_at = now
    _audit("webhook.secret_rotated", creditor, staff, url=endpoint.url)
    return endpoint.secret


def remove(creditor: Creditor, *, staff: StaffUser) -> None:
    """Stop webhooks: no new deliveries; those waiting fail at their next attempt."""
    endpoint = endpoint_of(creditor)
    if endpoint is not None:
        _audit("webhook.removed", creditor, staff, url=endpoint.url)
        db.session.delete(endpoint)


def _audit(action: str, creditor: Creditor, staff: StaffUser, **detail) -> None:
    """Who changed where a creditor's events go; never the secret."""
    record(action, actor_type="staff", actor_id=staff.id, creditor=creditor.slug, staff_name=staff.first_name, **detail)
