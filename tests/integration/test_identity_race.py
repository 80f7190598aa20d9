"""Twenty wrong answers at the same moment, over real HTTP: the link still allows only five checks.

The lock is a money rule (it keeps a stranger out of someone's debts), so it must hold when the
answers race each other through several threads and database connections, on SQLite and PostgreSQL.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from portal.extensions import db
from portal.models import AuditEvent, MagicLink
from tests.conftest import csrf_from
from tests.factories import make_account, make_debtor, make_link
from tests.live_server import serve

ANSWERS = 20
WRONG_DATE_OF_BIRTH = {"date_of_birth-day": "1", "date_of_birth-month": "1", "date_of_birth-year": "1990"}


@pytest.fixture
def settings():
    """Rate limits far above the race, so the only thing that can stop it is the link's own count."""
    return {
        "IDENTITY_ATTEMPTS_PER_IP": "1000 per hour",
        "IDENTITY_ATTEMPTS_PER_LINK": "1000 per hour",
        "IDENTITY_ATTEMPTS_PER_DEBTOR": "1000 per hour",
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": ANSWERS + 5, "max_overflow": 0},
    }


def _phone_at_the_question(base_url: str, link_path: str) -> tuple[requests.Session, str]:
    """A phone of its own that opened the link and pressed Continue; returns it and the form's CSRF token."""
    phone = requests.Session()
    start = phone.get(base_url + link_path, timeout=10)
    question = phone.post(base_url + "/start", data={"csrf_token": csrf_from(start.text)}, timeout=10)
    assert question.url == base_url + "/verify", question.text
    return phone, csrf_from(question.text)


def _all_at_once(phones: list[tuple[requests.Session, str]], url: str) -> list[int]:
    barrier = threading.Barrier(len(phones))

    def answer(phone_and_token):
        phone, token = phone_and_token
        barrier.wait()
        return phone.post(url, data={"csrf_token": token} | WRONG_DATE_OF_BIRTH, timeout=30).status_code

    with ThreadPoolExecutor(max_workers=len(phones)) as pool:
        return list(pool.map(answer, phones))


def test_twenty_wrong_answers_at_once_are_checked_at_most_five_times(app_on_each_database):
    app = app_on_each_database
    debtor = make_debtor()
    make_account(debtor)
    link_path = make_link(debtor)

    with serve(app) as base_url:
        phones = [_phone_at_the_question(base_url, link_path) for _ in range(ANSWERS)]
        statuses = _all_at_once(phones, base_url + "/verify")

    db.session.expire_all()
    checked = db.session.scalar(
        db.select(db.func.count(AuditEvent.id)).where(
            AuditEvent.action == "identity.failed", AuditEvent.debtor_id == debtor.id
        )
    )
    link = db.session.scalar(db.select(MagicLink).where(MagicLink.debtor_id == debtor.id))
    assert checked <= app.config["IDENTITY_MAX_FAILURES"], f"{checked} of {ANSWERS} answers were checked"
    assert link.failed_attempts == checked
    assert link.locked_at is not None
    assert set(statuses) <= {200, 403}, statuses
    assert 403 in statuses, "the answer that locked the link, and any after it, were told so"
