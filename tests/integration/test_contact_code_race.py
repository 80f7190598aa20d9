"""Codes racing each other over real HTTP, on SQLite and PostgreSQL: twenty wrong codes at once are compared
five times at most, and the right code sent twice at once changes the address once."""

import re

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEvent, ContactChange, Debtor, OutboundMessage
from portal.one_time_codes import MAX_TRIES
from tests.conftest import csrf_from
from tests.factories import make_account, make_debtor, make_link, make_uk_creditor
from tests.live_server import form_at_once, serve, signed_in_phone
from tests.plan_support import emails

TRIES = 20
NEW_EMAIL = "sarah.new@example.org"


@pytest.fixture
def settings(tmp_path):
    return {
        "MAIL_BACKEND": "file",
        "MAIL_DIR": str(tmp_path / "mail"),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": TRIES + 5, "max_overflow": 0},
    }


def _debtor():
    creditor = make_uk_creditor(name="Harbour Credit", identity_method="date_of_birth")
    debtor = make_debtor(creditor, email="sarah@example.co.uk")
    make_account(debtor)
    link_path = make_link(debtor)
    db.session.commit()
    return debtor, link_path


def _ask_for_code(phone, base_url) -> None:
    page = phone.get(base_url + "/help/details/email", timeout=10)
    sent = phone.post(
        base_url + "/help/details/email", data={"csrf_token": csrf_from(page.text), "email": NEW_EMAIL}, timeout=10
    )
    assert sent.url.endswith("/help/details/email/code"), sent.text


def test_twenty_wrong_codes_at_once_are_compared_at_most_five_times(app_on_each_database):
    app = app_on_each_database
    debtor, link_path = _debtor()
    with serve(app) as base_url:
        phone = signed_in_phone(base_url, link_path, debtor)
        _ask_for_code(phone, base_url)
        code = re.search(r"\d{6}", emails(app)[0].get_content()).group(0)
        wrong = "111111" if code != "111111" else "222222"
        statuses = form_at_once(phone, base_url + "/help/details/email/code", {"code": wrong}, TRIES, follow=True)
        after = phone.get(base_url + "/help/details/email/code", timeout=10)
        right = phone.post(
            base_url + "/help/details/email/code",
            data={"csrf_token": csrf_from(after.text), "code": code},
            timeout=10,
        )

    db.session.expire_all()
    compared = db.session.scalar(
        select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "contact.code_wrong", AuditEvent.debtor_id == debtor.id
        )
    )
    assert compared <= MAX_TRIES, f"{compared} of {TRIES} codes were compared"
    assert db.session.scalar(select(ContactChange.attempts)) == MAX_TRIES
    assert set(statuses) == {400}, statuses
    assert "wrong code too many times" in right.text
    assert db.session.get(Debtor, debtor.id).email == "sarah@example.co.uk"


def test_the_right_code_sent_many_times_at_once_changes_the_address_once(app_on_each_database):
    app = app_on_each_database
    debtor, link_path = _debtor()
    with serve(app) as base_url:
        phone = signed_in_phone(base_url, link_path, debtor)
        _ask_for_code(phone, base_url)
        code = re.search(r"\d{6}", emails(app)[0].get_content()).group(0)
        statuses = form_at_once(phone, base_url + "/help/details/email/code", {"code": code}, 10, follow=True)

    db.session.expire_all()
    assert sorted(statuses) == [200] + [400] * 9, statuses  # the one that changed it was sent on to the page
    assert db.session.get(Debtor, debtor.id).email == NEW_EMAIL
    changed = db.session.scalar(
        select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "contact.changed", AuditEvent.debtor_id == debtor.id
        )
    )
    told = db.session.scalar(
        select(func.count(OutboundMessage.id)).where(OutboundMessage.template == "contact.old_told")
    )
    assert (changed, told) == (1, 1)
