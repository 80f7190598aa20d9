"""SQL statements and time per page as a debtor's accounts and ledgers grow, and as everyone else's do.

Neither may grow: a page sends the same statements for 1 account or 50, for 10 ledger entries or 10,000,
with or without a million rows of other people's in the same table. Run it with `make bench-scaling`
(BENCH_SCALE_DATABASE_URL names another PostgreSQL database; its contents are replaced).

Each case is a debtor of its own at one US debt collector (so the validation page exists), with a plan
on every other account (see bench.pages.seed_debtor). The pages look at the first account, whose plan is
a draft (so its plan options show), and which has the case's number of entries. The run is done twice,
on a fresh database each time: the cases alone, then the cases with 1,000,000 ledger rows of 2,000 other
debtors, written in date order among the cases' own, so that one account's rows are spread through the
table as after years of use.
"""

import argparse
import sys
import time
from dataclasses import dataclass

from flask import Flask

from bench.pages import (
    PAGES,
    Measure,
    add_ledgers,
    bench_run,
    fresh_database,
    measure,
    seed_budget,
    seed_creditor,
    seed_debtor,
    seed_other_debtors,
    signed_in_client,
    table,
    vacuum,
)
from portal.extensions import db

#: other people's ledger rows: 2,000 debtors with 5 accounts of 100 entries each
OTHER_DEBTORS, OTHER_ACCOUNTS_EACH, OTHER_ENTRIES_EACH = 2_000, 5, 100


@dataclass(frozen=True)
class Case:
    accounts: int
    #: ledger entries on each of the accounts
    entries: int

    def label(self, others: bool) -> str:
        plural = "account" if self.accounts == 1 else "accounts"
        return f"{self.accounts} {plural} × {self.entries:,} entries" + (" + 1M others" if others else "")


CASES = [Case(1, 10), Case(10, 10), Case(50, 10), Case(1, 1_000), Case(1, 10_000), Case(50, 1_000)]


@dataclass(frozen=True)
class Seeded:
    case: Case
    debtor: int
    account: int
    budget: int


def seed(app: Flask, *, others: bool) -> list[Seeded]:
    """A fresh database with every case's debtor (and the others' rows if asked); says how long the ledger took."""
    fresh_database(app)
    with app.app_context():
        creditor = seed_creditor()
        seeded, ledgers = [], {}
        for n, case in enumerate(CASES, start=1):
            debtor, accounts = seed_debtor(creditor, f"CASE-{n}", case.accounts)
            seeded.append(Seeded(case, debtor.id, accounts[0].id, seed_budget(debtor).id))
            ledgers.update(dict.fromkeys((account.id for account in accounts), case.entries))
        if others:
            other_accounts = seed_other_debtors(creditor, OTHER_DEBTORS, OTHER_ACCOUNTS_EACH)
            ledgers.update(dict.fromkeys(other_accounts, OTHER_ENTRIES_EACH))
        started = time.perf_counter()
        rows = add_ledgers(ledgers)
        db.session.commit()
        loaded = time.perf_counter() - started
    started = time.perf_counter()
    vacuum(app)
    print(f"Loaded {rows:,} ledger rows in {loaded:.1f} s (VACUUM ANALYZE {time.perf_counter() - started:.1f} s).")
    return seeded


def run(app: Flask, *, others: bool, repeat: int) -> dict[tuple[str, str], Measure]:
    """Each page for each case: {(case label, page): Measure}."""
    found = {}
    with app.app_context():
        engine = db.engine
    for seeded in seed(app, others=others):
        client = signed_in_client(app, seeded.debtor)
        for page, path in PAGES.items():
            url = path.format(account=seeded.account, budget=seeded.budget)
            found[seeded.case.label(others), page] = measure(client, engine, url, repeat=repeat)
    return found


def _cell(found: Measure) -> str:
    return f"{found.statements} st {found.ms:6.1f} ms"


def report(found: dict[tuple[str, str], Measure]) -> list[str]:
    """Print the table; returns the pages whose statements grow."""
    labels = list(dict.fromkeys(label for label, _ in found))
    rows = [[label, *(_cell(found[label, page]) for page in PAGES)] for label in labels]
    print(table(["case (statements, median ms)", *PAGES], rows))
    print()
    growing = []
    summary = []
    for page in PAGES:
        statements = [found[label, page].statements for label in labels]
        times = [found[label, page].ms for label in labels]
        sizes = [len(found[label, page].body) / 1024 for label in labels]
        if len(set(statements)) > 1:
            growing.append(page)
        summary.append(
            [
                page,
                f"{min(statements)}–{max(statements)}" if len(set(statements)) > 1 else f"{statements[0]} always",
                f"{min(times):.1f}–{max(times):.1f}",
                f"{max(times) / min(times):.2f}",
                f"{min(sizes):.1f}–{max(sizes):.1f}",
            ]
        )
    headers = ["page", "statements", "ms (fastest–slowest case)", "slowest ÷ fastest", "HTML KB"]
    print(table(headers, summary))
    return growing


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15, help="timed requests per page and case (default 15)")
    parser.add_argument("--no-others", action="store_true", help="skip the run with a million other rows")
    args = parser.parse_args()
    with bench_run("scaling") as app:
        print(f"Median of {args.repeat} requests after 3 warm-up requests, in-process (Flask test client).\n")
        found = run(app, others=False, repeat=args.repeat)
        if not args.no_others:
            found |= run(app, others=True, repeat=args.repeat)
    print()
    growing = report(found)
    if growing:
        print(f"\nStatements grow on: {', '.join(growing)}.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
