"""What a benchmark needs to serve the portal for real: the production settings, gunicorn on a free port,
debtors to sign in as, signing in through the real pages, and the machine it all ran on.

The benches use their own database and Redis (BENCH_DATABASE_URL, BENCH_REDIS_URL), never DATABASE_URL,
which may name real debtors.
"""

import json
import os
import platform
import re
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path

import requests
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
#: the virtualenv's programs (gunicorn, flask, locust, py-spy), beside the Python running the bench
BIN = Path(sys.executable).parent
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1/bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
#: gunicorn's logs (its access log has a line a request), kept for a look after a run
LOG_DIR = ROOT / "instance" / "bench"
#: what a phone's browser sends on every request (over HTTPS, where browsers offer brotli)
BROWSER_HEADERS = {
    "User-Agent": "Mozilla/5.0 (Linux; Android 14) portal-bench",
    "Accept": "text/html,application/xhtml+xml,*/*;q=0.8",
    "Accept-Language": "en-GB,en;q=0.9",
    "Accept-Encoding": "gzip, deflate, br",
}
SESSION_COOKIE = "portal_session"


class BenchError(Exception):
    """The portal did not answer as a browser would expect: the figures would not mean what they say."""


class RequestFailed(BenchError):
    """No answer, or an error page: a load tool has counted it already as a failure."""


def production_environ(**settings: str) -> dict[str, str]:
    """This process's environment with the production settings (as scripts/serve sets them), then `settings`."""
    return (
        dict(os.environ)
        | {
            "PORTAL_ENV": "production",
            "DATABASE_URL": DATABASE_URL,
            "RATELIMIT_STORAGE_URI": REDIS_URL,
            "SECRET_KEY": secrets.token_urlsafe(48),
            "FLASK_APP": "portal",
        }
        | settings
    )


def prepare_database(environ: dict[str, str]) -> None:
    """Create the bench database if it is missing and migrate it, as `make serve` does."""
    for command in ([BIN / "python", "scripts/create-database.py", DATABASE_URL], [BIN / "flask", "db", "upgrade"]):
        done = subprocess.run(command, cwd=ROOT, env=environ, capture_output=True, text=True)
        if done.returncode:
            last = "\n".join(done.stderr.splitlines()[-4:])
            raise BenchError(f"{' '.join(map(str, command[1:]))} failed:\n{last}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class Server:
    """A gunicorn serving on loopback: its base URL and its master process."""

    url: str
    pid: int

    def workers(self) -> list[int]:
        return [int(pid) for pid in Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()]


def cpu_seconds(pid: int) -> float:
    """The CPU time a process has used so far (user and system)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def gunicorn(environ: dict[str, str], app: str = "wsgi:app", ready: str = "/healthz") -> Iterator[Server]:
    """Serve `app` with gunicorn.conf.py on a free loopback port until the block ends."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log_path = LOG_DIR / f"gunicorn-{app.partition(':')[0]}.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [BIN / "gunicorn", "-c", "gunicorn.conf.py", app],
            cwd=ROOT,
            env=environ | {"BIND": f"127.0.0.1:{port}", "PUBLIC_BASE_URL": url},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_until_ready(url + ready, server, log_path)
            yield Server(url, server.pid)
        finally:
            server.terminate()
            server.wait(timeout=60)


def _wait_until_ready(url: str, server: subprocess.Popen, log_path: Path, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if requests.get(url, timeout=5).status_code == 200:
                return
        except requests.RequestException:  # not listening yet, or the workers are still loading the app
            pass
        time.sleep(0.2)
    tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-20:])
    raise BenchError(f"gunicorn did not answer {url} (see {log_path}):\n{tail}")


@dataclass(frozen=True)
class BenchDebtor:
    """A debtor the benches sign in as: the path of their link, their identity answer and their accounts."""

    link: str
    postcode: str
    accounts: tuple[int, ...]


def save_debtors(path: Path, debtors: list[BenchDebtor]) -> None:
    path.write_text(json.dumps([asdict(debtor) for debtor in debtors]))


