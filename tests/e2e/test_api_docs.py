"""The creditor API's docs page: Swagger UI, from our own files, runs under our Content-Security-Policy and shows
every operation of the document."""

from tests.e2e.conftest import shot


def test_the_api_docs_show_every_operation_with_no_script_or_csp_error(live_server, laptop):
    laptop.goto(f"{live_server}/api/v1/docs")

    laptop.wait_for_selector(".opblock-summary-path")
    paths = laptop.locator(".opblock-summary-path").all_inner_texts()
    shot(laptop, "api-docs")
    assert any("/ledger-items" in path for path in paths)
    assert len(paths) >= 10
