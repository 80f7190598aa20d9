"""Magic links: issue, open, check identity, lock. Plain functions; the view commits."""

import enum
import secrets
from datetime import UTC, date, datetime, timedelta

from flask import current_app, has_request_context, url_for
from itsdangerous import BadSignature, URLSafeSerializer

from portal.extensions import db
from portal.models import Debtor, LinkRequest, MagicLink
from portal.models.audit import record
from portal.security import is_local_path

_SALT = "portal.magic-link"


class LinkProblem(enum.StrEnum):
    INVALID = "invalid"
    EXPIRED = "expired"
    REVOKED = "revoked"
    LOCKED = "locked"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=_SALT)


def issue_link(
    debtor: Debtor,
    *,
    ttl_days: int | None = None,
    campaign: str | None = None,
    destination: str | None = None,
    now: datetime | None = None,
) -> tuple[MagicLink, str]:
    """Create a link for a debtor; returns the row and the signed token for the URL.

    `destination` is a path in the portal to open once they have proved who they are.
    """
    if destination is not None and not is_local_path(destination):
        raise ValueError(f"a link can only lead to a page of the portal, not {destination!r}")
    now = now or datetime.now(UTC)
    days = ttl_days if ttl_days is not None else debtor.creditor.link_lifetime_days
    link = MagicLink(
        public_id=secrets.token_urlsafe(12),
        debtor=debtor,
        campaign=campaign,
        destination=destination,
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    db.session.add(link)
    db.session.flush()
    record("link.issued", actor_type="creditor", actor_id=debtor.creditor_id, debtor_id=debtor.id, link=link.public_id)
    return link, _serializer().dumps(link.public_id)


def landing_page(link: MagicLink) -> str:
    """Where a debtor goes after the identity check: the link's page, or their accounts."""
    if link.destination and is_local_path(link.destination):
        return link.destination
    return url_for("accounts.dashboard")


def link_url(token: str) -> str:
    """The full address to put in an SMS, email or letter."""
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    if has_request_context():
        return base + url_for("links.open_link", token=token)
    with current_app.test_request_context():
        return base + url_for("links.open_link", token=token)


def find_link(token: str) -> MagicLink | None:
    """The link a token names, or None when the token is forged or unknown."""
    try:
        public_id = _serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(public_id, str):
        return None
    return db.session.scalar(db.select(MagicLink).where(MagicLink.public_id == public_id))


def find_by_public_id(public_id: str | None) -> MagicLink | None:
    if not public_id:
        return None
    return db.session.scalar(db.select(MagicLink).where(MagicLink.public_id == public_id))


def link_problem(link: MagicLink | None, now: datetime | None = None) -> LinkProblem | None:
    """Why a link can't be used right now, or None if it can."""
    now = now or datetime.now(UTC)
    if link is None:
        return LinkProblem.INVALID
    if link.revoked_at is not None:
        return LinkProblem.REVOKED
    if link.locked_at is not None:
        return LinkProblem.LOCKED
    if link.expires_at <= now:
        return LinkProblem.EXPIRED
    return None


def record_open(link: MagicLink, now: datetime | None = None) -> None:
    """Count an open. Opening never signs anyone in, so mail scanners can't use up a link."""
    link.open_count += 1
    link.last_opened_at = now or datetime.now(UTC)
    record("link.opened", actor_type="debtor", debtor_id=link.debtor_id, link=link.public_id)


def revoke_link(link: MagicLink, now: datetime | None = None) -> None:
    if link.revoked_at is None:
        link.revoked_at = now or datetime.now(UTC)
        record(
            "link.revoked",
            actor_type="creditor",
            actor_id=link.debtor.creditor_id,
            debtor_id=link.debtor_id,
            link=link.public_id,
        )


def normalise_postcode(text: str) -> str:
    """Compare postcodes and ZIP codes without spaces or case; a ZIP+4 matches its 5 digits."""
    cleaned = "".join(text.split()).upper()
    if len(cleaned) == 10 and cleaned[5] == "-" and cleaned[:5].isdigit():
        return cleaned[:5]
    return cleaned


def identity_matches(debtor: Debtor, *, date_of_birth: date | None = None, postcode: str | None = None) -> bool:
    method = debtor.creditor.identity_method
    if method == "date_of_birth":
        return date_of_birth is not None and debtor.date_of_birth == date_of_birth
    if method == "postcode":
        return (
            bool(postcode)
            and bool(debtor.postcode)
            and (secrets.compare_digest(normalise_postcode(postcode), normalise_postcode(debtor.postcode)))
        )
    raise ValueError(f"unknown identity method {method!r}")


def record_failed_identity(link: MagicLink, now: datetime | None = None) -> int:
    """Count a wrong answer and lock the link at the limit; returns the tries left."""
    now = now or datetime.now(UTC)
    link.failed_attempts += 1
    limit = current_app.config["IDENTITY_MAX_FAILURES"]
    record(
        "identity.failed",
        actor_type="debtor",
        debtor_id=link.debtor_id,
        link=link.public_id,
        attempt=link.failed_attempts,
    )
    if link.failed_attempts >= limit:
        link.locked_at = now
        record("link.locked", actor_type="system", debtor_id=link.debtor_id, link=link.public_id)
    return max(limit - link.failed_attempts, 0)


def record_sign_in(link: MagicLink) -> None:
    link.sign_in_count += 1
    record(
        "session.started", actor_type="debtor", actor_id=link.debtor_id, debtor_id=link.debtor_id, link=link.public_id
    )


def request_new_link(link: MagicLink | None, reason: LinkProblem, contact: str | None = None) -> LinkRequest:
    """Note that someone wants a new link; the creditor or a person follows it up."""
    request = LinkRequest(
        magic_link_id=link.id if link else None,
        debtor_id=link.debtor_id if link else None,
        reason=reason.value,
        contact=contact,
    )
    db.session.add(request)
    record("link.new_requested", actor_type="debtor", debtor_id=request.debtor_id, reason=reason.value)
    return request
