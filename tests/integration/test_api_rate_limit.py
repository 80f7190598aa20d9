"""The creditor API is rate limited per key (API_RATE_LIMIT), answered as a problem."""

import pytest

from portal.extensions import db
from tests.api_support import api_for
from tests.factories import make_creditor


@pytest.fixture
def settings():
    return {"API_RATE_LIMIT": "3 per minute"}


def test_each_key_has_its_own_rate_limit(app):
    creditor = make_creditor()
    db.session.commit()
    first, second = api_for(app, creditor), api_for(app, creditor)

    answers = [first.get("/api/v1/events").status_code for _ in range(4)]

    assert answers == [200, 200, 200, 429]
    assert second.get("/api/v1/events").status_code == 200
    refused = first.get("/api/v1/events")
    assert refused.mimetype == "application/problem+json"
    assert refused.get_json()["status"] == 429
    assert "Retry-After" in refused.headers


def test_requests_without_a_key_share_their_address_allowance(app):
    answers = [app.test_client().get("/api/v1/events").status_code for _ in range(4)]

    assert answers == [401, 401, 401, 429]
