"""Documents a debtor keeps: every payment with its receipt, a statement for any period (page and PDF), and a
"paid in full" letter once a payment clears the balance; each only ever the debtor's own."""

from datetime import timedelta

import pytest

from portal import clock
from portal.extensions import db
from portal.models import AuditEvent, LedgerEntry
from portal.models.account import LedgerWording
from tests.conftest import Browser, csrf_from, main_text
from tests.factories import make_account, make_debtor, make_link, make_payment, make_uk_creditor
from tests.pdf_text import pdf_text
from tests.staff_support import StaffBrowser, make_staff


def _entry(account, kind: str, amount: int, day, n: str, **fields) -> LedgerEntry:
    entry = LedgerEntry(
        account_id=account.id, kind=kind, amount=amount, effective_date=day, external_ref=f"doc:{n}", **fields
    )
    db.session.add(entry)
    db.session.flush()
    return entry


@pytest.fixture
def debtor(app, browser):
    """Ana López at Harbour Credit (UK), with a card account whose ledger runs over the last 40 days."""
    creditor = make_uk_creditor(name="Harbour Crédit", phone="0113 496 0321")
    debtor = make_debtor(creditor, full_name="Ana López")
    db.session.commit()
    browser.sign_in(make_link(debtor), debtor)
    return debtor


@pytest.fixture
def account(debtor):
    """Owed £1,000 forty days ago; £25 interest thirty days ago; a £100 card payment and a £50 payment posted by
    the creditor twenty days ago; a £10 fee ten days ago. Balance now £885."""
    today = clock.today_for(debtor)
    account = make_account(
        debtor,
        [("itemization", 100_000)],
        description="Tarjeta de crédito",
        reference="4417-2291",
        original_reference="OLD-77",
        itemization_date=today - timedelta(days=40),
    )
    _entry(account, "interest", 2_500, today - timedelta(days=30), "interest", wording=LedgerWording.CREDITOR_ITEM)
    # a card payment through the portal (it has a receipt), then one the creditor posted
    card = make_payment(debtor, account, "doc-card", amount=10_000)
    paid = _entry(
        account,
        "payment",
        -10_000,
        today - timedelta(days=20),
        "card",
        wording=LedgerWording.CARD_PAYMENT,
        reference=card.reference,
    )
    card.status, card.ledger_entry_id, card.succeeded_at = "succeeded", paid.id, clock.now()
    _entry(account, "payment", -5_000, today - timedelta(days=20), "posted", description="Bank transfer")
    _entry(account, "fee", 1_000, today - timedelta(days=10), "fee", wording=LedgerWording.CREDITOR_ITEM)
    db.session.commit()
    account.card_payment = card.reference
    return account


def _dates(prefix: str, day) -> dict:
    return {f"{prefix}-day": str(day.day), f"{prefix}-month": str(day.month), f"{prefix}-year": str(day.year)}


def _statement(browser, account, first, last):
    return browser.get(f"/accounts/{account.id}/statement", query_string=_dates("from", first) | _dates("to", last))


def _spanish(browser) -> None:
    page = browser.get("/accounts/").get_data(as_text=True)
    browser.client.post("/language", data={"csrf_token": csrf_from(page), "language": "es", "next": "/"})


# Payments


def test_the_payments_page_lists_card_payments_with_their_receipt_and_posted_ones_marked(browser, account):
    response = browser.get("/accounts/payments")
    text = main_text(response)
    assert f"Receipt for payment {account.card_payment}" in text
    assert f'href="/payments/{account.card_payment}/receipt"' in response.get_data(as_text=True)
    assert "Paid another way and recorded by Harbour Crédit: ask them for a receipt." in text
    assert "£100.00" in text and "£50.00" in text
    assert browser.get(f"/payments/{account.card_payment}/receipt").status_code == 200


def test_the_payments_page_lists_every_account_newest_first(browser, debtor, account):
    other = make_account(debtor, [("itemization", 5_000)], description="Phone contract")
    _entry(other, "payment", -1_234, clock.today_for(debtor), "newest")
    db.session.commit()
    text = main_text(browser.get("/accounts/payments"))
    assert text.index("Phone contract") < text.index("Tarjeta de crédito")
    assert text.index("£12.34") < text.index("£100.00")


