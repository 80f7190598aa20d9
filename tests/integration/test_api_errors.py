"""Every API error is application/problem+json (RFC 9457) naming the bad fields, flask-smorest's own
validation errors included; the debtor pages keep their HTML error pages. And the docs are served."""

import pytest

from portal.extensions import db
from tests.api_support import DEBTOR, api_for
from tests.factories import make_creditor


@pytest.fixture
def api(app):
    api = api_for(app, make_creditor())
    db.session.commit()
    return api


def test_a_body_that_fails_validation_names_each_bad_field(api):
    response = api.put("/api/v1/debtors/D1", {"date_of_birth": "17/05/1980", "email": "nope", "colour": "red"})

    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == 422
    assert body["title"] == "Unprocessable Entity"
    assert body["type"].startswith("urn:")
    assert set(body["errors"]) == {"name", "date_of_birth", "email", "colour"}


def test_a_bad_query_parameter_is_named(api):
    response = api.get("/api/v1/events?limit=0")

    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["limit"]


def test_a_body_that_is_not_json_is_a_problem(api):
    response = api.client.put(
        "/api/v1/debtors/D1", data="{not json", content_type="application/json", headers=api._headers(None)
    )

    assert response.status_code in (400, 422)
    assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize(("method", "path"), [("GET", "/api/v1/nothing-here"), ("DELETE", "/api/v1/debtors/D1")])
def test_unknown_urls_and_methods_under_the_api_are_problems(api, method, path):
    response = api.client.open(path, method=method, headers=api._headers(None))

    assert response.status_code in (404, 405)
    assert response.mimetype == "application/problem+json"


def test_debtor_pages_keep_their_html_error_pages(client):
    response = client.get("/no-such-page")

    assert response.status_code == 404
    assert response.mimetype == "text/html"


def test_a_crash_is_a_problem_without_a_stack_trace(app, api, monkeypatch):
    from portal.creditors import records

    def crash(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(records, "put_debtor", crash)
    app.config["PROPAGATE_EXCEPTIONS"] = False

    response = api.put("/api/v1/debtors/D1", DEBTOR)

    assert response.status_code == 500
    assert response.mimetype == "application/problem+json"
    assert "secret internals" not in response.get_data(as_text=True)


def test_the_openapi_document_is_3_1_with_bearer_auth(client):
    document = client.get("/api/v1/openapi.json").get_json()

    assert document["openapi"] == "3.1.0"
    assert document["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}
    assert document["security"] == [{"bearer": []}]
    assert "/api/v1/debtors/{reference}/accounts/{account_reference}/ledger-items" in document["paths"]


def test_the_docs_page_loads_swagger_ui_from_our_own_files_with_no_inline_script(client):
    response = client.get("/api/v1/docs")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in page
    assert "/static/js/api-docs.js" in page
    assert "<script>" not in page
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
