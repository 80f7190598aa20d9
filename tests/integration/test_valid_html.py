"""Every debtor page is valid HTML, in English and in Spanish: the Nu HTML Checker (npm's vnu-jar, run with Java)
reads every page the app serves a signed-in debtor, from the URL map, as the security-headers test finds them."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from portal.extensions import db
from tests.conftest import REQUIRE_FULL_SUITE, csrf_from
from tests.factories import make_debtor, make_uk_creditor
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
