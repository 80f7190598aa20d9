"""The same POST with the same Idempotency-Key, sent several times at the same moment (a client's retries racing
each other), is done once: the claim is a unique row, on SQLite and on PostgreSQL, served for real."""

import threading
from concurrent.futures import ThreadPoolExecutor

import requests
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import MagicLink
from tests.api_support import DEBTOR, api_for
from tests.factories import make_creditor
from tests.live_server import serve

RETRIES = 5


def test_racing_retries_issue_one_link(app_on_each_database):
    app = app_on_each_database
    api = api_for(app, make_creditor())
    api.put("/api/v1/debtors/D1", DEBTOR)
    barrier = threading.Barrier(RETRIES)
    headers = {"Authorization": f"Bearer {api.key}", "Idempotency-Key": "race-1"}

    with serve(app) as url:

        def retry(_):
            barrier.wait()
            return requests.post(f"{url}/api/v1/debtors/D1/links", json={"campaign": "c"}, headers=headers, timeout=30)

        with ThreadPoolExecutor(max_workers=RETRIES) as pool:
            answers = list(pool.map(retry, range(RETRIES)))

    statuses = sorted(answer.status_code for answer in answers)
    assert set(statuses) <= {201, 409}, [answer.text for answer in answers]
    assert 201 in statuses
    assert len({answer.json()["id"] for answer in answers if answer.status_code == 201}) == 1
    db.session.expire_all()
    assert db.session.scalar(select(func.count(MagicLink.id))) == 1
