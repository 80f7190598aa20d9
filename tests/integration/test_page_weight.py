"""The performance budget: small pages on cheap phones with poor signal (DESIGN.md section 7)."""

import gzip
import re
from pathlib import Path

from portal.extensions import db
from tests.conftest import main_text
from tests.factories import make_account, make_debtor, make_link

STATIC = Path(__file__).resolve().parents[2] / "portal" / "static"


def _gzipped(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6))


def test_the_dashboard_html_is_under_14_kb_gzipped(app, browser):
    debtor = make_debtor()
    for _ in range(3):
        make_account(debtor, [("itemization", 100_000)] + [("interest", 1_000)] * 24)
    db.session.commit()
    browser.sign_in(make_link(debtor), debtor)
    assert _gzipped(browser.get("/accounts/").get_data()) < 14 * 1024
    assert "You owe $3,720.00" in main_text(browser.get("/accounts/")), "the page weighed is the whole dashboard"


def test_our_css_and_js_together_are_under_30_kb_gzipped(app, browser):
    """Weighed on the plan options page: the one with the most (htmx, plans.css, plans.js)."""
    debtor = make_debtor()
    account = make_account(debtor)
    db.session.commit()
    browser.sign_in(make_link(debtor), debtor)
    page = browser.get(f"/accounts/{account.id}/plans").get_data(as_text=True)
    assets = re.findall(r'(?:href|src)="/static/([^"?]+)', page)
    assert "vendor/htmx.min.js" in assets and "css/portal.css" in assets
    total = sum(_gzipped((STATIC / asset).read_bytes()) for asset in assets)
    assert total < 30 * 1024


DEBTOR_PAGES = [
    "/accounts/{account}",
    "/accounts/{account}/pay",
    "/accounts/{account}/plans",
    "/accounts/{account}/plans/propose",
    "/accounts/{account}/validation",
    "/accounts/{account}/dispute",
    "/accounts/{account}/what-happens-next",
    "/rights",
    "/budget/",
    "/help/circumstances",
    "/help/contact",
    "/help/messages/new",
    "/help/viewed",
]


def test_every_debtor_page_and_its_css_and_js_keep_to_the_budget(app, browser):
    debtor = make_debtor()
    account = make_account(debtor, [("itemization", 100_000)] + [("interest", 1_000)] * 24)
    db.session.commit()
    browser.sign_in(make_link(debtor), debtor)
    over = {}
    for path in DEBTOR_PAGES:
        response = browser.get(path.format(account=account.id))
        assert response.status_code == 200, path
        page = response.get_data()
        assets = re.findall(r'(?:href|src)="/static/([^"?]+)', page.decode())
        sizes = (_gzipped(page), sum(_gzipped((STATIC / asset).read_bytes()) for asset in assets))
        if sizes[0] >= 14 * 1024 or sizes[1] >= 30 * 1024:
            over[path] = sizes
    assert over == {}
