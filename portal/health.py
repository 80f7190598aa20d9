"""`/healthz` and `/readyz` for the proxy and the orchestrator: is the process up, can it serve.

Neither says anything about a debtor, sets a cookie or counts against a rate limit.
"""

import logging

import redis
from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from portal.extensions import db, limiter

log = logging.getLogger(__name__)

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@limiter.exempt
def healthz():
    """The process is up and answering (a restart is the cure when it is not)."""
    return jsonify(status="ok")


@bp.get("/readyz")
@limiter.exempt
def readyz():
    """The database and Redis answer: send traffic here (otherwise 503, and the proxy tries another host)."""
    checks = {"database": _database(), "redis": _redis()}
    ready = all(state in ("ok", "not used") for state in checks.values())
    return jsonify(status="ready" if ready else "not ready", **checks), 200 if ready else 503


def _database() -> str:
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        log.warning("Ready check: the database did not answer (%s)", type(error).__name__)
        return "unreachable"
    return "ok"


def _redis() -> str:
    url = str(current_app.config["RATELIMIT_STORAGE_URI"])
    if not url.startswith(("redis://", "rediss://")):
        return "not used"
    try:
        redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        log.warning("Ready check: Redis did not answer (%s)", type(error).__name__)
        return "unreachable"
    return "ok"