def load_debtors(path: Path) -> list[BenchDebtor]:
    return [BenchDebtor(**row | {"accounts": tuple(row["accounts"])}) for row in json.loads(path.read_text())]


def seed_debtors(environ: dict[str, str], count: int, accounts: int = 3) -> list[BenchDebtor]:
    """A new creditor with Harbour Credit's plan rules (the demo's UK creditor: plan options for every
    account) and `count` debtors with `accounts` accounts and a link each, in one transaction."""
    # Imported here: the locustfile imports this module for `Visit` and needs none of the portal.
    from portal import create_app
    from portal.demo.service import CREDITORS
    from portal.extensions import db
    from portal.links.service import issue_link
    from portal.models import Creditor, Debtor

    app = create_app(environ=environ)
    run = secrets.token_hex(4)
    harbour = next(spec for spec in CREDITORS if spec["slug"] == "harbour")
    with app.app_context():
        creditor = Creditor(**harbour | {"slug": f"bench-{run}", "name": "Bench Credit"})
        debtors = [
            Debtor(creditor=creditor, reference=f"B-{n}", full_name=f"Bench Debtor {n}", postcode="LS6 2AB")
            for n in range(count)
        ]
        owned = [[_account(debtor, n, f"{run}:{debtor.reference}") for n in range(accounts)] for debtor in debtors]
        db.session.add_all(account for rows in owned for account in rows)
        db.session.flush()
        links = [issue_link(debtor)[1] for debtor in debtors]
        seeded = [
            BenchDebtor(link=f"/l/{token}", postcode="LS6 2AB", accounts=tuple(account.id for account in rows))
            for token, rows in zip(links, owned, strict=True)
        ]
        db.session.commit()
        db.engine.dispose()
    return seeded


def _account(debtor, n: int, key: str):
    """An account shaped like the demo's: a balance six months ago, a fee, monthly interest, payments."""
    from portal.models import Account, LedgerEntry

    start = date.today() - timedelta(days=180)
    entries = [("itemization", 121_500, start), ("fee", 1_200, start + timedelta(days=20))]
    entries += [("interest", 1_480, start + timedelta(days=30 * month)) for month in range(1, 6)]
    entries += [("payment", -5_000, start + timedelta(days=30 * month + 3)) for month in range(1, 4)]
    return Account(
        debtor=debtor,
        reference=f"ACC-{n + 1}",
        description=("Mobile phone contract", "Energy bill", "Catalogue account")[n % 3],
        original_creditor="Meridian Mobile",
        current_creditor="Meridian Mobile",
        currency="GBP",
        itemization_date=start,
        monthly_interest=1_480,
        entries=[
            LedgerEntry(kind=kind, amount=amount, effective_date=when, external_ref=f"bench:{key}:{n}:{i}")
            for i, (kind, amount, when) in enumerate(entries)
        ],
    )


