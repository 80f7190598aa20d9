"""Who has viewed my account: staff visits from the audit trail, in plain words, and only the debtor's own."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from portal.extensions import db
from portal.help.service import circumstances, messages
from portal.models import AuditEvent
from tests.factories import make_account, make_debtor, make_link, make_uk_creditor

MORNING = datetime(2026, 2, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def debtor(app, browser):
    creditor = make_uk_creditor(name="Harbour Credit")
    debtor = make_debtor(creditor)
    make_account(debtor)
    db.session.commit()
    browser.sign_in(make_link(debtor), debtor)
    return debtor


def _staff_view(debtor, when, *, staff_id=7, name="Alex", reason=None, action="staff.viewed"):
    detail = {"staff_name": name, "path": "/accounts/"} | ({"reason": reason} if reason else {})
    db.session.add(
        AuditEvent(
            action=action, actor_type="staff", actor_id=staff_id, debtor_id=debtor.id, detail=detail, created_at=when
        )
    )


def _visits(browser) -> list[str]:
    page = browser.get("/help/viewed").get_data(as_text=True)
    items = re.findall(r'<li>\s*<h2 class="visit">.*?</li>\s*</ul>.*?</li>', page, re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", item)).strip() for item in items]


def test_when_nobody_has_looked_the_page_says_so_plainly(browser, debtor):
    text = browser.get("/help/viewed").get_data(as_text=True)
    assert "Nobody at Harbour Credit has looked at your account." in text


def test_a_staff_visit_shows_who_when_and_why_as_one_visit(browser, debtor):
    for minutes in (0, 2, 5, 9):
        _staff_view(debtor, MORNING + timedelta(minutes=minutes), reason="You called us about your balance")
    db.session.commit()
    [visit] = _visits(browser)
    assert visit.startswith("Alex at Harbour Credit 10 February 2026 at 09:00")
    assert "Looked at your account" in visit
    assert "Reason given: You called us about your balance" in visit


def test_visits_far_apart_or_by_different_people_are_listed_separately_newest_first(browser, debtor):
    _staff_view(debtor, MORNING)
    _staff_view(debtor, MORNING + timedelta(hours=3))
    _staff_view(debtor, MORNING + timedelta(hours=3, minutes=1), staff_id=8, name="Priya")
    db.session.commit()
    visits = _visits(browser)
    assert [visit.split(" at Harbour")[0] for visit in visits] == ["Priya", "Alex", "Alex"]
    assert "12:01" in visits[0] and "12:00" in visits[1] and "09:00" in visits[2]


def test_reading_circumstances_and_replying_are_described_in_words(browser, debtor):
    disclosure = circumstances.disclose(debtor, kinds=["illness"], helps=[], details=None)
    circumstances.review(disclosure, note="Paused", staff_id=7, staff_name="Alex")
    thread = messages.start_thread(debtor, "Help", "Please call me")
    messages.reply_as_staff(thread, "We will", staff_id=7, staff_name="Alex")
    db.session.commit()
    [visit] = _visits(browser)
    assert "Read what you told us about your circumstances" in visit
    assert "Replied to your message" in visit


def test_a_visit_without_a_name_still_says_it_was_someone_at_the_creditor(browser, debtor):
    _staff_view(debtor, MORNING, name=None)
    db.session.commit()
    assert _visits(browser)[0].startswith("Someone at Harbour Credit")


def test_only_staff_visits_to_this_debtors_account_are_listed(browser, debtor):
    someone_else = make_debtor(debtor.creditor)
    _staff_view(someone_else, MORNING, name="Priya")
    db.session.add(AuditEvent(action="session.started", actor_type="debtor", actor_id=debtor.id, debtor_id=debtor.id))
    db.session.commit()
    assert _visits(browser) == []
    assert "Priya" not in browser.get("/help/viewed").get_data(as_text=True)


def test_the_page_is_only_for_someone_signed_in(client):
    assert client.get("/help/viewed").status_code == 302
    assert client.get("/help/viewed").headers["Location"] == "/?next=%2Fhelp%2Fviewed"