def test_a_long_list_of_payments_is_paged(browser, debtor, account):
    today = clock.today_for(debtor)
    for n in range(30):
        _entry(account, "payment", -(100 + n), today - timedelta(days=5), f"many-{n}")
    db.session.commit()
    first = browser.get("/accounts/payments").get_data(as_text=True)
    assert first.count('class="when"') == 25
    older = first.split('href="/accounts/payments?before=')[1].split('"')[0]
    second = browser.get(f"/accounts/payments?before={older.replace('&amp;', '&')}").get_data(as_text=True)
    assert second.count('class="when"') == 32 - 25
    assert "Show older payments" not in second


def test_the_account_page_and_every_pages_footer_link_to_the_payments(browser, account):
    assert 'href="/accounts/payments"' in browser.get(f"/accounts/{account.id}").get_data(as_text=True)
    assert 'href="/accounts/payments"' in browser.get("/rights").get_data(as_text=True).split("<footer")[1]


def test_a_debtor_with_no_payments_is_told_so(browser, debtor):
    make_account(debtor)
    db.session.commit()
    assert "There are no payments on your accounts yet." in main_text(browser.get("/accounts/payments"))


def test_the_payments_page_never_lists_another_debtors_payments(app, browser, debtor, account):
    stranger = make_debtor(debtor.creditor)
    theirs = make_account(stranger, description="Their loan")
    make_payment(stranger, theirs, "theirs", status="succeeded", amount=7_777)
    db.session.commit()
    text = main_text(browser.get("/accounts/payments"))
    assert "Their loan" not in text and "£77.77" not in text


# The statement


def test_a_statement_shows_the_opening_balance_the_lines_of_the_period_and_the_closing_balance(
    browser, debtor, account
):
    today = clock.today_for(debtor)
    text = main_text(_statement(browser, account, today - timedelta(days=25), today - timedelta(days=15)))
    assert "Balance at the start £1,025.00" in text
    assert "Card payment : Reference" in text and "-£100.00 Balance £925.00" in text
    assert "Payment : Bank transfer -£50.00 Balance £875.00" in text
    assert "Balance at the end £875.00" in text
    assert "Interest" not in text.split("Balance at the start")[1]
    assert "Fee" not in text.split("Balance at the start")[1]
    assert "Ana López" in text and "4417-2291" in text and "OLD-77" in text


def test_a_statement_of_a_period_with_nothing_in_it_says_so(browser, debtor, account):
    today = clock.today_for(debtor)
    text = main_text(_statement(browser, account, today - timedelta(days=9), today))
    assert "Balance at the start £885.00" in text
    assert "Nothing was added to or taken off this account in this period." in text
    assert "Balance at the end £885.00" in text


def test_a_statement_without_dates_covers_the_whole_account_to_today(browser, debtor, account):
    text = main_text(browser.get(f"/accounts/{account.id}/statement"))
    assert "Balance at the start £0.00" in text
    assert "Balance on the itemization date" in text
    assert "Balance at the end £885.00" in text


@pytest.mark.parametrize(
    ("first", "last", "message", "box"),
    [
        (10, 20, "The start date must be the same as or before the end date", "from-day"),
        (5, -1, "The end date must be today or in the past", "to-day"),
        (-2, -3, "The start date must be today or in the past", "from-day"),
    ],
    ids=["from-after-to", "to-in-the-future", "from-in-the-future"],
)
def test_a_period_that_cannot_be_is_refused_with_a_message_beside_the_dates(
    browser, debtor, account, first, last, message, box
):
    today = clock.today_for(debtor)
    response = _statement(browser, account, today - timedelta(days=first), today - timedelta(days=last))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in main_text(response)
    assert f'href="#{box}"' in page
    assert "Balance at the start" not in page


def test_a_date_missing_a_part_or_not_a_date_is_refused(browser, debtor, account):
    query = {"from-day": "31", "from-month": "2", "from-year": "2026", "to-day": "1", "to-month": "", "to-year": "2026"}
    text = main_text(browser.get(f"/accounts/{account.id}/statement", query_string=query))
    assert "Start date must be a real date" in text
    assert "End date must include a month" in text


def test_the_statement_links_to_its_pdf_for_the_same_period(browser, debtor, account):
    today = clock.today_for(debtor)
    first = today - timedelta(days=25)
    page = _statement(browser, account, first, today).get_data(as_text=True)
    assert f"/accounts/{account.id}/statement.pdf?from={first.isoformat()}&amp;to={today.isoformat()}" in page