class Visit:
    """One debtor's way through the pages, each request as a browser sends it.

    The session cookie is carried by hand: production cookies are Secure, and a client sends a Secure
    cookie only over HTTPS, never to plain http on 127.0.0.1. `http` is a requests session, or a locust
    user's client with `named=client.rename_request`, so that locust counts each route once, not once per
    debtor.
    """

    def __init__(
        self,
        http: requests.Session,
        debtor: BenchDebtor,
        base: str = "",
        named: Callable[[str], AbstractContextManager] = lambda route: nullcontext(),
    ):
        self.http, self.debtor, self.base, self.named = http, debtor, base, named
        self.cookie = ""
        self.csrf = ""

    def journey(self) -> list[Callable[[], None]]:
        """The steps, in order, with a pause between each: sign in, an account, its plan options, the dashboard."""
        return [self.open_link, self.press_continue, self.answer, self.account, self.plan_options, self.dashboard]

    def open_link(self) -> None:
        self.request("GET", self.debtor.link, "GET /l/<token>", 302)
        self.request("GET", "/start", "GET /start", 200)

    def press_continue(self) -> None:
        self.request("POST", "/start", "POST /start", 302, {"csrf_token": self.csrf})
        self.request("GET", "/verify", "GET /verify", 200)

    def answer(self) -> None:
        """The identity answer, then the dashboard it leads to."""
        answer = {"csrf_token": self.csrf, "postcode": self.debtor.postcode}
        self.request("POST", "/verify", "POST /verify", 302, answer)
        self.dashboard()

    def dashboard(self) -> None:
        self.request("GET", "/accounts/", "GET /accounts/", 200)

    def account(self) -> None:
        self.request("GET", f"/accounts/{self.debtor.accounts[0]}", "GET /accounts/<id>", 200)

    def plan_options(self) -> None:
        self.request("GET", f"/accounts/{self.debtor.accounts[0]}/plans", "GET /accounts/<id>/plans", 200)

    def request(self, method: str, path: str, route: str, status: int, form: dict[str, str] | None = None) -> None:
        headers = BROWSER_HEADERS | ({"Cookie": f"{SESSION_COOKIE}={self.cookie}"} if self.cookie else {})
        with self.named(route):
            response = self.http.request(
                method, self.base + path, data=form, headers=headers, allow_redirects=False, timeout=30
            )
        if response.status_code != status:
            failed = response.status_code == 0 or response.status_code >= 400  # locust counts these itself
            raise (RequestFailed if failed else BenchError)(f"{route} answered {response.status_code}, not {status}")
        self.cookie = response.cookies.get(SESSION_COOKIE) or self.cookie
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', response.text)
        self.csrf = token.group(1) if token else self.csrf


def sign_in(base: str, debtor: BenchDebtor) -> Visit:
    """Sign in through the real pages (open the link, continue, answer); `.cookie` is then the session cookie."""
    visit = Visit(requests.Session(), debtor, base)
    for step in (visit.open_link, visit.press_continue, visit.answer):
        step()
    return visit


def machine(environ: dict[str, str]) -> list[tuple[str, str]]:
    """What the figures were measured on, as (what, value) lines."""
    workers, threads = environ.get("WEB_CONCURRENCY", "2"), environ.get("GUNICORN_THREADS", "4")
    return [
        *host(DATABASE_URL),
        ("gunicorn", f"{workers} workers x {threads} threads (WEB_CONCURRENCY, GUNICORN_THREADS), gunicorn.conf.py"),
    ]


def host(database_url: str) -> list[tuple[str, str]]:
    """The computer, Python and the PostgreSQL server (of `database_url`), as (what, value) lines."""
    cpu = _proc_field("/proc/cpuinfo", "model name") or platform.processor() or "unknown"
    kib = int(_proc_field("/proc/meminfo", "MemTotal").split()[0])
    engine = create_engine(database_url)
    with engine.connect() as connection:
        postgres = connection.scalar(text("SHOW server_version"))
    engine.dispose()
    return [
        ("CPU", f"{cpu}, {os.cpu_count()} cores"),
        ("memory", f"{kib / 2**20:.1f} GiB"),
        ("load average", "{:.2f} {:.2f} {:.2f} (1, 5, 15 minutes, at the start)".format(*os.getloadavg())),
        ("Python", platform.python_version()),
        ("PostgreSQL", str(postgres)),
    ]


def machine_table(lines: list[tuple[str, str]]) -> str:
    return table(["machine", ""], [[what, value] for what, value in lines], left=2)


def run(main: Callable[[], None]) -> None:
    """Run a bench's main(): a BenchError ends it with its message, not a traceback."""
    try:
        main()
    except BenchError as error:
        raise SystemExit(f"bench: {error}") from None


def _proc_field(path: str, name: str) -> str:
    """The value of the first `name: value` line of a /proc file ("" when there is none)."""
    for line in Path(path).read_text().splitlines():
        key, _, value = line.partition(":")
        if key.strip() == name:
            return value.strip()
    return ""


def table(header: list[str], rows: list[list[str]], left: int = 1) -> str:
    """A plain-text table: the first `left` columns (words) to the left, the others (figures) to the right."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = []
    for row in [header, ["-" * width for width in widths], *rows]:
        cells = [
            cell.ljust(width) if i < left else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)
