"""A helper's codes, and ending their access, raced over real HTTP on SQLite and PostgreSQL: twenty wrong codes
at once are compared five times at most; the right code sent ten times at once signs them in once; ten "End access"
at once end it once (one event for the creditor, one message to the debtor)."""

import re
from urllib.parse import urlsplit

import pytest
import requests
from sqlalchemy import func, select

from portal import clock
from portal.extensions import db
from portal.models import AuditEvent, CreditorEvent, HelperCode, OutboundMessage
from portal.one_time_codes import MAX_TRIES
from portal.trusted import service
from tests.conftest import csrf_from
from tests.factories import make_account, make_debtor, make_link, make_uk_creditor
from tests.live_server import form_at_once, serve, signed_in_phone
from tests.plan_support import emails

TRIES = 20
ADDRESS = "ana@advice.example.org"


@pytest.fixture
def settings(tmp_path):
    return {
        "MAIL_BACKEND": "file",
        "MAIL_DIR": str(tmp_path / "mail"),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": TRIES + 5, "max_overflow": 0},
    }


def _invited():
    creditor = make_uk_creditor(name="Harbour Credit", identity_method="date_of_birth")
    debtor = make_debtor(creditor, full_name="Sarah Jones", email="sarah@example.co.uk")
    make_account(debtor)
    helper = service.invite(
        debtor,
        name="Ana Lopez",
        email=ADDRESS,
        relationship="debt_adviser",
        may_propose=False,
        may_pay=False,
        now=clock.now(),
    )
    link_path = make_link(debtor)
    db.session.commit()
    return debtor, helper, link_path


def _helper_asks_for_a_code(app, base_url, helper) -> tuple[requests.Session, str]:
    phone = requests.Session()
    opened = phone.get(base_url + urlsplit(service.link_for(helper)).path, timeout=10)
    sent = phone.post(base_url + "/helping", data={"csrf_token": csrf_from(opened.text)}, timeout=10)
    assert sent.url.endswith("/helping/code"), sent.text
    [code] = [
        re.search(r"\b\d{6}\b", mail.get_content()).group(0)
        for mail in emails(app)
        if mail["To"] == ADDRESS and mail["Subject"].startswith("Your code")
    ]
    return phone, code


def _count(model, *where) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_twenty_wrong_codes_at_once_are_compared_at_most_five_times(app_on_each_database):
    app = app_on_each_database
    debtor, helper, _link = _invited()
    with serve(app) as base_url:
        phone, code = _helper_asks_for_a_code(app, base_url, helper)
        wrong = "111111" if code != "111111" else "222222"
        statuses = form_at_once(phone, base_url + "/helping/code", {"code": wrong}, TRIES)
        after = phone.get(base_url + "/helping/code", timeout=10)
        right = phone.post(
            base_url + "/helping/code", data={"csrf_token": csrf_from(after.text), "code": code}, timeout=10
        )
        assert phone.get(base_url + "/accounts/", timeout=10, allow_redirects=False).status_code == 302

    compared = _count(AuditEvent, AuditEvent.action == "helper.code_wrong", AuditEvent.debtor_id == debtor.id)
    assert compared <= MAX_TRIES, f"{compared} of {TRIES} codes were compared"
    assert db.session.scalar(select(HelperCode.attempts)) == MAX_TRIES
    assert set(statuses) == {400}, statuses
    assert "wrong code too many times" in right.text


def test_the_right_code_sent_ten_times_at_once_signs_in_once(app_on_each_database):
    app = app_on_each_database
    debtor, helper, _link = _invited()
    with serve(app) as base_url:
        phone, code = _helper_asks_for_a_code(app, base_url, helper)
        statuses = form_at_once(phone, base_url + "/helping/code", {"code": code}, 10)

    assert sorted(statuses) == [303] + [400] * 9, statuses
    assert _count(AuditEvent, AuditEvent.action == "helper.signed_in", AuditEvent.debtor_id == debtor.id) == 1


def test_ending_access_ten_times_at_once_ends_it_once(app_on_each_database):
    app = app_on_each_database
    debtor, helper, link_path = _invited()
    with serve(app) as base_url:
        phone = signed_in_phone(base_url, link_path, debtor)
        statuses = form_at_once(phone, f"{base_url}/help/trusted/{helper.id}/end", {}, 10)

    assert set(statuses) == {303}, statuses
    assert _count(CreditorEvent, CreditorEvent.kind == "helper.ended") == 1
    assert _count(AuditEvent, AuditEvent.action == "helper.ended") == 1
    assert _count(OutboundMessage, OutboundMessage.template == "trusted.ended") == 1