def test_the_statement_pdf_has_the_statements_text_and_is_a_download_never_stored(browser, debtor, account):
    today = clock.today_for(debtor)
    first = today - timedelta(days=25)
    response = browser.get(
        f"/accounts/{account.id}/statement.pdf?from={first.isoformat()}&to={(today - timedelta(days=15)).isoformat()}"
    )
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="statement-4417-2291-')
    assert "no-store" in response.headers["Cache-Control"]
    text = pdf_text(response.get_data())
    for expected in [
        "Harbour Crédit",
        "Statement of account",
        "Ana López",
        "4417-2291",
        "Tarjeta de crédito",
        "You owed £1,025.00 at the start of",
        "Card payment",
        "-£100.00",
        "Payment: Bank transfer",
        "£875.00",
        "You owed £875.00 at the end of",
    ]:
        assert expected in text, (expected, text)


def test_the_statement_pdf_is_in_the_pages_language_with_euros_and_accents(app, browser):
    creditor = make_uk_creditor(name="Crédito Ibérico", currency="EUR", locale="es_ES")
    debtor = make_debtor(creditor, full_name="José Núñez")
    account = make_account(debtor, [("itemization", 123_456)], description="Préstamo")
    db.session.commit()
    signed_in = Browser(app.test_client())
    signed_in.sign_in(make_link(debtor), debtor)
    _spanish(signed_in)
    response = signed_in.get(f"/accounts/{account.id}/statement.pdf")
    text = pdf_text(response.get_data())
    assert "Crédito Ibérico" in text and "José Núñez" in text and "Préstamo" in text
    assert "1234,56 €" in text.replace("\u00a0", " ").replace(".", "") or "1.234,56 €" in text.replace("\u00a0", " ")


def test_a_pdf_for_dates_that_cannot_be_goes_back_to_the_page_that_says_why(browser, debtor, account):
    tomorrow = clock.today_for(debtor) + timedelta(days=1)
    response = browser.get(f"/accounts/{account.id}/statement.pdf?to={tomorrow.isoformat()}")
    assert response.status_code == 302
    assert f"/accounts/{account.id}/statement?" in response.headers["Location"]


def test_another_debtors_statement_and_letter_are_not_found(app, browser, debtor, account):
    stranger = make_debtor(debtor.creditor)
    theirs = make_account(stranger, [("itemization", 1_000), ("payment", -1_000)])
    db.session.commit()
    for path in ("statement", "statement.pdf", "paid-in-full", "paid-in-full.pdf"):
        assert browser.get(f"/accounts/{theirs.id}/{path}").status_code == 404, path


# Paid in full


def _paid_off(debtor):
    today = clock.today_for(debtor)
    account = make_account(
        debtor,
        [("itemization", 30_000)],
        description="Mobile phone",
        reference="MOB-1",
        original_reference="ORIG-9",
        itemization_date=today - timedelta(days=30),
    )
    _entry(account, "payment", -10_000, today - timedelta(days=20), "part")
    _entry(account, "payment", -20_000, today - timedelta(days=12), "rest")
    db.session.commit()
    return account, today - timedelta(days=12)


def test_a_paid_off_account_has_a_paid_in_full_letter_with_the_day_it_was_paid(browser, debtor):
    account, paid_on = _paid_off(debtor)
    text = main_text(browser.get(f"/accounts/{account.id}/paid-in-full"))
    assert "Paid in full" in text
    assert f"was paid in full on {paid_on.day} {paid_on.strftime('%B')} {paid_on.year}" in text
    assert "MOB-1" in text and "ORIG-9" in text and "Harbour Crédit" in text and "Ana López" in text


def test_the_paid_in_full_letter_as_pdf(browser, debtor):
    account, paid_on = _paid_off(debtor)
    response = browser.get(f"/accounts/{account.id}/paid-in-full.pdf")
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == 'attachment; filename="paid-in-full-MOB-1.pdf"'
    assert "no-store" in response.headers["Cache-Control"]
    text = pdf_text(response.get_data())
    assert "Harbour Crédit" in text and "Ana López" in text and "MOB-1" in text and "ORIG-9" in text
    assert f"{paid_on.day} {paid_on.strftime('%B')} {paid_on.year}" in text


