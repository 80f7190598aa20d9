"""The jobs, run for real: `flask collect` over many due instalments against localstripe with several
runners at once, and `flask links issue-many` over many debtors. `make bench-jobs`; `--help` for sizes.

Collect: for each number of runners (and each Stripe latency asked for), a fresh database gets N
debtors on active plans with a saved card and an instalment due, a fresh localstripe starts, and the
runners run `flask collect` at the same moment, each in a process of its own. Then the bench checks
that each instalment was charged exactly once, in our database and at localstripe. The Stripe-wait
share is the time the runners spent inside the gateway's calls (timed around each call) over the time
they ran: the rest is the portal's own work and the database.

Links: a creditor with N debtors, then `flask links issue-many --all-without-link` in one process (the
wall time includes Python starting), the same again (it must issue none), and for comparison a sample
issued the old way: one unit of work per link in one process, and one process per link.

Uses its own database (BENCH_JOBS_DATABASE_URL, default postgresql+psycopg://postgres@127.0.0.1/bench_jobs),
which it empties first. Timings are wall-clock on a shared machine: compare runs made one after another.
"""

import argparse
import csv
import sys
from datetime import date

from bench.jobs_support import LOG_DIR as OUT
from bench.jobs_support import (
    ChargedOnce,
    RunnerResult,
    check_charged_once,
    empty_tables,
    fresh_database,
    job_environ,
    localstripe,
    machine,
    one_at_a_time,
    run_collectors,
    saved_cards,
    seed_due_instalments,
    seed_link_debtors,
    step,
    table,
    timed_command,
)


