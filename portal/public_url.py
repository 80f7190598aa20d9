"""Full addresses of portal pages for what leaves the portal (emails, texts, letters, a printed set-up link):
PUBLIC_BASE_URL, the address people reach the portal at, whatever proxy is in front, and whether or not a
request is being answered (a CLI command or a job builds them outside one)."""

from collections.abc import Iterable, Mapping
from contextlib import nullcontext
from typing import Any

from flask import current_app, has_request_context, url_for


def public_urls(endpoint: str, values: Iterable[Mapping[str, Any]]) -> list[str]:
    """The full address of `endpoint` for each set of values, in order (outside a request, one made-up request
    for them all: a bulk command builds thousands)."""
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    with nullcontext() if has_request_context() else current_app.test_request_context():
        return [base + url_for(endpoint, **each) for each in values]


def public_url(endpoint: str, **values: Any) -> str:
    return public_urls(endpoint, [values])[0]
