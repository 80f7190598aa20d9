"""No magic-link token in any log: Werkzeug's request log, Flask's error log, gunicorn's access and error logs."""

import json
import logging
import runpy
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import Flask
from gunicorn.config import Config
from werkzeug.serving import WSGIRequestHandler

from portal import logs
from portal.logs import redact

GUNICORN_CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"
TOKEN = "ImhvemR6cDJGRnpWQWVSY08i.ZFvWuAlEG20dzPPLX62Y9l0UvdY"


@pytest.mark.parametrize(
    ("line", "redacted"),
    [
        (f"GET /l/{TOKEN} HTTP/1.1", "GET /l/[redacted] HTTP/1.1"),
        (f'"GET /l/{TOKEN} HTTP/1.1" 302 -', '"GET /l/[redacted] HTTP/1.1" 302 -'),
        (f"/l/{TOKEN}?utm_source=sms", "/l/[redacted]?utm_source=sms"),
        (f"/l/{TOKEN}#top", "/l/[redacted]#top"),
        (f"'/l/{TOKEN}'", "'/l/[redacted]'"),
        (f"https://portal.example/l/{TOKEN}", "https://portal.example/l/[redacted]"),
        (f"/L/{TOKEN}", "/l/[redacted]"),
        # the router decodes these to the same link, so they are the same secret
        (f"/l%2F{TOKEN}", "/l/[redacted]"),
        (f"%2Fl%2f{TOKEN}", "/l/[redacted]"),
        (f"/%6C/{TOKEN}", "/l/[redacted]"),
        (f"next=/l/{TOKEN}&x=1", "next=/l/[redacted]&x=1"),
        (
            f"GET /l/{TOKEN} HTTP/1.1 from https://portal.example/l/other",
            "GET /l/[redacted] HTTP/1.1 from https://portal.example/l/[redacted]",
        ),
        ("/l/[redacted]", "/l/[redacted]"),
        # an email's opt-out link
        (f"POST /stop/{TOKEN} HTTP/1.1", "POST /stop/[redacted] HTTP/1.1"),
        (f"https://portal.example/Stop%2F{TOKEN}?x=1", "https://portal.example/stop/[redacted]?x=1"),
        ("/stop/[redacted]", "/stop/[redacted]"),
        # nothing to hide
        ("GET /start HTTP/1.1", "GET /start HTTP/1.1"),
        ("/l/", "/l/"),
        ("/l", "/l"),
        ("/plans/PL-1?step=2", "/plans/PL-1?step=2"),
        ("/static/css/portal.css?v=1795931283", "/static/css/portal.css?v=1795931283"),
        ("/help/messages/12#latest", "/help/messages/12#latest"),
    ],
)
def test_redact(line, redacted):
    assert redact(line) == redacted


@pytest.fixture
def app():
    app = Flask("redaction_test")
    app.config.update(LOG_FORMAT="text", TRUSTED_PROXIES=0)
    logs.init_app(app)
    return app


def test_werkzeugs_request_log_has_no_token(app, caplog):
    """The line `flask run` and the tests' live server print for every request."""
    handler = WSGIRequestHandler.__new__(WSGIRequestHandler)  # no socket needed to log a request
    handler.command, handler.path, handler.request_version = "GET", f"/l/{TOKEN}?utm=sms", "HTTP/1.1"
    handler.client_address = ("203.0.113.9", 51000)
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        handler.log_request(302, "-")
    [record] = [record for record in caplog.records if record.name == "werkzeug"]
    assert TOKEN not in caplog.text
    assert "GET /l/[redacted]?utm=sms HTTP/1.1" in record.getMessage()  # inside colour codes
    assert record.getMessage().startswith("203.0.113.9 - - [")


def test_flasks_error_log_has_no_token(app, caplog):
    """ "Exception on /l/<token> [GET]", and the traceback under it."""

    @app.get("/l/<token>")
    def open_link(token):
        raise RuntimeError(f"could not open /l/{token}")

    with caplog.at_level(logging.ERROR, logger=app.logger.name):
        assert app.test_client().get(f"/l/{TOKEN}").status_code == 500
    [record] = caplog.records
    assert record.getMessage() == "Exception on /l/[redacted] [GET]"
    assert "RuntimeError: could not open /l/[redacted]" in record.exc_text
    assert TOKEN not in caplog.text


@pytest.fixture
def gunicorn_settings(monkeypatch):
    """gunicorn.conf.py as gunicorn reads it, in an environment without the settings' variables."""
    for name in ("BIND", "PORT", "WEB_CONCURRENCY", "GUNICORN_THREADS", "GUNICORN_TIMEOUT", "LOG_FORMAT"):
        monkeypatch.delenv(name, raising=False)
    return lambda: runpy.run_path(str(GUNICORN_CONF))


