"""Call backs booked many times at once over real HTTP, on SQLite and PostgreSQL: one debtor's twenty tabs book one
call back, and cancelling at once from many tabs cancels it once."""

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEvent, CallBack, CreditorEvent, OutboundMessage
from tests.conftest import csrf_from
from tests.factories import make_account, make_debtor, make_link, make_uk_creditor
from tests.live_server import serve, signed_in_phone

TRIES = 20


@pytest.fixture
def settings(tmp_path):
    return {
        "MAIL_BACKEND": "file",
        "MAIL_DIR": str(tmp_path / "mail"),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": TRIES + 5, "max_overflow": 0},
    }


def _all_at_once(phone: requests.Session, url: str, form: dict, times: int) -> list[int]:
    """The same signed-in phone (many tabs) posts `form` `times` times at the same moment."""
    barrier = threading.Barrier(times)

    def send(_n):
        barrier.wait()
        return phone.post(url, data=form, timeout=30, allow_redirects=False).status_code

    with ThreadPoolExecutor(max_workers=times) as pool:
        return list(pool.map(send, range(times)))


def _debtor():
    creditor = make_uk_creditor(name="Harbour Credit", identity_method="date_of_birth")
    debtor = make_debtor(creditor, email="sarah@example.co.uk", phone="07700 900123")
    make_account(debtor)
    link_path = make_link(debtor)
    db.session.commit()
    return debtor, link_path


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_twenty_bookings_at_once_book_one_call_back(app_on_each_database):
    debtor, link_path = _debtor()
    with serve(app_on_each_database) as base_url:
        phone = signed_in_phone(base_url, link_path, debtor)
        day = re.search(r'name="day" value="([\d-]+)"', phone.get(base_url + "/help/call-back", timeout=10).text)[1]
        url = f"{base_url}/help/call-back/time?day={day}"
        page = phone.get(url, timeout=10).text
        slot = re.search(r'name="slot" value="([^"]+)"', page)[1]
        form = {"csrf_token": csrf_from(page), "slot": slot, "reason": "plan"}
        statuses = _all_at_once(phone, url, form, TRIES)

    db.session.expire_all()
    assert set(statuses) == {303}, statuses
    assert _count(CallBack, CallBack.debtor_id == debtor.id) == 1
    assert _count(CreditorEvent, CreditorEvent.kind == "callback.requested") == 1
    assert _count(AuditEvent, AuditEvent.action == "callback.requested") == 1
    assert _count(OutboundMessage, OutboundMessage.template == "callback.booked") == 1


def test_cancelling_from_many_tabs_at_once_cancels_once(app_on_each_database):
    debtor, link_path = _debtor()
    with serve(app_on_each_database) as base_url:
        phone = signed_in_phone(base_url, link_path, debtor)
        day = re.search(r'name="day" value="([\d-]+)"', phone.get(base_url + "/help/call-back", timeout=10).text)[1]
        url = f"{base_url}/help/call-back/time?day={day}"
        page = phone.get(url, timeout=10).text
        slot = re.search(r'name="slot" value="([^"]+)"', page)[1]
        phone.post(url, data={"csrf_token": csrf_from(page), "slot": slot, "reason": "plan"}, timeout=10)
        token = csrf_from(phone.get(base_url + "/help/call-back", timeout=10).text)
        statuses = _all_at_once(phone, base_url + "/help/call-back/cancel", {"csrf_token": token}, 10)

    db.session.expire_all()
    assert set(statuses) == {303}, statuses
    assert db.session.scalar(select(CallBack.status).where(CallBack.debtor_id == debtor.id)) == "cancelled"
    assert _count(CreditorEvent, CreditorEvent.kind == "callback.cancelled") == 1
    assert _count(AuditEvent, AuditEvent.action == "callback.cancelled") == 1
