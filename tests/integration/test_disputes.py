"""Disputing a debt: collection and reminders stop, the creditor hears, the debtor sees it, staff answer; asking
for money waits until the answer has reached the debtor."""

import io
from datetime import UTC, date, datetime, timedelta

import pytest

from portal import clock, gate
from portal.extensions import db
from portal.jobs.collect import collect
from portal.jobs.remind import remind
from portal.models import Account, AuditEvent, CreditorEvent, Dispute, Instalment
from portal.rights.service import disputes
from tests.conftest import main_text
from tests.factories import make_account, make_creditor, make_debtor, make_link, make_uk_creditor
from tests.plan_support import stored_plan

TODAY = date(2026, 11, 23)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def settings(tmp_path):
    return {"UPLOAD_FOLDER": str(tmp_path / "uploads"), "DISPUTE_ATTACHMENT_MAX_BYTES": 2_000}


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setattr(clock, "today_for", lambda debtor, now=None: TODAY)


@pytest.fixture
def debtor(app, browser):
    creditor = make_creditor(name="Northwind Recovery", is_debt_collector=True, mailing_address="PO Box 4410")
    debtor = make_debtor(creditor, full_name="Maria Garcia", email="maria@example.com")
    make_account(
        debtor,
        [("itemization", 92_000)],
        description="Hospital bill",
        reference="MED-88213",
        validation_notice_sent_on=date(2026, 11, 19),
    )
    db.session.commit()
    browser.sign_in(make_link(debtor), debtor)
    return debtor


def _account(debtor) -> Account:
    db.session.expire_all()
    return db.session.scalar(db.select(Account).where(Account.debtor_id == debtor.id))


def _dispute(browser, account, **fields):
    data = {"reason": "not_mine", "details": ""} | fields
    return browser.post(f"/accounts/{account.id}/validation", data, content_type="multipart/form-data")


def test_a_dispute_from_the_validation_page_pauses_collection_on_the_account(browser, debtor):
    account = _account(debtor)
    assert gate.may_ask_for_money(account, TODAY)

    response = _dispute(browser, account, details="I never had a bill from this hospital.")

    assert response.status_code == 303
    reference = response.headers["Location"].rsplit("/", 1)[-1]
    assert response.headers["Location"] == f"/disputes/{reference}"
    account = _account(debtor)
    assert account.status == "disputed"
    assert not gate.may_ask_for_money(account, TODAY)
    dispute = db.session.scalar(db.select(Dispute).where(Dispute.reference == reference))
    assert (dispute.reason, dispute.details, dispute.within_validation_period) == (
        "not_mine",
        "I never had a bill from this hospital.",
        True,
    )


def test_a_dispute_tells_the_creditor_and_is_audited(browser, debtor):
    account = _account(debtor)
    _dispute(browser, account, reason="already_paid")
    event = db.session.scalar(db.select(CreditorEvent).where(CreditorEvent.kind == "dispute.opened"))
    assert event.account_id == account.id and event.creditor_id == debtor.creditor_id
    assert event.data["reason"] == "already_paid"
    audit = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "dispute.opened"))
    assert (audit.actor_type, audit.actor_id, audit.debtor_id) == ("debtor", debtor.id, debtor.id)


def test_the_debtor_sees_the_dispute_and_its_status(browser, debtor):
    account = _account(debtor)
    location = _dispute(browser, account, reason="wrong_amount", details="It was $820.").headers["Location"]

    page = main_text(browser.get(location))
    assert "Your dispute" in page
    assert "We are checking it" in page
    assert "The amount is wrong" in page
    assert "It was $820." in page

    account_page = main_text(browser.get(f"/accounts/{account.id}"))
    assert "Status Disputed" in account_page
    assert "Your dispute We are checking it" in account_page
    assert "We will not ask you for payment on this account until we have answered." in account_page

    dashboard = main_text(browser.get("/accounts/"))
    assert "Your dispute: we are checking it" in dashboard


def test_a_dispute_stops_the_collect_job_charging_the_account(browser, debtor):
    account = _account(debtor)
    plan = stored_plan(account, [TODAY, TODAY + timedelta(days=30)], 46_000)
    db.session.commit()
    _dispute(browser, account)

    report = collect(_NoGateway(), today=TODAY)

    assert report.counts["paused"] == 1
    db.session.expire_all()
    assert db.session.get(Instalment, plan.instalments[0].id).status == "scheduled"