def _gunicorn_logger(settings: dict):
    cfg = Config()
    for name in ("accesslog", "errorlog", "logger_class", "access_log_format"):
        if name in settings:
            cfg.set(name, settings[name])
    return cfg.logger_class(cfg)


def _request(path: str, query: str = ""):
    """What gunicorn hands its logger for one request, as in gunicorn's own tests."""
    response = SimpleNamespace(
        status="302 FOUND", headers=[("Location", "/start"), ("X-Request-ID", "4f1c2a9e")], sent=0
    )
    request = SimpleNamespace(headers=[("Referer", f"https://portal.example{path}"), ("User-Agent", "phone")])
    raw_uri = f"{path}?{query}" if query else path
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": raw_uri,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.9",
        "HTTP_REFERER": f"https://portal.example{path}",
        "HTTP_USER_AGENT": "phone",
    }
    return response, request, environ, timedelta(milliseconds=12)


def test_gunicorns_access_log_atoms_have_no_token(gunicorn_settings):
    logger = _gunicorn_logger(gunicorn_settings())
    atoms = logger.atoms(*_request(f"/l/{TOKEN}", f"next=/l/{TOKEN}"))
    assert atoms["r"] == "GET /l/[redacted]?next=/l/[redacted] HTTP/1.1"
    assert atoms["U"] == "/l/[redacted]"
    assert atoms["q"] == "next=/l/[redacted]"
    assert atoms["f"] == "https://portal.example/l/[redacted]"
    assert atoms["{raw_uri}e"] == "/l/[redacted]?next=/l/[redacted]"
    assert atoms["{referer}i"] == "https://portal.example/l/[redacted]"
    assert TOKEN not in repr(atoms)
    assert atoms["s"] == "302" and atoms["{location}o"] == "/start"


def test_gunicorns_access_log_line_has_no_token(gunicorn_settings, capsys, monkeypatch):
    monkeypatch.setenv("LOG_FORMAT", "text")
    logger = _gunicorn_logger(gunicorn_settings())
    logger.access(*_request(f"/l/{TOKEN}", "utm_source=sms"))
    line = capsys.readouterr().out
    assert line.startswith("203.0.113.9 - - [")
    assert '"GET /l/[redacted]?utm_source=sms HTTP/1.1" 302 0 "https://portal.example/l/[redacted]" "phone"' in line
    assert TOKEN not in line


def test_gunicorns_access_log_is_json_with_the_request_id_and_no_token_query_or_address(gunicorn_settings, capsys):
    logger = _gunicorn_logger(gunicorn_settings())
    logger.access(*_request(f"/l/{TOKEN}", "utm_source=sms"))
    line = json.loads(capsys.readouterr().out)
    assert {key: line[key] for key in ("logger", "request_id", "method", "path", "status", "bytes")} == {
        "logger": "access",
        "request_id": "4f1c2a9e",
        "method": "GET",
        "path": "/l/[redacted]",
        "status": 302,
        "bytes": 0,
    }
    assert line["duration_ms"] == 12
    assert "utm_source" not in str(line) and "203.0.113.9" not in str(line) and TOKEN not in str(line)


def test_gunicorns_error_log_has_no_token(gunicorn_settings, capsys):
    """gunicorn's workers log "Error handling request <uri>" when the app fails."""
    logger = _gunicorn_logger(gunicorn_settings())
    try:
        raise RuntimeError(f"/l/{TOKEN} broke")
    except RuntimeError:
        logger.exception("Error handling request %s", f"/l/{TOKEN}")
    errors = capsys.readouterr().err
    assert "Error handling request /l/[redacted]" in errors
    assert "RuntimeError: /l/[redacted] broke" in errors
    assert TOKEN not in errors


def test_gunicorn_settings_default_to_loopback_and_come_from_the_environment(gunicorn_settings, monkeypatch):
    settings = gunicorn_settings()
    assert settings["wsgi_app"] == "wsgi:app"
    assert (settings["bind"], settings["workers"], settings["threads"], settings["timeout"]) == (
        "127.0.0.1:8000",
        2,
        4,
        30,
    )
    assert settings["logger_class"].__name__ == "RedactingLogger"
    assert (settings["accesslog"], settings["errorlog"]) == ("-", "-")

    monkeypatch.setenv("PORT", "9000")
    assert gunicorn_settings()["bind"] == "0.0.0.0:9000"
    monkeypatch.setenv("BIND", "unix:/run/portal.sock")
    monkeypatch.setenv("WEB_CONCURRENCY", "5")
    monkeypatch.setenv("GUNICORN_THREADS", "8")
    monkeypatch.setenv("GUNICORN_TIMEOUT", "60")
    settings = gunicorn_settings()
    assert (settings["bind"], settings["workers"], settings["threads"], settings["timeout"]) == (
        "unix:/run/portal.sock",
        5,
        8,
        60,
    )
