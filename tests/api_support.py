"""The creditor API's tests: a live key for a creditor, and a client that sends it."""

from flask import Flask

from portal.api import keys
from portal.extensions import db
from portal.models import Creditor


def make_key(creditor: Creditor, name: str = "Test key") -> str:
    _, key = keys.create_key(creditor, name=name, by="tests")
    db.session.commit()
    return key


class ApiClient:
    """JSON requests with the creditor's bearer key."""

    def __init__(self, app: Flask, key: str):
        self.client = app.test_client()
        self.key = key

    def _headers(self, headers: dict | None) -> dict:
        return {"Authorization": f"Bearer {self.key}"} | (headers or {})

    def get(self, path: str, **kwargs):
        return self.client.get(path, headers=self._headers(kwargs.pop("headers", None)), **kwargs)

    def put(self, path: str, body: dict, **kwargs):
        return self.client.put(path, json=body, headers=self._headers(kwargs.pop("headers", None)), **kwargs)

    def post(self, path: str, body: dict | None = None, **kwargs):
        return self.client.post(path, json=body or {}, headers=self._headers(kwargs.pop("headers", None)), **kwargs)


def api_for(app: Flask, creditor: Creditor) -> ApiClient:
    return ApiClient(app, make_key(creditor))


DEBTOR = {"name": "Ana Ruiz", "date_of_birth": "1980-05-17", "email": "ana@example.com", "language": "es"}
ACCOUNT = {
    "description": "Mobile phone contract",
    "original_creditor": "Original Telecom",
    "itemization_date": "2026-01-15",
    "itemization_amount": 120_000,
}
