"""Kind error pages: a person never sees a stack trace."""

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from portal.extensions import db


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return request.path.startswith("/api/") or best == "application/json"


def _handle_http_error(error: HTTPException):
    if _wants_json():
        return jsonify(error=error.name, status=error.code), error.code
    return render_template("errors/error.html", code=error.code), error.code


def _handle_server_error(error: Exception):
    db.session.rollback()
    if _wants_json():
        return jsonify(error="Internal Server Error", status=500), 500
    return render_template("errors/error.html", code=500), 500


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, _handle_http_error)
    app.register_error_handler(500, _handle_server_error)
