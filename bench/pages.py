"""What bench/scaling.py and bench/size.py share: the machine, a fresh PostgreSQL database, fast seeding,
a signed-in test client, and a page's statements and time.

Pages are asked for in-process with Flask's test client, so a figure is the portal's own work (routing,
queries, templates) without a server or a network in front of it. Each request gets its own app context,
as in production: the client is only ever used outside the context the seeding holds.
"""

import logging
import os
import platform
import re
import runpy
import statistics
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import Engine, event, text

from portal import clock, create_app
from portal.config import settings_from
from portal.demo.service import CREDITORS
from portal.extensions import db
from portal.links import service as links
from portal.models import Account, Budget, Creditor, Debtor, Instalment, Plan

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1/bench_scale"
#: the demo's creditors: a US debt collector (bench debtors owe it unless told, so the validation pages exist)
#: and a UK one
US_CREDITOR, UK_CREDITOR = CREDITORS
BORN = date(1980, 5, 17)
#: the bench debtors' postcodes, by jurisdiction (the UK creditor asks for it to sign in)
POSTCODES = {"US": "62701", "UK": "LS6 2AB"}
#: the day the seeded ledgers start; every account's entries spread over the same years after it
LEDGER_START = date(2019, 1, 1)
LEDGER_DAYS = 2_500
#: the pages whose cost the benches follow, each with the account ({account}) or budget ({budget}) it shows
PAGES = {
    "dashboard": "/accounts/",
    "account": "/accounts/{account}",
    "plan options": "/accounts/{account}/plans",
    "budget result": "/budget/{budget}/result",
    "validation": "/accounts/{account}/validation",
}


# The machine


def machine(app: Flask) -> list[str]:
    """Where the figures come from: CPU, cores, memory, Python and PostgreSQL."""
    cpuinfo = _read("/proc/cpuinfo")
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
    memory = re.search(r"^MemTotal:\s*(\d+) kB", _read("/proc/meminfo"), re.M)
    with app.app_context():
        server = db.session.scalar(text("SHOW server_version"))
    return [
        f"CPU: {model.group(1) if model else platform.processor() or 'unknown'}, {os.cpu_count()} cores",
        f"Memory: {int(memory.group(1)) / 1024 / 1024:.1f} GiB" if memory else "Memory: unknown",
        f"Python: {platform.python_version()} ({platform.python_implementation()}), {platform.platform()}",
        f"PostgreSQL: {server}",
    ]


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


# The app and its database


def bench_app(database_url: str, instance: Path) -> Flask:
    """The portal with production's settings, but for what would need more than PostgreSQL: a generated secret
    key, rate limits counted in memory (pages only count wrong identity answers, which we never give), emails
    kept as files in `instance`, and log lines for people (the tables go to the same stdout; pages log nothing)."""
    production = settings_from({"PORTAL_ENV": "production", "PORTAL_INSTANCE_DIR": str(instance)})
    chosen = {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": os.urandom(32).hex(),
        "RATELIMIT_STORAGE_URI": "memory://",
        "MAIL_BACKEND": "file",
        "LOG_FORMAT": "text",
        "PORTAL_ENV": "bench",
        # the card pages render their form without calling Stripe
        "STRIPE_SECRET_KEY": "sk_test_bench",
        "STRIPE_PUBLISHABLE_KEY": "pk_test_bench",
    }
    return create_app(production | chosen, environ={"PORTAL_ENV": "bench", "PORTAL_INSTANCE_DIR": str(instance)})


@contextmanager
def bench_run(name: str) -> Iterator[Flask]:
    """The app for one run of a bench: on BENCH_SCALE_DATABASE_URL's database (bench_scale unless told; never
    DATABASE_URL, which may be a real one), created if missing, with an instance folder of its own; the machine
    is printed first."""
    with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as instance:
        app = bench_app(os.environ.get("BENCH_SCALE_DATABASE_URL", DEFAULT_DATABASE_URL), Path(instance))
        create_database(app)
        print("\n".join(machine(app)))
        yield app


def fresh_database(app: Flask) -> None:
    """Create the database if it is missing, empty it, and migrate it to the newest schema.

    Dropping the schema is the quick way to empty it: the ledger's triggers refuse DELETE, and the
    migrations, not `create_all`, are what production runs.
    """
    create_database(app)
    with app.app_context():
        with db.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        logging.disable(logging.INFO)  # Alembic's line per migration
        try:
            upgrade()
        finally:
            logging.disable(logging.NOTSET)
        db.engine.dispose()


