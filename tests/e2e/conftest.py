"""Browser tests: the portal served for real on a free port, Debian's Chromium at 375 px, axe-core.

localstripe (one per session) serves the Stripe API and its Stripe.js and sends webhooks to the
portal. Screenshots go to test-artifacts/.
"""

import os
import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import REQUIRE_FULL_SUITE
from tests.factories import make_link
from tests.live_server import live_server  # noqa: F401  (the app served on a free port)
from tests.plan_support import emails
from tests.stripe_server import localstripe, settings  # noqa: F401  (the session's localstripe server)

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

try:
    from playwright import sync_api as playwright_api
except ImportError:
    if REQUIRE_FULL_SUITE:
        raise
    playwright_api = None


def pytest_collection_modifyitems(items):
    for item in items:
        if item.path.is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture
def portal_url(live_server, localstripe):  # noqa: F811
    """The app, served on a free loopback port, with localstripe's webhooks pointed at it."""
    localstripe.send_webhooks_to(f"{live_server}/stripe/webhook")
    return live_server


@pytest.fixture(scope="session")
def chromium():
    if playwright_api is None:
        pytest.skip("Playwright is not installed: run `make install-dev`")
    if not CHROMIUM:
        pytest.skip("no Chromium: install Debian's chromium or set CHROMIUM_PATH")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def phone(chromium):
    """A 375 px wide phone; fails the test on any script error or Content-Security-Policy refusal."""
    yield from _watched_page(
        chromium, viewport={"width": 375, "height": 812}, device_scale_factor=2, is_mobile=True, has_touch=True
    )


@pytest.fixture
def adviser_phone(chromium):
    """A second 375 px phone: someone else's (an adviser a debtor asked to help), in a browser of its own."""
    yield from _watched_page(
        chromium, viewport={"width": 375, "height": 812}, device_scale_factor=2, is_mobile=True, has_touch=True
    )


@pytest.fixture
def laptop(chromium):
    """A support agent's screen, 1280 px wide; fails the test on any script error or CSP refusal."""
    yield from _watched_page(chromium, viewport={"width": 1280, "height": 800})


@pytest.fixture
def tablet(chromium):
    """A 768 px tablet held upright."""
    yield from _watched_page(chromium, viewport={"width": 768, "height": 1024}, is_mobile=True, has_touch=True)


def _watched_page(chromium, **context_options):
    context = chromium.new_context(**context_options)
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on(
        "console",
        lambda message: (
            problems.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    yield page
    context.close()
    assert problems == []


def shot(page, name: str) -> None:
    """A full-page screenshot in test-artifacts/<name>.png, to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def axe_violations(page) -> list[str]:
    """axe-core's WCAG 2.x A/AA findings on the page as it is now (run through DevTools, so CSP allows it)."""
    if not AXE.exists():
        pytest.skip("axe-core is not installed: run `make assets` (npm ci)")
    page.wait_for_load_state()  # a page a click is still loading is checked whole, not half drawn
    page.evaluate(AXE.read_text())
    return page.evaluate(
        f"axe.run(document, {{runOnly: {{type: 'tag', values: {AXE_TAGS!r}}}}})"
        ".then(r => r.violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', ')))"
    )


def sign_in(page, portal_url: str, debtor, link: str | None = None, lands_on: str = "What you owe") -> None:
    """Open the debtor's link (a new one, or `link`, the path of one a message carried), continue and answer the
    identity question, as they would, and wait for the page it leads to (the heading `lands_on`)."""
    page.goto(portal_url + (link or make_link(debtor)))
    page.get_by_role("button", name="Continue").click()
    if debtor.creditor.identity_method == "date_of_birth":
        born = debtor.date_of_birth
        page.get_by_label("Day").fill(str(born.day))
        page.get_by_label("Month").fill(str(born.month))
        page.get_by_label("Year").fill(str(born.year))
    else:
        page.get_by_label("Postcode").fill(debtor.postcode)
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name=lands_on).wait_for()


def found_in_mail(app, to: str, pattern: str) -> str:
    """What the pattern finds in the one email to this address that has it (an invitation's link, a code)."""
    [found] = [
        match.group(0)
        for mail in emails(app)
        if mail["To"] == to and (match := re.search(pattern, mail.get_body(("plain",)).get_content()))
    ]
    return found


def type_card(page, number: str) -> None:
    """localstripe's card element: plain inputs named by their placeholders."""
    for placeholder, value in [
        ("number", number),
        ("exp_month", "12"),
        ("exp_year", "34"),
        ("cvc", "123"),
        ("postal_code", "LS62A"),
    ]:
        page.fill(f"#card-element input[placeholder={placeholder}]", value)


#: Tells the test each time localstripe's Stripe.js asks the bank's question (its 3-D Secure box appears).
_BANK_CHECK_WATCHER = """
new MutationObserver((changes) => {
  for (const change of changes) {
    for (const node of change.addedNodes) {
      const buttons = node.querySelectorAll ? [...node.querySelectorAll("button")] : [];
      if (buttons.some((button) => button.textContent === "Complete authentication")) window.testBankAsked();
    }
  }
}).observe(document, { childList: true, subtree: true });
"""


def count_bank_checks(page) -> list[str]:
    """Every time the bank checks it is them (3-D Secure), from now on, across pages: the URL it was asked on."""
    asked: list[str] = []
    page.expose_function("testBankAsked", lambda: asked.append(page.url))
    page.add_init_script(_BANK_CHECK_WATCHER)
    return asked


def now_in(page, language: str) -> None:
    """Wait, through any navigation under way, until the page drawn is in the language ("es", "en")."""
    expect(page.locator("html")).to_have_attribute("lang", language)


def type_date(page, question: str, day) -> None:
    """A date as a person types it into the Day, Month and Year boxes of the question (a GOV.UK date input)."""
    group = page.get_by_role("group", name=question)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def fits_and_taps(page) -> None:
    """Nothing wider than a 375 px phone, and every button and action link at least 44 px tall."""
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    small = page.evaluate(
        "[...document.querySelectorAll('main a.action-link, main .button')]"
        ".filter(e => e.getBoundingClientRect().height < 44).map(e => e.textContent.trim())"
    )
    assert small == []
