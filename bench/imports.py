"""`flask import accounts` on a 100,000-row file, as a creditor runs it: `make bench-import`; `--help` for sizes.

A CSV file of N rows (a third of the debtors with two accounts, the rest with one) is written to a temporary
folder and imported into an empty database with one creditor, each run a `flask` process of its own: once
without links out; into an empty database again with --links-out (a link, a short link and an SVG QR code
per debtor); and once more, which must change nothing: the bench counts debtors, accounts, ledger entries,
links and audit events before and after, and fails if any moved. The goal: 100,000 rows in under 2 minutes.

Uses its own database, BENCH_IMPORT_DATABASE_URL (default postgresql+psycopg://postgres@127.0.0.1/bench_import),
created if missing and emptied first. Wall-clock times on a shared machine: compare runs made one after another.
"""

import argparse
import csv
import os
import resource
import subprocess
import tempfile
from datetime import date, timedelta
from pathlib import Path
from time import perf_counter

from sqlalchemy import create_engine, func, select, text

from bench.serving import BIN, ROOT, BenchError, host, machine_table, run, table
from portal.imports.rows import COLUMNS

DATABASE_URL = os.environ.get("BENCH_IMPORT_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1/bench_import")
SLUG = "bench-import"


def environ() -> dict[str, str]:
    return dict(os.environ) | {
        "PORTAL_ENV": "development",
        "FLASK_APP": "portal",
        "DATABASE_URL": DATABASE_URL,
        "SECRET_KEY": "bench-import-secret-key-not-for-real-debtors",
        "PUBLIC_BASE_URL": "https://pay.example.com",
    }


