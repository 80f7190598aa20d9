"""Telling us about your circumstances: kind, optional, consented, reviewed by a person, and private."""

import json
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from portal.extensions import db
from portal.help import circumstances
from portal.help.contact import may_contact
from portal.models import AuditEvent, Circumstance, CreditorEvent
from tests.conftest import Browser, main_text
from tests.factories import make_account, make_debtor, make_link, make_uk_creditor

SECRET_WORDS = "My partner takes my wages"


@pytest.fixture
def debtor(app, browser):
    creditor = make_uk_creditor(name="Harbour Credit", phone="0113 496 0321")
    debtor = make_debtor(creditor, full_name="Sarah Jones", email="sarah@example.co.uk")
    make_account(debtor)
    db.session.commit()
    browser.sign_in(make_link(debtor), debtor)
    return debtor


def _send(browser, **overrides):
    form = {"kinds": ["income", "abuse"], "helps": ["pause"], "details": SECRET_WORDS, "consent": "y"} | overrides
    return browser.post("/help/circumstances", form)


def _saved() -> list[Circumstance]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(Circumstance)))


def test_the_form_is_kind_and_says_reminders_stop_while_we_look(browser, debtor):
    text = main_text(browser.get("/help/circumstances"))
    for words in [
        "Tell us about your circumstances",
        "A person will read it",
        "we will not send you any reminders for 30 days",
        "Only tell us what you want to",
        "Someone close to me has died",
        "A terminal illness",
        "Domestic abuse, including someone controlling my money",
        "Someone to look again at what I owe",
        "I agree that Harbour Credit can keep a record of what I have told them",
    ]:
        assert words in text


def test_sending_it_records_it_for_a_person_to_review_and_says_what_happens_next(browser, debtor):
    response = _send(browser)
    assert response.status_code == 303
    [saved] = _saved()
    assert response.headers["Location"] == f"/help/circumstances/{saved.reference}"
    assert (saved.status, saved.kinds, saved.helps, saved.details) == (
        "new",
        ["income", "abuse"],
        ["pause"],
        SECRET_WORDS,
    )
    assert saved.debtor_id == debtor.id and saved.consented_at is not None

    text = main_text(browser.get(response.headers["Location"]))
    assert "We have received what you told us" in text
    assert saved.reference in text
    assert "A person at Harbour Credit will read what you told us" in text
    until = saved.reminders_paused_until.astimezone(ZoneInfo("Europe/London")).strftime("%-d %B %Y")
    assert f"We will not send you any reminders until {until}" in text
    assert SECRET_WORDS in text


def test_reminders_pause_for_30_days_from_the_disclosure(app, debtor):
    disclosed = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
    circumstances.disclose(debtor, kinds=["illness"], helps=[], details=None, now=disclosed)
    db.session.commit()
    assert may_contact(debtor, "email", disclosed + timedelta(days=1)) is False
    assert may_contact(debtor, "email", disclosed + timedelta(days=29)) is False
    assert may_contact(debtor, "email", disclosed + timedelta(days=30)) is True


def test_sending_the_form_pauses_reminders_at_once(browser, debtor):
    _send(browser)
    [saved] = _saved()
    assert saved.reminders_paused_until - saved.created_at == timedelta(days=30)
    tomorrow_noon = datetime.now(UTC).replace(hour=12, minute=0) + timedelta(days=1)
    assert may_contact(debtor, "email", tomorrow_noon) is False


def test_it_cannot_be_sent_without_consent_and_keeps_what_was_typed(browser, debtor):
    response = _send(browser, consent="")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in page
    assert 'href="#consent"' in page
    assert "Select the box to agree that we can keep a record of what you tell us" in page
    assert SECRET_WORDS in page
    assert re.search(r'id="kinds-abuse"[^>]*checked', page)
    assert _saved() == []


def test_an_empty_form_asks_for_something_to_go_on(browser, debtor):
    response = _send(browser, kinds=[], helps=[], details="  ")
    assert response.status_code == 400
    assert 'href="#kinds-illness"' in response.get_data(as_text=True)
    assert "Choose what is happening or what would help, or write to us" in main_text(response)
    assert _saved() == []