def _numbers(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instalments", type=int, default=10_000, help="due instalments to collect (0: skip)")
    parser.add_argument("--runners", type=_numbers, default=[3], help="collect runs at once, e.g. 1,3 (default 3)")
    parser.add_argument(
        "--stripe-latency-ms",
        type=_numbers,
        default=[0],
        help="delay localstripe adds to each answer, e.g. 0,300, as the network and Stripe would (default 0)",
    )
    parser.add_argument("--cards", type=int, default=10, help="localstripe customers with a card, shared by the plans")
    parser.add_argument(
        "--stock-localstripe",
        action="store_true",
        help="localstripe as the tests run it: slower the more it holds (see jobs_support.serve_localstripe)",
    )
    parser.add_argument("--links", type=int, default=10_000, help="debtors to issue links to in bulk (0: skip)")
    parser.add_argument("--links-sample", type=int, default=200, help="links issued the old way, for comparison")
    args = parser.parse_args()
    if args.links and args.links_sample < 4:
        parser.error("--links-sample must be at least 4 (3 of them get a process each)")

    from portal import create_app
    from portal.extensions import db

    done = step("Fresh database")
    fresh_database()
    done()
    app = create_app(environ=job_environ())
    with app.app_context():
        about = machine(db)
        collect_rows = [
            _collect(db, args, runners, latency)
            for latency in args.stripe_latency_ms
            for runners in args.runners
            if args.instalments
        ]
        link_rows = _links(db, args.links, args.links_sample) if args.links else []

    print()
    if collect_rows:
        served = "as the tests run it" if args.stock_localstripe else "indexed, in memory"
        print(f"flask collect: several runners at once against localstripe ({served})")
        headers = ["instalments", "runners", "Stripe latency ms", "wall s", "charges/s"]
        headers += ["Stripe-wait share", "portal ms/charge", "Stripe ms/charge", "charged once"]
        print(table(headers, collect_rows, left=0))
        print()
    if link_rows:
        print("Issuing links")
        print(table(["how", "links", "wall s", "links/s", "ms/link", "checked"], link_rows))
        print()
    print(table(["machine", ""], [list(line) for line in about], left=2))
    print(f"\nRunners' output and localstripe's log: {OUT}")


def _collect(db, args, runners: int, latency: int) -> list:
    due = date.today()
    with localstripe(latency, stock=args.stock_localstripe) as stripe_url:
        done = step(f"Seed {args.instalments} due instalments; {runners} runner(s), Stripe latency {latency} ms")
        empty_tables(db)
        seed_due_instalments(db, "bench-collect", args.instalments, saved_cards(stripe_url, args.cards), due)
        done()
        done = step("Collect")
        wall, results = run_collectors(runners, job_environ(stripe_url), due)
        done()
        done = step("Check each instalment was charged once")
        verdict = check_charged_once(db, stripe_url, due)
        done()
    return _collect_row(runners, latency, wall, results, verdict)


def _collect_row(runners: int, latency: int, wall: float, results: list[RunnerResult], verdict: ChargedOnce) -> list:
    charged = sum(result.counts.get("paid", 0) for result in results)
    running = sum(result.seconds for result in results)
    waiting = sum(result.stripe_seconds for result in results)
    for problem in verdict.problems:
        print(f"NOT CHARGED ONCE: {problem}", file=sys.stderr)
    per_charge = (lambda seconds: f"{1000 * seconds / charged:.1f}") if charged else (lambda seconds: "-")
    return [
        verdict.instalments,
        runners,
        latency,
        f"{wall:.1f}",
        f"{charged / wall:.0f}",
        f"{waiting / running:.0%}",
        per_charge(running - waiting),
        per_charge(waiting),
        "yes" if verdict.ok and charged == verdict.instalments else "NO",
    ]


def _links(db, count: int, sample: int) -> list[list]:
    """`links issue-many` for `count` debtors, again (none), and a sample the old ways."""
    environ = job_environ()
    done = step(f"Seed {count} + {sample} debtors for links")
    empty_tables(db)
    seed_link_debtors(db, "bench-links", count)
    seed_link_debtors(db, "bench-one", sample)
    done()
    out = OUT / "links.csv"
    issue_many = ["links", "issue-many", "--creditor", "bench-links", "--all-without-link", "--out", str(out)]
    done = step(f"flask links issue-many for {count} debtors")
    first, _ = timed_command(issue_many, environ)
    with out.open(newline="") as lines:
        rows = list(csv.DictReader(lines))
    again, _ = timed_command(issue_many, environ)
    with out.open(newline="") as lines:
        rows_again = list(csv.DictReader(lines))
    done()
    links = _links_of(db, "bench-links")
    every_one = len(rows) == count == len({row["reference"] for row in rows}) and links == (count, count)
    every_one = every_one and all(_opens(row) for row in rows[:: max(count // 100, 1)])
    done = step(f"{sample} links one at a time, then 3 in a process each, then flask starting alone")
    references = [f"BENCH-ONE-{n:06d}" for n in range(sample)]
    in_one_process = one_at_a_time(db, "bench-one", references[3:])
    each = [
        timed_command(["links", "issue", "--creditor", "bench-one", "--debtor", ref], environ)[0]
        for ref in references[:3]
    ]
    starting = min(timed_command(["links", "issue-many", "--help"], environ)[0] for _ in range(3))
    done()
    return [
        ["flask starting, nothing issued (issue-many --help)", 0, f"{starting:.1f}", "-", "-", "-"],
        ["issue-many --all-without-link (one process)", count, f"{first:.1f}", f"{count / first:.0f}",
         f"{1000 * first / count:.2f}", "each debtor one link, all in the CSV" if every_one else "NO"],
        ["the same again", len(rows_again), f"{again:.1f}", "-", "-", "none issued twice" if not rows_again else "NO"],
        ["issue_link one at a time, in one process", sample - 3, f"{in_one_process:.1f}",
         f"{(sample - 3) / in_one_process:.0f}", f"{1000 * in_one_process / (sample - 3):.2f}", "-"],
        ["flask links issue, a process per link", 3, f"{sum(each):.1f}", f"{3 / sum(each):.1f}",
         f"{1000 * sum(each) / 3:.0f}", "-"],
    ]  # fmt: skip


def _opens(row: dict[str, str]) -> bool:
    """The CSV line's URL is a usable link we issued, to the debtor it names."""
    from portal.links.service import find_link, link_problem

    link = find_link(row["url"].rsplit("/", 1)[-1])
    return link_problem(link) is None and link.debtor.reference == row["reference"]


def _links_of(db, slug: str) -> tuple[int, int]:
    """How many links the creditor's debtors have, and how many debtors have one."""
    from sqlalchemy import func, select

    from portal.models import Creditor, Debtor, MagicLink

    return tuple(
        db.session.execute(
            select(func.count(MagicLink.id), func.count(MagicLink.debtor_id.distinct()))
            .join(Debtor, Debtor.id == MagicLink.debtor_id)
            .join(Creditor, Creditor.id == Debtor.creditor_id)
            .where(Creditor.slug == slug)
        ).one()
    )


if __name__ == "__main__":
    main()
