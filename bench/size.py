"""How much each debtor page weighs: its HTML gzipped, and the CSS and JavaScript it loads, gzipped.

Every page a signed-in debtor can open (each GET route of the app that answers HTML, found in its URL map
as tests/integration/test_every_route_is_scoped.py finds them), and the sign-in pages before them. A US and
a UK debtor each have one of everything a page can show (accounts with and without plans, a dispute, a
payment and its receipt, budgets, what they told us, a message); a page is weighed for the first of them
that can open it (the validation page is the US's, the statute-barred one the UK's). A route that only
redirects for them is listed with where it goes. Run it with `make bench-size`.

The budget (DESIGN.md section 7, tests/integration/test_page_weight.py): under 14 KB of HTML and 30 KB of
CSS and JavaScript, gzipped. Static files are cached for a year, so a page's assets cost once.
"""

import gzip
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.routing import Rule

from bench.pages import (
    UK_CREDITOR,
    US_CREDITOR,
    add_ledgers,
    bench_run,
    fresh_database,
    seed_budget,
    seed_creditor,
    seed_debtor,
    signed_in_client,
    table,
)
from portal import clock
from portal.budget import service as budgets
from portal.extensions import db
from portal.help.service import circumstances, messages
from portal.links import service as links
from portal.models import Account, Debtor, Plan
from portal.references import new_reference
from portal.rights.service import disputes
from tests.factories import make_payment

STATIC = Path(__file__).resolve().parent.parent / "portal" / "static"
#: the performance budget, gzipped
HTML_BUDGET, ASSETS_BUDGET = 14 * 1024, 30 * 1024
#: endpoints that are not a debtor's pages (files, health checks, a link's token, the public privacy notice), or
#: are weighed before signing in
NOT_PAGES = {
    "static",
    "health.healthz",
    "health.readyz",
    "links.open_link",
    "privacy.public_notice",
    "links.start",
    "links.verify",
}


@dataclass
class Things:
    """One of each thing a URL can name, all one debtor's: candidates for each URL variable, tried in turn."""

    debtor: int
    jurisdiction: str
    #: account_id: the account with a plan being set up first, then one with a running plan, a disputed one
    accounts: list[int]
    budgets: list[int]
    #: reference, by endpoint prefix
    references: dict[str, list[str]]
    threads: list[int]

    def fillings(self, rule: Rule) -> list[dict]:
        """Every way to fill the rule's variables with this debtor's things."""
        options: list[dict] = [{}]
        for name in sorted(rule.arguments):
            values = self._values(name, rule.endpoint)
            options = [option | {name: value} for option in options for value in values]
        return options

    def _values(self, name: str, endpoint: str) -> list:
        if name == "account_id":
            return self.accounts
        if name == "budget_id":
            return self.budgets
        if name == "thread_id":
            return self.threads
        if name == "position":
            return [1]
        if name == "reference":
            return self.references.get(endpoint, self.references.get(endpoint.split(".")[0], []))
        raise KeyError(f"{name} in {endpoint}: add it to bench/size.py")


def seed(creditor_fields: dict, reference: str) -> Things:
    """A debtor with four accounts (a draft plan, a running plan, none, a running plan) and one of everything."""
    creditor = seed_creditor(creditor_fields)
    debtor, accounts = seed_debtor(creditor, reference, 4)
    add_ledgers(dict.fromkeys((account.id for account in accounts), 25))
    today = clock.today_for(debtor)
    dispute = disputes.open_dispute(
        debtor,
        accounts[2],
        reason=disputes.DISPUTE_REASONS[0],
        details="This is not mine.",
        attachment=None,
        attachment_key=None,
        today=today,
    )
    circumstance = circumstances.disclose(debtor, kinds=["income"], helps=["more_time"], details="My hours were cut.")
    thread = messages.start_thread(debtor, None, "When is my next payment taken?")
    things = Things(
        debtor=debtor.id,
        jurisdiction=creditor.jurisdiction,
        accounts=[accounts[0].id, accounts[1].id, accounts[2].id],
        budgets=[
            seed_budget(debtor).id,
            budgets.start_budget(debtor, "full").id,
            budgets.start_budget(debtor, "quick").id,
        ],
        references={
            "plans": [f"PL-{accounts[1].id:08d}", f"PL-{accounts[0].id:08d}"],
            "payments.card": [_payment(debtor, accounts[3], succeeded=False)],
            "payments.receipt": [_payment(debtor, accounts[3], succeeded=True)],
            "plans.confirm_payment": [_payment(debtor, accounts[1], succeeded=False, plan=accounts[1].id)],
            "rights": [dispute.reference],
            "help": [circumstance.reference],
        },
        threads=[thread.id],
    )
    db.session.commit()
    return things


def _payment(debtor: Debtor, account: Account, *, succeeded: bool, plan: int | None = None) -> str:
    """A card payment: paid, or still to be paid; with `plan` (an account id), an extra payment with the
    account's plan's saved card that the bank wants the debtor to confirm."""
    if plan is None:
        return make_payment(
            debtor, account, f"one-off:{new_reference('K')}", status="succeeded" if succeeded else "new"
        ).reference
    plan_id = db.session.scalar(select(Plan.id).where(Plan.account_id == plan))
    return make_payment(debtor, account, f"plan:{plan_id}:extra:1", status="requires_action").reference


