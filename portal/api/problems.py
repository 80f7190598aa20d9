"""Errors as `application/problem+json` (RFC 9457): type, title, status, detail, and `errors` by field."""

import json
from http import HTTPStatus
from typing import Any

from flask import current_app
from werkzeug.exceptions import HTTPException, InternalServerError

from portal import transaction
from portal.creditors.records import InvalidRecord, LedgerItemRefused, RecordConflict
from portal.domain_errors import Conflict, DomainError, NotAllowedNow, NotFoundForOwner
from portal.rights.service.holds import HoldError

MIMETYPE = "application/problem+json"
#: problem types for the API's own rules; plain HTTP errors are "about:blank"
TYPE_BASE = "urn:debtor-portal:problem:"


def problem(
    status: int,
    *,
    title: str | None = None,
    detail: str | None = None,
    errors: dict[str, list[str]] | None = None,
    kind: str | None = None,
    rule: str | None = None,
    headers: dict[str, str] | None = None,
):
    """A problem+json response; the unit of work is rolled back (nothing the request did is kept)."""
    transaction.rollback()
    body: dict[str, Any] = {
        "type": TYPE_BASE + kind if kind else "about:blank",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    if rule:
        body["rule"] = rule
    response = current_app.response_class(json.dumps(body), status=status, mimetype=MIMETYPE)
    response.headers.update(headers or {})
    return response


def flatten(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """Marshmallow's nested messages ({"json": {"name": [...]}}) as one list per field ("name", "address.line")."""
    if isinstance(messages, list) and all(isinstance(message, str) for message in messages):
        return {prefix or "body": messages}
    if not isinstance(messages, dict):
        return {prefix or "body": [str(messages)]}
    flat: dict[str, list[str]] = {}
    for name, inner in messages.items():
        where = str(name) if prefix == "" else f"{prefix}.{name}"
        flat.update(flatten(inner, where))
    return flat


def from_http_error(error: HTTPException):
    """Any HTTP error, flask-smorest's validation errors included (their messages come by location)."""
    data = getattr(error, "data", None) or {}
    errors = flatten(data["errors"]) if data.get("errors") else None
    if data.get("messages"):
        # webargs puts each location first ({"json": {...}, "query": {...}}): a field's name is enough
        errors = {}
        for inner in data["messages"].values():
            errors.update(flatten(inner))
    headers = dict(data.get("headers") or {})
    if error.code == 401:
        headers["WWW-Authenticate"] = "Bearer"
    if error.code == 429:
        headers.update({name: value for name, value in error.get_headers() if name.lower() == "retry-after"})
    return problem(
        error.code or 500,
        title=error.name,
        detail=data.get("message") or error.description,
        errors=errors,
        kind="invalid-request" if errors else None,
        headers=headers,
    )


def from_domain_error(error: DomainError):
    """A service refused: someone else's thing is a 404, a bad value a 422 naming it, a clash a 409."""
    if isinstance(error, NotFoundForOwner):
        return problem(404, detail="No such thing for this creditor.")
    if isinstance(error, InvalidRecord):
        return problem(422, detail=error.message, errors={error.field: [error.message]}, kind="invalid-field")
    if isinstance(error, RecordConflict):
        return problem(409, detail=error.message, errors={error.field: [error.message]}, kind="conflict")
    if isinstance(error, LedgerItemRefused):
        return problem(409, detail=error.message, rule=error.rule, kind=f"ledger-item-refused-{error.rule}")
    if isinstance(error, Conflict):
        return problem(409, detail=str(error), kind="conflict")
    if isinstance(error, NotAllowedNow):
        return problem(422, detail=str(error), kind="not-allowed-now")
    return problem(400, detail=str(error))


def from_hold_error(error: HoldError):
    return problem(409, detail=str(error), kind="hold-refused")


def from_server_error(error: Exception):
    """Never a stack trace; the log has it."""
    return problem(500, detail="Something went wrong on our side.")


def register(blueprint) -> None:
    blueprint.register_error_handler(HTTPException, from_http_error)
    blueprint.register_error_handler(DomainError, from_domain_error)
    blueprint.register_error_handler(HoldError, from_hold_error)
    blueprint.register_error_handler(InternalServerError, from_server_error)
