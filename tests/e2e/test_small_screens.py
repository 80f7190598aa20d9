"""Every debtor page at 320 px, the narrowest phone we support: nothing wider than the screen, big enough buttons."""

import pytest

from portal.extensions import db
from portal.models import Account
from tests.e2e.conftest import shot, sign_in
from tests.factories import make_account, make_creditor, make_debtor

PAGES = [
    "/accounts/",
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
    "/help/details",
    "/help/details/email",
    "/help/details/mobile",
    "/help/details/address",
    "/help/messages",
    "/help/messages/new",
    "/help/viewed",
]

#: what a finger must be able to hit (WCAG 2.5.5 and UX.md: at least 44 × 44 px)
TOUCH = 44

_PROBLEMS = """
(touch) => {
  const problems = [];
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth > width) {
    problems.push(`page is ${document.documentElement.scrollWidth}px wide on a ${width}px screen`);
  }
  const controls = ['button', '.button', 'input[type=text]', 'input[type=number]', 'input[type=date]',
                    'input:not([type])', 'select', 'textarea'].join(', ');
  for (const element of document.querySelectorAll(controls)) {
    const box = element.getBoundingClientRect();
    if (box.width === 0 || element.closest('[hidden], noscript, .visually-hidden, .link-button')) continue;
    if (box.height < touch) problems.push(`${element.outerHTML.slice(0, 80)} is ${Math.round(box.height)}px tall`);
  }
  return problems;
}
"""


@pytest.fixture
def debtor(app):
    creditor = make_creditor(
        name="Northwind Recovery",
        is_debt_collector=True,
        mailing_address="PO Box 4410, Springfield, IL 62701",
        policy={"min_instalment": 2_500, "max_term_months": 24, "settlement_discount_pct": [10, 20]},
    )
    debtor = make_debtor(creditor, full_name="Maria Garcia", address="2323 Park Street, Springfield, IL 62704")
    make_account(
        debtor,
        [("itemization", 187_800), ("interest", 1_850)],
        description="Credit card",
        reference="4417-2291",
        original_creditor="Lakeside Bank",
    )
    db.session.commit()
    return debtor


@pytest.mark.parametrize("language", ["English", "Español"])
def test_every_page_fits_a_320_px_phone_with_buttons_big_enough_to_tap(chromium, portal_url, debtor, language):
    context = chromium.new_context(viewport={"width": 320, "height": 640}, is_mobile=True, has_touch=True)
    page = context.new_page()
    sign_in(page, portal_url, debtor)
    if language == "Español":
        page.get_by_role("button", name="Español").click()
        page.get_by_role("heading", name="Lo que debe").wait_for()
    account = db.session.scalar(db.select(Account.id).where(Account.debtor_id == debtor.id))
    problems = {}
    for path in PAGES:
        url = portal_url + path.format(account=account)
        response = page.goto(url)
        assert response.status == 200, url
        assert page.url == url, f"{url} went to {page.url}: the page measured must be the page asked for"
        found = page.evaluate(_PROBLEMS, TOUCH)
        if found:
            problems[path] = found
            shot(page, f"small-screen-{language}-{path.strip('/').replace('/', '-')}")
    context.close()
    assert problems == {}
