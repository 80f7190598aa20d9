"""Fixtures shared by every layer of tests: the app, a client, a rolled-back transaction per test."""

import html
import os
import re
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, time
from urllib.parse import urlsplit, urlunsplit

import hypothesis
import pytest
from flask import Flask
from flask.testing import FlaskClient
from jinja2 import BytecodeCache, pass_context
from sqlalchemy import Engine, create_engine, event, make_url, text

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
    "WEBHOOK_ALLOW_PRIVATE": True,
}


#: Under pytest-xdist, the worker running this process ("gw0", "gw1", ...); None in a plain run.
WORKER = os.environ.get("PYTEST_XDIST_WORKER")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> Iterator[str]:
    """PostgreSQL when TEST_DATABASE_URL is set, otherwise a SQLite file of the session's own.

    Under xdist each worker gets a PostgreSQL database of its own, named after TEST_DATABASE_URL's and
    the worker ("test_gw0"), made fresh here and dropped at the end.
    """
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        return
    if not WORKER:
        yield url
        return
    base = make_url(url)
    own = base.set(database=f"{base.database}_{WORKER}")
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    name = admin.dialect.identifier_preparer.quote(own.database)
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {name}"))
    yield own.render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


@pytest.fixture(scope="session")
def _schema(database_url):
    """The suite's tables, and the engine every rolled-back test connects through: one engine for the
    session keeps SQLAlchemy's cache of compiled statements, which each new engine starts empty."""
    app = create_app(TEST_SETTINGS | {"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        engine = db.engine
        _sqlite_transactions_as_written(engine)
        db.drop_all()
        db.create_all()
    yield engine
    with app.app_context():
        db.drop_all()
        engine.dispose()


@pytest.fixture
def redis_url() -> str:
    """An empty Redis database for limits shared between app instances (TEST_REDIS_URL; CI sets it)."""
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("needs Redis: set TEST_REDIS_URL, e.g. redis://127.0.0.1:6379/15 (CI does)")
    if WORKER:  # each xdist worker flushes its own database: the URL's number minus the worker's index
        parts = urlsplit(url)
        number = int(parts.path.strip("/") or 0) - int(WORKER.removeprefix("gw"))
        assert number >= 0, f"TEST_REDIS_URL's database number leaves no Redis database for worker {WORKER}"
        url = urlunsplit(parts._replace(path=f"/{number}"))
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


class SavepointClient(IsolatedClient):
    """The client of a rolled-back test, whose requests share the test's connection. SAVEPOINTs on one
    connection nest, so the test's session is committed before each request: a SAVEPOINT it still held
    would take in what the request commits, and the test's next rollback would undo it."""

    def open(self, *args, **kwargs):
        session = db.session()
        if session.in_transaction():
            session.commit()
        return super().open(*args, **kwargs)


#: Fixtures whose tests are served from other threads and connections, which see only what is committed.
COMMITTING_FIXTURES = {"live_server", "app_on_each_database"}


def pytest_collection_modifyitems(items):
    for item in items:
        if COMMITTING_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.commits)


class _CompiledTemplates(BytecodeCache):
    """Jinja's compiled templates, kept for every app the tests build: each new app's environment
    would otherwise compile each template again (Jinja checks the source has not changed)."""

    def __init__(self):
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


_COMPILED_TEMPLATES = _CompiledTemplates()


def _test_app(settings: dict) -> Flask:
    app = create_app(TEST_SETTINGS | settings)
    app.test_client_class = IsolatedClient
    app.jinja_env.bytecode_cache = _COMPILED_TEMPLATES
    return app


@pytest.fixture
def app(request, _schema, database_url, settings):
    """The test's app, its database work rolled back at the end; with `@pytest.mark.commits`, committed
    for real (for other threads, connections or apps to see) and every table emptied after."""
    app = _test_app({"SQLALCHEMY_DATABASE_URI": database_url} | settings)
    with app.app_context():
        limiter.reset()
        if request.node.get_closest_marker("commits"):
            yield app
            db.session.remove()
            _empty_every_table()
        else:
            app.test_client_class = SavepointClient
            own_engine = {"SQLALCHEMY_DATABASE_URI", "SQLALCHEMY_ENGINE_OPTIONS"} & settings.keys()
            with _one_transaction_rolled_back(db.engine if own_engine else _schema):
                yield app
        db.engine.dispose()


# A session bound to an engine has no transaction to join and ignores this; one bound to the test's
# connection (below) works in a SAVEPOINT inside the test's transaction instead of ending it.
db.session.session_factory.configure(join_transaction_mode="create_savepoint")


@contextmanager
def _one_transaction_rolled_back(engine: Engine) -> Iterator[None]:
    """Every session of the current app, the test's and each request's, works on one connection inside
    one transaction that is rolled back at the end: `commit()` releases a SAVEPOINT, `rollback()`
    returns to it, and app code commits or not as it would in production.

    Flask-SQLAlchemy 3's sessions ignore a session-level `bind` and take `db.engines[None]`, so the
    connection stands in for the engine in that mapping for the test (as its maintainers suggest in
    pallets-eco/flask-sqlalchemy#1171). The connection belongs to the test's thread: another thread
    using it (a server, a pool of requests) means the test needs `@pytest.mark.commits`.
    """
    engines = db.engines
    apps_engine = engines[None]
    _sqlite_transactions_as_written(engine)
    connection = engine.connect()
    transaction = connection.begin()
    owner = threading.get_ident()
    strays: list[str] = []

    @event.listens_for(connection, "before_cursor_execute")
    def _only_from_the_tests_thread(*args):
        if threading.get_ident() != owner:
            strays.append(threading.current_thread().name)
            raise RuntimeError("another thread used the test's rolled-back connection: mark it `commits`")

    engines[None] = connection
    try:
        yield
    finally:
        db.session.remove()
        engines[None] = apps_engine
        transaction.rollback()
        connection.close()
    assert not strays, f"threads {strays} used the test's rolled-back connection: mark the test `commits`"


def _sqlite_transactions_as_written(engine: Engine) -> None:
    """pysqlite begins a transaction only before INSERT, UPDATE or DELETE, so a SAVEPOINT first would
    stand outside the test's transaction; SQLAlchemy's documented recipe emits BEGIN itself. (Only
    for the tests' engines: the app's SQLite, for the demo, keeps pysqlite's way.)"""
    if engine.dialect.name == "sqlite" and not event.contains(engine, "begin", _begin):
        event.listen(engine, "connect", _no_implicit_begin)
        event.listen(engine, "begin", _begin)


def _no_implicit_begin(dbapi_connection, record) -> None:
    dbapi_connection.isolation_level = None


def _begin(connection) -> None:
    connection.exec_driver_sql("BEGIN")


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
    """The test's app on SQLite, then on PostgreSQL: for rules that must hold on every database, such as
    races between connections (so it commits for real).

    The suite's own database serves its kind; the other kind gets a fresh database of its own
    (SQLite: a file; PostgreSQL: only through TEST_DATABASE_URL, so a laptop without it skips).
    """
    kind = request.param
    if database_url.startswith(kind):
        yield request.getfixturevalue("app")
        return
    if kind == "postgresql":
        pytest.skip("needs PostgreSQL: set TEST_DATABASE_URL (CI does)")
    app = _test_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'own.db'}"} | settings)
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
            answer = {
                "date_of_birth-day": str(born.day),
                "date_of_birth-month": str(born.month),
                "date_of_birth-year": str(born.year),
            }
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
