"""Fixtures shared by every layer of tests: the app, a client, a database per test."""

import html
import os
import re
from collections import Counter
from datetime import UTC, datetime, time

import hypothesis
import pytest
from flask.testing import FlaskClient
from jinja2 import pass_context
from sqlalchemy import event, text

from portal import clock, create_app
from portal.extensions import db, limiter

#: Property tests check rules, not speed (bench/ measures that): no per-example deadline, which a busy
#: machine running the suite in parallel misses now and then.
hypothesis.settings.register_profile("rules", deadline=None)
hypothesis.settings.load_profile("rules")

#: CI sets this: a test that would skip for want of PostgreSQL, Redis, Chromium or axe-core fails instead.
REQUIRE_FULL_SUITE = os.environ.get("REQUIRE_FULL_SUITE") == "1"


def _forbid_skip(report) -> None:
    if REQUIRE_FULL_SUITE and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"REQUIRE_FULL_SUITE=1, so this may not skip: {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    _forbid_skip(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield
    _forbid_skip(outcome.get_result())


TEST_SETTINGS = {
    "PORTAL_ENV": "testing",
    "TESTING": True,
    "SECRET_KEY": "test-secret-key",
    "PUBLIC_BASE_URL": "http://portal.test",
    "SESSION_COOKIE_SECURE": False,
    "RATELIMIT_STORAGE_URI": "memory://",
    "LOG_FORMAT": "text",
}


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """PostgreSQL when TEST_DATABASE_URL is set, otherwise a SQLite file of the session's own."""
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def _schema(database_url):
    app = create_app(TEST_SETTINGS | {"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def redis_url() -> str:
    """An empty Redis database for limits shared between app instances (TEST_REDIS_URL; CI sets it)."""
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("needs Redis: set TEST_REDIS_URL, e.g. redis://127.0.0.1:6379/15 (CI does)")
    import redis

    redis.Redis.from_url(url).flushdb()
    return url


@pytest.fixture
def settings() -> dict:
    """Override in a test module to change the app's settings."""
    return {}


class IsolatedClient(FlaskClient):
    """Each request gets its own app context (its own `g` and database session), as in production,
    even though the test itself holds one open to build data."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def app(_schema, database_url, settings):
    app = create_app(TEST_SETTINGS | {"SQLALCHEMY_DATABASE_URI": database_url} | settings)
    app.test_client_class = IsolatedClient
    with app.app_context():
        limiter.reset()
        yield app
        db.session.remove()
        _empty_every_table()
        db.engine.dispose()


def _empty_every_table() -> None:
    """PostgreSQL refuses DELETE on append-only tables (a trigger), but TRUNCATE fires no row trigger."""
    tables = db.metadata.sorted_tables
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            names = ", ".join(connection.dialect.identifier_preparer.format_table(table) for table in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            return
        for table in reversed(tables):
            connection.execute(table.delete())


@pytest.fixture(autouse=True)
def _daytime(monkeypatch):
    """Messages keep to contact hours (8am to 9pm where the debtor lives) and tests run at any hour, so
    the clock that rule reads says 5pm UTC today: noon in New York, 5pm in London. A test about the
    hours sets `portal.clock.now` itself."""
    five_pm = datetime.combine(datetime.now(UTC).date(), time(17), UTC)
    monkeypatch.setattr(clock, "now", lambda: five_pm)


@pytest.fixture(params=["sqlite", "postgresql"])
def app_on_each_database(request, database_url, settings, tmp_path):
    """The test's app on SQLite, then on PostgreSQL: for rules that must hold on every database.

    The suite's own database serves its kind; the other kind gets a fresh database of its own
    (SQLite: a file; PostgreSQL: only through TEST_DATABASE_URL, so a laptop without it skips).
    """
    kind = request.param
    if database_url.startswith(kind):
        yield request.getfixturevalue("app")
        return
    if kind == "postgresql":
        pytest.skip("needs PostgreSQL: set TEST_DATABASE_URL (CI does)")
    app = create_app(TEST_SETTINGS | {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'own.db'}"} | settings)
    app.test_client_class = IsolatedClient
    with app.app_context():
        db.create_all()
        limiter.reset()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "page has no CSRF token"
    return match.group(1) or match.group(2)


def main_text(response) -> str:
    """The words of a page's main content, as a person reads them."""
    main = re.search(r"<main.*?</main>", response.get_data(as_text=True), re.S).group(0)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main)))


class Browser:
    """A test client that fills in the CSRF token, as the page would."""

    def __init__(self, client):
        self.client = client

    def get(self, path: str, **kwargs):
        return self.client.get(path, **kwargs)

    def token(self) -> str:
        return csrf_from(self.client.get("/", follow_redirects=True).get_data(as_text=True))

    def post(self, path: str, data: dict | None = None, **kwargs):
        form = {"csrf_token": self.token()} | (data or {})
        return self.client.post(path, data=form, **kwargs)

    def sign_in(self, link_path: str, debtor):
        """Open a link, continue and answer the identity question correctly."""
        self.get(link_path)
        self.post("/start")
        if debtor.creditor.identity_method == "date_of_birth":
            born = debtor.date_of_birth
            answer = {"day": str(born.day), "month": str(born.month), "year": str(born.year)}
        else:
            answer = {"postcode": debtor.postcode}
        response = self.post("/verify", answer)
        assert response.status_code == 302, response.get_data(as_text=True)
        return response


@pytest.fixture
def browser(client) -> Browser:
    return Browser(client)


@pytest.fixture
def count_queries(app):
    """Count SQL statements run inside a `with count_queries() as counter:` block."""

    class Counter:
        def __init__(self):
            self.count = 0

        def __enter__(self):
            event.listen(db.engine, "before_cursor_execute", self._count)
            return self

        def __exit__(self, *exc):
            event.remove(db.engine, "before_cursor_execute", self._count)

        def _count(self, *args):
            self.count += 1

    return Counter


@pytest.fixture
def translations(app, monkeypatch) -> Counter:
    """How many times templates translate each message from now on ({msgid: times}): a translation costs
    more than the rest of what a template does with a word (bench/render.py), so pages ask once a word."""
    translated: Counter = Counter()
    gettext = app.jinja_env.globals["gettext"]

    @pass_context
    def counting(context, string, **variables):
        translated[string] += 1
        return gettext(context, string, **variables)

    monkeypatch.setitem(app.jinja_env.globals, "gettext", counting)
    return translated
