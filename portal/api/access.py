"""Who is calling: the bearer key, checked once a request, and the rate limit counted per key."""

from flask import abort, g, request
from flask_limiter.util import get_remote_address

from portal.api import keys
from portal.models import ApiKey


def _bearer() -> str | None:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def current_key() -> ApiKey | None:
    """The request's live key, or None; looked up once per request."""
    if "api_key" not in g:
        token = _bearer()
        g.api_key = keys.find_key(token) if token else None
    return g.api_key


def require_key() -> None:
    """Before every API view: no key, a wrong one or a revoked one is a 401; a good one is marked used."""
    key = current_key()
    if key is None:
        abort(401, description="Send a live API key: Authorization: Bearer pk_live_…")
    keys.touch(key)


def rate_limit_key() -> str:
    """Each key has its own allowance; requests without a good key share their address's."""
    key = current_key()
    return f"api-key:{key.id}" if key is not None else f"api-address:{get_remote_address()}"