def fresh_database() -> None:
    """The database, created if missing, emptied, migrated, with the one creditor the file is for, and fresh
    planner statistics (as a database in use has)."""
    subprocess.run([BIN / "python", "scripts/create-database.py", DATABASE_URL], cwd=ROOT, check=True)
    engine = create_engine(DATABASE_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    subprocess.run([BIN / "flask", "db", "upgrade"], cwd=ROOT, env=environ(), check=True, capture_output=True)
    with engine.connect() as connection:
        connection.execute(
            text(
                "INSERT INTO creditor (slug, name, jurisdiction, currency, locale, timezone, identity_method,"
                " link_lifetime_days, is_debt_collector, policy, brand_colour, created_at) VALUES (:slug,"
                " 'Bench Recovery', 'US', 'USD', 'en_US', 'America/New_York', 'date_of_birth', 30, true, '{}',"
                " '#1d4f91', now())"
            ),
            {"slug": SLUG},
        )
        connection.execute(text("ANALYZE"))
    engine.dispose()


def write_file(path: Path, rows: int) -> int:
    """A file of `rows` rows; returns how many debtors it names."""
    start = date(2025, 6, 30)
    debtors = 0
    with path.open("w", newline="") as out:
        writer = csv.DictWriter(out, COLUMNS)
        writer.writeheader()
        written = 0
        while written < rows:
            debtors += 1
            born = date(1950, 1, 1) + timedelta(days=debtors % 18_000)
            person = {
                "debtor_reference": f"B-{debtors:07d}",
                "full_name": f"Person Number{debtors}",
                "date_of_birth": born.isoformat(),
                "postcode": f"{10_000 + debtors % 89_999:05d}",
                "email": f"person{debtors}@example.com",
                "phone": f"(555) 01{debtors % 100:02d}-{debtors % 10_000:04d}",
                "address": f"{debtors % 9_000 + 1} Main Street, Springfield, IL",
                "language": "es" if debtors % 5 == 0 else "en",
            }
            for n in range(2 if debtors % 3 == 0 else 1):
                if written == rows:
                    break
                writer.writerow(
                    person
                    | {
                        "account_reference": f"ACC-{debtors:07d}-{n}",
                        "description": "Credit card" if n == 0 else "Mobile phone contract",
                        "original_creditor": "Lakeside Bank",
                        "original_reference": f"LB-{debtors:07d}-{n}",
                        "itemization_date": (start - timedelta(days=debtors % 365)).isoformat(),
                        "itemization_amount": f"{100 + debtors % 9_000}.{debtors % 100:02d}",
                        "current_creditor": "Lakeside Bank",
                        "monthly_interest": f"{debtors % 40}.{n}0",
                    }
                )
                written += 1
    return debtors


def counts() -> dict[str, int]:
    engine = create_engine(DATABASE_URL)
    tables = ("debtor", "account", "ledger_entry", "magic_link", "audit_event")
    with engine.connect() as connection:
        found = {name: connection.scalar(select(func.count()).select_from(text(name))) for name in tables}
    engine.dispose()
    return found


def timed_import(source: Path, links: Path | None) -> tuple[float, float, str]:
    """The command's wall time, the CPU time it and the processes drawing QR codes used, and what it said.

    On a machine other people share, the CPU time is the steadier figure: the wall time waits for the cores.
    """
    args = ["import", "accounts", str(source), "--creditor", SLUG, "--campaign", "bench"]
    args += ["--links-out", str(links)] if links else []
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = perf_counter()
    done = subprocess.run([BIN / "flask", *args], cwd=ROOT, env=environ(), capture_output=True, text=True)
    seconds = perf_counter() - started
    now = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        raise BenchError(f"flask {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    cpu = now.ru_utime + now.ru_stime - used.ru_utime - used.ru_stime
    return seconds, cpu, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000, help="rows in the file (default 100,000)")
    options = parser.parse_args()
    runs = []
    with tempfile.TemporaryDirectory(prefix="bench-import-") as folder:
        source, links = Path(folder) / "accounts.csv", Path(folder) / "links.csv"
        debtors = write_file(source, options.rows)
        print(f"{options.rows:,} rows, {debtors:,} debtors: importing without links out ...", flush=True)
        fresh_database()
        about = host(DATABASE_URL)
        runs.append(_run("import", source, None))
        print("... into an empty database again, with links out ...", flush=True)
        fresh_database()
        runs.append(_run("import, links out", source, links))
        after_first = counts()
        print("... and the same again, which must change nothing.", flush=True)
        runs.append(_run("same file again, links out", source, links))
        after_again = counts()
        lines = sum(1 for _ in links.open()) - 1
        drawn = len(list(links.with_name("links_qr").iterdir()))
    if after_again != after_first:
        raise BenchError(f"the re-run changed the database: {after_first} then {after_again}")
    if lines != debtors or drawn != debtors or after_first["magic_link"] != debtors:
        raise BenchError(f"{debtors} debtors but {lines} lines, {drawn} QR codes, {after_first['magic_link']} links")
    rows = [
        [name, f"{seconds:.1f}", f"{options.rows / seconds:,.0f}", f"{cpu:.1f}", _did(out)]
        for name, seconds, cpu, out in runs
    ]
    print(
        f"\n{options.rows:,} rows, {debtors:,} debtors: wall time of `flask import accounts`, Python starting included"
    )
    print(table(["run", "seconds", "rows/s", "CPU s", "what it did"], rows, left=1))
    print(f"\nafter each run with links out: {', '.join(f'{name} {count:,}' for name, count in after_first.items())}")
    print(f"\n{machine_table(about)}")


def _run(name: str, source: Path, links: Path | None) -> tuple[str, float, float, str]:
    seconds, cpu, out = timed_import(source, links)
    print(f"  {seconds:.1f} s, CPU {cpu:.1f} s", flush=True)
    return name, seconds, cpu, out


def _did(summary: str) -> str:
    """The command's summary in figures: debtors, accounts and itemizations added, links issued."""
    return " ".join(summary.splitlines()[1:]).split(", written to")[0]


if __name__ == "__main__":
    run(main)