def test_a_dispute_stops_the_remind_job_reminding_about_the_account(browser, debtor):
    account = _account(debtor)
    stored_plan(account, [TODAY + timedelta(days=2), TODAY + timedelta(days=32)], 46_000)
    db.session.commit()
    _dispute(browser, account)

    report = remind(now=datetime(2026, 11, 23, 17, 0, tzinfo=UTC), days_before=3)

    assert report.counts == {"paused": 1}


def test_choosing_no_reason_asks_for_one_and_keeps_what_was_typed(browser, debtor):
    account = _account(debtor)
    response = browser.post(
        f"/accounts/{account.id}/validation", {"details": "Not mine"}, content_type="multipart/form-data"
    )
    assert response.status_code == 400
    text = main_text(response)
    assert "There is a problem" in text
    assert "Choose why you are disputing this debt" in text
    assert "Not mine" in text
    assert _account(debtor).status == "open"


def test_something_else_needs_a_few_words(browser, debtor):
    response = _dispute(browser, _account(debtor), reason="other")
    assert response.status_code == 400
    assert "Tell us what is wrong with this debt" in main_text(response)


def test_a_pdf_attachment_is_kept_outside_the_web_root_with_its_details(app, browser, debtor, tmp_path):
    response = _dispute(browser, _account(debtor), attachment=(io.BytesIO(PDF), "receipt.pdf"))

    assert response.status_code == 303
    dispute = db.session.scalar(db.select(Dispute))
    assert response.headers["Location"] == f"/disputes/{dispute.reference}"
    assert (dispute.attachment_filename, dispute.attachment_content_type, dispute.attachment_size) == (
        "receipt.pdf",
        "application/pdf",
        len(PDF),
    )
    stored = tmp_path / "uploads" / "disputes" / dispute.attachment_key
    assert stored.read_bytes() == PDF
    assert not stored.resolve().is_relative_to(app.static_folder)


def test_a_photo_named_without_an_extension_is_accepted_by_its_content(browser, debtor):
    response = _dispute(browser, _account(debtor), attachment=(io.BytesIO(PNG), "IMG"))
    assert response.status_code == 303
    assert response.headers["Location"] == f"/disputes/{db.session.scalar(db.select(Dispute)).reference}"
    assert db.session.scalar(db.select(Dispute)).attachment_content_type == "image/png"


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"MZ\x90\x00 a Windows program", "receipt.pdf"),  # a program dressed as a PDF
        (b"<html><script>alert(1)</script></html>", "photo.png"),  # a web page dressed as a photo
        (PDF, "receipt.pdf.exe"),  # a PDF with a program's name
        (b"PK\x03\x04 a zip file", "statement.zip"),
    ],
)
def test_an_attachment_of_the_wrong_type_is_rejected(browser, debtor, tmp_path, content, name):
    response = _dispute(browser, _account(debtor), attachment=(io.BytesIO(content), name))

    assert response.status_code == 400
    assert "The file must be a photo (JPG, PNG, WebP or HEIC) or a PDF" in main_text(response)
    assert db.session.scalar(db.select(Dispute)) is None
    assert not (tmp_path / "uploads" / "disputes").exists()


def test_an_attachment_over_the_size_limit_is_rejected(app, browser, debtor, tmp_path):
    big = PDF + b"0" * app.config["DISPUTE_ATTACHMENT_MAX_BYTES"]
    response = _dispute(browser, _account(debtor), attachment=(io.BytesIO(big), "statement.pdf"))

    assert response.status_code == 400
    assert "The file must be smaller than" in main_text(response)
    assert db.session.scalar(db.select(Dispute)) is None
    assert not (tmp_path / "uploads" / "disputes").exists()


@pytest.mark.parametrize("settings", [{"MAX_CONTENT_LENGTH": 20_000}], indirect=False)
def test_a_request_far_over_the_limit_is_refused_with_a_kind_page(browser, debtor, settings):
    account = _account(debtor)
    huge = PDF + b"0" * 30_000
    response = _dispute(browser, account, attachment=(io.BytesIO(huge), "scan.pdf"))

    assert response.status_code == 413
    assert "The file must be smaller than" in main_text(response)
    assert _account(debtor).status == "open"


