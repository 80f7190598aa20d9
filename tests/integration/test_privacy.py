"""Privacy: a notice for each jurisdiction (who holds the data, why, on what basis, who sees it, how long,
the debtor's rights), linked from every page, and a copy of everything we hold about the signed-in debtor,
theirs alone, with no card numbers, tokens or attachment contents, audited."""

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from portal.events import emit
from portal.extensions import db
from portal.help.service import circumstances, messages
from portal.models import (
    Agreement,
    AuditEvent,
    Budget,
    CallBack,
    ContactChange,
    ContactPreference,
    Dispute,
    Hold,
    Instalment,
    LedgerEntry,
    LinkRequest,
    OutboundMessage,
    Payment,
    Plan,
)
from portal.models.audit import record
from tests.conftest import Browser, main_text
from tests.factories import make_account, make_creditor, make_debtor, make_link, make_uk_creditor

HARBOUR = {
    "name": "Harbour Credit",
    "slug": "harbour-credit",
    "phone": "0113 496 0321",
    "email": "privacy@harbour.example",
    "mailing_address": "1 Dock Street, Leeds LS1 4AB",
    "website": "harbour.example",
}


@pytest.fixture
def uk_debtor(app):
    debtor = make_debtor(make_uk_creditor(**HARBOUR), full_name="Sarah Jones", email="sarah@example.co.uk")
    make_account(debtor)
    db.session.commit()
    return debtor


@pytest.fixture
def us_debtor(app):
    creditor = make_creditor(name="Lakeside Recovery", slug="lakeside", email="privacy@lakeside.example")
    debtor = make_debtor(creditor, full_name="Maria Garcia", email="maria@example.com")
    make_account(debtor)
    db.session.commit()
    return debtor


def _signed_in(app, debtor) -> Browser:
    browser = Browser(app.test_client())
    browser.sign_in(make_link(debtor), debtor)
    return browser


# The notice


def test_the_uk_notice_says_who_holds_it_why_on_what_basis_who_sees_it_how_long_and_the_rights(app, uk_debtor):
    text = main_text(_signed_in(app, uk_debtor).get("/privacy"))
    for words in [
        "UK data protection law (UK GDPR)",
        "Harbour Credit is responsible for your information. The law calls this the controller.",
        "1 Dock Street, Leeds LS1 4AB",
        "privacy@harbour.example",
        "0113 496 0321",
        "budgets you fill in: your income and spending",
        "This can be about your health.",
        "Legitimate interests",
        "Legal obligation",
        "Consent: we keep what you write about your circumstances in your own words only if you agree.",
        "Stripe, who take card payments for us.",
        "We never see your full card number.",
        "for 6 years after we last work on it. This includes our record of each email and text we send you.",
        "You can ask us to delete your information when we no longer need it.",
        "Information Commissioner's Office (ICO)",
        "0303 123 1113",
        "Download a copy of your information",
    ]:
        assert words in text, words
    assert "CFPB" not in text and "3 years" not in text


def test_the_us_notice_keeps_message_records_three_years_and_names_the_cfpb(app, us_debtor):
    text = main_text(_signed_in(app, us_debtor).get("/privacy"))
    for words in [
        "Lakeside Recovery is responsible for your information.",
        "privacy@lakeside.example",
        "for 3 years after we last work on it",
        "The law asks debt collectors to keep these records for at least 3 years.",
        "You can tell us not to contact you at work, or in a certain way.",
        "Consumer Financial Protection Bureau (CFPB)",
        "We do not sell your information.",
    ]:
        assert words in text, words
    assert "ICO" not in text and "UK GDPR" not in text and "Legitimate interests" not in text


def test_the_creditors_own_retention_period_is_the_one_stated(app, uk_debtor):
    uk_debtor.creditor.policy = {"message_retention_days": 7 * 366}
    db.session.commit()
    assert "for 7 years after we last work on it" in main_text(_signed_in(app, uk_debtor).get("/privacy"))


def test_anyone_can_read_a_creditors_notice_before_signing_in(client, uk_debtor):
    response = client.get("/privacy/harbour-credit")
    assert response.status_code == 200
    text = main_text(response)
    assert "Harbour Credit is responsible for your information." in text
    assert "Download a copy of your information" not in text
    assert client.get("/privacy/nobody").status_code == 404
    assert "Page not found" in main_text(client.get("/privacy/nobody"))
    assert client.get("/privacy").status_code == 302
    assert client.get("/privacy").headers["Location"] == "/?next=%2Fprivacy"


def test_every_page_links_to_the_privacy_notice_in_its_footer(app, client, uk_debtor):
    """The footer is in base.html: `{% include "privacy/_footer_link.html" %}`."""
    opened = client.get(make_link(uk_debtor), follow_redirects=True)
    start = opened.get_data(as_text=True)
    assert 'href="/privacy/harbour-credit">Privacy notice</a>' in start
    assert opened.request.path == "/start" and "Continue" in main_text(opened)
    browser = _signed_in(app, uk_debtor)
    for path in ("/", "/help/contact", "/rights", "/help/messages"):
        response = browser.get(path, follow_redirects=True)
        page = response.get_data(as_text=True)
        assert 'href="/privacy">Privacy notice</a>' in page, path
        assert (response.status_code, response.request.path) == (200, "/accounts/" if path == "/" else path)


