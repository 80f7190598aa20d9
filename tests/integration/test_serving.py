"""What production serving needs from the app: health checks, request ids, compression, a lean <head>."""

import json
import logging
import os
import re

import pytest
from sqlalchemy.exc import OperationalError

from portal import create_app, logs
from portal.templating import static_url
from tests.conftest import TEST_SETTINGS
from tests.factories import make_account, make_debtor, make_link


def test_healthz_says_the_process_is_up_and_nothing_else(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert "Set-Cookie" not in response.headers


def test_readyz_checks_the_database_and_says_redis_is_not_used_with_memory_limits(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ready", "database": "ok", "redis": "not used"}
    assert "Set-Cookie" not in response.headers


def test_readyz_checks_redis_when_limits_are_counted_there(app, redis_url):
    app.config["RATELIMIT_STORAGE_URI"] = redis_url
    assert app.test_client().get("/readyz").get_json()["redis"] == "ok"


def test_readyz_is_503_when_redis_does_not_answer(app):
    app.config["RATELIMIT_STORAGE_URI"] = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "not ready", "database": "ok", "redis": "unreachable"}


def test_readyz_is_503_when_the_database_does_not_answer(app, monkeypatch):
    from portal.extensions import db

    def refuse(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(db.session, "execute", refuse)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


def test_health_checks_are_never_rate_limited(client):
    assert all(client.get("/healthz").status_code == 200 for _ in range(50))


def test_every_answer_carries_a_request_id_of_its_own(client):
    ids = {client.get("/healthz").headers["X-Request-ID"] for _ in range(3)}
    assert len(ids) == 3
    assert all(re.fullmatch(r"[0-9a-f]{12}", request_id) for request_id in ids)


def test_a_proxys_request_id_is_kept_only_behind_a_trusted_proxy(app, client):
    sent = {"X-Request-ID": "lb-7f3a9c2e11"}
    assert client.get("/healthz", headers=sent).headers["X-Request-ID"] != "lb-7f3a9c2e11"
    app.config["TRUSTED_PROXIES"] = 1
    assert client.get("/healthz", headers=sent).headers["X-Request-ID"] == "lb-7f3a9c2e11"
    odd = client.get("/healthz", headers={"X-Request-ID": "an id; with spaces"}).headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{12}", odd)


def test_an_error_page_gives_the_request_id_to_quote(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    request_id = response.headers["X-Request-ID"]
    assert f"If you contact us about this, give this reference: {request_id}" in response.get_data(as_text=True)


def _forget_json_logging() -> None:
    """The JSON handler is set up once per process, on whatever stdout was then: start afresh."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h.name == "portal-json"]:
        root.removeHandler(handler)


def test_log_lines_are_json_with_the_request_id_and_no_link_token(capsys):
    _forget_json_logging()
    app = create_app(TEST_SETTINGS | {"SQLALCHEMY_DATABASE_URI": "sqlite://", "LOG_FORMAT": "json"})
    token = "ImFiYyI.c2VjcmV0LXRva2Vu"

    @app.get("/_test/log")
    def log_something():
        app.logger.warning("Opened /l/%s for P-ABC123", token)
        return "logged"

    try:
        response = app.test_client().get("/_test/log")
        line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    finally:
        _forget_json_logging()
    assert line["message"] == "Opened /l/[redacted] for P-ABC123"
    assert line["request_id"] == response.headers["X-Request-ID"]
    assert (line["level"], line["logger"]) == ("WARNING", "portal")
    assert token not in json.dumps(line)


def test_the_json_formatter_redacts_a_traceback_it_formats_itself():
    try:
        raise RuntimeError("/l/ImFiYyI.c2VjcmV0 broke")
    except RuntimeError:
        record = logging.getLogger("x").makeRecord(
            "x", logging.ERROR, __file__, 1, "failed", (), __import__("sys").exc_info()
        )
    line = json.loads(logs.json_formatter().format(record))
    assert "/l/[redacted] broke" in line["exc_info"]
    assert "c2VjcmV0" not in line["exc_info"]


@pytest.mark.parametrize(("offered", "used"), [("gzip, deflate, br", "br"), ("gzip, deflate", "gzip"), ("", None)])
def test_pages_are_compressed_as_the_browser_allows(client, offered, used):
    response = client.get("/", headers={"Accept-Encoding": offered} if offered else {})
    assert response.headers.get("Content-Encoding") == used
    assert "Accept-Encoding" in response.headers["Vary"]


def test_static_files_are_compressed_and_cached_for_a_year(client):
    with client.get("/static/css/portal.css", headers={"Accept-Encoding": "gzip, deflate"}) as response:
        assert response.headers["Content-Encoding"] == "deflate"
        assert "max-age=31536000" in response.headers["Cache-Control"]


@pytest.mark.parametrize(("portal_env", "follows_edits"), [("production", False), ("development", True)])
def test_a_static_files_version_is_read_once_a_process_but_in_development(app, tmp_path, portal_env, follows_edits):
    """A static URL carries the file's modification time. Files change only with a deploy, which starts new
    processes, so the disk is asked once a file, not each time a page names it; in development, always."""
    app.static_folder = str(tmp_path)
    app.config["PORTAL_ENV"] = portal_env
    style = tmp_path / "style.css"
    style.write_text("p{}")
    os.utime(style, (1_800_000_000, 1_800_000_000))
    with app.test_request_context():
        first = static_url("style.css")
        os.utime(style, (1_900_000_000, 1_900_000_000))
        second = static_url("style.css")
    assert first == "/static/style.css?v=1800000000"
    assert second == ("/static/style.css?v=1900000000" if follows_edits else first)


def test_htmx_is_loaded_only_by_pages_that_use_it(browser):
    debtor = make_debtor()
    account = make_account(debtor)
    browser.sign_in(make_link(debtor), debtor)
    dashboard = browser.get("/accounts/").get_data(as_text=True)
    options = browser.get(f"/accounts/{account.id}/plans").get_data(as_text=True)
    assert "htmx.min.js" not in dashboard and "hx-headers" not in dashboard
    assert "htmx.min.js" in options and "hx-get" in options


def test_every_page_names_a_favicon(client):
    page = client.get("/").get_data(as_text=True)
    href = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', page).group(1)
    with client.get(href) as icon:
        assert icon.status_code == 200
        assert icon.mimetype == "image/svg+xml"