@dataclass(frozen=True)
class Weighed:
    page: str
    endpoint: str
    jurisdiction: str
    html: int
    html_gzipped: int
    assets: tuple[str, ...]
    assets_gzipped: int


def gzipped(data: bytes) -> int:
    """Bytes after gzip at level 6, as the page-weight test counts them."""
    return len(gzip.compress(data, compresslevel=6))


def weigh(path: str, endpoint: str, jurisdiction: str, html: bytes) -> Weighed:
    assets = tuple(dict.fromkeys(re.findall(r'(?:href|src)="/static/([^"?]+)', html.decode())))
    total = sum(gzipped((STATIC / asset).read_bytes()) for asset in assets)
    return Weighed(path, endpoint, jurisdiction, len(html), gzipped(html), assets, total)


def sign_in_pages(app: Flask, debtor_id: int, jurisdiction: str) -> list[Weighed]:
    """The pages before signing in: continue, then the identity question."""
    with app.app_context():
        _, token = links.issue_link(db.session.get(Debtor, debtor_id))
        db.session.commit()
    client = app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"
    client.get(f"/l/{token}")
    start = client.get("/start")
    token_field = re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', start.get_data(as_text=True))
    client.post("/start", data={"csrf_token": token_field.group(1)})
    verify = client.get("/verify")
    return [
        weigh("/start", "links.start", jurisdiction, start.get_data()),
        weigh("/verify", "links.verify", jurisdiction, verify.get_data()),
    ]


def signed_in_pages(app: Flask, everyone: list[Things]) -> tuple[list[Weighed], list[list[str]]]:
    """Each GET route with HTML, weighed for the first debtor who can open it; the others, with what they answer."""
    rules = sorted(
        (rule for rule in app.url_map.iter_rules() if "GET" in rule.methods and rule.endpoint not in NOT_PAGES),
        key=lambda rule: rule.rule,
    )
    clients = {things.debtor: signed_in_client(app, things.debtor) for things in everyone}
    weighed, elsewhere = [], []
    for rule in rules:
        found, answers = _first_page(rule, everyone, clients)
        if found is not None:
            weighed.append(found)
        else:
            elsewhere.append([rule.rule, rule.endpoint, "; ".join(dict.fromkeys(answers))])
    return weighed, elsewhere


def _first_page(rule: Rule, everyone: list[Things], clients: dict[int, FlaskClient]):
    answers = []
    for things in everyone:
        for filling in things.fillings(rule):
            path = rule.build(filling)[1]
            response = clients[things.debtor].get(path)
            if response.status_code == 200 and response.mimetype == "text/html":
                return weigh(path, rule.endpoint, things.jurisdiction, response.get_data()), answers
            where = response.location.split("?")[0] if response.location else response.mimetype
            answers.append(f"{response.status_code} {where}")
    return None, answers


def report(pages: list[Weighed], elsewhere: list[list[str]]) -> int:
    rows, over = [], 0
    for page in pages:
        total = page.html_gzipped + page.assets_gzipped
        flag = "over" if page.html_gzipped >= HTML_BUDGET or page.assets_gzipped >= ASSETS_BUDGET else ""
        over += bool(flag)
        rows.append(
            [
                page.page,
                page.endpoint,
                page.jurisdiction,
                f"{page.html / 1024:.1f}",
                f"{page.html_gzipped / 1024:.1f}",
                f"{page.assets_gzipped / 1024:.1f}",
                len(page.assets),
                f"{total / 1024:.1f}",
                flag,
            ]
        )
    print(table(["page", "endpoint", "as", "HTML KB", "HTML gz", "CSS+JS gz", "files", "total gz", ""], rows, left=3))
    assets = sorted({asset for page in pages for asset in page.assets})
    print()
    print(table(["static file", "KB", "gz KB"], [[asset, *_file_sizes(STATIC / asset)] for asset in assets]))
    if elsewhere:
        print("\nRoutes that are not a page for these debtors (what they answer):")
        print(table(["route", "endpoint", "answers"], elsewhere, left=3))
    limits = f"HTML under {HTML_BUDGET // 1024} KB, CSS+JS under {ASSETS_BUDGET // 1024} KB"
    print(f"\nBudget, gzipped: {limits}. Pages over it: {over}.")
    return 1 if over else 0


def _file_sizes(path: Path) -> list[str]:
    return [f"{path.stat().st_size / 1024:.1f}", f"{gzipped(path.read_bytes()) / 1024:.1f}"]


def main() -> int:
    with bench_run("size") as app:
        fresh_database(app)
        with app.app_context():
            everyone = [seed(US_CREDITOR, "SIZE-US"), seed(UK_CREDITOR, "SIZE-UK")]
        print()
        pages = sign_in_pages(app, everyone[0].debtor, "US")
        more, elsewhere = signed_in_pages(app, everyone)
    return report(pages + more, elsewhere)


if __name__ == "__main__":
    sys.exit(main())