def test_no_debtor_route_serves_attachments(app, browser, debtor):
    _dispute(browser, _account(debtor), attachment=(io.BytesIO(PDF), "receipt.pdf"))
    dispute = db.session.scalar(db.select(Dispute))
    served = [rule.rule for rule in app.url_map.iter_rules() if "attachment" in rule.rule or "upload" in rule.rule]
    assert served == ["/staff/disputes/<reference>/attachment"], "only the console serves attachments, to staff"
    from_the_console = browser.get(f"/staff/disputes/{dispute.reference}/attachment")
    assert from_the_console.status_code == 302 and "/staff/sign-in" in from_the_console.headers["Location"]
    page = browser.get(f"/disputes/{dispute.reference}").get_data(as_text=True)
    assert dispute.attachment_key not in page
    assert "receipt.pdf" in page
    assert browser.get(f"/static/../instance/uploads/disputes/{dispute.attachment_key}").status_code == 404
    assert "Page not found" in main_text(browser.get(f"/static/../instance/uploads/disputes/{dispute.attachment_key}"))


def test_disputing_twice_returns_the_open_dispute(browser, debtor):
    account = _account(debtor)
    first = _dispute(browser, account).headers["Location"]
    second = browser.post(
        f"/accounts/{account.id}/dispute", {"reason": "wrong_amount"}, content_type="multipart/form-data"
    )
    assert second.headers["Location"] == first
    assert db.session.scalar(db.select(db.func.count()).select_from(Dispute)) == 1


def test_a_uk_debtor_disputes_from_the_dispute_page(app, browser):
    debtor = make_debtor(make_uk_creditor(name="Harbour Credit"))
    account = make_account(debtor, description="Energy bill")
    db.session.commit()
    browser.sign_in(make_link(debtor), debtor)
    assert "Why are you disputing this debt?" in main_text(browser.get(f"/accounts/{account.id}/dispute"))

    response = browser.post(
        f"/accounts/{account.id}/dispute", {"reason": "already_paid"}, content_type="multipart/form-data"
    )

    assert response.status_code == 303
    assert response.headers["Location"] == f"/disputes/{db.session.scalar(db.select(Dispute)).reference}"
    assert _account(debtor).status == "disputed"
    assert db.session.scalar(db.select(Dispute)).within_validation_period is None


# Staff answer


def _open_dispute(browser, debtor) -> Dispute:
    _dispute(browser, _account(debtor), details="Not my hospital.")
    db.session.expire_all()  # the request changed the account: read it afresh
    return db.session.scalar(db.select(Dispute))


def test_upholding_a_dispute_closes_the_account_at_once(browser, debtor):
    dispute = _open_dispute(browser, debtor)
    disputes.resolve(dispute, outcome="upheld", note="We checked the hospital's records.", by="Sam", today=TODAY)
    db.session.commit()

    account = _account(debtor)
    assert (account.status, dispute.status) == ("closed", "resolved")
    page = main_text(browser.get(f"/disputes/{dispute.reference}"))
    assert "Answered" in page and "We agree with you. We have closed this account" in page
    assert "We checked the hospital's records." in page
    event = db.session.scalar(db.select(CreditorEvent).where(CreditorEvent.kind == "dispute.resolved"))
    assert event.data["outcome"] == "upheld"


@pytest.mark.parametrize(
    ("outcome", "words"),
    [
        ("confirmed", "We checked, and the debt is correct."),
        ("corrected", "We found a mistake and have corrected the debt."),
    ],
)
def test_confirming_a_dispute_keeps_collection_paused_until_the_answer_is_delivered(browser, debtor, outcome, words):
    dispute = _open_dispute(browser, debtor)
    disputes.resolve(dispute, outcome=outcome, note="We checked the hospital's records.", by="Sam", today=TODAY)
    db.session.commit()

    account = _account(debtor)
    assert (dispute.status, account.status) == ("awaiting_delivery", "disputed")
    assert not gate.may_ask_for_money(account, TODAY)
    page = main_text(browser.get(f"/disputes/{dispute.reference}"))
    assert "Answered" in page and words in page
    assert "We checked the hospital's records." in page
    assert "We will not ask you for payment on this account until we have sent you our answer." in page
    event = db.session.scalar(db.select(CreditorEvent).where(CreditorEvent.kind == "dispute.resolved"))
    assert (event.data["outcome"], event.data["awaiting_delivery"]) == (outcome, True)


def test_a_confirmed_dispute_still_stops_the_collect_and_remind_jobs(browser, debtor):
    account = _account(debtor)
    due = TODAY + timedelta(days=2)
    plan = stored_plan(account, [due, due + timedelta(days=30)], 46_000)
    db.session.commit()
    dispute = _open_dispute(browser, debtor)
    disputes.resolve(dispute, outcome="confirmed", note="Checked.", by="Sam", today=TODAY)
    db.session.commit()

    assert remind(now=datetime(2026, 11, 23, 17, 0, tzinfo=UTC), days_before=3).counts == {"paused": 1}
    assert collect(_NoGateway(), today=due).counts["paused"] == 1
    db.session.expire_all()
    assert db.session.get(Instalment, plan.instalments[0].id).status == "scheduled"


