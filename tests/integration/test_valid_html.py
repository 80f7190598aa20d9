"""Every debtor page is valid HTML, in English and in Spanish: the Nu HTML Checker (npm's vnu-jar, run with Java)
reads every page the app serves a signed-in debtor, from the URL map, as the security-headers test finds them."""

import json
import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest

from portal import clock
from portal.extensions import db
from tests.conftest import REQUIRE_FULL_SUITE, csrf_from
from tests.factories import make_account, make_debtor, make_link, make_payment, make_uk_creditor
from tests.integration.test_every_route_is_scoped import _everything, _signed_in
from tests.integration.test_security_headers import _every_get
from tests.plan_support import POLICY
from tests.stripe_server import settings  # noqa: F401  (plans save a card with localstripe)

VNU = Path(__file__).resolve().parents[2] / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def _checker() -> list[str]:
    java = shutil.which("java")
    if java is None or not VNU.exists():
        if REQUIRE_FULL_SUITE:
            raise AssertionError("the HTML checker needs Java and node_modules/vnu-jar: run `make install-dev`")
        pytest.skip("no Java or vnu-jar: run `make install-dev`")
    return [java, "-jar", str(VNU), "--errors-only", "--format", "json"]


def test_every_debtor_page_is_valid_html_in_english_and_spanish(app, localstripe, tmp_path):
    command = _checker()
    debtor = make_debtor(make_uk_creditor(policy=POLICY))
    db.session.commit()
    things = _everything(debtor, localstripe)
    browser, _ = _signed_in(app, debtor)
    pages = []
    for language in ("en", "es"):
        page = browser.get("/accounts/").get_data(as_text=True)
        browser.client.post("/language", data={"csrf_token": csrf_from(page), "language": language, "next": "/"})
        for endpoint, path in _every_get(app, things, debtor.creditor.slug):
            if endpoint.startswith(("staff.", "api.")):
                continue
            with browser.client.get(path) as response:
                if response.status_code == 200 and response.mimetype == "text/html":
                    file = tmp_path / f"{language}-{len(pages):03d}.html"
                    file.write_bytes(response.get_data())
                    pages.append((file.name, f"{path} ({endpoint}, {language})"))
    assert len(pages) > 60
    result = subprocess.run([*command, *(str(tmp_path / name) for name, _ in pages)], capture_output=True, text=True)
    names = dict(pages)
    errors = [
        f"{names[Path(message['url']).name]}: {message['message']} at line {message.get('lastLine')}"
        for message in json.loads(result.stderr or '{"messages": []}')["messages"]
    ]
    assert errors == [], "\n".join(errors)


def test_the_budget_margin_and_is_that_right_steps_are_valid_html_with_and_without_errors(app, browser, tmp_path):
    """Pages the URL map cannot reach in a fresh budget: "Is that right?" and the offer step, and their errors."""
    command = _checker()
    debtor = make_debtor(make_uk_creditor())
    make_account(debtor, [("itemization", 30_000)])
    db.session.commit()
    browser.sign_in(make_link(debtor), debtor)
    budget = browser.post("/budget/", {"mode": "quick"}).headers["Location"].rsplit("/", 1)[0]
    browser.post(f"{budget}/household", {"adults": "1", "children": "2", "vehicles": "0"})
    browser.post(f"{budget}/quick", {"take_home_income-amount": "900", "take_home_income-frequency": "monthly"})
    pages = [
        browser.get(f"{budget}/essentials"),
        browser.post(f"{budget}/essentials", {}),
        browser.post(f"{budget}/essentials", {"answer": "yes"}) and browser.get(f"{budget}/offer"),
        browser.post(f"{budget}/offer", {"amount": "5000"}),
        browser.get(f"{budget}/propose?monthly=10000"),
    ]
    assert [page.status_code for page in pages] == [200, 400, 200, 400, 200]
    assert _checked(command, pages, tmp_path) == []


