"""API keys: made, checked, revoked. A key is `pk_live_<lookup>_<secret>`; only its sha256 is stored."""

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from portal import clock
from portal.domain_errors import NotFoundForOwner
from portal.extensions import db
from portal.models import ApiKey, Creditor
from portal.models.audit import record

PREFIX = "pk_live_"
#: last use is written at most this often per key
TOUCH_EVERY = timedelta(minutes=1)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(creditor: Creditor, *, name: str, by: str, key: str | None = None) -> tuple[ApiKey, str]:
    """A new key for the creditor; returns the row and the key itself, which is never stored or shown again.

    `key` is a given one (the demo's, printed every time it is seeded); by default a random one."""
    key = key or f"{PREFIX}{secrets.token_hex(8)}_{secrets.token_urlsafe(32)}"
    lookup = key.removeprefix(PREFIX).partition("_")[0]
    row = ApiKey(creditor_id=creditor.id, name=name, lookup=lookup, key_hash=_hash(key), created_by=by)
    db.session.add(row)
    db.session.flush()
    record("api_key.created", actor_type="staff", name=name, creditor=creditor.slug, key=lookup, by=by)
    return row, key


def find_key(key: str) -> ApiKey | None:
    """The live key this string is, or None (unknown, wrong secret, revoked)."""
    lookup, _, secret = key.removeprefix(PREFIX).partition("_")
    if not key.startswith(PREFIX) or not lookup or not secret:
        return None
    row = db.session.scalar(select(ApiKey).where(ApiKey.lookup == lookup))
    if row is None or row.revoked_at is not None or not hmac.compare_digest(row.key_hash, _hash(key)):
        return None
    return row


def touch(row: ApiKey, now: datetime | None = None) -> None:
    """Record the key's use, unless it was recorded in the last minute: one conditional UPDATE."""
    now = now or clock.now()
    db.session.execute(
        update(ApiKey)
        .where(ApiKey.id == row.id, or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at < now - TOUCH_EVERY))
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )


def revoke(row: ApiKey, *, by: str, now: datetime | None = None) -> None:
    """Stop the key working at once; revoking twice changes nothing."""
    if row.revoked_at is None:
        row.revoked_at = now or clock.now()
        record("api_key.revoked", actor_type="staff", creditor=row.creditor.slug, key=row.lookup, by=by)


def keys_of(creditor_ids: Iterable[int]) -> list[ApiKey]:
    """The keys of these creditors, live first, newest first."""
    return list(
        db.session.scalars(
            select(ApiKey)
            .where(ApiKey.creditor_id.in_(list(creditor_ids)))
            .order_by(ApiKey.revoked_at.is_not(None), ApiKey.id.desc())
        )
    )


def get_key(creditor_ids: Iterable[int], lookup: str) -> ApiKey:
    """One key of these creditors by its public part; another creditor's key is not found."""
    row = db.session.scalar(select(ApiKey).where(ApiKey.lookup == lookup, ApiKey.creditor_id.in_(list(creditor_ids))))
    if row is None:
        raise NotFoundForOwner(f"No API key {lookup!r} for these creditors.")
    return row