# Download my data


def _everything(debtor, mark: str) -> dict:
    """One of every row we keep about a debtor, each carrying `mark`; returns what must not leak."""
    account = make_account(debtor, reference=f"ACC-{mark}", description=f"Phone {mark}")
    entry = LedgerEntry(
        account=account, kind="payment", amount=-1_000, effective_date=date(2026, 2, 1), external_ref=f"pi_{mark}"
    )
    db.session.add(entry)
    db.session.flush()
    payment = Payment(
        reference=f"P-{mark}",
        idempotency_key=f"key-{mark}",
        account_id=account.id,
        debtor_id=debtor.id,
        amount=1_000,
        currency=account.currency,
        status="succeeded",
        payment_intent_id=f"pi_{mark}",
        payment_method_id=f"pm_{mark}",
        card_brand="visa",
        card_last4="4242",
        ledger_entry_id=entry.id,
    )
    plan = Plan(
        reference=f"PL-{mark}",
        debtor_id=debtor.id,
        account_id=account.id,
        status="active",
        kind="plan",
        source="proposal",
        frequency="monthly",
        currency=account.currency,
        balance_at_start=100_000,
        total=100_000,
        instalment_amount=10_000,
        first_date=date(2026, 3, 1),
        pause_reason=f"Pause {mark}",
        payment_method_id=f"pm_plan_{mark}",
        card_brand="visa",
        card_last4="4242",
    )
    db.session.add_all([payment, plan])
    db.session.flush()
    db.session.add_all(
        [
            Instalment(plan_id=plan.id, number=1, due_date=date(2026, 3, 1), amount=10_000),
            Agreement(plan_id=plan.id, debtor_id=debtor.id, version="1", language="en", text=f"I agree {mark}"),
            Budget(
                debtor_id=debtor.id,
                jurisdiction="UK",
                currency="GBP",
                mode="quick",
                lines={"rent": {"amount": 50_000, "frequency": "monthly"}},
                explanations={"rent": f"Rent {mark}"},
            ),
            Dispute(
                reference=f"D-{mark}",
                account_id=account.id,
                debtor_id=debtor.id,
                reason="not_mine",
                details=f"Not mine {mark}",
                account_status_before="open",
                attachment_key=f"key-{mark}.pdf",
                attachment_filename=f"letter-{mark}.pdf",
                attachment_content_type="application/pdf",
                attachment_size=12_345,
                attachment_sha256="0" * 64,
            ),
            Hold(
                debtor_id=debtor.id,
                kind="breathing_space",
                starts_on=date(2026, 1, 1),
                ends_on=date(2026, 3, 2),
                note=f"Hold {mark}",
            ),
            ContactPreference(debtor_id=debtor.id, contact_at_work=False, windows=["evening"]),
            OutboundMessage(debtor_id=debtor.id, channel="email", template="receipt", state="sent"),
            LinkRequest(debtor_id=debtor.id, reason="expired", contact=f"Call me {mark}"),
            ContactChange(debtor_id=debtor.id, kind="email", new_value=f"new.{mark}@example.org"),
            CallBack(
                debtor_id=debtor.id,
                status="done",
                slot_start=datetime(2026, 2, 2, 9, tzinfo=UTC),
                slot_end=datetime(2026, 2, 2, 11, tzinfo=UTC),
                reason="plan",
                note=f"Call me {mark} in the morning",
                phone="07700 900123",
                done_note=f"Called {mark}",
            ),
        ]
    )
    kept = circumstances.disclose(debtor, kinds=["illness"], helps=["pause"], details=f"Kept {mark}", consented=True)
    withdrawn = circumstances.disclose(debtor, kinds=["income"], helps=[], details=f"Gone {mark}", consented=True)
    circumstances.withdraw_consent(withdrawn)
    messages.start_thread(debtor, f"Question {mark}", f"Hello {mark}")
    emit("dispute.opened", debtor=debtor, reference=f"D-{mark}")
    record("session.started", actor_type="debtor", actor_id=debtor.id, debtor_id=debtor.id, note=f"Audit {mark}")
    db.session.commit()
    token = make_link(debtor).rsplit("/", 1)[1]
    return {"kept": kept.reference, "token": token, "email": debtor.email, "name": debtor.full_name}


@pytest.fixture
def two_debtors(app, uk_debtor):
    """Sarah and Tom owe the same creditor, and we hold one of everything about each."""
    tom = make_debtor(uk_debtor.creditor, full_name="Tom Brown", email="tom@example.co.uk")
    db.session.commit()
    return uk_debtor, _everything(uk_debtor, "SARAH"), tom, _everything(tom, "TOMMY")


def _download(browser):
    return browser.post("/my-data")


