"""The open-promise limit under truly concurrent requests over real HTTP, on SQLite and PostgreSQL: many tabs sending
the promise form at the same moment make as many promises as the creditor allows open, never more."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests
from sqlalchemy import func, select

from portal import clock
from portal.extensions import db
from portal.models import CreditorEvent, Promise
from tests.conftest import csrf_from
from tests.factories import make_account, make_debtor, make_link, make_uk_creditor
from tests.live_server import serve, signed_in_phone

TABS = 10


@pytest.fixture
def settings(tmp_path):
    return {
        "MAIL_BACKEND": "file",
        "MAIL_DIR": str(tmp_path / "mail"),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": TABS + 5, "max_overflow": 0},
    }


def _all_at_once(phone: requests.Session, url: str, form: dict) -> list[int]:
    token = csrf_from(phone.get(url, timeout=10).text)
    barrier = threading.Barrier(TABS)

    def send(_n):
        barrier.wait()
        return phone.post(url, data=form | {"csrf_token": token}, timeout=60, allow_redirects=False).status_code

    with ThreadPoolExecutor(max_workers=TABS) as pool:
        return list(pool.map(send, range(TABS)))


@pytest.mark.parametrize("max_open", [1, 2])
def test_promises_sent_at_once_never_pass_the_open_limit(app_on_each_database, max_open):
    app = app_on_each_database
    creditor = make_uk_creditor(identity_method="date_of_birth", policy={"promise_max_open": max_open})
    debtor = make_debtor(creditor, email="sarah@example.co.uk")
    account = make_account(debtor, [("itemization", 30_000)])
    link_path = make_link(debtor)
    db.session.commit()
    day = clock.today_for(debtor) + timedelta(days=5)
    form = {"amount": "50", "due-day": str(day.day), "due-month": str(day.month), "due-year": str(day.year)}

    with serve(app) as base_url:
        phone = signed_in_phone(base_url, link_path, debtor)
        statuses = _all_at_once(phone, f"{base_url}/accounts/{account.id}/promise", form)

    db.session.expire_all()
    made = db.session.scalar(select(func.count(Promise.id)).where(Promise.account_id == account.id))
    told = db.session.scalar(select(func.count(CreditorEvent.id)).where(CreditorEvent.kind == "promise.made"))
    assert (made, told) == (max_open, max_open)
    assert sorted(statuses) == [303] * max_open + [409] * (TABS - max_open), statuses