def test_the_dashboard_card_of_a_paid_account_links_to_its_letter(browser, debtor, account):
    paid, _ = _paid_off(debtor)
    page = browser.get("/accounts/").get_data(as_text=True)
    assert f'href="/accounts/{paid.id}/paid-in-full"' in page
    assert f'href="/accounts/{account.id}/paid-in-full"' not in page


def test_an_account_still_owing_has_no_letter_yet(browser, account):
    text = main_text(browser.get(f"/accounts/{account.id}/paid-in-full"))
    assert "Not paid in full yet" in text
    assert "You still owe £885.00" in text
    response = browser.get(f"/accounts/{account.id}/paid-in-full.pdf")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/accounts/{account.id}/paid-in-full")


def test_an_account_cleared_by_a_write_off_is_not_said_to_be_paid_in_full(browser, debtor):
    account = make_account(debtor, [("itemization", 10_000)])
    _entry(account, "write_off", -10_000, clock.today_for(debtor), "gone", wording=LedgerWording.WRITE_OFF)
    db.session.commit()
    text = main_text(browser.get(f"/accounts/{account.id}/paid-in-full"))
    assert "Not paid in full yet" in text
    assert "it was not cleared by payments" in text


# The console


def _agent(app, creditor):
    staff = StaffBrowser(app.test_client())
    staff.sign_in(make_staff(creditor, role="agent"))
    return staff


def test_an_agent_opens_the_debtors_statement_for_any_period_and_it_is_audited(app, debtor, account):
    staff = _agent(app, debtor.creditor)
    assert f"/staff/debtors/{debtor.id}/accounts/{account.id}/statement" in staff.get(
        f"/staff/debtors/{debtor.id}"
    ).get_data(as_text=True)
    today = clock.today_for(debtor)
    first, last = today - timedelta(days=25), today - timedelta(days=15)
    path = f"/staff/debtors/{debtor.id}/accounts/{account.id}/statement"
    text = main_text(staff.get(path, query_string=_dates("from", first) | _dates("to", last)))
    assert "Balance at the start £1,025.00" in text and "Balance at the end £875.00" in text
    event = db.session.scalar(
        db.select(AuditEvent).where(AuditEvent.action == "staff.opened_statement", AuditEvent.debtor_id == debtor.id)
    )
    assert event.detail["account"] == "4417-2291" and event.detail["first"] == first.isoformat()
    response = staff.get(f"{path}.pdf?from={first.isoformat()}&to={last.isoformat()}")
    assert response.mimetype == "application/pdf" and "no-store" in response.headers["Cache-Control"]
    assert "You owed £875.00 at the end of" in pdf_text(response.get_data())


def test_the_console_refuses_a_period_that_cannot_be(app, debtor, account):
    staff = _agent(app, debtor.creditor)
    tomorrow = clock.today_for(debtor) + timedelta(days=1)
    path = f"/staff/debtors/{debtor.id}/accounts/{account.id}/statement"
    assert "The end date must be today or in the past" in main_text(staff.get(f"{path}?to={tomorrow.isoformat()}"))


def test_a_pdf_asked_for_with_other_values_in_the_address_still_goes_back_to_the_page(browser, debtor, account):
    tomorrow = clock.today_for(debtor) + timedelta(days=1)
    response = browser.get(f"/accounts/{account.id}/statement.pdf?to={tomorrow.isoformat()}&account_id=999")
    assert response.status_code == 302
    assert "account_id" not in response.headers["Location"]


def test_the_documents_queries_do_not_grow_with_accounts_payments_or_entries(browser, debtor, account, count_queries):
    def counts() -> list[int]:
        found = []
        for path in (
            "/accounts/payments",
            f"/accounts/{account.id}/statement",
            f"/accounts/{account.id}/statement.pdf",
        ):
            with count_queries() as counter:
                assert browser.get(path).status_code == 200
            found.append(counter.count)
        return found

    before = counts()
    today = clock.today_for(debtor)
    for n in range(3):
        other = make_account(debtor, [("itemization", 5_000)])
        _entry(other, "payment", -100, today, f"other-{n}")
    for n in range(20):
        _entry(account, "payment", -100, today - timedelta(days=n % 5), f"more-{n}")
    db.session.commit()
    assert counts() == before