def create_database(app: Flask) -> None:
    """The database the app names, created if it is not there yet (by scripts/create-database.py)."""
    create = runpy.run_path(str(ROOT / "scripts" / "create-database.py"))["create_database"]
    create(app.config["SQLALCHEMY_DATABASE_URI"])


def vacuum(app: Flask) -> None:
    """Statistics and a visibility map, as autovacuum leaves a table that has been loaded for a while."""
    with app.app_context(), db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))


# Seeding


def seed_creditor(fields: dict | None = None) -> Creditor:
    creditor = Creditor(**(fields or US_CREDITOR))
    db.session.add(creditor)
    db.session.flush()
    return creditor


def seed_debtor(creditor: Creditor, reference: str, accounts: int) -> tuple[Debtor, list[Account]]:
    """A debtor with `accounts` accounts and a plan on each: a draft on the first (chosen, not yet agreed, so
    its plan options still show), an active plan on every other one after it. Ledgers come from `add_ledgers`."""
    debtor = Debtor(
        creditor=creditor,
        reference=reference,
        full_name=f"Bench Debtor {reference}",
        date_of_birth=BORN,
        postcode=POSTCODES[creditor.jurisdiction],
        email=f"{reference.lower()}@bench.example",
    )
    db.session.add(debtor)
    made = []
    today = clock.today_for(debtor)
    for n in range(accounts):
        account = Account(
            debtor=debtor,
            reference=f"{reference}-{n + 1:03d}",
            description=f"Credit card {n + 1}",
            original_creditor="Original Bank",
            current_creditor="Original Bank",
            currency=creditor.currency,
            itemization_date=LEDGER_START,
            validation_notice_sent_on=today - timedelta(days=3),
            monthly_interest=500,
        )
        db.session.add(account)
        made.append(account)
    db.session.flush()
    _plan(made[0], today, active=False)
    for account in made[1::2]:
        _plan(account, today, active=True)
    db.session.flush()
    return debtor, made


def _plan(account: Account, today: date, *, active: bool) -> None:
    """A year of monthly payments of $100, written straight to the database: active (a card saved, the first
    paid) or a draft."""
    now = datetime.now(UTC)
    plan = Plan(
        reference=f"PL-{account.id:08d}",
        debtor_id=account.debtor_id,
        account_id=account.id,
        status="active" if active else "draft",
        kind="plan",
        source="offer",
        frequency="monthly",
        currency=account.currency,
        balance_at_start=120_000,
        total=120_000,
        instalment_amount=10_000,
        first_date=today - timedelta(days=20),
        payment_method_id="pm_card_visa" if active else None,
        customer_id="cus_bench" if active else None,
        card_brand="visa" if active else None,
        card_last4="4242" if active else None,
        agreed_at=now if active else None,
        activated_at=now if active else None,
    )
    db.session.add(plan)
    for number in range(1, 13):
        paid = active and number == 1
        db.session.add(
            Instalment(
                plan=plan,
                number=number,
                due_date=today + timedelta(days=30 * number - 20),
                amount=10_000,
                status="paid" if paid else "scheduled",
                attempts=1 if paid else 0,
                paid_at=now if paid else None,
            )
        )


def seed_budget(debtor: Debtor) -> Budget:
    """A finished quick budget leaving 1,200 a month, inside the guidelines (so its result needs no explaining)."""
    monthly = {"take_home_income": 350_000, "housing": 120_000, "bills": 30_000, "food": 50_000, "transport": 30_000}
    budget = Budget(
        debtor_id=debtor.id,
        jurisdiction=debtor.creditor.jurisdiction,
        currency=debtor.creditor.currency,
        mode="quick",
        adults=1,
        children=0,
        vehicles=1,
        lines={line: {"amount": amount, "frequency": "monthly"} for line, amount in monthly.items()},
        explanations={},
        sections_done=1,
        completed_at=datetime.now(UTC),
    )
    db.session.add(budget)
    db.session.flush()
    return budget


def seed_other_debtors(creditor: Creditor, debtors: int, accounts_each: int) -> list[int]:
    """Other people at the same creditor, written by the database itself (thousands in a second); their account ids."""
    debtor_ids = list(
        db.session.execute(
            text(
                "INSERT INTO debtor (creditor_id, reference, full_name, date_of_birth, postcode, session_version,"
                " created_at) SELECT :creditor, 'OTHER-' || n, 'Other Debtor ' || n,"
                " DATE '1970-01-01' + n % 10000, '10001', 1, now()"
                " FROM generate_series(1, :debtors) AS n RETURNING id"
            ),
            {"creditor": creditor.id, "debtors": debtors},
        ).scalars()
    )
    return list(
        db.session.execute(
            text(
                "INSERT INTO account (debtor_id, reference, description, original_creditor, current_creditor,"
                " currency, status, itemization_date, time_barred, payment_restarts_time_limit, statute_barred,"
                " monthly_interest, created_at)"
                " SELECT d, 'OTHER-' || d || '-' || n, 'Loan', 'Original Bank', 'Original Bank', :currency, 'open',"
                " :start, false, false, false, 0, now()"
                " FROM unnest(CAST(:debtors AS integer[])) AS d CROSS JOIN generate_series(1, :each) AS n"
                " RETURNING id"
            ),
            {"debtors": debtor_ids, "each": accounts_each, "currency": creditor.currency, "start": LEDGER_START},
        ).scalars()
    )