def test_the_download_page_says_what_is_in_the_file_and_offers_one_button(app, uk_debtor):
    response = _signed_in(app, uk_debtor).get("/my-data")
    assert response.status_code == 200
    text = main_text(response)
    assert "Download a copy of your information" in text
    assert "It does not have your card number, because we never see it." in text
    assert response.get_data(as_text=True).count('class="button"') == 1
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "privacy.data_downloaded")) is None


def test_the_download_holds_everything_we_keep_about_the_debtor(app, two_debtors):
    sarah, hers, _tom, _his = two_debtors
    response = _download(_signed_in(app, sarah))
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="my-information-harbour-credit-')
    assert response.headers["Cache-Control"] == "no-store"
    data = json.loads(response.get_data(as_text=True))
    assert data["about_this_file"]["held_by"]["email"] == "privacy@harbour.example"
    assert data["your_details"]["full_name"] == "Sarah Jones" and data["your_details"]["date_of_birth"] == "1980-05-17"
    accounts = {account["reference"]: account for account in data["accounts"]}
    assert accounts["ACC-SARAH"]["balance"] == 99_000 and len(accounts["ACC-SARAH"]["ledger"]) == 2
    [payment] = data["payments"]
    assert (payment["reference"], payment["card_brand"], payment["card_last4"]) == ("P-SARAH", "visa", "4242")
    [plan] = data["plans"]
    assert plan["reference"] == "PL-SARAH" and plan["instalments"][0]["amount"] == 10_000
    assert data["agreements"][0]["text"] == "I agree SARAH"
    assert data["budgets"][0]["explanations"] == {"rent": "Rent SARAH"}
    [dispute] = data["disputes"]
    assert dispute["attachment"] == {"filename": "letter-SARAH.pdf", "size": 12_345, "type": "application/pdf"}
    assert [c["details"] for c in data["circumstances"]] == ["Kept SARAH", None]
    assert data["holds"][0]["note"] == "Hold SARAH"
    assert data["contact_preferences"]["contact_at_work"] is False
    assert data["messages"][0]["messages"][0]["body"] == "Hello SARAH"
    assert data["emails_and_texts_to_you"][0]["template"] == "receipt"
    assert {"reference": "D-SARAH"} in [event["data"] for event in data["updates_to_the_creditor"]]
    assert data["new_link_requests"][0]["contact"] == "Call me SARAH"
    assert data["contact_details_given"][0]["new_value"] == "new.SARAH@example.org"
    [call_back] = data["call_backs"]
    assert (call_back["note"], call_back["done_note"]) == ("Call me SARAH in the morning", "Called SARAH")
    assert "code_hash" not in data["contact_details_given"][0]
    assert len(data["sign_in_links"]) >= 2
    assert "circumstances.consent_withdrawn" in {event["action"] for event in data["activity"]}
    assert hers["kept"] in response.get_data(as_text=True)


def test_the_download_never_holds_anything_about_another_debtor(app, two_debtors):
    sarah, _hers, _tom, his = two_debtors
    text = _download(_signed_in(app, sarah)).get_data(as_text=True)
    assert "TOMMY" not in text
    for private in his.values():
        assert private not in text


def test_the_download_has_no_card_numbers_tokens_attachment_keys_or_withdrawn_words(app, two_debtors):
    sarah, hers, _tom, _his = two_debtors
    text = _download(_signed_in(app, sarah)).get_data(as_text=True)
    for secret in (hers["token"], "pm_SARAH", "pm_plan_SARAH", "key-SARAH", "Gone SARAH", "public_id"):
        assert secret not in text, secret


def test_words_kept_without_consent_never_leave_even_if_a_row_still_has_them(app, uk_debtor):
    told = circumstances.disclose(uk_debtor, kinds=["illness"], helps=[], details="x", consented=True)
    told.details, told.consent_withdrawn_at = "Left behind", datetime.now(UTC) - timedelta(days=1)
    db.session.commit()
    assert "Left behind" not in _download(_signed_in(app, uk_debtor)).get_data(as_text=True)


def test_each_download_is_audited(app, uk_debtor):
    browser = _signed_in(app, uk_debtor)
    _download(browser)
    [audit] = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "privacy.data_downloaded"))
    assert (audit.actor_type, audit.actor_id, audit.debtor_id) == ("debtor", uk_debtor.id, uk_debtor.id)


def test_the_download_needs_a_signed_in_debtor_and_the_csrf_token(app, client, uk_debtor):
    assert Browser(client).post("/my-data").status_code == 302
    assert client.get("/my-data").status_code == 302
    assert Browser(client).post("/my-data").headers["Location"] == "/?next=%2Fmy-data"
    assert client.get("/my-data").headers["Location"] == "/?next=%2Fmy-data"
    browser = _signed_in(app, uk_debtor)
    assert browser.client.post("/my-data").status_code == 400
    assert "The form had expired or was sent twice" in main_text(browser.client.post("/my-data"))
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "privacy.data_downloaded")) is None
