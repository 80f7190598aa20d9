"""Logs: one JSON object a line with the request's id, and never a magic-link or opt-out token.

A token in a log is a key to someone's account for as long as the link lives, readable by anyone who
can read the logs: "/l/<token>" in a logged line becomes "/l/[redacted]". Werkzeug's request log (flask
run, the tests' live server) and Flask's own log are filtered here; gunicorn's access and error logs by
the logger class in gunicorn.conf.py. Log messages name references (P-…, PL-…), never a person.

Every request gets an id (12 characters: short enough to read out on the phone), sent back in
X-Request-ID and shown on error pages, so a debtor can quote it and support can find the request's
lines. Behind trusted proxies, the proxy's X-Request-ID is kept.
"""

import logging
import re
import secrets
import sys

from flask import Flask, current_app, g, has_request_context, request
from flask.logging import default_handler
from pythonjsonlogger.json import JsonFormatter

#: a link's path up to its query, fragment, a space, a quote or "&" (in a query string); also
#: percent-escaped ("/l%2F..."), which the router decodes to the same page
_LINK_PATH = re.compile(r"(?:/|%2f)(?:l|%6c)(?:/|%2f)[^?#&\s\"']+", re.IGNORECASE)


#: an email's opt-out link (portal.stop): not a way in, but it turns someone's email off
_STOP_PATH = re.compile(r"(?:/|%2f)(?:s|%73)(?:t|%74)(?:o|%6f)(?:p|%70)(?:/|%2f)[^?#&\s\"']+", re.IGNORECASE)


def redact(text: str) -> str:
    """ "GET /l/ImFiYyI.xyz?utm=sms HTTP/1.1" -> "GET /l/[redacted]?utm=sms HTTP/1.1"; "/stop/…" likewise."""
    return _STOP_PATH.sub("/stop/[redacted]", _LINK_PATH.sub("/l/[redacted]", text))


class RedactLinkTokens(logging.Filter):
    """Redacts a record's whole message (its format and arguments, already joined) and its traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


#: one instance, so adding it again (gunicorn reloads its logging setup) changes nothing
link_token_filter = RedactLinkTokens()


#: an id a proxy may hand us: letters, digits and a few separators, nothing a log reader could trip on
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,128}")


def _start_request() -> None:
    incoming = request.headers.get("X-Request-ID", "")
    trusted = current_app.config["TRUSTED_PROXIES"] > 0
    g.request_id = incoming if trusted and _REQUEST_ID.fullmatch(incoming) else secrets.token_hex(6)


def _send_request_id(response):
    if "request_id" in g:
        response.headers["X-Request-ID"] = g.request_id
    return response


class RequestId(logging.Filter):
    """Puts the id of the request being served (or None, in a job) on every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id") if has_request_context() else None
        return True


class _RedactingJsonFormatter(JsonFormatter):
    """JSON lines; a traceback it formats itself is redacted too (it reads exc_info, not the filtered text)."""

    def formatException(self, ei) -> str:
        return redact(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:
        return redact(super().formatStack(stack_info))


def json_formatter() -> JsonFormatter:
    return _RedactingJsonFormatter(
        "{asctime}{levelname}{name}{message}{request_id}",
        style="{",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
    )


def _json_handler() -> logging.Handler:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(json_formatter())
    handler.addFilter(RequestId())
    handler.addFilter(link_token_filter)
    handler.name = "portal-json"
    return handler


def _log_json() -> None:
    """Everything the process logs, as JSON on stdout: once per process, however many apps are built."""
    root = logging.getLogger()
    if not any(handler.name == "portal-json" for handler in root.handlers):
        root.addHandler(_json_handler())
    root.setLevel(logging.INFO)


def init_app(app: Flask) -> None:
    logging.getLogger("werkzeug").addFilter(link_token_filter)
    app.logger.addFilter(link_token_filter)
    app.before_request(_start_request)
    app.after_request(_send_request_id)
    if app.config["LOG_FORMAT"] == "json":
        app.logger.removeHandler(default_handler)
        _log_json()
