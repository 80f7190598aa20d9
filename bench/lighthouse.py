"""Lighthouse on the debtor's main pages, served for real: `make bench-lighthouse` runs this.

    .venv/bin/python bench/lighthouse.py [--debtor NAME] [--runs N] [--pages link,budget,...]
                                         [--server gunicorn|flask] [--strict]

What it does, each time, from nothing:

1. a throwaway SQLite database in a temporary folder, migrated, with the demo data (`flask demo seed`,
   which prints each demo debtor's link and identity answer);
2. the portal served on a free loopback port: gunicorn with gunicorn.conf.py, as production serves
   it but with one worker (compression on), or `flask run`; both with PORTAL_ENV=development, which
   allows SQLite and cookies over plain HTTP, and production's HSTS header;
3. signs in through the real pages with `requests`: opens the link, POST /start, POST /verify with the
   answer and the page's CSRF token (the link and identity pages are audited before that, with the
   link's session);
4. runs Lighthouse (node_modules/.bin/lighthouse, Debian's Chromium, headless, mobile: its default
   form factor and throttling) on each page with the session cookie as an extra header;
5. prints page x category -> score (every run when --runs > 1) and, for any score under 100, the
   audits that failed: their ids, titles and what Lighthouse measured.

The JSON reports are kept in test-artifacts/lighthouse/ (not committed). Exit status: 1 when an
accessibility or best-practices score is under 100 (or, with --strict, any score, performance
too: a throttled mobile profile's performance score moves with the machine's load).
"""

import argparse
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
REPORTS = ROOT / "test-artifacts" / "lighthouse"
CATEGORIES = ("performance", "accessibility", "best-practices")
SHORT = {"performance": "perf", "accessibility": "a11y", "best-practices": "best"}
#: categories whose score depends on the page alone (performance also depends on the machine's load)
DETERMINISTIC = ("accessibility", "best-practices")
#: seconds to wait for one page (a loaded machine is slow, but a page that takes this long is a fault)
TIMEOUT = 30


@dataclass
class Page:
    name: str
    path: str
    signed_in: bool = True


def pages_for(account_id: int) -> list[Page]:
    return [
        Page("link", "/start", signed_in=False),  # where /l/<token> redirects
        Page("identity", "/verify", signed_in=False),
        Page("dashboard", "/accounts/"),
        Page("account", f"/accounts/{account_id}"),
        Page("pay", f"/accounts/{account_id}/pay"),
        Page("plan options", f"/accounts/{account_id}/plans"),
        Page("budget", "/budget/"),
    ]


@dataclass
class Result:
    page: Page
    scores: dict[str, int | None]
    #: (category, audit id, title, what was measured) for each failing audit of a category under 100
    failing: list[tuple[str, str, str, str]] = field(default_factory=list)
    run_warnings: list[str] = field(default_factory=list)
    #: Lighthouse's measure of the CPU it ran on; under 1,000 it warns the CPU is slower than it expects (a
    #: shared 2-core machine gave 350 to 2,200): a performance dip with a low index is the machine, not the page
    benchmark_index: float | None = None


# The portal, served


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def portal_environment(folder: Path, port: int) -> dict[str, str]:
    return os.environ | {
        "PORTAL_ENV": "development",
        "PORTAL_INSTANCE_DIR": str(folder),
        "DATABASE_URL": f"sqlite:///{folder / 'portal.db'}",
        "SECRET_KEY": secrets.token_urlsafe(32),
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "MAIL_DIR": str(folder / "mail"),
        "LOG_FORMAT": "text",
        # the headers production sends (browsers ignore HSTS over plain HTTP)
        "HSTS_SECONDS": str(365 * 24 * 3600),
        "FLASK_APP": "portal",
    }


@dataclass
class Demo:
    name: str
    answer: str
    link: str


