"""Where a page's CPU time goes, under gunicorn with the production settings, while wrk asks for it.

`python -m bench.profile [--page dashboard|account|plans|healthz] [--seconds 15]` signs a debtor with 3
accounts in, then samples both gunicorn workers with py-spy (`--gil`: the thread running Python, so what is
counted is CPU, not waiting) while wrk asks for the page as bench/throughput.py does. It prints the CPU a
request costs in the workers and in PostgreSQL, the SQL statements a request sends, where the Python time
goes by library (each sample counted once, by the innermost library on its stack), and the time inside the
parts of a request (these nest).
"""

import argparse
import subprocess
import tempfile
from collections import Counter
from pathlib import Path

from sqlalchemy import create_engine, event, text

from bench.serving import (
    BIN,
    BROWSER_HEADERS,
    DATABASE_URL,
    SESSION_COOKIE,
    BenchError,
    Server,
    cpu_seconds,
    gunicorn,
    prepare_database,
    production_environ,
    run,
    seed_debtors,
    sign_in,
    table,
)
from bench.throughput import wrk

RATE = 250  # samples a second
#: (a piece of a py-spy frame, "function (file" or "(file"; the kind of work), first match from the innermost frame
KINDS = [
    ("static_url (portal/templating.py", "static_url: stat() the file"),
    ("generate_csrf (flask_wtf", "CSRF token"),
    ("(sqlalchemy/", "SQLAlchemy and psycopg: statements, rows, commit"),
    ("(psycopg/", "SQLAlchemy and psycopg: statements, rows, commit"),
    ("_get_translations (flask_wtf/i18n.py", "Flask-WTF: WTForms' catalog, read from disk each request"),
    ("(flask_babel/", "Babel: gettext, locale, money, dates"),
    ("(babel/", "Babel: gettext, locale, money, dates"),
    ("gettext (jinja2/ext.py", "Babel: gettext, locale, money, dates"),
    ("(itsdangerous/", "session cookie: sign, verify, serialize"),
    ("(flask/sessions.py", "session cookie: sign, verify, serialize"),
    ("(flask_compress/", "compression (brotli)"),
    ("(brotli", "compression (brotli)"),
    ("(werkzeug/routing/", "url_for"),
    ("(jinja2/", "Jinja: templates"),
    ("(markupsafe/", "Jinja: templates"),
    (".html:", "Jinja: templates"),
    ("(logging/", "logging (portal and gunicorn access log)"),
    ("(pythonjsonlogger/", "logging (portal and gunicorn access log)"),
    ("(portal/logs.py", "logging (portal and gunicorn access log)"),
    ("(gunicorn/glogging.py", "logging (portal and gunicorn access log)"),
    ("(flask_login/", "Flask-Login"),
    ("(flask_limiter/", "Flask-Limiter"),
    ("(gunicorn/", "gunicorn: read the request, write the answer"),
    ("(werkzeug/", "Flask and Werkzeug: request, response, context locals"),
    ("(flask/", "Flask and Werkzeug: request, response, context locals"),
    ("(portal/", "the portal's own code"),
]
#: (a piece of a py-spy frame, what it is): the time inside each, whatever it calls
PARTS = [
    ("Flask.wsgi_app (flask/app.py", "Flask, the whole request"),
    ("LoginManager._load_user (flask_login", "load the signed-in debtor (Flask-Login)"),
    ("Flask.dispatch_request (flask/app.py", "the view"),
    ("standings (portal/gate.py", "  gate.standings"),
    ("render_template (flask/templating.py", "  render_template"),
    ("plan_progress (portal/plans/views", "    plan_progress (context processor)"),
    ("dashboard_rights (portal/rights/views", "    dashboard_rights (context processor)"),
    ("format_money (portal/money.py", "  money filter (Babel's format_currency)"),
    ("Flask.process_response (flask/app.py", "after-request hooks"),
    ("_end_request (portal/transaction.py", "  COMMIT"),
    ("_do_ping_w_event (sqlalchemy", "pool pre-ping (a round trip before each request's first statement)"),
]


def profile(server: Server, path: str, cookie: str, seconds: int) -> tuple[Counter, int, dict[str, float]]:
    """py-spy on the workers while wrk asks for `path`: the stacks sampled, the requests answered, and the CPU
    seconds the workers and the PostgreSQL backends used meanwhile."""
    wrk(server.url + path, 3, cookie=cookie)  # warm: templates compiled, pool connections open
    backends = _postgres_backends()
    workers = server.workers()
    before = {pid: cpu_seconds(pid) for pid in [*workers, *backends]}
    with tempfile.TemporaryDirectory() as scratch:
        raw = Path(scratch) / "stacks.txt"
        command = [BIN / "py-spy", "record", "--gil", "--rate", str(RATE), "--duration", str(seconds)]
        command += ["--format", "raw", "--output", raw, "--subprocesses", "--pid", str(server.pid)]
        spy = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        report = wrk(server.url + path, seconds, cookie=cookie)
        used = {pid: cpu_seconds(pid) - start for pid, start in before.items()}
        if spy.wait(timeout=60) != 0:
            raise BenchError(f"py-spy failed (it needs ptrace: root, or CAP_SYS_PTRACE):\n{spy.stderr.read()}")
        stacks = Counter()
        for line in raw.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            stacks[stack] += int(count)
    cpu = {"workers": sum(used[pid] for pid in workers), "PostgreSQL": sum(used[pid] for pid in backends)}
    return stacks, int(report["requests"]), cpu


