"""What bench/jobs.py needs: a database of its own, a localstripe that answers in the same time however
much it holds, debtors with due instalments seeded in bulk, `flask collect` runners that time their calls
to Stripe, the checks that each instalment was charged once, and the machine it all ran on.

The jobs run with PORTAL_ENV=development: production would want Redis for the rate limits (no job uses
them) and an SMTP server (messages go to files here, so the figures are the job's, not a mail server's).
Everything else a job reads is the same in both.
"""

import asyncio
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from importlib.metadata import version
from pathlib import Path
from time import perf_counter
from typing import Any

import requests
from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
#: the virtualenv's programs (flask, localstripe), beside the Python running the bench
BIN = Path(sys.executable).parent
#: the bench empties this database (every table) before each run: never point it at real debtors
DATABASE_URL = os.environ.get("BENCH_JOBS_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1/bench_jobs")
#: the runners' output and localstripe's log, kept for a look after a run
LOG_DIR = ROOT / "instance" / "bench" / "jobs"
STRIPE_KEY = "sk_test_bench_jobs"
GOOD_CARD = {"type": "card", "card[number]": "4242424242424242", "card[exp_month]": "12", "card[exp_year]": "2034"}
#: the plan rules of the bench creditor: a declined charge would be retried once, three days later
POLICY = {"min_instalment": 500, "max_term_months": 12, "missed_payments_to_break": 2, "retry_attempts": 1}


def job_environ(stripe_url: str | None = None) -> dict[str, str]:
    """The environment `flask` commands run in for the bench (see the module's docstring)."""
    environ = dict(os.environ) | {
        "PORTAL_ENV": "development",
        "FLASK_APP": "portal",
        "DATABASE_URL": DATABASE_URL,
        "SECRET_KEY": "bench-jobs-secret-key-not-for-real-debtors",
        "PORTAL_INSTANCE_DIR": str(LOG_DIR / "instance"),
        "MAIL_BACKEND": "file",
        "MAIL_DIR": str(LOG_DIR / "mail"),
        "PUBLIC_BASE_URL": "http://127.0.0.1:5000",
    }
    if stripe_url:
        environ |= {
            "STRIPE_API_BASE": stripe_url,
            "STRIPE_SECRET_KEY": STRIPE_KEY,
            "STRIPE_PUBLISHABLE_KEY": "pk_test_bench_jobs",
            "STRIPE_WEBHOOK_SECRET": "whsec_bench_jobs",
        }
    return environ


