"""Debtors at once (200 by default, for 60 seconds), each going through the portal as a person would.

`python -m bench.load` (or `make bench-load`) migrates the bench database, makes one debtor with 3 accounts
and a link for each simulated debtor (in one transaction), serves the portal with gunicorn and the
production settings on loopback, warms every page up with wrk (as a debtor of its own, so the figures are
of a server that has run a while), and runs locust headless with bench/locustfile.py: each debtor opens
its link, continues, answers, reads an account, its plan options and the dashboard, 1 to 3 seconds
apart. Goal: no errors, and 95% of requests answered within 500 ms.
"""

import argparse
import csv
import os
import subprocess
import tempfile
from pathlib import Path

from bench.serving import (
    BIN,
    LOG_DIR,
    ROOT,
    BenchDebtor,
    BenchError,
    cpu_seconds,
    gunicorn,
    machine,
    machine_table,
    prepare_database,
    production_environ,
    run,
    save_debtors,
    seed_debtors,
    sign_in,
    table,
)
from bench.throughput import wrk

GOAL_P95_MS = 500
#: every simulated debtor comes from 127.0.0.1, so the limits on wrong identity answers are raised out of
#: the way (the answers are all right, and right answers never count, but nothing is left to chance)
RAISED_LIMITS = {
    "IDENTITY_ATTEMPTS_PER_IP": "1000000 per hour",
    "IDENTITY_ATTEMPTS_PER_LINK": "1000000 per hour",
    "IDENTITY_ATTEMPTS_PER_DEBTOR": "1000000 per day",
}
COLUMNS = ["Request Count", "Failure Count", "Requests/s", "50%", "95%", "99%", "Max Response Time"]


def run_locust(url: str, debtors: Path, prefix: Path, args: argparse.Namespace) -> None:
    """locust, headless, for the time asked; its own output goes to instance/bench/locust.log."""
    command = [BIN / "locust", "-f", "bench/locustfile.py", "--headless", "--host", url, "--csv", prefix]
    command += ["--users", str(args.users), "--spawn-rate", str(args.spawn_rate), "--run-time", f"{args.seconds}s"]
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    with (LOG_DIR / "locust.log").open("wb") as log:
        # Exits 1 when anything failed: the table says what.
        subprocess.run(
            [*command, "--only-summary"],
            cwd=ROOT,
            env=os.environ | {"BENCH_DEBTORS": str(debtors), "PYTHONPATH": str(ROOT)},
            stdout=log,
            stderr=subprocess.STDOUT,
            check=False,
        )


def warm_up(url: str, debtor: BenchDebtor) -> None:
    """Every page once in every worker thread (templates compiled, connections open), with a debtor of its own."""
    visit = sign_in(url, debtor)
    account = debtor.accounts[0]
    for path in ("/start", "/verify", "/accounts/", f"/accounts/{account}", f"/accounts/{account}/plans"):
        wrk(url + path, 2, cookie=visit.cookie)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as file:
        return list(csv.DictReader(file))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=200, help="simulated debtors (default 200)")
    parser.add_argument("--spawn-rate", type=float, default=20, help="debtors started a second (default 20)")
    parser.add_argument("--seconds", type=int, default=60, help="how long (default 60)")
    args = parser.parse_args()

    environ = production_environ(**RAISED_LIMITS)
    prepare_database(environ)
    measured_on = machine(environ)
    with tempfile.TemporaryDirectory() as scratch:
        debtors, prefix = Path(scratch) / "debtors.json", Path(scratch) / "locust"
        spare, *simulated = seed_debtors(environ, 1 + args.users)
        save_debtors(debtors, simulated)
        with gunicorn(environ) as server:
            warm_up(server.url, spare)
            workers = server.workers()
            before = sum(cpu_seconds(pid) for pid in workers)
            run_locust(server.url, debtors, prefix, args)
            cpu = sum(cpu_seconds(pid) for pid in workers) - before
        stats, failures, exceptions = (
            read_csv(Path(f"{prefix}_{name}.csv")) for name in ("stats", "failures", "exceptions")
        )
    if not stats:
        raise BenchError(f"locust measured nothing (see {LOG_DIR / 'locust.log'})")

    rows = [[row["Name"], *(f"{float(row[column]):.0f}" for column in COLUMNS)] for row in stats]
    print(f"\nLoad: {args.users} simulated debtors (locust, started {args.spawn_rate:g} a second), {args.seconds} s,")
    print("production settings (PORTAL_ENV=production, PostgreSQL, Redis limits, gunicorn.conf.py), 1 to 3 s")
    print("between steps. Raised for the bench, as every debtor comes from 127.0.0.1:")
    print("  " + ", ".join(f"{name}={value}" for name, value in RAISED_LIMITS.items()) + "\n")
    header = ["request", "count", "failed", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms"]
    print(table(header, rows))
    for failure in failures:
        print(f"failed: {failure['Method']} {failure['Name']}: {failure['Error']} ({failure['Occurrences']} times)")
    for exception in exceptions:
        print(f"unexpected answer: {exception['Message']} ({exception['Count']} times)")

    total = stats[-1]  # locust's "Aggregated" row
    cores = cpu / args.seconds
    cpu_ms = cpu / max(int(total["Request Count"]), 1) * 1000
    print(f"\nThe gunicorn workers used {cores:.2f} of the {os.cpu_count()} cores, {cpu_ms:.1f} ms of CPU a request.")
    errors = int(total["Failure Count"]) + sum(int(exception["Count"]) for exception in exceptions)
    p95 = float(total["95%"])
    verdict = "met" if errors == 0 and p95 < GOAL_P95_MS else "NOT met"
    print(f"Goal: no errors and p95 under {GOAL_P95_MS} ms: {verdict} ({errors} errors, p95 {p95:.0f} ms).\n")
    print(machine_table(measured_on))


if __name__ == "__main__":
    run(main)