def add_ledgers(entries: dict[int, int]) -> int:
    """Add `entries[account_id]` ledger entries to each account in one INSERT … SELECT: an itemization, then
    interest with a payment every tenth entry, spread over the same years for every account and written in
    date order across all of them, so one account's entries lie among everyone else's as they would after
    years of use. A million rows take seconds. Returns how many rows were added."""
    ids, counts = list(entries), [entries[account_id] for account_id in entries]
    result = db.session.execute(
        text(
            "INSERT INTO ledger_entry (account_id, kind, amount, effective_date, created_at)"
            " SELECT account_id,"
            "  CASE WHEN n = 1 THEN 'itemization' WHEN n % 10 = 0 THEN 'payment' ELSE 'interest' END,"
            "  CASE WHEN n = 1 THEN 500000 WHEN n % 10 = 0 THEN -200 ELSE 100 END,"
            "  CAST(:start AS date) + CAST((n - 1) * :days / total AS integer), now()"
            " FROM unnest(CAST(:ids AS integer[]), CAST(:counts AS integer[])) AS spec(account_id, total)"
            " CROSS JOIN LATERAL generate_series(1, total) AS n"
            " ORDER BY 4, 1"
        ),
        {"ids": ids, "counts": counts, "start": LEDGER_START, "days": LEDGER_DAYS},
    )
    return result.rowcount


def signed_in_client(app: Flask, debtor_id: int) -> FlaskClient:
    """A client signed in as the debtor the way a person is: open a link, continue, answer the identity question."""
    with app.app_context():
        debtor = db.session.get(Debtor, debtor_id)
        _, token = links.issue_link(debtor)
        db.session.commit()
        if debtor.creditor.identity_method == "postcode":
            answer = {"postcode": debtor.postcode}
        else:
            answer = {
                "date_of_birth-day": str(BORN.day),
                "date_of_birth-month": str(BORN.month),
                "date_of_birth-year": str(BORN.year),
            }
    client = app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"  # production's cookies are Secure
    client.get(f"/l/{token}")
    client.post("/start", data={"csrf_token": _csrf(client, "/start")})
    response = client.post("/verify", data={"csrf_token": _csrf(client, "/verify")} | answer)
    if response.status_code != 302 or "/accounts" not in response.location:
        raise RuntimeError(f"sign-in failed: {response.status_code} {response.location}")
    return client


def _csrf(client: FlaskClient, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', page)
    if match is None:
        raise RuntimeError(f"no CSRF token on {path}")
    return match.group(1)


# Measuring


@dataclass(frozen=True)
class Measure:
    #: SQL statements one request sent (the same every time for a GET)
    statements: int
    #: the median time of the timed requests, in milliseconds
    ms: float
    #: the page as sent, without compression
    body: bytes


@contextmanager
def counting(engine: Engine) -> Iterator[list[str]]:
    """Every SQL statement sent inside the block, as a list that fills while it runs."""
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def measure(client: FlaskClient, engine: Engine, path: str, *, repeat: int = 15, warm_up: int = 3) -> Measure:
    """Ask for a page `warm_up` times (templates compile, caches fill), then `repeat` times timed: the median."""
    for _ in range(warm_up):
        _get(client, path)
    with counting(engine) as statements:
        body = _get(client, path)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        _get(client, path)
        times.append((time.perf_counter() - started) * 1000)
    return Measure(len(statements), statistics.median(times), body)


def _get(client: FlaskClient, path: str) -> bytes:
    response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"GET {path}: {response.status_code} {response.location or ''}")
    return response.get_data()


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], *, left: int = 1) -> str:
    """A plain-text table: the first `left` columns left-aligned, the others (numbers) right-aligned."""
    cells = [[str(cell) for cell in row] for row in [headers, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        aligned = [
            cell.ljust(width) if i < left else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        return "  ".join(aligned).rstrip()

    return "\n".join([line(cells[0]), "  ".join("-" * w for w in widths).rstrip(), *map(line, cells[1:])])
