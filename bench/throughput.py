"""Requests per second for the pages a signed-in debtor sees most, beside a bare route, in one run.

`python -m bench.throughput` (or `make bench-throughput`) migrates the bench database, makes a debtor
with 3 accounts, serves bench/bare.py with gunicorn.conf.py and measures it with wrk, then serves the
portal the same way (PORTAL_ENV=production, PostgreSQL, limits in Redis), signs in through the real
pages and measures each page with that session cookie. Goal: the dashboard at 0.40 of the bare route.
"""

import argparse
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

from bench.serving import (
    BROWSER_HEADERS,
    SESSION_COOKIE,
    Server,
    cpu_seconds,
    gunicorn,
    machine,
    machine_table,
    prepare_database,
    production_environ,
    run,
    seed_debtors,
    sign_in,
    table,
)

#: the dashboard's requests per second, as a share of the bare route's
GOAL = 0.40
REPORT = Path(__file__).with_name("wrk-report.lua")


@dataclass(frozen=True)
class Result:
    per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int
    kb_per_response: float
    #: CPU time the gunicorn workers spent on each request
    cpu_ms: float
    #: each worker's share of that CPU (kept-open connections can all end up with one worker)
    split: str

    def row(self, name: str, path: str, bare: "Result") -> list[str]:
        figures = (self.per_second, self.p50_ms, self.p95_ms, self.p99_ms)
        share = self.per_second / bare.per_second
        return [
            name,
            path,
            *(f"{n:.1f}" for n in figures),
            str(self.errors),
            f"{self.kb_per_response:.1f}",
            f"{self.cpu_ms:.2f}",
            self.split,
            f"{share:.2f}",
        ]


def wrk(
    url: str, seconds: float, *, connections: int = 8, keep_alive: bool = False, cookie: str = ""
) -> dict[str, float]:
    """wrk with one thread (little CPU beside gunicorn's) and a browser's headers; its report (wrk-report.lua)."""
    headers = BROWSER_HEADERS | ({"Cookie": f"{SESSION_COOKIE}={cookie}"} if cookie else {})
    if not keep_alive:
        headers["Connection"] = "close"
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(REPORT)]
    command += [arg for name, value in headers.items() for arg in ("-H", f"{name}: {value}")]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def measure(server: Server, path: str, args: argparse.Namespace, cookie: str = "") -> Result:
    """A warm-up first (every worker and thread compiles its templates and opens its connections), then the run."""
    options = {"connections": args.connections, "keep_alive": args.keep_alive, "cookie": cookie}
    wrk(server.url + path, args.warmup, **options)
    workers = server.workers()
    before = [cpu_seconds(pid) for pid in workers]
    report = wrk(server.url + path, args.seconds, **options)
    used = [cpu_seconds(pid) - start for pid, start in zip(workers, before, strict=True)]
    count = max(report["requests"], 1)
    return Result(
        per_second=report["requests"] / report["seconds"],
        p50_ms=report["p50"] / 1000,
        p95_ms=report["p95"] / 1000,
        p99_ms=report["p99"] / 1000,
        errors=int(report["errors"]),
        kb_per_response=report["bytes"] / count / 1024,
        cpu_ms=sum(used) / count * 1000,
        split="/".join(f"{seconds / max(sum(used), 1e-9):.0%}".rstrip("%") for seconds in used),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=15, help="each measurement (default 15)")
    parser.add_argument("--warmup", type=int, default=3, help="unmeasured seconds before each (default 3)")
    parser.add_argument("--connections", type=int, default=8, help="at once (default 8: 2 workers x 4 threads)")
    parser.add_argument(
        "--keep-alive",
        action="store_true",
        help="keep connections open (by default each request has its own, as from a proxy speaking HTTP/1.0; "
        "a kept connection stays with the worker that took it, and one worker can end up with them all)",
    )
    args = parser.parse_args()

    environ = production_environ()
    prepare_database(environ)
    measured_on = machine(environ)
    debtor = seed_debtors(environ, 1)[0]
    account = debtor.accounts[0]
    with gunicorn(environ, "bench.bare:app", ready="/") as server:
        bare = measure(server, "/", args)
    rows = [bare.row("bare route (bench/bare.py)", "/", bare)]
    with gunicorn(environ) as server:
        pages = [
            ("portal /healthz (no page)", "/healthz"),
            ("dashboard (3 accounts)", "/accounts/"),
            ("account", f"/accounts/{account}"),
            ("plan options", f"/accounts/{account}/plans"),
        ]
        results = {}
        for name, path in pages:
            # Signed in afresh for each page: wrk sends one cookie throughout, and a browser would have been
            # sent a new one by the time the idle clock is a minute behind (portal.sessions.IDLE_CLOCK_STEP).
            visit = sign_in(server.url, debtor)
            visit.request("GET", path, path, 200)  # signed in, and the page is there
            results[name] = measure(server, path, args, visit.cookie)
            rows.append(results[name].row(name, path, bare))
        visit.dashboard()  # still signed in at the end: every response measured was the page

    header = ["", "path", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors", "kB/resp", "CPU ms", "workers %", "vs bare"]
    connections = "kept open" if args.keep_alive else "a new one each request"
    print(f"\nThroughput: wrk, 1 thread, {args.connections} connections ({connections}), {args.seconds} s each after")
    print(f"{args.warmup} s warm-up; PORTAL_ENV=production, PostgreSQL, Redis limits, gunicorn.conf.py.\n")
    print(table(header, rows, left=2))
    print("\nCPU ms: the gunicorn workers' CPU time a request; workers %: each worker's share of it.")
    dashboard = results["dashboard (3 accounts)"]
    share = dashboard.per_second / bare.per_second
    verdict = "met" if share >= GOAL else "NOT met"
    print(f"Goal: the dashboard at {GOAL:.2f} of the bare route or more: {verdict} ({share:.2f}).")
    healthz = dashboard.per_second / results["portal /healthz (no page)"].per_second
    print(f"(The dashboard at {healthz:.2f} of the portal's /healthz, which runs the portal's hooks and no view.)\n")
    print(machine_table(measured_on))


if __name__ == "__main__":
    run(main)