def test_too_long_an_account_is_refused_with_the_limit(browser, debtor):
    response = _send(browser, details="x" * 2001)
    assert response.status_code == 400
    assert "Write 2,000 characters or fewer" in main_text(response)


def test_the_creditor_hears_that_it_happened_but_not_what_was_said(browser, debtor):
    _send(browser)
    [saved] = _saved()
    [event] = db.session.scalars(db.select(CreditorEvent).where(CreditorEvent.kind == "circumstances.disclosed"))
    assert event.debtor_id == debtor.id
    assert set(event.data) == {"reference", "reminders_paused_until"}
    [audit] = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "circumstances.disclosed"))
    assert audit.detail == {"reference": saved.reference}
    for payload in (event.data, audit.detail):
        dumped = json.dumps(payload)
        assert SECRET_WORDS not in dumped and "abuse" not in dumped and "pause" not in dumped.replace("paused", "")


def test_telling_us_about_abuse_shows_how_to_stay_safe(browser, debtor):
    text = main_text(browser.get(_send(browser).headers["Location"]))
    assert "Staying safe" in text
    assert "call 999" in text and "0808 2000 247" in text
    assert "press Exit this page at the top" in text


def test_earlier_disclosures_are_listed_on_the_form(browser, debtor):
    _send(browser)
    [saved] = _saved()
    page = browser.get("/help/circumstances").get_data(as_text=True)
    assert "What you have told us before" in page
    assert f'href="/help/circumstances/{saved.reference}"' in page


def test_no_other_debtor_can_read_it(app, browser, debtor):
    _send(browser)
    [saved] = _saved()
    someone_else = make_debtor(debtor.creditor)
    db.session.commit()
    other = Browser(app.test_client())
    other.sign_in(make_link(someone_else), someone_else)
    response = other.get(f"/help/circumstances/{saved.reference}")
    assert response.status_code == 404
    assert SECRET_WORDS not in response.get_data(as_text=True)
    assert saved.reference not in other.get("/help/circumstances").get_data(as_text=True)


def test_it_is_only_for_someone_signed_in(client):
    assert client.get("/help/circumstances").status_code == 302


def test_sending_it_without_the_csrf_token_is_refused(browser, debtor):
    response = browser.client.post("/help/circumstances", data={"kinds": ["illness"], "consent": "y"})
    assert response.status_code == 400
    assert _saved() == []


# Staff, until the console exists: `flask circumstances list / review`


def test_staff_list_what_waits_for_review_with_what_was_said(app, browser, debtor):
    _send(browser)
    [saved] = _saved()
    result = app.test_cli_runner().invoke(args=["circumstances", "list"])
    assert result.exit_code == 0, result.output
    assert saved.reference in result.output and debtor.reference in result.output
    assert "I lost my job or have less money coming in" in result.output
    assert "A break from payments" in result.output
    assert SECRET_WORDS in result.output
    assert "1 to review." in result.output


def test_a_review_is_recorded_and_the_debtor_sees_it_was_read(app, browser, debtor):
    _send(browser)
    [saved] = _saved()
    runner = app.test_cli_runner()
    args = ["circumstances", "review", str(saved.id), "--note", "Paused for 60 days", "--by", "Alex"]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    [reviewed] = _saved()
    assert (reviewed.status, reviewed.review_note, reviewed.reviewed_by_name) == (
        "reviewed",
        "Paused for 60 days",
        "Alex",
    )
    assert "0 to review." in runner.invoke(args=["circumstances", "list"]).output
    assert "read what you told us on" in main_text(browser.get(f"/help/circumstances/{saved.reference}"))
    assert "already reviewed" in runner.invoke(args=args).output


def test_a_review_can_name_the_disclosure_by_its_reference(app, browser, debtor):
    _send(browser)
    [saved] = _saved()
    result = app.test_cli_runner().invoke(args=["circumstances", "review", saved.reference, "--note", "Called her"])
    assert result.exit_code == 0, result.output
    assert _saved()[0].status == "reviewed"


def test_reviewing_an_unknown_disclosure_says_so(app, debtor):
    result = app.test_cli_runner().invoke(args=["circumstances", "review", "C-NOPE", "--note", "x"])
    assert result.exit_code != 0
    assert "No disclosure 'C-NOPE'" in result.output