def fresh_database() -> None:
    """DATABASE_URL's database, created if missing, emptied (its schema dropped) and migrated to the head."""
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    subprocess.run([BIN / "python", "scripts/create-database.py", DATABASE_URL], cwd=ROOT, check=True)
    engine = create_engine(DATABASE_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    upgrade = [BIN / "flask", "db", "upgrade"]
    subprocess.run(upgrade, cwd=ROOT, env=job_environ(), check=True, capture_output=True)


def empty_tables(db) -> None:
    """Every table emptied (append-only tables refuse DELETE, TRUNCATE fires no row trigger), and the
    emails the last run wrote removed."""
    shutil.rmtree(LOG_DIR / "mail", ignore_errors=True)
    names = ", ".join(table.name for table in db.metadata.sorted_tables)
    db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    db.session.commit()


def analyze(db) -> None:
    """Fresh planner statistics, as a database in use has: right after a bulk insert PostgreSQL thinks the
    tables are empty and picks plans that read every row (a batch of debtors by reference took 70 ms)."""
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()


# localstripe


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve_localstripe(port: int, latency_ms: int) -> None:
    """Run localstripe here with two costs taken out that grow with what it holds, and nothing else changed.

    localstripe keeps every object in one dict. It pickles the whole dict to /tmp/localstripe.pickle on
    every object it makes and after every POST (a charge makes several), and every list scans the whole
    dict, and showing a charge lists its refunds that way. So a charge costs more the more charges came
    before: 90 ms for the first hundred, 590 ms at a thousand, measured. Stripe's answer does not slow
    down with our history, so here the dict is indexed by type and never written to disk (which
    --from-scratch never reads back anyway).

    `latency_ms` delays each answer without holding the server up, as the network and Stripe's own work
    would: with it the share of time spent waiting on Stripe looks more like production's.
    """
    from aiohttp import web
    from localstripe import resources, server

    by_type: dict[str, dict[str, Any]] = defaultdict(dict)

    def set_item(store, key, value):
        dict.__setitem__(store, key, value)
        by_type[key.split(":", 1)[0]][key] = value

    def del_item(store, key):
        dict.__delitem__(store, key)
        by_type[key.split(":", 1)[0]].pop(key, None)

    def list_all(cls, url, limit=None, starting_after=None, **kwargs):
        if kwargs:
            raise resources.UserError(400, "Unexpected " + ", ".join(kwargs.keys()))
        listing = resources.List(url, limit=limit, starting_after=starting_after)
        listing._list = list(by_type[cls.object].values())
        return listing

    resources.Store.__setitem__ = set_item
    resources.Store.__delitem__ = del_item
    resources.Store.dump_to_disk = lambda store: None
    resources.StripeObject._api_list_all = classmethod(list_all)

    @web.middleware
    async def latency(request, handler):
        await asyncio.sleep(latency_ms / 1000)
        return await handler(request)

    if latency_ms:
        server.app.middlewares.append(latency)
    sys.argv = ["localstripe", "--port", str(port), "--from-scratch"]
    server.start()


@contextmanager
def localstripe(latency_ms: int = 0, *, stock: bool = False) -> Iterator[str]:
    """A localstripe of its own on a free port for the block; yields its base URL.

    `stock`: localstripe as the tests run it, costs that grow with what it holds and all (see above).
    """
    from portal.payments.localstripe import wait_until_up

    port = free_port()
    if stock:
        command = [BIN / "localstripe", "--port", str(port), "--from-scratch"]
    else:
        command = [BIN / "python", "-m", "bench.jobs_support", "localstripe", str(port), str(latency_ms)]
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    with (LOG_DIR / "localstripe.log").open("w") as log:
        process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        try:
            base_url = f"http://127.0.0.1:{port}"
            wait_until_up(base_url, timeout=30)
            yield base_url
        finally:
            process.terminate()
            process.wait(timeout=10)


def _stripe(base_url: str) -> requests.Session:
    session = requests.Session()
    session.auth = (STRIPE_KEY, "")
    session.hooks["response"] = [lambda response, *args, **kwargs: response.raise_for_status()]
    return session


def saved_cards(base_url: str, count: int) -> list[tuple[str, str]]:
    """`count` customers, each with a good card attached: (customer id, payment method id).

    Plans share them: Stripe (and localstripe) take any number of PaymentIntents on one customer's card.
    """
    stripe = _stripe(base_url)
    cards = []
    for _ in range(count):
        customer = stripe.post(f"{base_url}/v1/customers", data={}).json()["id"]
        method = stripe.post(f"{base_url}/v1/payment_methods", data=GOOD_CARD | {"card[cvc]": "123"}).json()["id"]
        stripe.post(f"{base_url}/v1/payment_methods/{method}/attach", data={"customer": customer})
        cards.append((customer, method))
    return cards


def payment_intents(base_url: str) -> list[dict]:
    """Every PaymentIntent localstripe holds, a page of 100 at a time."""
    stripe = _stripe(base_url)
    found, after = [], {}
    while True:
        page = stripe.get(f"{base_url}/v1/payment_intents", params={"limit": 100, **after}).json()
        found += page["data"]
        if not page["has_more"]:
            return found
        after = {"starting_after": page["data"][-1]["id"]}


# Seeding


def _creditor(db, slug: str, **fields):
    from portal.models import Creditor

    uk = {"jurisdiction": "UK", "currency": "GBP", "locale": "en_GB", "timezone": "Europe/London"}
    creditor = Creditor(slug=slug, name=slug.title(), identity_method="postcode", **(uk | fields))
    db.session.add(creditor)
    db.session.flush()
    return creditor


def _debtors(db, creditor, prefix: str, count: int) -> list[int]:
    from portal.models import Debtor

    rows = [
        {
            "creditor_id": creditor.id,
            "reference": f"{prefix}-{n:06d}",
            "full_name": f"Bench Debtor {n}",
            "postcode": "LS6 2AB",
            "email": f"debtor{n}@bench.example",
        }
        for n in range(count)
    ]
    return list(db.session.scalars(insert(Debtor).returning(Debtor.id, sort_by_parameter_order=True), rows))


def seed_link_debtors(db, slug: str, count: int) -> None:
    """A creditor with `count` debtors and nothing else: what `links issue-many` needs."""
    _debtors(db, _creditor(db, slug), slug.upper(), count)
    analyze(db)


def seed_due_instalments(db, slug: str, count: int, cards: list[tuple[str, str]], due: date) -> None:
    """A creditor with `count` debtors, each owing £300 on an active plan of three monthly £100 payments
    with a saved card (the cards shared in turn), the first due on `due`: bulk inserts, one per table."""
    from portal.models import Account, Instalment, LedgerEntry, Plan

    creditor = _creditor(db, slug, policy=POLICY)
    debtor_ids = _debtors(db, creditor, "JOB", count)
    accounts = [
        {
            "debtor_id": debtor_id,
            "reference": f"ACC-{n:06d}",
            "description": "Mobile phone contract",
            "original_creditor": "Original Bank",
            "current_creditor": creditor.name,
            "currency": "GBP",
            "itemization_date": due - timedelta(days=90),
        }
        for n, debtor_id in enumerate(debtor_ids)
    ]
    account_ids = list(
        db.session.scalars(insert(Account).returning(Account.id, sort_by_parameter_order=True), accounts)
    )
    owed = [
        {
            "account_id": account_id,
            "kind": "itemization",
            "amount": 30_000,
            "effective_date": due - timedelta(days=90),
            "external_ref": f"bench:{account_id}",
        }
        for account_id in account_ids
    ]
    db.session.execute(insert(LedgerEntry), owed)
    plans = [
        {
            "reference": f"PL-{n:08d}",
            "debtor_id": debtor_id,
            "account_id": account_id,
            "status": "active",
            "kind": "plan",
            "source": "offer",
            "frequency": "monthly",
            "currency": "GBP",
            "balance_at_start": 30_000,
            "total": 30_000,
            "instalment_amount": 10_000,
            "first_date": due,
            "terms": {key: POLICY[key] for key in ("retry_attempts", "missed_payments_to_break")},
            "customer_id": cards[n % len(cards)][0],
            "payment_method_id": cards[n % len(cards)][1],
            "card_brand": "visa",
            "card_last4": "4242",
        }
        for n, (debtor_id, account_id) in enumerate(zip(debtor_ids, account_ids, strict=True))
    ]
    plan_ids = list(db.session.scalars(insert(Plan).returning(Plan.id, sort_by_parameter_order=True), plans))
    instalments = [
        {"plan_id": plan_id, "number": number, "due_date": due + timedelta(days=30 * (number - 1)), "amount": 10_000}
        for plan_id in plan_ids
        for number in (1, 2, 3)
    ]
    db.session.execute(insert(Instalment), instalments)
    analyze(db)


# Runners


class TimedGateway:
    """The app's StripeGateway, adding up the time spent in each call: what the job waited on Stripe for.

    A call's time is the SDK building the request, the round trip, Stripe's (here localstripe's) work,
    and reading the answer: all that `collect` would not spend if Stripe answered at once.
    """

    def __init__(self, gateway):
        self.gateway = gateway
        self.seconds = 0.0
        self.calls: Counter[str] = Counter()

    def __getattr__(self, name: str):
        attribute = getattr(self.gateway, name)
        if name.startswith("_") or not callable(attribute):
            return attribute

        def timed(*args, **kwargs):
            started = perf_counter()
            try:
                return attribute(*args, **kwargs)
            finally:
                self.seconds += perf_counter() - started
                self.calls[name] += 1

        return timed


@dataclass
class RunnerResult:
    #: seconds from the start signal to the end of the command, in the runner
    seconds: float = 0.0
    #: of which in calls to Stripe
    stripe_seconds: float = 0.0
    stripe_calls: dict[str, int] = field(default_factory=dict)
    #: the command's summary: {"paid": 67, ...}
    counts: dict[str, int] = field(default_factory=dict)
    error: str | None = None


def _summary(line: str) -> dict[str, int]:
    """{"paid": 67, ...} from "Collected: paid 67, retry 1."."""
    found = re.findall(r"([a-z_ ]+?) (\d+)", line.removeprefix("Collected:"))
    return {what.strip(): int(count) for what, count in found}


def collect_runner(number: int, environ: dict[str, str], today: str, start, results) -> None:
    """One `flask collect --today DAY` in this process, its Stripe calls timed; run by multiprocessing.

    It runs the command `flask collect` runs, as `flask` does (in an app context), with the gateway
    wrapped. Python starting and importing the portal happen before the start signal, so the runners
    begin together and the wall time is the job's.
    """
    result = RunnerResult()
    output = LOG_DIR / f"collect-{number}.log"
    try:
        with output.open("w") as log, (LOG_DIR / f"collect-{number}.err").open("w") as errors:
            os.dup2(log.fileno(), sys.stdout.fileno())  # what the command prints, and what it logs
            os.dup2(errors.fileno(), sys.stderr.fileno())
        from portal import create_app
        from portal.payments.gateway import StripeGateway

        app = create_app(environ=environ)
        with app.app_context():
            gateway = TimedGateway(StripeGateway.from_config(app.config))
            app.extensions["payment_gateway"] = gateway
            start.wait(timeout=300)
            started = perf_counter()
            app.cli.main(args=["collect", "--today", today], prog_name="flask", standalone_mode=False)
            sys.stdout.flush()
            result.seconds = perf_counter() - started
        result.stripe_seconds, result.stripe_calls = gateway.seconds, dict(gateway.calls)
        lines = output.read_text().splitlines()
        result.counts = _summary(lines[-1]) if lines else {}
    except BaseException as error:  # reported to the bench, which stops
        result.error = f"{type(error).__name__}: {error}"
    results.put(result)


def run_collectors(runners: int, environ: dict[str, str], today: date) -> tuple[float, list[RunnerResult]]:
    """`runners` collect runs at once, each in its own process; the wall time from their common start
    to the last one's end, and what each measured."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    start = context.Barrier(runners + 1)
    results = context.Queue()
    processes = [
        context.Process(target=collect_runner, args=(n, environ, today.isoformat(), start, results))
        for n in range(runners)
    ]
    for process in processes:
        process.start()
    start.wait(timeout=300)
    started = perf_counter()
    collected = [results.get(timeout=6 * 3600) for _ in processes]
    wall = perf_counter() - started
    for process in processes:
        process.join()
    errors = [result.error for result in collected if result.error]
    if errors:
        raise RuntimeError("a collect runner failed: " + "; ".join(errors))
    return wall, collected


# Checks


@dataclass
class ChargedOnce:
    instalments: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def check_charged_once(db, base_url: str, due: date) -> ChargedOnce:
    """Each instalment due was charged exactly once: in our database, and at Stripe.

    Ours: every one paid at its first attempt, one payment each, one ledger entry for each PaymentIntent.
    Stripe's: one PaymentIntent for each instalment (localstripe ignores idempotency keys, so the
    intents are matched to instalments through the payment reference in their metadata).
    """
    from portal.models import Instalment, LedgerEntry, Payment

    due_ones = db.session.execute(
        select(Instalment.id, Instalment.status, Instalment.attempts, Payment.reference, Payment.payment_intent_id)
        .outerjoin(Payment, Payment.id == Instalment.payment_id)
        .where(Instalment.due_date <= due)
    ).all()
    problems = []
    unpaid = [row.id for row in due_ones if row.status != "paid" or row.attempts != 1]
    if unpaid:
        problems.append(f"{len(unpaid)} instalment(s) not paid at the first attempt, e.g. {unpaid[:5]}")
    payments = db.session.scalar(select(func.count(Payment.id)))
    if payments != len(due_ones):
        problems.append(f"{payments} payments for {len(due_ones)} instalments")
    entries = db.session.execute(
        select(func.count(LedgerEntry.id), func.count(LedgerEntry.external_ref.distinct())).where(
            LedgerEntry.kind == "payment"
        )
    ).one()
    if tuple(entries) != (len(due_ones), len(due_ones)):
        problems.append(f"{entries[0]} payment ledger entries ({entries[1]} PaymentIntents) for {len(due_ones)}")
    intents = Counter((intent.get("metadata") or {}).get("payment_reference") for intent in payment_intents(base_url))
    references = {row.reference for row in due_ones}
    not_charged = [row.id for row in due_ones if intents[row.reference] == 0]
    charged_twice = [row.id for row in due_ones if intents[row.reference] > 1]
    strangers = sum(count for reference, count in intents.items() if reference not in references)
    if not_charged or charged_twice or strangers:
        problems.append(
            f"PaymentIntents: none for {len(not_charged)} instalment(s), more than one for {len(charged_twice)} "
            f"(e.g. {charged_twice[:5]}), {strangers} for no payment of ours"
        )
    return ChargedOnce(len(due_ones), problems)


# Links


def timed_command(args: list[str], environ: dict[str, str]) -> tuple[float, subprocess.CompletedProcess]:
    """Run a `flask` command as a person would (a process of its own); its wall time and what it did."""
    started = perf_counter()
    done = subprocess.run([BIN / "flask", *args], cwd=ROOT, env=environ, capture_output=True, text=True)
    seconds = perf_counter() - started
    if done.returncode:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{done.stderr}")
    return seconds, done


def one_at_a_time(db, slug: str, references: list[str]) -> float:
    """Seconds to issue these links as `flask links issue` does, one unit of work each, without a process
    each: what a loop over the old command would cost if Python started for free."""
    from portal.links.service import issue_link, link_url
    from portal.staff_commands import find_debtor
    from portal.transaction import unit_of_work

    started = perf_counter()
    for reference in references:
        with unit_of_work():
            _, token = issue_link(find_debtor(slug, reference))
            link_url(token)
    return perf_counter() - started


# Reporting


def machine(db) -> list[tuple[str, str]]:
    """What the figures were measured on, as (what, value) lines."""
    cpu = _proc_field("/proc/cpuinfo", "model name") or platform.processor() or "unknown"
    kib = int(_proc_field("/proc/meminfo", "MemTotal").split()[0])
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    postgres = db.session.scalar(text("SHOW server_version"))
    return [
        ("CPU", cpu),
        ("cores", str(os.cpu_count())),
        ("memory", f"{kib / 1024 / 1024:.1f} GiB"),
        ("load (1, 5, 15 min) at start", load),
        ("Python", platform.python_version()),
        ("PostgreSQL", f"{postgres} ({make_url(DATABASE_URL).render_as_string(hide_password=True)})"),
        ("localstripe", version("localstripe")),
    ]


def _proc_field(path: str, name: str) -> str:
    try:
        for line in Path(path).read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == name:
                return value.strip()
    except OSError:
        pass
    return ""


def table(headers: list[str], rows: list[list[Any]], left: int = 1) -> str:
    """A plain text table, the first `left` columns aligned left and the others right."""
    cells = [headers, *[[str(cell) for cell in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        return "  ".join(
            cell.ljust(width) if i < left else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        )

    return "\n".join([line(headers), "  ".join("-" * width for width in widths), *map(line, cells[1:])])


def step(message: str) -> Callable[[], None]:
    """Say what the bench is doing (on stderr); call the result to say how long it took."""
    print(f"{message} ...", file=sys.stderr, flush=True)
    started = time.monotonic()
    return lambda: print(f"  {time.monotonic() - started:.1f} s", file=sys.stderr, flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["localstripe"]:
        serve_localstripe(int(sys.argv[2]), int(sys.argv[3]))
    else:
        sys.exit(f"usage: python -m bench.jobs_support localstripe PORT LATENCY_MS\n{json.dumps(sys.argv)}")