def test_while_the_answer_is_on_its_way_the_pages_ask_for_no_payment(browser, debtor):
    dispute = _open_dispute(browser, debtor)
    disputes.resolve(dispute, outcome="confirmed", note="Checked.", by="Sam", today=TODAY)
    db.session.commit()
    account = _account(debtor)

    account_page = main_text(browser.get(f"/accounts/{account.id}"))
    assert "We will not ask you for payment on this account until we have sent you our answer." in account_page
    assert "Pay what you can" not in account_page
    timeline = main_text(browser.get(f"/accounts/{account.id}/what-happens-next"))
    assert "Now We send you our answer" in timeline
    assert "Pay, or agree a plan" not in timeline
    assert "Our answer is ready" in main_text(browser.get("/accounts/"))
    assert "Dispute this debt" not in account_page


def test_a_dispute_cannot_be_resolved_twice_or_with_a_request_outcome(browser, debtor):
    dispute = _open_dispute(browser, debtor)
    with pytest.raises(disputes.WrongOutcome):
        disputes.resolve(dispute, outcome="answered", note="x", by="Sam", today=TODAY)
    disputes.resolve(dispute, outcome="confirmed", note="Checked.", by="Sam", today=TODAY)
    with pytest.raises(disputes.AlreadyResolved):
        disputes.resolve(dispute, outcome="upheld", note="Again.", by="Sam", today=TODAY)


def test_staff_list_and_resolve_disputes_from_the_command_line(app, browser, debtor):
    dispute = _open_dispute(browser, debtor)
    runner = app.test_cli_runner()

    listed = runner.invoke(args=["disputes", "list"])
    assert dispute.reference in listed.output and "not_mine" in listed.output and "Not my hospital." in listed.output

    result = runner.invoke(
        args=["disputes", "resolve", dispute.reference, "--outcome", "upheld", "--note", "Not yours.", "--by", "Sam"]
    )
    assert result.exit_code == 0, result.output
    assert "account MED-88213 is now closed" in result.output
    db.session.expire_all()
    assert db.session.get(Dispute, dispute.id).resolved_by == "Sam"

    again = runner.invoke(args=["disputes", "resolve", dispute.reference, "--outcome", "upheld", "--note", "x"])
    assert again.exit_code != 0 and "already resolved" in again.output


# The original creditor's name and address


def test_asking_for_the_original_creditor_pauses_collection_until_the_answer_is_delivered(browser, debtor):
    account = _account(debtor)
    response = browser.post(f"/accounts/{account.id}/original-creditor")
    assert response.status_code == 303

    request = db.session.scalar(db.select(Dispute))
    assert response.headers["Location"] == f"/disputes/{request.reference}"
    account = _account(debtor)
    assert (request.kind, account.status) == ("original_creditor", "open")
    assert not gate.may_ask_for_money(account, TODAY)
    assert "We are finding the details" in main_text(browser.get(f"/accounts/{account.id}/validation"))

    disputes.resolve(request, outcome="answered", note="Lakeside Bank, 1 Main St, Springfield", by="Sam", today=TODAY)
    db.session.commit()
    assert "Lakeside Bank, 1 Main St, Springfield" in main_text(browser.get(response.headers["Location"]))
    assert not gate.may_ask_for_money(_account(debtor), TODAY), "not until the answer has reached the debtor"

    disputes.record_delivery(request, channel="post", on=None, by="Sam", today=TODAY)
    db.session.commit()
    assert gate.may_ask_for_money(_account(debtor), TODAY)


def test_uk_accounts_have_no_original_creditor_request(app, browser):
    debtor = make_debtor(make_uk_creditor())
    account = make_account(debtor)
    db.session.commit()
    browser.sign_in(make_link(debtor), debtor)
    assert browser.post(f"/accounts/{account.id}/original-creditor").status_code == 404
    assert "Page not found" in main_text(browser.post(f"/accounts/{account.id}/original-creditor"))


# Helpers


class _NoGateway:
    """A payment gateway that must not be used: a paused account is never charged."""

    def __getattr__(self, name):
        raise AssertionError(f"the gateway was called ({name}) for a paused account")
