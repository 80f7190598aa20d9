"""Telling us about your circumstances: kind, optional, our record of their words only with consent that can be
withdrawn, reviewed by a person, and private: health details only to staff who ask for them, audited."""

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from portal.extensions import db
from portal.help.service import circumstances
from portal.help.service.contact import may_contact
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
        "You do not have to agree to anything to tell us. We keep the boxes you choose, so we can help you.",
        "We only keep what you write in your own words if you agree",
        "You can ask us to delete it at any time.",
        "I agree that Harbour Credit can keep a record of what I write, so they can help me.",
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


def test_without_consent_we_act_on_what_was_chosen_but_do_not_keep_the_words(browser, debtor):
    response = _send(browser, consent="")
    assert response.status_code == 303
    [saved] = _saved()
    assert (saved.kinds, saved.helps, saved.details, saved.consented_at) == (["income", "abuse"], ["pause"], None, None)
    assert saved.reminders_paused_until - saved.created_at == timedelta(days=30)
    text = main_text(browser.get(response.headers["Location"]))
    assert "A person at Harbour Credit will read what you told us" in text
    assert "You did not agree that we keep your own words, so we have kept only what you chose." in text
    assert SECRET_WORDS not in text and "Delete my words" not in text


def test_with_consent_the_words_are_kept_with_the_time_of_consent(browser, debtor):
    _send(browser)
    [saved] = _saved()
    assert saved.details == SECRET_WORDS and saved.consented_at == saved.created_at


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
    assert audit.detail == {"reference": saved.reference, "consented": True}
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
    assert "Page not found" in main_text(response)
    assert SECRET_WORDS not in response.get_data(as_text=True)
    assert saved.reference not in other.get("/help/circumstances").get_data(as_text=True)


def test_it_is_only_for_someone_signed_in(client):
    assert client.get("/help/circumstances").status_code == 302
    assert client.get("/help/circumstances").headers["Location"] == "/?next=%2Fhelp%2Fcircumstances"


def test_sending_it_without_the_csrf_token_is_refused(browser, debtor):
    response = browser.client.post("/help/circumstances", data={"kinds": ["illness"], "consent": "y"})
    assert response.status_code == 400
    assert "The form had expired or was sent twice" in main_text(response)
    assert _saved() == []


# Withdrawing consent


def _withdraw(browser, reference: str):
    return browser.post(f"/help/circumstances/{reference}/withdraw-consent")


def test_consent_can_be_withdrawn_later_the_words_go_the_decision_stays(app, browser, debtor):
    _send(browser)
    [saved] = _saved()
    page = main_text(browser.get(f"/help/circumstances/{saved.reference}"))
    assert "You agreed that we can keep what you wrote. You can change your mind" in page
    args = ["circumstances", "review", saved.reference, "--note", "Paused for 60 days", "--by", "Alex"]
    assert app.test_cli_runner().invoke(args=args).exit_code == 0

    response = _withdraw(browser, saved.reference)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/help/circumstances/{saved.reference}"
    [withdrawn] = _saved()
    assert withdrawn.details is None and withdrawn.consent_withdrawn_at is not None
    assert (withdrawn.kinds, withdrawn.helps) == (["income", "abuse"], ["pause"])
    assert (withdrawn.status, withdrawn.review_note, withdrawn.reviewed_by_name) == (
        "reviewed",
        "Paused for 60 days",
        "Alex",
    )
    text = main_text(browser.get(response.headers["Location"]))
    assert "We have deleted what you wrote in your own words." in text
    assert "You asked us to delete your own words on" in text
    assert SECRET_WORDS not in text and "Delete my words" not in text
    [audit] = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "circumstances.consent_withdrawn"))
    assert (audit.actor_type, audit.debtor_id, audit.detail) == ("debtor", debtor.id, {"reference": saved.reference})


def test_withdrawing_twice_or_without_consent_changes_nothing(browser, debtor):
    _send(browser, consent="")
    [saved] = _saved()
    assert _withdraw(browser, saved.reference).status_code == 303
    assert _withdraw(browser, saved.reference).headers["Location"] == f"/help/circumstances/{saved.reference}"
    assert _saved()[0].consent_withdrawn_at is None
    assert (
        db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "circumstances.consent_withdrawn")) is None
    )


def test_nobody_else_can_withdraw_it_and_it_needs_the_csrf_token(app, browser, debtor):
    _send(browser)
    [saved] = _saved()
    someone_else = make_debtor(debtor.creditor)
    db.session.commit()
    other = Browser(app.test_client())
    other.sign_in(make_link(someone_else), someone_else)
    assert _withdraw(other, saved.reference).status_code == 404
    assert "Page not found" in main_text(_withdraw(other, saved.reference))
    assert browser.client.post(f"/help/circumstances/{saved.reference}/withdraw-consent").status_code == 400
    refused = browser.client.post(f"/help/circumstances/{saved.reference}/withdraw-consent")
    assert "The form had expired or was sent twice" in main_text(refused)
    assert _saved()[0].details == SECRET_WORDS


# Who on the staff may see what