def test_the_call_back_pages_are_valid_html_with_and_without_errors(app, browser, tmp_path):
    """Pages the URL map cannot reach without a day chosen: the times of a day, its errors, and a booked call back
    in the debtor's pages and in the console."""
    command = _checker()
    debtor = make_debtor(make_uk_creditor(), phone="07700 900123")
    make_account(debtor)
    db.session.commit()
    browser.sign_in(make_link(debtor), debtor)
    day = re.search(r'name="day" value="([\d-]+)"', browser.get("/help/call-back").get_data(as_text=True))[1]
    times = browser.get(f"/help/call-back/time?day={day}")
    slot = re.search(r'name="slot" value="([^"]+)"', times.get_data(as_text=True))[1]
    pages = [
        times,
        browser.post(f"/help/call-back/time?day={day}", {"note": "x" * 501}),
        browser.post(f"/help/call-back/time?day={day}", {"slot": slot, "reason": "other"})
        and browser.get("/help/call-back"),
        browser.get("/accounts/"),
    ]
    assert [page.status_code for page in pages] == [200, 400, 200, 200]
    assert _checked(command, pages, tmp_path) == []


def test_the_promise_to_pay_form_is_valid_html_with_and_without_errors(app, browser, tmp_path):
    """The promise form the URL map reaches only as "not now" (its account has a plan): the form, its errors, and
    the confirmation."""
    command = _checker()
    debtor = make_debtor(make_uk_creditor())
    account = make_account(debtor, [("itemization", 30_000)])
    db.session.commit()
    browser.sign_in(make_link(debtor), debtor)
    path, day = f"/accounts/{account.id}/promise", clock.today_for(debtor) + timedelta(days=3)
    pages = [
        browser.get(path),
        browser.post(path, {"amount": "", "due-day": "", "due-month": "", "due-year": ""}),
        browser.post(path, {"amount": "1", "due-day": "31", "due-month": "2", "due-year": str(day.year)}),
    ]
    made = browser.post(
        path, {"amount": "50", "due-day": str(day.day), "due-month": str(day.month), "due-year": str(day.year)}
    )
    pages += [browser.get(made.headers["Location"]), browser.get(path), browser.get(f"/accounts/{account.id}")]
    assert [page.status_code for page in pages] == [200, 400, 400, 200, 200, 200]
    assert _checked(command, pages, tmp_path) == []


def _checked(command: list[str], pages, tmp_path) -> list[dict]:
    """The checker's messages about these responses."""
    files = []
    for number, page in enumerate(pages):
        files.append(tmp_path / f"page-{number}.html")
        files[-1].write_bytes(page.get_data())
    result = subprocess.run([*command, *map(str, files)], capture_output=True, text=True)
    return json.loads(result.stderr or '{"messages": []}')["messages"]


def test_the_documents_are_valid_html_with_a_letter_both_kinds_of_payment_and_a_period_with_errors(
    app, browser, tmp_path
):
    """Pages the URL map reaches only in one state: the paid-in-full letter itself, a payment with no receipt page,
    and a statement's dates refused."""
    command = _checker()
    debtor = make_debtor(make_uk_creditor())
    account = make_account(debtor, [("itemization", 30_000), ("payment", -10_000)])
    make_payment(debtor, account, "valid-html", status="succeeded", amount=20_000)
    db.session.commit()
    browser.sign_in(make_link(debtor), debtor)
    tomorrow = (clock.today_for(debtor) + timedelta(days=1)).isoformat()
    pages = [
        browser.get(f"/accounts/{account.id}/paid-in-full"),
        browser.get("/accounts/payments"),
        browser.get(f"/accounts/{account.id}/statement?to={tomorrow}"),
        browser.get(f"/accounts/{account.id}/statement?from-day=31&from-month=2&from-year=2026&to-day=1"),
    ]
    assert [page.status_code for page in pages] == [200] * 4
    assert "Paid in full" in pages[0].get_data(as_text=True)
    assert _checked(command, pages, tmp_path) == []