def seed(env: dict[str, str], debtor: str) -> Demo:
    """Migrate the database, load the demo data and return the chosen debtor's link and answer."""
    subprocess.run([BIN / "flask", "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
    printed = subprocess.run(
        [BIN / "flask", "demo", "seed"], env=env, cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    return demo_debtor(printed, debtor)


def demo_debtor(printed: str, name: str) -> Demo:
    """One debtor from what `flask demo seed` prints: f"{name:<14} {creditor:<20} {answer:<11} {link}"."""
    for line in printed.splitlines():
        if line.startswith(name + " "):
            link = line.split()[-1]
            # a postcode holds a space ("LS6 2AB"), so the answer is cut by its column
            return Demo(name, line[36 : -len(link)].strip(), link)
    raise SystemExit(f"No demo debtor called {name!r} in:\n{printed}")


@contextmanager
def serving(env: dict[str, str], port: int, server: str, log: Path) -> Iterator[str]:
    base = f"http://127.0.0.1:{port}"
    if server == "gunicorn":
        command = [BIN / "gunicorn", "-c", "gunicorn.conf.py"]
        env = env | {"BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "1"}
    else:
        command = [BIN / "flask", "run", "--host", "127.0.0.1", "--port", str(port), "--no-reload"]
    with log.open("w") as out:
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60  # a loaded machine takes a while to import the app
        while True:
            try:
                if requests.get(f"{base}/healthz", timeout=5).ok:
                    break
            except (requests.ConnectionError, requests.Timeout):
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"The portal did not start; its log:\n{log.read_text()}")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


# Signing in through the real pages


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    if match is None:
        raise SystemExit("No CSRF token on the page")
    return match.group(1)


def identity_answer(answer: str) -> dict[str, str]:
    """The identity form's fields: a date of birth in three parts, or a postcode or ZIP code."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", answer):
        year, month, day = answer.split("-")
        return {"date_of_birth-day": str(int(day)), "date_of_birth-month": str(int(month)), "date_of_birth-year": year}
    return {"postcode": answer}


def sign_in(browser: requests.Session, base: str, demo: Demo) -> requests.Response:
    """Continue on the link page, answer the identity question; returns the page signed in to."""
    start = browser.get(f"{base}/start", timeout=TIMEOUT)
    start.raise_for_status()
    verify = browser.post(f"{base}/start", data={"csrf_token": csrf_token(start.text)}, timeout=TIMEOUT)
    verify.raise_for_status()
    signed_in = browser.post(
        f"{base}/verify", data={"csrf_token": csrf_token(verify.text)} | identity_answer(demo.answer), timeout=TIMEOUT
    )
    signed_in.raise_for_status()
    if "/accounts" not in signed_in.url:
        raise SystemExit(f"Signing in as {demo.name} ended on {signed_in.url}, not the accounts")
    return signed_in


def first_account(dashboard: str) -> int:
    """The id of the first account the dashboard links to."""
    return int(re.search(r'href="/accounts/(\d+)"', dashboard).group(1))


def cookie_header(browser: requests.Session) -> str:
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in browser.cookies)


# Lighthouse


def lighthouse(url: str, cookie: str, report: Path, chrome: str) -> dict:
    command = [
        str(LIGHTHOUSE),
        url,
        f"--chrome-path={chrome}",
        "--chrome-flags=--headless=new --no-sandbox --disable-dev-shm-usage",
        f"--only-categories={','.join(CATEGORIES)}",
        "--output=json",
        f"--output-path={report}",
        f"--extra-headers={json.dumps({'Cookie': cookie})}",
        "--quiet",
    ]
    finished = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if finished.returncode != 0 or not report.exists():
        raise SystemExit(f"Lighthouse failed on {url}:\n{finished.stderr[-3000:]}")
    return json.loads(report.read_text())


def failing_audits(lhr: dict, category: str) -> list[tuple[str, str, str, str]]:
    """The audits that cost this category points (weighted first), then its failing diagnostics."""
    weighted, diagnostics = [], []
    for ref in lhr["categories"][category]["auditRefs"]:
        audit = lhr["audits"][ref["id"]]
        if audit["scoreDisplayMode"] in ("informative", "notApplicable", "manual", "error"):
            if audit["scoreDisplayMode"] == "error":
                weighted.append((category, ref["id"], audit["title"], audit.get("errorMessage", "error")))
            continue
        if audit["score"] is None or audit["score"] >= 1:
            continue
        found = (category, ref["id"], audit["title"], audit.get("displayValue", "") or f"score {audit['score']}")
        (weighted if ref["weight"] > 0 else diagnostics).append(found)
    return weighted + diagnostics


def audit_page(page: Page, base: str, browser: requests.Session, run: int, chrome: str) -> Result:
    url = base + page.path
    # The session cookie's idle timeout runs from the last request: load the page once to refresh it
    # (and to warm the server), then give Lighthouse the newest cookie.
    browser.get(url, timeout=TIMEOUT).raise_for_status()
    slug = re.sub(r"\W+", "-", page.name)
    lhr = lighthouse(url, cookie_header(browser), REPORTS / f"{slug}-{run}.json", chrome)
    if lhr.get("finalDisplayedUrl", lhr.get("finalUrl")) != url:
        raise SystemExit(f"Lighthouse was sent from {url} to {lhr.get('finalDisplayedUrl')}: signed out?")
    scores = {}
    failing = []
    for category in CATEGORIES:
        score = lhr["categories"][category]["score"]
        scores[category] = None if score is None else round(score * 100)
        if scores[category] != 100:
            failing += failing_audits(lhr, category)
    return Result(page, scores, failing, lhr.get("runWarnings", []), lhr["environment"].get("benchmarkIndex"))


# The report


def print_table(runs: list[list[Result]]) -> None:
    names = [result.page.name for result in runs[0]]
    width = max(len(name) for name in names) + 2
    print()
    print("page".ljust(width) + "".join(f"{SHORT[c]:>{6 * len(runs) + 2}}" for c in CATEGORIES))
    for index, name in enumerate(names):
        cells = []
        for category in CATEGORIES:
            per_run = [run[index].scores[category] for run in runs]
            cells.append(" ".join(f"{'-' if s is None else s:>5}" for s in per_run).rjust(6 * len(runs) + 2))
        print(name.ljust(width) + "".join(cells))
    if len(runs) > 1:
        print(f"(one column per run, {len(runs)} runs)")


def print_failures(runs: list[list[Result]]) -> None:
    failing: dict[tuple[str, str, str], tuple[str, list[str]]] = {}
    warnings: dict[str, list[str]] = {}
    for number, run in enumerate(runs, 1):
        for result in run:
            for category, audit_id, title, measured in result.failing:
                found = failing.setdefault((result.page.name, category, audit_id), (title, []))
                found[1].append(f"run {number}: {measured}")
            for warning in result.run_warnings:
                warnings.setdefault(warning.split("\n")[0], []).append(f"{result.page.name} (run {number})")
    if failing:
        print("\nFailing audits of the scores under 100 (page, category, id: title [each run it failed in]):")
        for (page, category, audit_id), (title, measured) in failing.items():
            print(f"  {page:<13} {category:<15} {audit_id}: {title} [{'; '.join(measured)}]")
    else:
        print("\nNo failing audits.")
    for warning, where in warnings.items():
        print(f"\nLighthouse warned: {warning}\n  on {', '.join(where)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--debtor", default="Maria Garcia", help="a demo debtor's name (portal/demo/service.py)")
    parser.add_argument("--runs", type=int, default=1, help="audit every page this many times")
    parser.add_argument("--server", choices=("gunicorn", "flask"), default="gunicorn")
    parser.add_argument("--pages", help="only these pages, by name, comma-separated (e.g. 'link,dashboard')")
    parser.add_argument("--strict", action="store_true", help="fail on a performance score under 100 too")
    args = parser.parse_args(argv)
    known = [page.name for page in pages_for(0)]
    if args.pages and set(args.pages.split(",")) - set(known):
        parser.error(f"--pages: choose from {', '.join(known)}")

    chrome = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not LIGHTHOUSE.exists() or not chrome:
        raise SystemExit("Needs node_modules/.bin/lighthouse (npm ci) and Chromium (scripts/system-deps.sh --test)")
    REPORTS.mkdir(parents=True, exist_ok=True)
    print(f"Load average before: {' '.join(f'{n:.2f}' for n in os.getloadavg())} on {os.cpu_count()} CPUs")

    with tempfile.TemporaryDirectory(prefix="portal-lighthouse-") as temporary:
        folder = Path(temporary)
        port = free_port()
        env = portal_environment(folder, port)
        demo = seed(env, args.debtor)
        with serving(env, port, args.server, folder / "server.log") as base:
            signed_in = requests.Session()
            signed_in.get(demo.link, timeout=TIMEOUT).raise_for_status()
            dashboard = sign_in(signed_in, base, demo)
            chosen = args.pages.split(",") if args.pages else None
            pages = [p for p in pages_for(first_account(dashboard.text)) if chosen is None or p.name in chosen]
            runs: list[list[Result]] = []
            for run in range(1, args.runs + 1):
                # Before sign-in: a browser that has just opened the link (its session holds the link).
                opened = requests.Session()
                opened.get(demo.link, timeout=TIMEOUT).raise_for_status()
                runs.append([])
                for page in pages:
                    result = audit_page(page, base, signed_in if page.signed_in else opened, run, chrome)
                    runs[-1].append(result)
                    scores = "  ".join(f"{SHORT[c]} {result.scores[c]:>3}" for c in CATEGORIES)
                    print(f"run {run} {page.name:<13} {scores}  (CPU index {result.benchmark_index:.0f})", flush=True)
    print(f"Load average after: {' '.join(f'{n:.2f}' for n in os.getloadavg())}")

    print_table(runs)
    print_failures(runs)
    print(f"\nReports: {REPORTS.relative_to(ROOT)}/")
    checked = CATEGORIES if args.strict else DETERMINISTIC
    under = [r for run in runs for r in run if any((r.scores[c] or 0) < 100 for c in checked)]
    return 1 if under else 0


if __name__ == "__main__":
    sys.exit(main())
