"""Kind error pages: a person never sees a stack trace.

A service's domain error (portal.domain_errors) gets the same page, or JSON answer, as the HTTP error it
stands for: someone else's thing is a 404, a request that is not allowed now a 400, a clash a 409.
"""

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import BadRequest, HTTPException, NotFound
from werkzeug.exceptions import Conflict as HTTPConflict

from portal import transaction
from portal.api import problems
from portal.domain_errors import Conflict, DomainError, NotAllowedNow, NotFoundForOwner

#: the HTTP error each domain error is answered with
HTTP_ERROR_FOR: dict[type[DomainError], type[HTTPException]] = {
    NotFoundForOwner: NotFound,
    NotAllowedNow: BadRequest,
    Conflict: HTTPConflict,
}


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return request.path.startswith("/api/") or best == "application/json"


def _handle_http_error(error: HTTPException):
    """An error page stores nothing the request did (the request's commit then has nothing to do)."""
    transaction.rollback()
    if request.path.startswith("/api/"):
        return problems.from_http_error(error)  # no API rule matched (an unknown URL, a wrong method)
    if _wants_json():
        return jsonify(error=error.name, status=error.code), error.code
    return render_template("errors/error.html", code=error.code), error.code


def _handle_domain_error(error: DomainError):
    """Exactly the answer the matching HTTP error gets: the same page, or the same JSON."""
    http_error = next(http for domain, http in HTTP_ERROR_FOR.items() if isinstance(error, domain))
    return _handle_http_error(http_error())


def _handle_server_error(error: Exception):
    transaction.rollback()
    if _wants_json():
        return jsonify(error="Internal Server Error", status=500), 500
    return render_template("errors/error.html", code=500), 500


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, _handle_http_error)
    for domain_error in HTTP_ERROR_FOR:
        app.register_error_handler(domain_error, _handle_domain_error)
    app.register_error_handler(500, _handle_server_error)
