"""bench/lighthouse.py signs in through the real pages: what it reads from them and posts still fits."""

import pytest
import requests

from bench.lighthouse import demo_debtor, first_account, pages_for, sign_in
from tests.live_server import live_server  # noqa: F401  (the app served on a free port)


@pytest.mark.parametrize(
    ("name", "question"), [("Maria Garcia", "date of birth"), ("Sarah Jones", "postcode")], ids=["us", "uk"]
)
def test_the_bench_signs_in_as_a_demo_debtor_and_every_page_it_audits_opens(app, live_server, name, question):  # noqa: F811
    demo = demo_debtor(app.test_cli_runner().invoke(args=["demo", "seed"]).output, name)
    browser = requests.Session()
    assert browser.get(demo.link, timeout=10).url == f"{live_server}/start"
    assert question in browser.get(f"{live_server}/verify", timeout=10).text

    dashboard = sign_in(browser, live_server, demo)

    assert dashboard.url == f"{live_server}/accounts/"
    assert f"Hello {name}" in dashboard.text
    for page in pages_for(first_account(dashboard.text)):
        if page.signed_in:
            response = browser.get(live_server + page.path, timeout=10)
            assert (response.status_code, response.url) == (200, live_server + page.path), page.name