def _postgres_backends() -> list[int]:
    """The PostgreSQL server processes serving the bench database (when the server runs on this machine)."""
    engine = create_engine(DATABASE_URL)
    with engine.connect() as connection:
        pids = connection.scalars(
            text("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        ).all()
    engine.dispose()
    return [pid for pid in pids if Path(f"/proc/{pid}").exists()]


def statements(environ: dict[str, str], path: str, cookie: str) -> list[str]:
    """What one request for `path` sends to PostgreSQL, in order, from the portal built in this process."""
    from portal import create_app
    from portal.extensions import db

    app = create_app(environ=environ)
    client = app.test_client(use_cookies=False)
    headers = BROWSER_HEADERS | {"Cookie": f"{SESSION_COOKIE}={cookie}"}
    client.get(path, headers=headers)
    sent: list[str] = []
    with app.app_context():
        engine = db.engine
    event.listen(engine.pool, "checkout", lambda *args: sent.append("(pool pre-ping)"))
    event.listen(engine, "begin", lambda *args: sent.append("BEGIN"))
    event.listen(engine, "before_cursor_execute", lambda _c, _cur, sql, *args: sent.append(" ".join(sql.split())))
    event.listen(engine, "commit", lambda *args: sent.append("COMMIT"))
    if client.get(path, headers=headers).status_code != 200:
        raise BenchError(f"{path} did not answer 200 in this process")
    return sent


def by_kind(stacks: Counter) -> dict[str, int]:
    """The samples by the kind of work of the innermost frame that has one, most first."""
    kinds: Counter = Counter()
    for stack, count in stacks.items():
        frames = stack.split(";")
        kind = next(
            (kind for frame in reversed(frames) for piece, kind in KINDS if piece in frame),
            "other: the standard library, threads",
        )
        kinds[kind] += count
    return dict(kinds.most_common())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--page", choices=["dashboard", "account", "plans", "healthz"], default="dashboard")
    parser.add_argument("--seconds", type=int, default=15, help="how long to sample (default 15)")
    args = parser.parse_args()

    environ = production_environ()
    prepare_database(environ)
    debtor = seed_debtors(environ, 1)[0]
    account = debtor.accounts[0]
    paths = {"dashboard": "/accounts/", "account": f"/accounts/{account}", "plans": f"/accounts/{account}/plans"}
    path = paths.get(args.page, "/healthz")
    with gunicorn(environ) as server:
        visit = sign_in(server.url, debtor)
        visit.request("GET", path, path, 200)
        sent = statements(environ, path, visit.cookie)
        stacks, requests, cpu = profile(server, path, visit.cookie, args.seconds)

    # Request threads only: the workers' main loops (accepting, polling) hold the GIL for a moment too.
    stacks = Counter({stack: n for stack, n in stacks.items() if "ThreadWorker.handle " in stack})
    cpu_ms = {who: seconds / max(requests, 1) * 1000 for who, seconds in cpu.items()}
    print(f"\nProfile of GET {path}: py-spy --gil on both gunicorn workers for {args.seconds} s while wrk asks for it")
    print(f"({requests / args.seconds:.0f} requests a second; production settings).\n")
    workers, postgres = cpu_ms["workers"], cpu_ms["PostgreSQL"]
    print(f"CPU a request: {workers:.2f} ms in the gunicorn workers, {postgres:.2f} ms in PostgreSQL.")
    queries = sum(statement.startswith(("SELECT", "INSERT", "UPDATE")) for statement in sent)
    print(f"{len(sent)} round trips to PostgreSQL, {queries} of them statements:")
    for statement in sent or ["(none)"]:
        print(f"  {statement[:110]}")
    print("\nThe workers' CPU, shared out as py-spy's samples of the thread holding the GIL are:\n")
    print(shares(stacks, by_kind(stacks), workers, "by library (the innermost on the stack)"))
    print()
    inside = {label: sum(n for stack, n in stacks.items() if piece in stack) for piece, label in PARTS}
    print(shares(stacks, inside, workers, "inside (these nest)"))


def shares(stacks: Counter, counts: dict[str, int], cpu_ms: float, title: str) -> str:
    """A table of each count's share of the samples, and that share of a request's CPU time."""
    samples = sum(stacks.values())
    rows = [[name, f"{n / samples * cpu_ms:.2f}", f"{n / samples:.0%}"] for name, n in counts.items()]
    return table([title, "ms/request", "share"], rows)


if __name__ == "__main__":
    run(main)