def test_an_agent_sees_that_there_is_something_and_the_help_asked_but_not_health():
    agent = circumstances.visible_to("agent")
    assert {"flag", "helps"} <= agent and not {"health_kinds", "details"} & agent
    kinds = ["mental_health", "income", "terminal_illness", "caring"]
    assert circumstances.kinds_visible(kinds, agent) == ["income", "caring"]


def test_a_supervisor_sees_health_and_the_debtors_words():
    supervisor = circumstances.visible_to("supervisor")
    assert {"flag", "helps", "health_kinds", "details"} <= supervisor
    assert circumstances.kinds_visible(["mental_health", "income"], supervisor) == ["mental_health", "income"]


def test_an_unknown_role_sees_nothing_by_mistake():
    with pytest.raises(ValueError, match="cleaner"):
        circumstances.visible_to("cleaner")


# Staff, until the console exists: `flask circumstances list / show / review`


def _cli(app, *args, **env):
    db.session.expire_all()  # as a new process would: read what the requests wrote
    return app.test_cli_runner().invoke(args=["circumstances", *args], env=env or None)


def _health_disclosure(browser):
    _send(browser, kinds=["mental_health", "income"], helps=["pause"])
    return _saved()[0]


def test_without_a_creditor_staff_see_only_how_many_wait(app, browser, debtor):
    saved = _health_disclosure(browser)
    result = _cli(app, "list")
    assert result.exit_code == 0, result.output
    assert f"{debtor.creditor.slug}: 1 to review" in result.output and "1 to review." in result.output
    for private in (saved.reference, debtor.reference, debtor.full_name, SECRET_WORDS, "Mental health", "break"):
        assert private not in result.output


def test_for_one_creditor_staff_see_who_and_the_help_asked_but_no_health_details(app, browser, debtor):
    saved = _health_disclosure(browser)
    result = _cli(app, "list", "--creditor", debtor.creditor.slug)
    assert result.exit_code == 0, result.output
    assert saved.reference in result.output and debtor.reference in result.output
    assert "I lost my job or have less money coming in" in result.output
    assert "A break from payments" in result.output
    assert "Mental health" not in result.output and SECRET_WORDS not in result.output
    assert "(and something about their health: shown with --with-health-details)" in result.output
    assert "in their words: (shown with --with-health-details)" in result.output
    assert "1 to review." in result.output
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "circumstances.details_shown")) is None


def test_health_details_need_the_flag_and_a_creditor_and_name_the_operator_in_the_audit(app, browser, debtor):
    saved = _health_disclosure(browser)
    refused = _cli(app, "list", "--with-health-details")
    assert refused.exit_code != 0 and "--with-health-details needs --creditor" in refused.output
    assert SECRET_WORDS not in refused.output

    result = _cli(app, "list", "--creditor", debtor.creditor.slug, "--with-health-details", PORTAL_STAFF_NAME="Alex")
    assert result.exit_code == 0, result.output
    assert "Mental health" in result.output and SECRET_WORDS in result.output
    [audit] = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "circumstances.details_shown"))
    assert (audit.actor_type, audit.debtor_id) == ("staff", debtor.id)
    assert audit.detail == {"reference": saved.reference, "staff_name": "Alex"}
    assert "Alex at Harbour Credit" in main_text(browser.get("/help/viewed"))


def test_staff_listing_one_creditor_never_see_anothers_disclosures(app, browser, debtor):
    _health_disclosure(browser)
    elsewhere = make_debtor(make_uk_creditor(slug="elsewhere"), full_name="Tom Other")
    theirs = circumstances.disclose(elsewhere, kinds=["illness"], helps=[], details="Tom's words", consented=True)
    db.session.commit()
    result = _cli(app, "list", "--creditor", debtor.creditor.slug, "--with-health-details")
    assert theirs.reference not in result.output and "Tom" not in result.output
    assert "1 to review." in result.output


def test_staff_show_one_disclosure_only_under_its_creditor(app, browser, debtor):
    saved = _health_disclosure(browser)
    make_uk_creditor(slug="elsewhere")
    db.session.commit()
    wrong = _cli(app, "show", saved.reference, "--creditor", "elsewhere", "--with-health-details")
    assert wrong.exit_code != 0 and f"No disclosure {saved.reference!r} for creditor 'elsewhere'" in wrong.output
    assert SECRET_WORDS not in wrong.output

    plain = _cli(app, "show", saved.reference, "--creditor", debtor.creditor.slug)
    assert plain.exit_code == 0, plain.output
    assert "A break from payments" in plain.output and SECRET_WORDS not in plain.output

    full = _cli(app, "show", saved.reference, "--creditor", debtor.creditor.slug, "--with-health-details")
    assert "Mental health" in full.output and SECRET_WORDS in full.output
    assert (
        len(db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "circumstances.details_shown")).all())
        == 1
    )


def test_staff_see_when_the_words_were_never_kept_or_were_deleted(app, browser, debtor):
    _send(browser, consent="")
    _send(browser)
    [kept_then_deleted] = [saved for saved in _saved() if saved.consented_at]
    assert _withdraw(browser, kept_then_deleted.reference).status_code == 303
    result = _cli(app, "list", "--creditor", debtor.creditor.slug, "--with-health-details")
    assert "no consent to keep their words: only what they chose is kept" in result.output
    assert "consent to keep their words withdrawn" in result.output
    assert SECRET_WORDS not in result.output


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
