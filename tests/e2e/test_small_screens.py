"""Every debtor page at 320 px, the narrowest phone we support: nothing wider than the screen, and every button,
field and link that is an action big enough to tap.

The pages are every GET the app serves a signed-in debtor, from the URL map, as the HTML checker
(tests/integration/test_valid_html.py) finds them: a new page is measured without anyone adding it to a list.
"""

import pytest

from portal.extensions import db
from tests.e2e.conftest import shot, sign_in
from tests.factories import make_debtor, make_uk_creditor
from tests.integration.test_every_route_is_scoped import _everything
from tests.integration.test_security_headers import _every_get
from tests.plan_support import POLICY

#: what a finger must be able to hit (WCAG 2.5.5 and UX.md: at least 44 × 44 px)
TOUCH = 44

#: Buttons and fields; and links that are an action or a way around the page rather than words in a sentence.
#: The rule for links: a link that is the whole text of its block (a paragraph, list item, cell, heading ... that
#: says nothing else) is something to tap, so it must be 44 px tall; a link inside running text is exempt, as
#: WCAG 2.5.8 exempts inline targets (a sentence would be unreadable with 44 px lines).
_PROBLEMS = """
(touch) => {
  const problems = [];
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth > width) {
    problems.push(`page is ${document.documentElement.scrollWidth}px wide on a ${width}px screen`);
  }
  if (document.querySelector('input[type=date]')) {
    problems.push('a date picker, whose order follows the browser: ask with the date input (day, month, year)');
  }
  const hidden = (element) => element.closest('[hidden], noscript, .visually-hidden, .skip');
  const controls = ['button', '.button', 'input[type=text]', 'input[type=number]',
                    'input:not([type])', 'select', 'textarea'].join(', ');
  for (const element of document.querySelectorAll(controls)) {
    const box = element.getBoundingClientRect();
    if (box.width === 0 || hidden(element) || element.closest('.link-button')) continue;
    if (box.height < touch) problems.push(`${element.outerHTML.slice(0, 80)} is ${Math.round(box.height)}px tall`);
  }
  const words = (element) => element.innerText.replace(/\\s+/g, ' ').trim();
  const block = (element) => {
    let parent = element.parentElement;
    while (parent && getComputedStyle(parent).display.startsWith('inline')) parent = parent.parentElement;
    return parent;
  };
  for (const link of document.querySelectorAll('a[href], .link-button')) {
    const box = link.getBoundingClientRect();
    if (box.width === 0 || hidden(link) || link.matches('.button')) continue;
    const around = block(link);
    if (around && words(around) !== words(link)) continue;  // a link in a sentence
    if (box.height < touch) problems.push(`link "${words(link).slice(0, 50)}" is ${Math.round(box.height)}px tall`);
  }
  return problems;
}
"""


def _pages(app, debtor, localstripe) -> list[str]:
    things = _everything(debtor, localstripe)
    return [
        path
        for endpoint, path in _every_get(app, things, debtor.creditor.slug)
        if not endpoint.startswith(("staff.", "api.", "api_docs.", "static"))
    ]


@pytest.mark.parametrize("language", ["English", "Español"])
def test_every_debtor_page_fits_a_320_px_phone_with_everything_big_enough_to_tap(
    app, chromium, portal_url, localstripe, language
):
    debtor = make_debtor(make_uk_creditor(policy=POLICY, phone="0113 496 0321"), postcode="LS6 2AB")
    db.session.commit()
    pages = _pages(app, debtor, localstripe)
    context = chromium.new_context(viewport={"width": 320, "height": 640}, is_mobile=True, has_touch=True)
    page = context.new_page()
    sign_in(page, portal_url, debtor)
    if language == "Español":
        page.get_by_role("button", name="Español").click()
        page.get_by_role("heading", name="Lo que debe").wait_for()
    problems, measured = {}, 0
    for path in pages:
        url = portal_url + path
        answer = page.request.get(url, max_redirects=0)  # the browser's cookies: is it a page, or a download?
        if answer.status != 200 or "text/html" not in answer.headers.get("content-type", ""):
            continue
        page.goto(url)
        if page.url != url:
            continue  # a redirect: the page it goes to is in the list too
        measured += 1
        found = page.evaluate(_PROBLEMS, TOUCH)
        if found:
            problems[path] = found
            shot(page, f"small-screen-{language}-{path.strip('/').replace('/', '-')[:80]}")
    context.close()
    assert measured > 30
    assert problems == {}
