"""`Idempotency-Key` on POST: the same key and request get the stored answer; the same key with another
request is a 409.

The claim is a row inserted in the request's own transaction (unique per API key and idempotency key), so
the work and its stored answer are committed together or not at all. A racing duplicate's insert waits for
the first to commit (PostgreSQL) or for the write lock (SQLite), then fails the unique constraint and reads
the stored answer: the work never runs twice. Only successful answers are stored: an error rolls the claim
back with everything else, and a retry runs again.
"""

import hashlib

from flask import current_app, g, json, request
from flask_smorest import abort
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.api.access import current_key
from portal.extensions import db
from portal.models import IdempotentRequest

HEADER = "Idempotency-Key"


def _fingerprint() -> str:
    digest = hashlib.sha256(f"{request.method} {request.full_path}\n".encode())
    digest.update(request.get_data(cache=True))
    return digest.hexdigest()


def claim_or_replay():
    """Before a POST view: claim the key, or answer with what the first request got."""
    value = request.headers.get(HEADER)
    if request.method != "POST" or value is None:
        return None
    if not 1 <= len(value) <= 255:
        abort(400, message="Idempotency-Key must be 1 to 255 characters", errors={HEADER: ["1 to 255 characters"]})
    key, fingerprint = current_key(), _fingerprint()
    claim = IdempotentRequest(api_key_id=key.id, idempotency_key=value, request_hash=fingerprint)
    try:
        with db.session.begin_nested():
            db.session.add(claim)
            db.session.flush()
    except IntegrityError:
        stored = db.session.scalar(
            select(IdempotentRequest).where(
                IdempotentRequest.api_key_id == key.id, IdempotentRequest.idempotency_key == value
            )
        )
        if stored.request_hash != fingerprint:
            abort(409, message="This Idempotency-Key was used for another request", errors={HEADER: ["reused"]})
        if stored.status_code is None:
            abort(409, message="A request with this Idempotency-Key is still being handled: retry later")
        response = current_app.response_class(
            json.dumps(stored.response_body), status=stored.status_code, mimetype="application/json"
        )
        response.headers["Idempotent-Replayed"] = "true"
        return response
    g.idempotent_request = claim
    return None


def store_answer(response):
    """After a POST view: keep a successful answer with its claim (the request's commit writes both)."""
    claim = g.pop("idempotent_request", None)
    if claim is not None and response.status_code < 400 and response.is_json:
        claim.status_code = response.status_code
        claim.response_body = response.get_json()
    return response
