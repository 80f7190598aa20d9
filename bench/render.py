"""What one page costs the portal's process: the median time and CPU time of a request, and where it goes.

A debtor with three accounts of 25 entries each (a dashboard of about 6 KB, an account page of about 8 KB)
on PostgreSQL, asked for in-process with Flask's test client. CPU time is this process's alone (routing,
SQLAlchemy, Jinja, Babel), so it is steadier than wall time on a busy machine; wall time adds the database.
The fastest of the requests is what a quiet machine gives; the number of Python function calls in a request
does not depend on the machine at all.

    python -m bench.render                      # the table
    python -m bench.render --profile dashboard  # and cProfile's busiest functions, over as many requests again
"""

import argparse
import cProfile
import pstats
import statistics
import sys
import time

from flask import Flask
from flask.testing import FlaskClient

from bench.pages import (
    PAGES,
    add_ledgers,
    bench_run,
    fresh_database,
    seed_budget,
    seed_creditor,
    seed_debtor,
    signed_in_client,
    table,
)
from portal.extensions import db


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200, help="timed requests per page (default 200)")
    parser.add_argument("--profile", choices=list(PAGES), help="profile this page over as many requests again")
    parser.add_argument("--top", type=int, default=40, help="how many functions the profile lists")
    args = parser.parse_args()
    with bench_run("render") as app:
        client, ids = _seed(app)
        print(f"Median of {args.repeat} requests after 20 warm-up requests, in-process (Flask test client).\n")
        rows = []
        for page, path in PAGES.items():
            url = path.format(**ids)
            size, wall, cpu = _time(client, url, args.repeat)
            profiled = args.repeat if page == args.profile else 10
            profile = _profile(client, url, profiled)
            timings = [statistics.median(wall), min(wall), statistics.median(cpu), min(cpu)]
            rows.append([page, f"{size:,}", *(f"{ms:.2f}" for ms in timings), f"{profile.total_calls // profiled:,}"])
            if page == args.profile:
                print(f"{page}: the {args.top} functions with the most time of their own, over {profiled} requests")
                profile.sort_stats("tottime").print_stats(args.top)
        print(table(["page", "bytes", "ms", "fastest ms", "CPU ms", "fastest CPU ms", "Python calls"], rows))
    return 0


def _seed(app: Flask) -> tuple[FlaskClient, dict[str, int]]:
    """A fresh database with the debtor; a client signed in as them, and the ids the pages' paths need."""
    fresh_database(app)
    with app.app_context():
        debtor, accounts = seed_debtor(seed_creditor(), "RENDER-1", 3)
        budget = seed_budget(debtor)
        add_ledgers(dict.fromkeys((account.id for account in accounts), 25))
        db.session.commit()
        ids, debtor_id = {"account": accounts[0].id, "budget": budget.id}, debtor.id
    return signed_in_client(app, debtor_id), ids


def _time(client: FlaskClient, url: str, repeat: int) -> tuple[int, list[float], list[float]]:
    """The page's size, and the time and CPU time of each of `repeat` requests (ms), after 20 that warm up."""
    for _ in range(20):
        client.get(url)
    wall, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        cpu.append((time.process_time() - started_cpu) * 1000)
        wall.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url}: {response.status_code}")
    return len(response.get_data()), wall, cpu


def _profile(client: FlaskClient, url: str, requests: int) -> pstats.Stats:
    """cProfile over some requests (not the timed ones): its count of Python function calls is the same on
    every run, however busy the machine."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        client.get(url)
    profiler.disable()
    return pstats.Stats(profiler, stream=sys.stdout)


if __name__ == "__main__":
    sys.exit(main())
