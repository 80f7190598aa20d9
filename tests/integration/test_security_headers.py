"""Every page the app serves, signed in or not, found or not, carries the headers that keep it safe.

The pages come from the app's URL map (filled with a debtor's own things, as the scoping test does), so a
new route is covered the day it is added.
"""

import pytest

from portal.extensions import db
from tests.factories import make_debtor, make_link, make_uk_creditor
from tests.integration.test_every_route_is_scoped import _everything, _kind, _signed_in
from tests.plan_support import POLICY
from tests.stripe_server import settings  # noqa: F401  (plans save a card with localstripe)

#: answers that are files or machine-readable: cached or not by their own rules, still never framed or sniffed
NOT_PAGES = {"static", "plans.calendar_file", "health.healthz", "health.readyz"}


def _every_get(app, things, creditor_slug: str) -> list[tuple[str, str]]:
    """A URL for every GET rule: the debtor's own things, or for the public ones, a value anyone may use."""
    public = {
        "static": {"filename": "css/portal.css"},
        "links.open_link": {"token": "not-a-real-token"},
        "links.open_short_link": {"code": "NOTACODE23"},
        "privacy.public_notice": {"slug": creditor_slug},
        "stop.confirm": {"token": "not-a-real-token"},
        "helping.open_link": {"token": "not-a-real-token"},
    }
    found = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        if "GET" not in rule.methods:
            continue
        if rule.endpoint.startswith(("staff.", "api.")):
            # the console's own rules: test_staff_scoping.py; the creditor API's: test_api_scoping.py
            values = {name: 1 for name in rule.arguments}
        else:
            values = public.get(rule.endpoint) or {
                name: getattr(things, _kind(name, rule.endpoint)) for name in rule.arguments
            }
        found.append((rule.endpoint, rule.build(values)[1]))
    return found


def _problems(response, endpoint: str, hsts: bool) -> list[str]:
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    problems = [
        f"{name}: {headers.get(name)!r}"
        for name, wanted in {
            "X-Content-Type-Options": "nosniff",
            "X-Frame-Options": "DENY",
            "Referrer-Policy": "no-referrer",
            "Cross-Origin-Opener-Policy": "same-origin",
        }.items()
        if headers.get(name) != wanted
    ]
    for directive in ("default-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'"):
        if directive not in csp:
            problems.append(f"CSP lacks {directive}")
    if "unsafe-inline" in csp or "unsafe-eval" in csp:
        problems.append("CSP allows inline or eval'd script")
    if endpoint not in NOT_PAGES and "no-store" not in headers.get("Cache-Control", ""):
        problems.append(
            f"Cache-Control: {headers.get('Cache-Control')!r} (a page about someone's debt is never stored)"
        )
    if hsts and "max-age=" not in headers.get("Strict-Transport-Security", ""):
        problems.append("no Strict-Transport-Security")
    return problems


@pytest.mark.parametrize("signed_in", [True, False], ids=["signed-in", "signed-out"])
def test_every_page_sends_the_security_headers(app, localstripe, signed_in):
    app.config["HSTS_SECONDS"] = 31_536_000
    debtor = make_debtor(make_uk_creditor(policy=POLICY))
    db.session.commit()
    things = _everything(debtor, localstripe)
    browser, _ = _signed_in(app, debtor) if signed_in else (app.test_client(), None)
    client = browser.client if signed_in else browser
    checked, wrong = 0, {}
    for endpoint, path in _every_get(app, things, debtor.creditor.slug):
        with client.get(path) as response:
            checked += 1
            if problems := _problems(response, endpoint, hsts=True):
                wrong[f"GET {path} ({endpoint}) {response.status_code}"] = problems
    assert checked > 40
    assert not wrong, "\n".join(f"{page}: {'; '.join(problems)}" for page, problems in wrong.items())


def test_an_error_page_sends_them_too(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert _problems(response, "missing", hsts=False) == []


def test_static_files_carry_no_session_cookie_for_a_shared_cache_to_keep(app, browser):
    """Static files may be cached by anyone for a year: they must not carry (or vary on) a debtor's session."""
    debtor = make_debtor()
    db.session.commit()
    browser.sign_in(make_link(debtor), debtor)
    with browser.client.get("/static/css/portal.css") as response:
        assert "max-age=31536000" in response.headers["Cache-Control"]
        assert "Set-Cookie" not in response.headers
        assert "Cookie" not in response.headers.get("Vary", "")
    assert "Set-Cookie" in browser.get("/accounts/").headers, "pages still refresh the session"
